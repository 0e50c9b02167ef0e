"""Streamable HTTP: both protocol eras, the bearer token, DNS-rebinding guards, several clients at once."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Literal

import anyio
import httpx2
import pytest
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS
from playwright.async_api import expect

from tests.support.agent import SERVER_COMMAND, Agent, HttpServer, http_agent, server_env
from tests.support.chromium import PersonChromium, free_port
from tests.support.person import Person
from tests.support.site import Site

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # each test starts an HTTP server process

TOKEN = "test-token-5f2c"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw-http-test", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def serve(*args: str) -> Iterator[HttpServer]:
    # WARNING: the test never reads the server's stderr, so keep it short.
    server = HttpServer(*args, "--action-timeout", "2", "--log-level", "WARNING").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http_server(chromium: PersonChromium) -> Iterator[HttpServer]:
    """browser-mcp --transport http attached to the person's browser, no token (loopback)."""
    yield from serve("--cdp-url", chromium.cdp_url)


@pytest.fixture
def token_server(chromium: PersonChromium) -> Iterator[HttpServer]:
    """The same, requiring `Authorization: Bearer TOKEN`."""
    yield from serve("--cdp-url", chromium.cdp_url, "--token", TOKEN)


async def raw_initialize(server: HttpServer, headers: dict[str, str]) -> httpx2.Response:
    """One raw JSON-RPC initialize POST to /mcp, as any HTTP client (or a hostile page) could send."""
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(20)) as http:
        return await http.post(server.url, content=json.dumps(INITIALIZE), headers={**MCP_HEADERS, **headers})


# --- both protocol eras ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_both_protocol_eras_list_tools_and_drive_the_persons_tab(
    http_server: HttpServer, person: Person, site: Site, mode: Literal["legacy", "auto"]
) -> None:
    """A legacy (initialize) client and a 2026-era client both see the tools and act on the person's tab."""
    async with http_agent(http_server.url, mode=mode) as agent:
        eras = HANDSHAKE_PROTOCOL_VERSIONS if mode == "legacy" else MODERN_PROTOCOL_VERSIONS
        assert agent.client.protocol_version in eras

        names = {tool.name for tool in (await agent.client.list_tools()).tools}
        assert {"navigate", "snapshot", "click", "tabs"} <= names

        reply = await agent.ok("navigate", url=site.url("/index.html"))
        assert "'Home'" in reply
        snapshot = await agent.ok("snapshot")
        assert 'button "Click me"' in snapshot and site.url("/index.html") in snapshot

        await agent.ok("click", selector="#count")
        tab = await person.tab_in_front()
        await expect(tab).to_have_url(site.url("/index.html"))
        await expect(tab.locator("#count")).to_have_text("Clicked 1 times")


# --- bearer token ----------------------------------------------------------------------------


async def test_token_is_required_and_checked(token_server: HttpServer, person: Person, site: Site) -> None:
    """--token: no Authorization or a wrong token gets HTTP 401 saying why; the right token works."""
    missing = await raw_initialize(token_server, {})
    assert missing.status_code == 401
    assert "missing bearer token" in missing.text
    assert missing.headers["www-authenticate"].startswith("Bearer")

    wrong = await raw_initialize(token_server, {"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert "wrong bearer token" in wrong.text

    right = await raw_initialize(token_server, {"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200

    async with http_agent(token_server.url, token=TOKEN, mode="legacy") as agent:
        await agent.ok("navigate", url=site.url("/two.html"))
    await expect(await person.tab_in_front()).to_have_title("Two")


async def test_health_check_answers_without_the_token(token_server: HttpServer) -> None:
    """/healthz (what the container's HEALTHCHECK calls) needs no token and says only that it is up."""
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(20)) as http:
        health = await http.get(token_server.url.removesuffix("/mcp") + "/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"


# --- DNS rebinding ---------------------------------------------------------------------------


async def test_dns_rebinding_host_and_origin_are_refused(http_server: HttpServer) -> None:
    """A page on evil.example that resolves to 127.0.0.1 cannot talk to the server: bad Host -> 421,
    bad Origin -> 403; the loopback Host and Origin the real clients send are accepted."""
    port = http_server.port

    bad_host = await raw_initialize(http_server, {"Host": "evil.example"})
    assert bad_host.status_code == 421

    bad_host_with_port = await raw_initialize(http_server, {"Host": f"evil.example:{port}"})
    assert bad_host_with_port.status_code == 421

    bad_origin = await raw_initialize(
        http_server, {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example"}
    )
    assert bad_origin.status_code == 403

    good = await raw_initialize(http_server, {"Host": f"127.0.0.1:{port}"})
    assert good.status_code == 200
    good_origin = await raw_initialize(
        http_server, {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}
    )
    assert good_origin.status_code == 200


# --- binding a public address ----------------------------------------------------------------


def test_public_address_without_a_token_refuses_to_start() -> None:
    """`--transport http --host 0.0.0.0` with no token exits 2 at once, saying a token is needed and why."""
    result = subprocess.run(
        [*SERVER_COMMAND, "--transport", "http", "--host", "0.0.0.0", "--port", str(free_port())],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=15,  # if it started serving instead, this fails the test (and kills it)
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "token" in result.stderr and "--token" in result.stderr
    assert "anyone who can reach it" in result.stderr  # the why
    assert "0.0.0.0" in result.stderr


# --- several clients at once -----------------------------------------------------------------

HEADER = re.compile(r"^Tab t\d+: '(?P<title>[^']*)' \((?P<url>[^)]*)\)$", re.MULTILINE)
HEADING = re.compile(r'heading "Stamp page (?P<who>\w)"')
ROUNDS = 3


async def stamp_rounds(agent: Agent, site: Site, who: str, seen: list[str]) -> None:
    """navigate to the client's own page, snapshot, click Stamp — ROUNDS times; check each reply."""
    for _ in range(ROUNDS):
        url = site.url(f"/stamps.html?who={who}")
        reply = await agent.ok("navigate", url=url)
        assert f"'Stamps {who}' ({url})" in reply, reply

        snapshot = await agent.ok("snapshot")
        header = HEADER.search(snapshot)
        heading = HEADING.search(snapshot)
        assert header and heading, snapshot
        # Whoever navigated last, the reply describes one page: its URL, title and content agree.
        shown = heading.group("who")
        assert header.group("url") == site.url(f"/stamps.html?who={shown}"), snapshot
        assert header.group("title") == f"Stamps {shown}", snapshot
        seen.append(shown)

        assert "Clicked" in await agent.ok("click", selector="#stamp", element="Stamp button")


async def test_two_clients_at_once_share_the_browser_consistently(
    http_server: HttpServer, person: Person, site: Site
) -> None:
    """Two MCP clients (one per protocol era) run call sequences at the same time on the one browser:
    every call succeeds, every reply is self-consistent, and no click is lost or doubled."""
    seen: dict[str, list[str]] = {"A": [], "B": []}

    async def client(who: str, mode: Literal["legacy", "auto"]) -> None:
        async with http_agent(http_server.url, mode=mode) as agent:
            await stamp_rounds(agent, site, who, seen[who])

    async with anyio.create_task_group() as group:
        group.start_soon(client, "A", "legacy")
        group.start_soon(client, "B", "auto")

    assert len(seen["A"]) == len(seen["B"]) == ROUNDS
    tab = await person.tab_in_front()
    stamps = json.loads(await tab.evaluate("sessionStorage.getItem('stamps') || '[]'"))
    assert len(stamps) == 2 * ROUNDS, stamps
    assert sorted(set(stamps)) <= ["A", "B"]
