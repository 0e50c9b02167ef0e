"""--neko-url: the optional client of neko's API, against a double that holds every exchange to neko's spec.

What a user notices: who holds control in neko, neko's screen size, a chat line per agent action;
wrong credentials or an unreachable neko are one clear sentence and the browser tools keep working.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from browser_mcp.agent_action import AgentAction
from browser_mcp.neko import NekoClient, NekoError, NekoLink
from tests.support.agent import SERVER_COMMAND, Agent, server_env
from tests.support.chromium import PersonChromium, free_port
from tests.support.neko_double import ChatLine, NekoDouble, running_neko
from tests.support.person import Person
from tests.support.site import Site

AGENT = ("agent", "agent-secret")  # an admin account of the double
VIEWER = ("viewer", "viewer-secret")  # a member, not an admin


@pytest.fixture
def neko() -> Iterator[NekoDouble]:
    """A neko double; every test that uses it ends with zero exchanges off neko's spec."""
    with running_neko() as double:
        yield double
        assert not double.violations, "\n\n".join(double.violations)


def client_of(neko: NekoDouble, user: tuple[str, str] = AGENT, control_cache_s: float = 1.0) -> NekoClient:
    return NekoClient(neko.url, user=user[0], password=user[1], control_cache_s=control_cache_s)


def unreachable_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


# ---- the client ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token_in_cookie", [True, False], ids=["token-in-cookie", "token-in-body"])
async def test_login_then_control_screen_and_chat(token_in_cookie: bool) -> None:
    """Logged in (however neko hands out the token), the client reads who holds control, the
    screen size, and posts into the chat people see."""
    with running_neko(token_in_cookie=token_in_cookie, screen=(1280, 720, 25)) as neko:
        async with client_of(neko, control_cache_s=0) as client:
            identity = await client.login()
            assert identity.name == "agent" and identity.is_admin

            assert not (await client.control()).has_host
            alice = neko.person_takes_control("alice")
            control = await client.control()
            assert control.has_host and control.host_id == alice

            screen = await client.screen()
            assert (screen.width, screen.height, screen.rate) == (1280, 720, 25)

            await client.post_chat('agent: clicked button "Send".')
            assert neko.chat == [ChatLine("agent", 'agent: clicked button "Send".')]
        assert not neko.violations, "\n\n".join(neko.violations)


async def test_wrong_password_is_a_clear_sentence(neko: NekoDouble) -> None:
    async with client_of(neko, user=("agent", "nope")) as client:
        with pytest.raises(NekoError) as caught:
            await client.screen()
    assert str(caught.value) == "neko refused the login for user 'agent': wrong user name or password."


async def test_unreachable_neko_is_a_clear_sentence() -> None:
    url = unreachable_url()
    async with NekoClient(url, user="agent", password="x") as client:
        with pytest.raises(NekoError) as caught:
            await client.control()
    assert str(caught.value).startswith(f"neko at {url} is unreachable: ")


async def test_a_member_cannot_post_to_the_chat_and_is_told_why(neko: NekoDouble) -> None:
    async with client_of(neko, user=VIEWER) as client:
        with pytest.raises(NekoError) as caught:
            await client.post_chat("hello")
    assert str(caught.value) == (
        "neko says user 'viewer' is not an admin: posting to the chat needs an admin account."
    )
    assert neko.chat == []


async def test_an_expired_session_logs_in_again_once(neko: NekoDouble) -> None:
    """After neko forgot the session (a restart), the next call logs in again and succeeds."""
    async with client_of(neko) as client:
        await client.screen()
        neko.forget_sessions()
        assert (await client.screen()).width == 1920
    assert neko.logins == 2


async def test_a_token_instead_of_a_password(neko: NekoDouble) -> None:
    async with NekoClient(neko.url, token=neko.issue_token("agent")) as client:
        assert (await client.identify()).is_admin
        await client.post_chat("agent: navigated")
    assert neko.logins == 0 and neko.chat == [ChatLine("agent", "agent: navigated")]

    async with NekoClient(neko.url, token="not-a-token") as client:
        with pytest.raises(NekoError, match="neko refused the token given with --neko-token"):
            await client.screen()


async def test_control_is_asked_at_most_once_a_second(neko: NekoDouble) -> None:
    """Checking control before every agent action costs one request per second, not one per action."""
    async with client_of(neko) as client:
        for _ in range(5):
            await client.control()
    assert neko.requests.count("GET /api/room/control") == 1


async def test_the_double_rejects_what_neko_would_not_understand() -> None:
    """The double really holds requests to the spec: a wrong body or a missing token is a 400 and a
    recorded violation (so a client bug cannot pass unseen)."""
    with running_neko() as neko:
        async with httpx2.AsyncClient(base_url=neko.url) as http:
            bad_login = await http.post("/api/login", json={"username": 5})
            no_token = await http.get("/api/room/control")
        assert (bad_login.status_code, no_token.status_code) == (400, 400)
        assert len(neko.violations) == 2
        assert "5 is not of type 'string'" in neko.violations[0]
        assert "Security not found" in neko.violations[1]


# ---- what the server does with it -----------------------------------------------------------------


def link_to(url: str, *, chat: bool = True, busy: bool = True, user: tuple[str, str] = AGENT) -> NekoLink:
    return NekoLink(
        NekoClient(url, user=user[0], password=user[1], control_cache_s=0),
        chat=chat,
        control_counts_as_busy=busy,
    )


async def test_startup_check_logs_one_clear_line(neko: NekoDouble, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="browser_mcp.neko")
    link = link_to(neko.url)
    try:
        assert await link.check()
    finally:
        await link.close()
    assert [record.getMessage() for record in caplog.records] == [
        f"neko at {neko.url}: logged in as 'agent' (admin), screen 1920x1080@30; chat lines on."
    ]


@pytest.mark.parametrize("failure", ["wrong-password", "unreachable"])
async def test_startup_check_failure_is_one_warning(
    failure: str, neko: NekoDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="browser_mcp.neko")
    if failure == "wrong-password":
        link, expected = link_to(neko.url, user=("agent", "nope")), "wrong user name or password"
    else:
        link, expected = link_to(unreachable_url()), "is unreachable"
    try:
        assert not await link.check()
    finally:
        await link.close()
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert expected in record.getMessage() and "browser tools work without it" in record.getMessage()


async def test_a_person_holding_control_counts_as_busy_unless_turned_off(neko: NekoDouble) -> None:
    busy, relaxed = link_to(neko.url), link_to(neko.url, busy=False)
    try:
        assert not await busy.person_holds_control()
        neko.person_takes_control("alice")
        assert await busy.person_holds_control() and await busy.control_counts_as_busy()
        assert await relaxed.person_holds_control() and not await relaxed.control_counts_as_busy()
        neko.release_control()
        assert not await busy.control_counts_as_busy()
    finally:
        await busy.close()
        await relaxed.close()


async def test_an_unreachable_neko_never_counts_as_busy_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="browser_mcp.neko")
    link = link_to(unreachable_url())
    try:
        assert [await link.control_counts_as_busy() for _ in range(3)] == [False] * 3
    finally:
        await link.close()
    assert len(caplog.records) == 1 and "cannot ask neko who holds control" in caplog.records[0].getMessage()


async def test_a_neko_that_does_not_answer_costs_one_timeout_not_one_per_action(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """neko's port accepts connections but nothing answers: the first question waits out the client's
    timeout, the next ones (before every agent action) answer "nobody holds control" at once."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections wait in the backlog; nobody ever reads them
        client = NekoClient(
            f"http://127.0.0.1:{silent.getsockname()[1]}", user="agent", password="x", timeout_s=0.3
        )
        link = NekoLink(client, chat=False, control_counts_as_busy=True)
        try:
            started = time.monotonic()
            assert not await link.control_counts_as_busy()
            assert time.monotonic() - started >= 0.3
            started = time.monotonic()
            assert [await link.control_counts_as_busy() for _ in range(5)] == [False] * 5
            assert time.monotonic() - started < 0.1
        finally:
            await link.close()
    [warning] = caplog.records
    assert "did not answer within 0.3 s" in warning.getMessage()


async def test_chat_lines_are_fire_and_forget_and_failures_are_logged_once(
    neko: NekoDouble, caplog: pytest.LogCaptureFixture
) -> None:
    """A member account cannot post: every action still returns at once, one warning says why."""
    caplog.set_level(logging.INFO, logger="browser_mcp.neko")
    link = link_to(neko.url, user=VIEWER)
    await link.start()
    try:
        started = time.monotonic()
        for _ in range(3):
            link.on_action(AgentAction("click", "destructive", 'Clicked button "Send" [e12].', None, None))
        assert time.monotonic() - started < 0.05  # queued, not posted inside the call
        # startup check: login + screen; then three refused chat posts
        await anyio.to_thread.run_sync(lambda: neko.wait_for_requests(5))
    finally:
        await link.close()
    failures = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cannot post")]
    assert failures == [
        "cannot post into neko's chat: neko says user 'viewer' is not an admin: posting to the chat "
        "needs an admin account."
    ]
    assert neko.chat == []


# ---- through a real MCP client, on a real Chromium --------------------------------------------------


@asynccontextmanager
async def agent_with_stderr(*args: str) -> AsyncIterator[tuple[Agent, Path]]:
    """The agent over stdio, with the server's stderr in a file the test can read."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stderr.log"
        with path.open("w") as errlog:
            params = StdioServerParameters(
                command=SERVER_COMMAND[0], args=[*SERVER_COMMAND[1:], *args], env=server_env()
            )
            async with Client(stdio_client(params, errlog=errlog)) as client:
                yield Agent(client), path


async def wait_for_stderr(path: Path, text: str, timeout_s: float = 10) -> str:
    """Poll the server's stderr (a file: nothing to wait on) until `text` shows up."""
    deadline = time.monotonic() + timeout_s
    while text not in (content := await anyio.Path(path).read_text()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not in the server's stderr within {timeout_s} s:\n{content}")
        await anyio.sleep(0.05)
    return content


@pytest.mark.slow
async def test_agent_actions_show_up_in_nekos_chat(
    neko: NekoDouble, chromium: PersonChromium, person: Person, site: Site
) -> None:
    user, password = AGENT
    async with agent_with_stderr(
        "--cdp-url", chromium.cdp_url,
        "--neko-url", neko.url, "--neko-user", user, "--neko-password", password, "--neko-chat",
    ) as (agent, stderr):  # fmt: skip
        await agent.ok("navigate", url=site.url("/index.html"))
        snapshot = await agent.ok("snapshot")
        ref = snapshot.split('button "Click me" [ref=')[1].split("]")[0]
        await agent.ok("click", ref=ref)

        line = await anyio.to_thread.run_sync(lambda: neko.wait_for_chat(lambda c: "Click me" in c.text))
        assert line == ChatLine("agent", 'agent: clicked button "Click me".')
        assert any(c.text.startswith("agent: navigated: 'Home'") for c in neko.chat), neko.chat
        assert not any("snapshot" in c.text or "Tab t1" in c.text for c in neko.chat), neko.chat
        assert await (await person.tab_in_front()).locator("#count").text_content() == "Clicked 1 times"
        await wait_for_stderr(stderr, f"neko at {neko.url}: logged in as 'agent' (admin)")


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["wrong-password", "unreachable"])
async def test_browser_tools_work_when_neko_does_not(
    failure: str, neko: NekoDouble, chromium: PersonChromium, site: Site
) -> None:
    url, password, said = {
        "wrong-password": (neko.url, "nope", "neko refused the login for user 'agent': wrong user name"),
        "unreachable": (unreachable_url(), "agent-secret", "is unreachable"),
    }[failure]
    async with agent_with_stderr(
        "--cdp-url", chromium.cdp_url,
        "--neko-url", url, "--neko-user", "agent", "--neko-password", password, "--neko-chat",
    ) as (agent, stderr):  # fmt: skip
        assert "'Home'" in await agent.ok("navigate", url=site.url("/index.html"))
        assert 'button "Click me"' in await agent.ok("snapshot")
        assert "Clicked" in await agent.ok("click", selector="#count")
        log = await wait_for_stderr(stderr, said)
        assert "The browser tools work without it" in log
    assert neko.chat == []


# ---- options ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ("--neko-url http://h:8080 --neko-user agent", "--neko-user agent needs --neko-password"),
        ("--neko-url http://h:8080", "--neko-url needs a way to log in"),
        ("--neko-user agent --neko-password x", "needs --neko-url"),
        ("--neko-url h:8080 --neko-token t", "must be an http:// or https:// address"),
        ("--neko-url http://h:8080 --neko-token t --neko-user a --neko-password b", "either --neko-token or"),
    ],
    ids=["user-without-password", "no-credentials", "no-url", "url-without-scheme", "token-and-password"],
)
def test_neko_options_that_do_not_fit_stop_the_server_with_a_sentence(args: str, said: str) -> None:
    result = subprocess.run(
        [*SERVER_COMMAND, *args.split()],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert said in result.stderr
