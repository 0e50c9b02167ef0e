"""The neko recipe (deploy/neko), tested on its browser half.

Debian Chromium runs headed on an X display exactly as neko's image runs it (its wrapper, the flags
from neko's supervisord.conf, neko's managed policy) with the recipe's files mounted where compose
mounts them. neko itself cannot run here; its browser can.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Playwright, expect

from tests.support.agent import stdio_agent
from tests.support.display import XvfbDisplay
from tests.support.neko_chromium import (
    NEKO_POLICY,
    RECIPE_FLAGS,
    RECIPE_POLICY,
    RECIPE_PORT,
    NekoChromium,
)
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of


@pytest.fixture(scope="module")
def display() -> Iterator[XvfbDisplay]:
    with XvfbDisplay() as screen:
        yield screen


def devtools_version(cdp_url: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{cdp_url}/json/version", timeout=5) as reply:
        version: dict[str, str] = json.load(reply)
    return version


def open_tabs(cdp_url: str) -> list[str]:
    """The URLs of the tabs in the browser window, as the DevTools HTTP endpoint lists them."""
    with urllib.request.urlopen(f"{cdp_url}/json/list", timeout=5) as reply:
        targets: list[dict[str, str]] = json.load(reply)
    return [target["url"] for target in targets if target["type"] == "page"]


def websocket_handshake_status(ws_url: str, port: int, origin: str) -> int:
    """The HTTP status Chromium answers a WebSocket upgrade sent with this Origin, as a web page's is."""
    path = urlsplit(ws_url).path
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request.encode())
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_recipe_policy_is_neko_s_own_with_devtools_allowed() -> None:
    """The person's browser behaves as neko ships it: the recipe changes one policy, DevTools 2 -> 1."""
    neko = json.loads(NEKO_POLICY.read_text())
    ours = json.loads(RECIPE_POLICY.read_text())

    assert neko["DeveloperToolsAvailability"] == 2
    assert ours == {**neko, "DeveloperToolsAvailability": 1}


def test_recipe_flags_open_the_port_compose_points_browser_mcp_at() -> None:
    """The chromium.d file opens 9222 (the CDP URL in compose) and allows no web page's origin."""
    flags = RECIPE_FLAGS.read_text()

    assert f"--remote-debugging-port={RECIPE_PORT}" in flags
    assert "--remote-allow-origins=*" not in flags


@pytest.mark.slow
async def test_neko_s_own_policy_refuses_the_agent_and_points_to_the_recipe(
    display: XvfbDisplay, site: Site
) -> None:
    """neko's image with only our flags file: the DevTools port is open (the file works through
    Debian's wrapper) but neko's policy disables DevTools; the agent is told so and where the fix is,
    and the person's browser is left as it was."""
    with NekoChromium(display.name, policy=None) as browser:
        assert devtools_version(browser.cdp_url)["webSocketDebuggerUrl"]
        tabs_before = len(open_tabs(browser.cdp_url))

        async with stdio_agent("--cdp-url", browser.cdp_url) as agent:
            errors = [
                await agent.fails("snapshot"),
                await agent.fails("navigate", url=site.url("/form.html")),
            ]

        for error in errors:
            assert "DevTools are disabled by policy" in error, error
            assert "deploy/neko" in error, error
            assert browser.cdp_url in error, error
        tabs_after = open_tabs(browser.cdp_url)
        assert len(tabs_after) == tabs_before, tabs_after  # no tab opened behind the refusal
        assert not any(url.startswith(site.base) for url in tabs_after), tabs_after


@pytest.mark.slow
async def test_with_the_recipe_the_agent_drives_the_browser_the_person_sees(
    display: XvfbDisplay, site: Site, playwright: Playwright
) -> None:
    """With both recipe files the agent attaches, and what it types and clicks shows in the headed
    browser the person watches; web pages still cannot open the DevTools socket."""
    with NekoChromium(display.name, policy=RECIPE_POLICY) as browser:
        version = devtools_version(browser.cdp_url)
        assert "HeadlessChrome" not in version["User-Agent"]  # a real window on the display, as in neko

        async with stdio_agent("--cdp-url", browser.cdp_url) as agent:
            reply = await agent.ok("navigate", url=site.url("/form.html"))
            assert "'Form'" in reply, reply
            snapshot = await agent.ok("snapshot")
            await agent.ok("type", ref=ref_of(snapshot, 'textbox "Passenger name"'), text="Ada")
            await agent.ok("click", ref=ref_of(snapshot, 'button "Book now"'))

            person = await Person.attach(playwright, browser.cdp_url)
            try:
                tab = await person.tab_in_front()
                await expect(tab).to_have_url(site.url("/form.html"))
                await expect(tab.locator("#name")).to_have_value("Ada")
                await expect(tab.locator("#out")).to_have_text("Submitted Ada /  / no meal / -")
            finally:
                await person.detach()

        web_page = site.base  # any site the person opens in that browser
        assert websocket_handshake_status(version["webSocketDebuggerUrl"], browser.port, web_page) == 403
