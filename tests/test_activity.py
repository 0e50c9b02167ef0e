"""The agent hears what the person did: real X input (xdotool, as neko injects a viewer's input) on a
headed Chromium, and a real MCP client reading the replies."""

from __future__ import annotations

import re
import time

import pytest
from playwright.async_api import Page, expect

from browser_mcp.people.activity import ActivityLog, describe, news_line
from tests.support.agent import Agent
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of
from tests.support.x_person import XPerson

PERSON_LINE = "Since your last step the person:"


def person_line(reply: str) -> str:
    """The reply's line about the person; it comes first."""
    first = reply.splitlines()[0] if reply else ""
    assert first.startswith(f"Note: {PERSON_LINE}"), reply
    return first


async def open_trip(agent: Agent, person: Person, site: Site) -> Page:
    await agent.ok("navigate", url=site.url("/people.html"))
    tab = await person.tab_in_front()
    await expect(tab).to_have_title("Trip")
    return tab


async def in_front(tab: Page, url: str) -> None:
    """Wait until the person sees `tab` showing `url` (a key press reaches the person's own
    connection a moment later)."""
    await expect(tab).to_have_url(url)
    deadline = time.monotonic() + 5
    while await tab.evaluate("document.visibilityState") != "visible":
        assert time.monotonic() < deadline, f"{url} never came to front"


async def test_reply_says_what_the_person_typed_then_the_tab_they_switched_to(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The person types in a field, then ctrl+Tab to the other tab: the next reply starts with one
    line saying both, in that order, and the call acts on the tab they switched to."""
    await headed_agent.ok("navigate", url=site.url("/two.html"))
    await headed_agent.ok("tabs", action="new", url=site.url("/people.html"))
    await headed_person.sees_tabs(2)
    two, trip = headed_person.tabs
    await in_front(trip, site.url("/people.html"))

    await x_person.click(trip, trip.locator("#name"))
    x_person.type("Ada")
    await expect(trip.locator("#name")).to_have_value("Ada")
    x_person.key("ctrl+Tab")
    await in_front(two, site.url("/two.html"))
    reply = await headed_agent.ok("snapshot")

    line = person_line(reply)
    assert "typed 'Ada' in 'Passenger name'" in line, line
    assert "switched to tab t1 'Two'" in line and line.index("typed") < line.index("switched"), line
    assert "Page two" in reply  # the snapshot is of the tab the person switched to
    assert sum(PERSON_LINE in text_line for text_line in reply.splitlines()) == 1, reply
    assert "The person switched tabs" not in reply  # said once, in the person's line

    later = await headed_agent.ok("snapshot")
    assert PERSON_LINE not in later, later  # told once


async def test_a_tab_the_person_opens_with_ctrl_t(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """ctrl+T, a typed address, Enter: the next reply says the person opened a new tab, and where."""
    tab = await open_trip(headed_agent, headed_person, site)
    await x_person.click(tab, tab.locator("h1"))  # the window has the keyboard focus

    x_person.key("ctrl+t")
    await headed_person.sees_tabs(2)
    new_tab = headed_person.tabs[1]
    await new_tab.wait_for_load_state()
    x_person.key("ctrl+l")  # to the address bar (a new tab focuses it too, but only once it is up)
    x_person.type(site.url("/two.html"))
    x_person.key("Return")
    await in_front(new_tab, site.url("/two.html"))
    reply = await headed_agent.ok("snapshot")

    line = person_line(reply)
    assert "opened a new tab in front: tab t2 'Two'" in line and site.url("/two.html") in line, line
    assert "Page two" in reply


async def test_links_and_history_the_person_follows(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The person clicks a link, then goes back with alt+Left: the line says so, in order, and the
    tab's navigation is not said a second time."""
    tab = await open_trip(headed_agent, headed_person, site)

    await x_person.click(tab, tab.get_by_role("link", name="Timetable"))
    await expect(tab).to_have_title("Two")
    x_person.key("alt+Left")
    await expect(tab).to_have_title("Trip")
    reply = await headed_agent.ok("tabs")

    line = person_line(reply)
    assert line == (
        f'Note: {PERSON_LINE} clicked link "Timetable"; navigated to {site.url("/two.html")}; '
        f"went back/forward to {site.url('/people.html')}."
    ), line
    assert "navigated since your last call" not in reply


async def test_password_values_never_appear(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The person types a password: replies and the activity log name the field, never the value."""
    tab = await open_trip(headed_agent, headed_person, site)

    await x_person.click(tab, tab.locator("#password"))
    x_person.type("hunter2-secret")
    await expect(tab.locator("#password")).to_have_value("hunter2-secret")
    reply = await headed_agent.ok("tabs")
    log = await headed_agent.ok("activity")

    assert "typed in 'Password' (a password: value not shown)" in person_line(reply)
    assert "typed in 'Password'" in log
    for text in (reply, log):
        assert "hunter2" not in text, text


async def test_activity_lists_both_sides(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """activity: who did what, oldest first, how long ago, on which tab; the person's clicks name the
    element as the snapshot does, a field's choices and checkboxes are said, long values are cut."""
    tab = await open_trip(headed_agent, headed_person, site)
    go = ref_of(await headed_agent.ok("snapshot"), 'button "Go"')
    await headed_agent.ok("click", ref=go)

    await x_person.click(tab, tab.locator("#notes"))
    x_person.type("A window seat, far from the engines, with a view of the coast", delay_ms=5)
    await x_person.click(tab, tab.locator("#meal"))
    await x_person.click(tab, tab.locator("#go"))
    await expect(tab.locator("#out")).to_have_text("Go saw ")
    log = await headed_agent.ok("activity", limit=10)

    lines = [line for line in log.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- ") and ", agent on tab t1 'Trip': Navigated" in lines[0], log
    assert ", agent on tab t1 'Trip': Clicked button \"Go\"" in lines[1], log
    person = [line for line in lines if ", person on tab t1 'Trip': " in line]
    assert [line.split(": ", 1)[1] for line in person] == [
        "typed 'A window seat, far from the engines, wi…' in 'Notes'",
        "checked 'Vegetarian meal'",
        'clicked button "Go"',
    ], log
    assert all(re.match(r"- \d+\.\d s ago, ", line) for line in lines), log

    assert (
        len(
            [
                line
                for line in (await headed_agent.ok("activity", limit=2)).splitlines()
                if line.startswith("- ")
            ]
        )
        == 2
    )


@pytest.mark.slow  # fourteen actions, each with the overlay on screen for 400 ms
async def test_a_page_that_moves_on_by_itself_is_not_said_to_be_the_persons_doing(
    agent: Agent, person: Person, site: Site
) -> None:
    """A page whose own script opens the next one a moment later: the reply says the tab navigated, not that
    the person did. The same script run by the person's click is theirs."""
    await agent.ok("navigate", url=site.url("/moves_on.html"))
    tab = await person.tab_in_front()
    await expect(tab).to_have_title("Two")
    reply = await agent.ok("tabs")
    assert PERSON_LINE not in reply, reply
    assert f"This tab navigated since your last call: now 'Two' ({site.url('/two.html')})" in reply, reply

    await agent.ok("navigate", url=site.url("/moves_on.html?stay"))
    await tab.get_by_role("button", name="Go on").click()
    await expect(tab).to_have_title("Two")
    line = person_line(await agent.ok("tabs"))
    assert 'clicked button "Go on"' in line and f"navigated to {site.url('/two.html')}" in line, line


async def test_a_tab_a_page_opens_after_the_agents_click_is_not_said_to_be_the_persons(
    agent: Agent, person: Person, site: Site
) -> None:
    """The agent's click makes the page open a tab a moment after the click's reply: the next reply says a
    tab opened, not that the person opened it."""
    await agent.ok("navigate", url=site.url("/moves_on.html?stay"))
    tab = await person.tab_in_front()
    async with tab.context.expect_page() as opened:
        await agent.ok("click", selector="text=Show the next one beside")
    await expect(await opened.value).to_have_title("Two")
    reply = await agent.ok("tabs")
    assert PERSON_LINE not in reply, reply
    assert "A new tab opened" in reply or "New tab in the background" in reply, reply


async def test_the_agents_own_actions_are_not_reported_as_the_persons(
    headed_agent: Agent, headed_person: Person, site: Site
) -> None:
    """Everything the agent does (its input reaches the page as trusted as the person's) stays out of
    the person's line and is logged as the agent's."""
    agent = headed_agent
    await open_trip(agent, headed_person, site)
    snapshot = await agent.ok("snapshot")
    name, notes, city, meal = (
        ref_of(snapshot, label)
        for label in (
            'textbox "Passenger name"',
            'textbox "Notes"',
            'combobox "City"',
            'checkbox "Vegetarian meal"',
        )
    )

    replies = [
        await agent.ok("click", ref=name),
        await agent.ok("type", ref=name, text="Grace Hopper"),
        await agent.ok("type", ref=notes, text="aisle", slowly=True),
        await agent.ok("select_option", ref=city, values=["Paris"]),
        await agent.ok("fill_form", fields=[{"ref": meal, "type": "checkbox", "value": "true"}]),
        await agent.ok("press_key", key="Tab"),
        await agent.ok("scroll", direction="down", amount=800),
        await agent.ok("press_key", key="End"),
        await agent.ok("click", selector="a"),
        await agent.ok("go_back"),
        await agent.ok("tabs", action="new", url=site.url("/two.html")),
        await agent.ok("tabs", action="select", tab="t1"),
        await agent.ok("hover", selector="#go"),
        await agent.ok("snapshot"),
    ]

    for reply in replies:
        assert PERSON_LINE not in reply and "Note:" not in reply, replies
    log = await agent.ok("activity")
    assert ", person" not in log, log
    assert log.count(", agent on tab") >= 12, log


def test_the_persons_line_stays_short() -> None:
    """Many actions since the last call: the line names the latest few and counts the rest."""
    log = ActivityLog()
    for number in range(10):
        log.add("person", f'clicked button "Step {number}"', "tab t1", kind="click")
    log.add("agent", "Clicked button.", "tab t1")

    line = news_line(describe(log.untold()))
    log.mark_told()

    assert line == (
        f"{PERSON_LINE} 5 earlier actions (see activity); "
        + "; ".join(f'clicked button "Step {n}"' for n in range(5, 10))
        + "."
    )
    assert log.untold() == []
