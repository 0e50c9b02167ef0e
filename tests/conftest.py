"""Fixtures: a local site, the person's Chromium, the person, and the agent's MCP client."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Playwright, async_playwright

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.display import XvfbDisplay
from tests.support.person import Person
from tests.support.site import Site
from tests.support.x_person import XPerson


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Every async test runs on anyio's asyncio backend (Playwright needs asyncio).

    The marker goes on before anyio's own collection hook, so parametrized tests work too.
    """
    wanted = isinstance(collector, pytest.Module | pytest.Class) and collector.funcnamefilter(name)
    if wanted and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)
    return None


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """One event loop for the whole run, so the session's fixtures (Playwright's driver) live in it."""
    return "asyncio"


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    server = Site().start()
    yield server
    server.stop()


@pytest.fixture
def chromium() -> Iterator[PersonChromium]:
    """The person's browser (headless), with a CDP port the server attaches to."""
    browser = PersonChromium().start()
    yield browser
    browser.stop()


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    """The tests' own Playwright driver (a Node process, ~0.35 s to start): one for the whole run."""
    async with async_playwright() as pw:
        yield pw


@pytest.fixture
async def person(playwright: Playwright, chromium: PersonChromium) -> AsyncIterator[Person]:
    someone = await Person.attach(playwright, chromium.cdp_url)
    yield someone
    if someone.browser.is_connected():
        await someone.detach()


@pytest.fixture
async def agent(chromium: PersonChromium) -> AsyncIterator[Agent]:
    """The agent: an MCP client over stdio to `browser-mcp --cdp-url <the person's browser>`.

    Without the overlay (tests/test_overlay.py and the headed tests keep it): nothing drawn in the pages."""
    async with stdio_agent(
        "--cdp-url", chromium.cdp_url, "--action-timeout", "2", "--overlay-ms", "0"
    ) as client:
        yield client


# --- a person at a real screen: headed Chromium on Xvfb, X input through xdotool (as neko does) ------


@pytest.fixture(scope="session")
def x_display() -> Iterator[XvfbDisplay]:
    with XvfbDisplay() as display:
        yield display


@pytest.fixture
def headed_chromium(x_display: XvfbDisplay) -> Iterator[PersonChromium]:
    browser = PersonChromium(headless=False, display=x_display.name).start()
    yield browser
    browser.stop()


@pytest.fixture
async def headed_person(playwright: Playwright, headed_chromium: PersonChromium) -> AsyncIterator[Person]:
    """The person's own view of the headed browser (to look at the page; their hands are `x_person`)."""
    someone = await Person.attach(playwright, headed_chromium.cdp_url)
    yield someone
    if someone.browser.is_connected():
        await someone.detach()


@pytest.fixture
def x_person(x_display: XvfbDisplay) -> XPerson:
    return XPerson(x_display)


@pytest.fixture
async def headed_agent(headed_chromium: PersonChromium) -> AsyncIterator[Agent]:
    async with stdio_agent("--cdp-url", headed_chromium.cdp_url, "--action-timeout", "2") as client:
        yield client
