"""The URL policy holds for every page load the agent causes: redirects (HTTP, script, meta refresh),
links, form posts and popups, stopped before the request leaves the browser; the person's own
browsing stays theirs unless the policy covers the whole browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site

ERROR_PAGE = "chrome-error://chromewebdata/"


def _blocked(site: Site, request: pytest.FixtureRequest) -> str:
    """The same local site under another origin (localhost instead of 127.0.0.1): the blocked one; a
    page of this test's own, so that the site's log tells whether it was ever asked for."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)
    return site.url(f"/landing-{name}.html").replace("127.0.0.1", "localhost")


def _server_args(chromium: PersonChromium, *extra: str) -> list[str]:
    return ["--cdp-url", chromium.cdp_url, "--overlay-ms", "0", "--blocked-origins", "localhost", *extra]


@pytest.fixture
async def guarded(chromium: PersonChromium) -> AsyncIterator[Agent]:
    async with stdio_agent(*_server_args(chromium)) as client:
        yield client


@pytest.fixture
async def kiosk(chromium: PersonChromium) -> AsyncIterator[Agent]:
    async with stdio_agent(*_server_args(chromium, "--url-policy-scope", "browser")) as client:
        yield client


def _never_reached(site: Site, request: pytest.FixtureRequest) -> None:
    path = "/" + _blocked(site, request).split("/", 3)[3]
    assert path not in site.paths_requested, site.paths_requested


async def _shows_the_blocked_page(person: Person) -> None:
    [page] = person.tabs  # the agent's one tab (no round trip: the page may be navigating)
    await _blocked_in(page)


async def _blocked_in(page: Page) -> None:
    """The tab shows Chromium's page for a load that was blocked (waiting may see the failure itself)."""
    try:
        await page.wait_for_url(ERROR_PAGE, timeout=5000)
    except PlaywrightError as exc:
        assert "net::ERR_BLOCKED_BY_CLIENT" in str(exc), exc


async def test_an_http_redirect_to_a_blocked_origin_is_stopped_and_said(
    guarded: Agent, person: Person, site: Site, request: pytest.FixtureRequest
) -> None:
    start = site.url(f"/redirect?to={quote(_blocked(site, request))}")
    error = await guarded.fails("navigate", url=start)
    assert "Error executing tool navigate: navigate to http" in error, error
    assert "failed: a redirect was stopped before it left the browser." in error, error
    assert "ERR_BLOCKED_BY_CLIENT" not in error, error
    assert (
        f"Refused to open {_blocked(site, request)}: its origin is blocked by the server's --blocked-origins"
        in error
    )
    await _shows_the_blocked_page(person)
    _never_reached(site, request)


@pytest.mark.parametrize(
    "path",
    [
        "/leave.html?how=script&to={to}",  # location.href = ... once loaded
        "/refresh?to={to}",  # <meta http-equiv="refresh">
    ],
    ids=["script", "meta-refresh"],
)
async def test_a_page_that_sends_the_agent_on_by_itself_is_stopped(
    guarded: Agent, person: Person, site: Site, path: str, request: pytest.FixtureRequest
) -> None:
    reply = await guarded.ok("navigate", url=site.url(path.format(to=quote(_blocked(site, request)))))
    await _shows_the_blocked_page(person)
    # Said in this reply if it happened during the call, else in the next one.
    told = reply if "was stopped before" in reply else await guarded.ok("tabs")
    assert "A page load was stopped before it left the browser" in told, told
    assert "--blocked-origins" in told, told
    _never_reached(site, request)
    # Told once.
    assert "was stopped before" not in await guarded.ok("tabs")


@pytest.mark.parametrize(
    ("selector", "told"),
    [("#away", "A page load was stopped"), ("text=Send the form", "A page load was stopped")],
    ids=["link", "form-post"],
)
async def test_a_link_or_form_the_agent_clicks_is_stopped(
    guarded: Agent, person: Person, site: Site, selector: str, told: str, request: pytest.FixtureRequest
) -> None:
    await guarded.ok("navigate", url=site.url(f"/leave.html?to={quote(_blocked(site, request))}"))
    reply = await guarded.ok("click", selector=selector)
    assert told in reply and "--blocked-origins" in reply, reply
    assert "chrome-error:" not in reply and "blocked by Chromium" not in reply, reply
    await _shows_the_blocked_page(person)
    _never_reached(site, request)


async def test_a_popup_the_agent_opens_is_stopped(
    guarded: Agent, person: Person, site: Site, request: pytest.FixtureRequest
) -> None:
    await guarded.ok("navigate", url=site.url(f"/leave.html?to={quote(_blocked(site, request))}"))
    reply = await guarded.ok("click", selector="#popup")
    assert "A new tab was stopped before it left the browser" in reply, reply
    await person.sees_tabs(2)
    popup = next(page for page in person.tabs if "leave.html" not in page.url)
    await _blocked_in(popup)
    _never_reached(site, request)


async def test_allowed_loads_go_through_and_the_persons_own_browsing_stays_theirs(
    guarded: Agent, person: Person, site: Site, request: pytest.FixtureRequest
) -> None:
    reply = await guarded.ok("navigate", url=site.url("/redirect?to=/index.html"))
    assert "Navigated: 'Home'" in reply and "was stopped before" not in reply, reply
    await guarded.ok("navigate", url=site.url(f"/leave.html?to={quote(_blocked(site, request))}"))
    # The person clicks the link themselves: their browsing is not the agent's to police.
    page = await person.tab_in_front()
    async with page.expect_navigation():
        await page.click("#away")
    assert page.url == _blocked(site, request)
    assert "was stopped before" not in await guarded.ok("tabs")


async def test_a_kiosk_stops_the_persons_loads_too(
    kiosk: Agent, person: Person, site: Site, request: pytest.FixtureRequest
) -> None:
    await kiosk.ok("navigate", url=site.url(f"/leave.html?to={quote(_blocked(site, request))}"))
    page = await person.tab_in_front()
    await page.click("#away", no_wait_after=True)
    await _blocked_in(page)
    _never_reached(site, request)
    told = await kiosk.ok("tabs")
    assert "A page load was stopped before it left the browser" in told, told
