"""The browser going away (crash, restart, closed) is a clear message, and the next call reconnects."""

from __future__ import annotations

import contextlib
import socket
import time

import anyio
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Playwright

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium, free_port
from tests.support.person import Person
from tests.support.site import Site

pytestmark = pytest.mark.slow  # starts and kills browsers, or walks a 900 KB page


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


async def wait_port_closed(port: int, deadline_s: float = 10) -> None:
    """Poll (no event to wait for) until nothing listens on `port` any more."""
    deadline = time.monotonic() + deadline_s
    while accepts_connections(port):
        if time.monotonic() > deadline:
            raise AssertionError(f"port {port} still accepts connections after {deadline_s} s")
        await anyio.sleep(0.05)


async def front_url(playwright: Playwright, cdp_url: str) -> str:
    """What the person sees after the browser came back: a fresh connection, as a viewer would make."""
    person = await Person.attach(playwright, cdp_url)
    try:
        return (await person.tab_in_front()).url
    finally:
        await person.detach()


async def test_killed_browser_is_a_clear_error_and_a_restart_works(
    agent: Agent, chromium: PersonChromium, playwright: Playwright, site: Site
) -> None:
    """A call while the browser is down fails with a sentence (the server lives on); after the browser
    restarts on the same port, the next call works again."""
    await agent.ok("navigate", url=site.url("/index.html"))

    chromium.kill()
    first = await agent.fails("snapshot")
    second = await agent.fails("navigate", url=site.url("/two.html"))

    for error in (first, second):
        assert "browser" in error.lower(), error
        assert "went away" in error or "Cannot reach" in error, error
    assert chromium.cdp_url in second  # says which browser it tried to reach

    chromium.restart()
    reply = await agent.ok("navigate", url=site.url("/two.html"))

    assert "'Two'" in reply
    assert await front_url(playwright, chromium.cdp_url) == site.url("/two.html")


async def test_restart_between_calls_reconnects_with_a_note(
    agent: Agent, chromium: PersonChromium, playwright: Playwright, site: Site
) -> None:
    """The browser restarts between two calls: the next call just works, and says it reconnected."""
    await agent.ok("navigate", url=site.url("/index.html"))

    chromium.restart()
    reply = await agent.ok("navigate", url=site.url("/two.html"))

    assert reply.startswith("Note:") and "reconnected" in reply.splitlines()[0], reply
    assert "'Two'" in reply
    assert await front_url(playwright, chromium.cdp_url) == site.url("/two.html")


async def test_embedded_browser_is_shared_and_stopped_on_exit(playwright: Playwright, site: Site) -> None:
    """With no --cdp-url the server launches Chromium with a CDP port other tools can attach to;
    when the client goes away, that Chromium is stopped."""
    port = free_port()
    async with stdio_agent("--cdp-port", str(port), "--action-timeout", "2") as agent:
        reply = await agent.ok("navigate", url=site.url("/index.html"))
        assert "'Home'" in reply

        viewer = await playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}", no_defaults=True)
        try:
            urls = [page.url for context in viewer.contexts for page in context.pages]
            assert site.url("/index.html") in urls
            page = next(p for c in viewer.contexts for p in c.pages if p.url == site.url("/index.html"))
            assert await page.locator("h1").text_content() == "Home"
        finally:
            await viewer.close()

    await wait_port_closed(port)


async def test_embedded_browser_relaunches_after_it_was_closed(playwright: Playwright, site: Site) -> None:
    """The embedded browser is closed behind the server's back: the next call launches it again, on
    the same port, and works."""
    port = free_port()
    cdp_url = f"http://127.0.0.1:{port}"
    async with stdio_agent("--cdp-port", str(port), "--action-timeout", "2") as agent:
        await agent.ok("navigate", url=site.url("/index.html"))

        viewer = await playwright.chromium.connect_over_cdp(cdp_url, no_defaults=True)
        cdp = await viewer.new_browser_cdp_session()
        with contextlib.suppress(PlaywrightError):  # the connection drops as the browser closes
            await cdp.send("Browser.close")
        await wait_port_closed(port)

        reply = await agent.ok("navigate", url=site.url("/two.html"))

        assert "'Two'" in reply
        assert "reconnected" in reply, reply
        assert accepts_connections(port)
        assert await front_url(playwright, cdp_url) == site.url("/two.html")

    await wait_port_closed(port)
