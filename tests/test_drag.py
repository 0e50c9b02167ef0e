"""drag: HTML drag and drop and a list sorted with the mouse, through the same turn as every input
action (it waits for a busy person and shows the overlay), replying with what changed."""

from __future__ import annotations

import asyncio
import re
import time

from playwright.async_api import Page, expect

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of
from tests.test_overlay import overlay_agent, overlay_appears, overlay_gone, overlay_text

QUIET_MS = 700  # --person-quiet-ms of the busy-person test


async def open_drag_lab(agent: Agent, person: Person, site: Site) -> tuple[Page, str]:
    await agent.ok("navigate", url=site.url("/drag.html"))
    tab = await person.tab_in_front()
    await expect(tab).to_have_title("Drag lab")
    return tab, await agent.ok("snapshot")


async def test_drag_a_card_onto_a_drop_zone(agent: Agent, person: Person, site: Site) -> None:
    """HTML drag and drop (dragstart, dragover, drop with a dataTransfer), by refs."""
    tab, snapshot = await open_drag_lab(agent, person, site)
    reply = await agent.ok(
        "drag", start_ref=ref_of(snapshot, "listitem"), end_ref=ref_of(snapshot, 'list "Done"')
    )
    await expect(tab.locator("#board-status")).to_have_text("Card A is in Done")
    await expect(tab.locator("#done #card-a")).to_be_attached()
    assert re.fullmatch(r'Dragged listitem \[e\d+\] onto list "Done" \[e\d+\]\.', reply.splitlines()[0]), (
        reply
    )
    assert "The page now shows:" in reply and "status [ref=e" in reply and "Card A is in Done" in reply, reply


async def test_drag_reorders_a_list_sorted_with_the_mouse(agent: Agent, person: Person, site: Site) -> None:
    """A sortable list that listens to mousedown, mousemove and mouseup only, by selectors."""
    tab, _ = await open_drag_lab(agent, person, site)
    reply = await agent.ok(
        "drag", start_selector="#three", start_element="Three", end_selector="#one", end_element="One"
    )
    await expect(tab.locator("#order")).to_have_text("Order: Three, One, Two")
    assert reply.startswith("Dragged Three (#three) onto One (#one).\nThe page now shows:"), reply
    assert "Order: Three, One, Two" in reply


async def test_drag_needs_both_ends_named_once(agent: Agent, person: Person, site: Site) -> None:
    tab, _ = await open_drag_lab(agent, person, site)
    missing = await agent.fails("drag", start_selector="#card-a")
    assert "Name the end element once: pass `end_ref`" in missing and "or `end_selector`" in missing, missing
    both = await agent.fails("drag", start_ref="e3", start_selector="#card-a", end_selector="#done")
    assert "Name the start element once: pass `start_ref`" in both, both
    gone = await agent.fails("drag", start_selector="#nothing-here", end_selector="#done")
    assert "No element matches the selector '#nothing-here'" in gone, gone
    await expect(tab.locator("#board-status")).to_have_text("Nothing dropped yet")


async def test_drag_waits_for_a_busy_person(chromium: PersonChromium, person: Person, site: Site) -> None:
    """The person is typing in the page: the drag waits until they have been quiet for --person-quiet-ms,
    then drops, and says it waited."""
    async with stdio_agent(
        "--cdp-url", chromium.cdp_url, "--action-timeout", "2", "--overlay-ms", "0",
        "--person-quiet-ms", str(QUIET_MS),
    ) as agent:  # fmt: skip
        tab, _ = await open_drag_lab(agent, person, site)
        await tab.locator("#note").click()
        await tab.keyboard.type("hello", delay=40)
        typed_at = time.monotonic()
        reply = await agent.ok("drag", start_selector="#card-b", end_selector="#done")
        waited = time.monotonic() - typed_at

    await expect(tab.locator("#board-status")).to_have_text("Card B is in Done")
    assert re.search(r"Waited \d+\.\d s for the person to finish first", reply), reply
    assert "the person: typed 'hello' in 'Note'" in reply, reply
    assert waited > QUIET_MS / 1000 - 0.3, waited


async def test_drag_shows_the_person_what_it_drags(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """The overlay names the drag while it happens, then goes away."""
    async with overlay_agent(chromium, 1500) as agent:
        tab, _ = await open_drag_lab(agent, person, site)
        call = asyncio.ensure_future(
            agent.ok("drag", start_selector="#card-a", start_element="Card A", end_selector="#done",
                     end_element="the Done column")
        )  # fmt: skip
        await overlay_appears(tab)
        shown = await overlay_text(tab)
        reply = await call
        await overlay_gone(tab)
    assert "drag Card A (#card-a) to the Done column (#done)" in shown, shown
    assert reply.startswith("Dragged Card A (#card-a) onto the Done column (#done)."), reply
    await expect(tab.locator("#board-status")).to_have_text("Card A is in Done")
