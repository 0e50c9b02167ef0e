"""The call frame and the tab registry in-process, on a real Chromium: what the tools stand on.

The tools' handlers run here without an MCP client, through the same frame the server uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import Page

from browser_mcp.browser.page_watch import PageEvent
from browser_mcp.tools import TOOLS_BY_NAME
from browser_mcp.tools.frame import Runtime, ToolCall, run_call
from tests.support.chromium import PersonChromium
from tests.support.in_process import call, runtime_on
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of


@pytest.fixture
async def runtime(chromium: PersonChromium) -> AsyncIterator[Runtime]:
    async with runtime_on(chromium.cdp_url) as built:
        yield built


def page_at(runtime: Runtime, url: str) -> Page:
    return next(page for page in runtime.session.pages() if page.url == url)


async def test_a_closed_tab_is_never_registered(runtime: Runtime, site: Site) -> None:
    """Asking about a tab that already closed gives a blank state: no id, not counted as a reported tab
    (which would throw off the wait for a popup), not watched."""
    await call(runtime, "navigate", url=site.url("/index.html"))
    tabs = runtime.session.tabs
    gone = await runtime.session.new_tab()
    await gone.close()
    reported = tabs.pages_reported

    state = tabs.state(gone)

    assert state.id == 0 and state.watch is None
    assert tabs.pages_reported == reported and not tabs.popups_pending()
    assert gone not in tabs.pages()


async def test_a_discarded_trial_snapshot_leaves_the_tabs_refs_alone(
    runtime: Runtime, person: Person, site: Site
) -> None:
    """A snapshot first runs on the tab the events point at; when the person switched meanwhile it is
    run again on their new tab. The trial's refs must not replace those the model has for the first tab."""
    home_url, two_url = site.url("/index.html"), site.url("/two.html")
    await call(runtime, "navigate", url=home_url)
    seen = await call(runtime, "snapshot")
    home = page_at(runtime, home_url)
    known = dict(runtime.session.tabs.state(home).refs)
    mine = await person.tab_in_front()
    # The speculative run needs every tab's own report of its visibility: wait for Two's.
    two_reported = asyncio.Event()

    def on_two(page: Page, event: PageEvent) -> None:
        if event.kind == "visibility" and page.url == two_url:
            two_reported.set()

    stop_two = runtime.session.tabs.listen(on_two)
    two = await person.open_tab(two_url)
    await person.switch_to(mine)
    await asyncio.wait_for(two_reported.wait(), 5)
    stop_two()
    assert (await call(runtime, "snapshot")).startswith("Note:")  # told of Two; acting on Home again
    # The page grows a button the model has not seen.
    await mine.evaluate(
        "document.body.append(Object.assign(document.createElement('button'), {textContent: 'New'}))"
    )
    hidden = asyncio.Event()

    def on_event(page: Page, event: PageEvent) -> None:
        if page is home and event.kind == "visibility" and event.data.get("visibility") == "hidden":
            hidden.set()

    stop = runtime.session.tabs.listen(on_event)
    trials: list[str] = []

    async def snapshot_while_the_person_switches(trial: ToolCall, **arguments: Any) -> None:
        await TOOLS_BY_NAME["snapshot"].handler(trial, **arguments)
        if not trials:  # the person switches to Two while the first (trial) snapshot is taken
            trials.append(trial.reply.text())
            await person.switch_to(two)
            await asyncio.wait_for(hidden.wait(), 5)

    spec = replace(TOOLS_BY_NAME["snapshot"], handler=snapshot_while_the_person_switches)
    reply = (await run_call(runtime, spec, None, {})).reply.text()
    stop()

    assert 'button "New"' in trials[0]  # the trial did see the new button on Home...
    assert "Page two" in reply and 'button "New"' not in reply  # ...but the model got Two's snapshot
    assert runtime.session.tabs.state(home).refs == known  # so Home's refs are what the model saw
    assert ref_of(seen, 'button "Click me"') in known
