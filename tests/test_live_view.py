"""The live view, as the person uses it: a second, real Chromium opens the page the server prints, sees
the shared tab, clicks and types into it, switches tabs and answers the agent from the bar."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest
import websockets
from playwright.async_api import Browser, Frame, Playwright

from tests.support.agent import SERVER_COMMAND, Agent, HttpServer, http_agent, server_env
from tests.support.chromium import PersonChromium, free_port
from tests.support.live import Viewer, viewer_browser
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

pytestmark = [pytest.mark.slow]  # each test starts an HTTP server and a second Chromium

LIVE_LINE = r"Live view: (\S+)"
# UPDATE_DOCS=1 writes the README's picture of the live view from the ask_user test.
DOCS = Path(__file__).resolve().parent.parent / "docs"
# The page turned green (the booking went through): its top left corner, as the canvas shows it.
GREEN_CORNER_JS = """(context) => {
  const d = context.getImageData(5, 5, 1, 1).data;
  return d[1] > 150 && d[0] < 80;
}"""


@pytest.fixture
def server(chromium: PersonChromium) -> Iterator[HttpServer]:
    running = HttpServer("--cdp-url", chromium.cdp_url, "--overlay-ms", "0", "--action-timeout", "2").start()
    yield running
    running.stop()


@pytest.fixture
async def live_agent(server: HttpServer) -> AsyncIterator[Agent]:
    async with http_agent(server.url) as client:
        yield client


@pytest.fixture
async def viewers(playwright: Playwright) -> AsyncIterator[Browser]:
    browser = await viewer_browser(playwright)
    yield browser
    await browser.close()


async def _open(viewers: Browser, server: HttpServer) -> Viewer:
    viewer = await Viewer.open(viewers, server.log_line(LIVE_LINE).group(1))
    await viewer.sees_frames()
    return viewer


async def _watching_booking(live_agent: Agent, viewers: Browser, server: HttpServer, site: Site) -> Viewer:
    """The agent opens the booking page; a viewer opens the live view and sees it."""
    await live_agent.ok("navigate", url=site.url("live.html"))
    viewer = await _open(viewers, server)
    await viewer.until_state("(s) => s.title === 'Live booking'")
    return viewer


async def _center(person: Person, selector: str) -> tuple[float, float]:
    page = await person.tab_in_front()
    box = await page.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def test_the_start_line_names_the_page_and_it_shows_the_persons_tab(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site
) -> None:
    assert server.log_line(LIVE_LINE).group(1) == f"{server.base}/"
    await live_agent.ok("navigate", url=site.url("live.html"))
    viewer = await _open(viewers, server)
    state = await viewer.until_state("(s) => s.title === 'Live booking'")
    assert state["connected"] and state["url"] == site.url("live.html")
    # The picture is the page: its white background, not the viewer's own.
    x, y = await _center(person, "#book")
    before = await viewer.pixel(x, y - 60)
    assert min(before) > 200, before


async def test_a_click_on_the_picture_clicks_the_page_and_counts_as_the_persons(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site
) -> None:
    viewer = await _watching_booking(live_agent, viewers, server, site)
    shown = await viewer.frames_drawn()
    await viewer.click(*await _center(person, "#book"))
    page = await person.tab_in_front()
    await page.wait_for_function("document.getElementById('status').textContent === 'Booked'")
    # The effect reaches the viewer's picture: the page turned green.
    await viewer.sees_frames(shown)
    await viewer.shows(GREEN_CORNER_JS)
    reply = await live_agent.ok("snapshot")
    assert 'Since your last step the person: clicked button "Book now" (in the live view)' in reply, reply
    log = await live_agent.ok("activity")
    line = next(line for line in log.splitlines() if 'clicked button "Book now"' in line)
    assert ", person (live view) on tab t1 'Live booking':" in line, log


async def test_typed_text_with_accents_and_a_dot_and_pasted_text_land_in_the_field(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site
) -> None:
    viewer = await _watching_booking(live_agent, viewers, server, site)
    await viewer.click(*await _center(person, "#name"))
    page = await person.tab_in_front()
    await page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
    await viewer.page.keyboard.type("Café 3.5")
    await page.wait_for_function("document.getElementById('name').value === 'Café 3.5'")
    # '.' reached the page as the Period key, not as Delete (which would have eaten a character).
    assert "Period" in await page.inner_text("#keys")
    assert "Delete" not in await page.inner_text("#keys")
    # Paste: the viewer's clipboard text is inserted into the shared page.
    await viewer.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await viewer.page.evaluate("navigator.clipboard.writeText(' — pasted')")
    await viewer.page.keyboard.press("Control+V")
    await page.wait_for_function("document.getElementById('name').value === 'Café 3.5 — pasted'")
    await viewer.page.keyboard.press("Backspace")
    await page.wait_for_function("document.getElementById('name').value === 'Café 3.5 — paste'")
    # The person is typing: the agent's next input action waits for them, and is told what they did.
    reply = await live_agent.ok("click", selector="#book")
    assert "Waited" in reply and "for the person to finish first" in reply, reply
    assert "typed 'Café 3.5 — paste' in 'Name' (in the live view)" in reply, reply


async def test_double_and_right_clicks_drags_and_the_wheel_reach_the_page(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site
) -> None:
    viewer = await _watching_booking(live_agent, viewers, server, site)
    x, y = await viewer.to_screen(*await _center(person, "#pad"))
    mouse = viewer.page.mouse
    await mouse.dblclick(x, y)
    await mouse.click(x, y, button="right")
    await mouse.move(x - 100, y)
    await mouse.down()
    await mouse.move(x + 100, y, steps=5)
    await mouse.up()
    page = await person.tab_in_front()
    await page.wait_for_function(
        "['dblclick', 'contextmenu', 'drag'].every((e) => document.getElementById('events').textContent.includes(e))"
    )
    assert "drag" in (dragged := await page.inner_text("#events")), dragged
    await mouse.wheel(0, 600)
    await page.wait_for_function("window.scrollY > 300")


async def test_the_view_follows_new_and_closed_tabs_and_the_bar_opens_and_closes_them(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site
) -> None:
    viewer = await _watching_booking(live_agent, viewers, server, site)
    other = await person.open_tab(site.url("two.html"))
    await viewer.until_state("(s) => s.title === 'Two' && s.tabs.length === 2")
    await other.close()
    await viewer.until_state("(s) => s.title === 'Live booking' && s.tabs.length === 1")
    await viewer.page.get_by_role("button", name="New tab").click()
    state = await viewer.until_state("(s) => s.tabs.length === 2 && s.url === 'about:blank'")
    opened = next(tab for tab in state["tabs"] if tab["current"])
    reply = await live_agent.ok("tabs")
    assert f"- {opened['id']}" in reply, reply
    assert "opened a new tab" in reply and "(in the live view)" in reply, reply
    await viewer.page.get_by_role("button", name="Close tab about:blank").click()
    await viewer.until_state("(s) => s.tabs.length === 1 && s.title === 'Live booking'")
    assert len(person.tabs) == 1


async def test_the_tab_strip_switches_tabs_and_the_agent_follows(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site
) -> None:
    await live_agent.ok("navigate", url=site.url("live.html"))
    await person.open_tab(site.url("two.html"))
    viewer = await _open(viewers, server)
    await viewer.until_state("(s) => s.title === 'Two' && s.tabs.length === 2")
    await viewer.page.get_by_role("button", name="Live booking", exact=True).click()
    state = await viewer.until_state("(s) => s.title === 'Live booking'")
    assert [tab["current"] for tab in state["tabs"]].count(True) == 1
    page = await person.tab_in_front()
    assert page.url == site.url("live.html")
    reply = await live_agent.ok("snapshot")
    assert "Live booking" in reply and "Page two" not in reply, reply
    # Opened in front on their own screen, then back to the first tab through the live view.
    assert "opened tab t2 'Two'" in reply and "in the background" not in reply, reply
    assert re.search(r"switched to tab t1 [^;]*\(in the live view\)", reply), reply


PINK_NEAR_JS = """([x, y, w, h]) => {
  // Any of the overlay's hot-pink pixels (#ff2d95) in the picture around the element.
  const c = document.getElementById('screen');
  const sx = c.width / window.liveView.frameWidth, sy = c.height / window.liveView.frameHeight;
  const d = c.getContext('2d').getImageData((x - 20) * sx, (y - 20) * sy, (w + 40) * sx, (h + 40) * sy).data;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 220 && d[i + 1] < 90 && d[i + 2] > 110) return true;
  return false;
}"""


async def test_what_the_agent_does_shows_in_the_picture_and_the_bar(
    chromium: PersonChromium, person: Person, viewers: Browser, site: Site
) -> None:
    server = HttpServer("--cdp-url", chromium.cdp_url).start()  # with the overlay, as by default
    try:
        async with http_agent(server.url) as agent:
            await agent.ok("navigate", url=site.url("live.html"))
            viewer = await _open(viewers, server)
            await viewer.until_state("(s) => s.title === 'Live booking'")
            assert (await viewer.pixel(5, 5))[1] > 200  # white
            ref = ref_of(await agent.ok("snapshot"), 'button "Book now"')
            page = await person.tab_in_front()
            box = await page.locator("#book").bounding_box()
            assert box is not None
            clicking = asyncio.ensure_future(agent.ok("click", ref=ref, element="Book now button"))
            # The person sees where the agent is about to click: its overlay is in the picture.
            area = [box["x"], box["y"], box["width"], box["height"]]
            await viewer.page.wait_for_function(PINK_NEAR_JS, arg=area, polling="raf")
            await clicking
            state = await viewer.until_state("(s) => s.agent.some((a) => a.text.includes('Book now'))")
            assert state["agent"][-1]["text"].startswith("Clicked"), state["agent"]
            await viewer.shows(GREEN_CORNER_JS)
    finally:
        server.stop()


async def test_ask_user_is_answered_from_the_bar(
    server: HttpServer, live_agent: Agent, person: Person, viewers: Browser, site: Site, tmp_path: Path
) -> None:
    await live_agent.ok("navigate", url=site.url("live.html"))
    await person.open_tab(site.url("two.html"))
    await next(tab for tab in person.tabs if tab.url == site.url("live.html")).bring_to_front()
    viewer = await _open(viewers, server)
    snapshot = await live_agent.ok("snapshot")
    await live_agent.ok("type", ref=ref_of(snapshot, 'textbox "Name"'), text="Ada Lovelace")
    await live_agent.ok("click", ref=ref_of(snapshot, 'button "Book now"'), element="Book now button")
    asking = asyncio.ensure_future(
        live_agent.call("ask_user", message="Which class?", choices=["Economy", "Business"])
    )
    banner = viewer.page.get_by_role("dialog", name="The agent asks you")
    await banner.get_by_role("button", name="Business").wait_for()
    await viewer.until_state("(s) => s.agent.length >= 3 && s.tabs.length === 2")
    # The picture in the README: the bar, the agent's question and the shared page behind it.
    shot = await viewer.page.screenshot(path=tmp_path / "live-view.png")
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    if os.environ.get("UPDATE_DOCS"):
        (DOCS / "live-view.png").write_bytes(shot)
    await banner.get_by_role("button", name="Business").click()
    reply = await asyncio.wait_for(asking, 10)
    assert not reply.is_error and "The person chose 'Business'." in reply.text, reply
    await viewer.until_state("(s) => s.ask === null")


async def test_two_viewers_one_stalled_the_other_still_gets_frames(
    server: HttpServer, live_agent: Agent, viewers: Browser, site: Site
) -> None:
    await live_agent.ok("navigate", url=site.url("live.html") + "#spin")
    viewer = await _open(viewers, server)
    socket_url = server.base.replace("http://", "ws://") + "/live/ws"
    # A viewer that reads two frames and then stops reading and acknowledging (a frozen tab).
    async with websockets.connect(socket_url, origin=websockets.Origin(server.base)) as stalled:
        frames = 0
        while frames < 2:
            if isinstance(await stalled.recv(), bytes):
                frames += 1
        seen = await viewer.frames_drawn()
        await viewer.sees_frames(seen + 20, timeout_ms=5_000)


# ---- access ------------------------------------------------------------------------------------------

TOKEN = "live-test-token"


@pytest.fixture
def token_server(chromium: PersonChromium) -> Iterator[HttpServer]:
    running = HttpServer("--cdp-url", chromium.cdp_url, "--token", TOKEN, "--overlay-ms", "0").start()
    yield running
    running.stop()


async def test_with_a_token_the_start_link_works_once_and_nothing_opens_without_it(
    token_server: HttpServer, viewers: Browser
) -> None:
    link = token_server.log_line(LIVE_LINE).group(1)
    assert TOKEN not in "".join(token_server.lines)
    assert link.startswith(f"{token_server.base}/live/join/")
    viewer = await Viewer.open(viewers, link)
    assert viewer.page.url == f"{token_server.base}/"  # a clean address: the code is gone
    await viewer.sees_frames()
    cookie = next(c for c in await viewer.context.cookies() if c["name"] == "browser_mcp_live")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    again = await Viewer.open(viewers, link)
    assert "used already" in await again.page.inner_text("body")

    async with httpx2.AsyncClient() as http:
        page = await http.get(f"{token_server.base}/")
        assert page.status_code == 401 and "token" in page.text
        assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
        login = await http.post(
            f"{token_server.base}/live/login",
            content="token=wrong",
            headers={"Origin": token_server.base, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert login.status_code == 401
    socket_url = token_server.base.replace("http://", "ws://") + "/live/ws"
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(socket_url, origin=websockets.Origin(token_server.base))
    assert refused.value.response.status_code == 403
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with pytest.raises(websockets.InvalidStatus) as foreign:
        await websockets.connect(
            socket_url, origin=websockets.Origin("http://evil.example"), additional_headers=bearer
        )
    assert foreign.value.response.status_code == 403
    async with websockets.connect(
        socket_url, origin=websockets.Origin(token_server.base), additional_headers=bearer
    ) as fine:
        assert json.loads(await _first_text(fine))["mode"] == "interact"


async def _first_text(socket: websockets.ClientConnection) -> str:
    while True:
        message = await socket.recv()
        if isinstance(message, str):
            return message


async def test_behind_a_proxy_links_use_the_public_address_and_a_secure_cookie(
    chromium: PersonChromium,
) -> None:
    public = "https://browser.example.com"
    server = HttpServer("--cdp-url", chromium.cdp_url, "--token", TOKEN, "--public-url", public).start()
    try:
        link = server.log_line(LIVE_LINE).group(1)
        assert link.startswith(f"{public}/live/join/"), link
        local = link.replace(public, server.base)
        async with httpx2.AsyncClient() as http:
            # As the proxy forwards it: the public Host is accepted; the cookie only travels over https.
            joined = await http.get(local, headers={"Host": "browser.example.com"})
            assert joined.status_code == 303 and joined.headers["location"] == "/"
            assert "secure" in joined.headers["set-cookie"].lower()
            assert (await http.get(f"{server.base}/", headers={"Host": "evil.example"})).status_code == 421
    finally:
        server.stop()


async def test_a_view_link_watches_but_cannot_act_and_revoking_it_closes_the_view(
    token_server: HttpServer, person: Person, site: Site
) -> None:
    page = await person.tab_in_front()
    await page.goto(site.url("live.html"))
    async with http_agent(token_server.url, token=TOKEN) as agent:
        reply = await agent.ok("live_link", mode="view", expires_s=60)
        link = next(word for word in reply.split() if "/live/join/" in word)
        link_id = reply.split("(")[1].split(",")[0]
        async with httpx2.AsyncClient() as http:
            joined = await http.get(link)
            assert joined.status_code == 303
            cookie = joined.cookies["browser_mcp_live"]
        socket_url = token_server.base.replace("http://", "ws://") + "/live/ws"
        async with websockets.connect(
            socket_url,
            origin=websockets.Origin(token_server.base),
            additional_headers={"Cookie": f"browser_mcp_live={cookie}"},
        ) as view:
            assert json.loads(await _first_text(view))["mode"] == "view"
            box = await page.locator("#book").bounding_box()
            assert box is not None
            for action in ("down", "up"):
                await view.send(
                    json.dumps({"type": "mouse", "action": action, "x": 0.1, "y": 0.2, "button": "left"})
                )
            refusal = json.loads(await _first_text(view))
            assert refusal == {
                "type": "error",
                "message": "This live view is view-only: you can watch, not act.",
            }
            assert await page.inner_text("#status") == "Not booked"
            assert "Revoked 1 link" in await agent.ok("live_link", revoke=link_id)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await view.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


# ---- where it is served ------------------------------------------------------------------------------


def _stdio_server(*args: str) -> subprocess.Popen[str]:
    """browser-mcp over stdio, as an MCP client starts it (stdin open, nothing sent yet)."""
    return subprocess.Popen(
        [*SERVER_COMMAND, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(),
    )


def _live_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(LIVE_LINE, line)
        if found:
            return found.group(1)
    raise AssertionError("no 'Live view:' line")


async def test_in_stdio_mode_the_live_view_has_its_own_port_or_the_next_free_one(
    chromium: PersonChromium,
) -> None:
    port = free_port()
    first = _stdio_server("--cdp-url", chromium.cdp_url, "--live-port", str(port))
    second: subprocess.Popen[str] | None = None
    try:
        assert _live_line(first) == f"http://127.0.0.1:{port}/"
        second = _stdio_server("--cdp-url", chromium.cdp_url, "--live-port", str(port))
        other = _live_line(second)
        assert other != f"http://127.0.0.1:{port}/" and other.startswith("http://127.0.0.1:")
        async with httpx2.AsyncClient() as http:
            for url in (f"http://127.0.0.1:{port}/", other):
                page = await http.get(url)
                assert page.status_code == 200 and '<canvas id="screen"' in page.text
                assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
            rebinding = await http.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"})
            assert rebinding.status_code == 421
    finally:
        started = [process for process in (first, second) if process is not None]
        for process in started:
            assert process.stdin is not None
            process.stdin.close()  # the client went away: the server (and its live view) stops
        for process in started:
            assert process.wait(10) == 0


async def test_no_live_view_serves_nothing_at_the_root(chromium: PersonChromium) -> None:
    server = HttpServer("--cdp-url", chromium.cdp_url, "--no-live-view").start()
    try:
        server.log_line("Serving MCP over Streamable HTTP")
        async with httpx2.AsyncClient() as http:
            assert (await http.get(f"{server.base}/")).status_code == 404
        assert not any("Live view" in line for line in server.lines)
        async with http_agent(server.url) as agent:
            assert "--no-live-view" in await agent.fails("live_link")
    finally:
        server.stop()


async def _frames_drawn(frame: Frame) -> int:
    return int(await frame.evaluate("window.liveView ? window.liveView.framesDrawn : 0"))


async def test_the_live_view_shows_in_an_iframe_only_on_the_pages_allowed(
    chromium: PersonChromium, site: Site, viewers: Browser
) -> None:
    """--live-frame-ancestors lets a desk page at that origin embed it; any other page may not."""
    server = HttpServer("--cdp-url", chromium.cdp_url, "--live-frame-ancestors", site.base).start()
    # Not bypassing CSP here: the browser must enforce frame-ancestors as it would for a person.
    context = await viewers.new_context()
    desk = f"/desk?src={quote(server.base + '/')}"
    try:
        allowed, foreign = await context.new_page(), await context.new_page()
        await allowed.goto(site.url(desk))
        await foreign.goto(site.url(desk).replace("http://127.0.0.1", "http://localhost", 1))
        for page in (allowed, foreign):
            await page.wait_for_function("document.body.dataset.loaded === '1'")
        embedded, refused = allowed.frames[1], foreign.frames[1]
        deadline = asyncio.get_running_loop().time() + 10
        while not await _frames_drawn(embedded):
            assert asyncio.get_running_loop().time() < deadline, "the embedded live view drew no frame"
            await embedded.wait_for_timeout(50)
        assert refused.url == "chrome-error://chromewebdata/", refused.url
    finally:
        await context.close()
        server.stop()
