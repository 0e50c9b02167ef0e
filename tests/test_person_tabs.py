"""The agent acts on the tab the person sees, and hears about what the person did to the tabs."""

from __future__ import annotations

import re
import time

from playwright.async_api import Page, expect

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of


def first_line(reply: str) -> str:
    return reply.splitlines()[0] if reply else ""


async def home_and_two(agent: Agent, person: Person, site: Site) -> tuple[Page, Page]:
    """The agent opens Home in tab 1; the person opens Two in a second tab, in front."""
    await agent.ok("navigate", url=site.url("/index.html"))
    home = person.tabs[0]
    await expect(home).to_have_title("Home")
    two = await person.open_tab(site.url("/two.html"))
    return home, two


async def agent_acts_on(agent: Agent, url: str, deadline_s: float = 5) -> None:
    """Poll tabs(list) until the agent's current tab is `url`: for tests about something else than
    how fast the server notices a tab the person opened."""
    deadline = time.monotonic() + deadline_s
    listing = ""
    while time.monotonic() < deadline:
        listing = await agent.ok("tabs", action="list")
        if any(url in line and "(current)" in line for line in listing.splitlines()):
            return
    raise AssertionError(f"the agent never moved to {url}:\n{listing}")


async def test_agent_follows_a_tab_the_person_opens(agent: Agent, person: Person, site: Site) -> None:
    """A tab the person opens in front becomes the agent's tab, and the reply says so first."""
    await home_and_two(agent, person, site)

    reply = await agent.ok("snapshot")

    assert first_line(reply).startswith("Note:"), reply
    assert "new tab" in first_line(reply).lower() and "Two" in first_line(reply), reply
    assert "Page two" in reply and 'button "Click me"' not in reply


async def test_agent_follows_the_person_back_to_tab_one(agent: Agent, person: Person, site: Site) -> None:
    """When the person switches back to tab 1, the next call acts on tab 1 and says the person switched."""
    home, _ = await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    await person.switch_to(home)
    reply = await agent.ok("snapshot")

    assert first_line(reply).startswith("Note:") and "switched" in first_line(reply), reply
    assert "Home" in first_line(reply)
    assert 'button "Click me"' in reply and "Page two" not in reply


async def test_a_look_at_another_tab_between_two_calls_is_told(
    agent: Agent, person: Person, site: Site
) -> None:
    """The person goes to tab 1 and comes back to tab 2 between two calls: the agent's tab is the same
    before and after, and the replies still say where the person went."""
    home, two = await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    await person.switch_to(home)
    await person.switch_to(two)
    told = ""
    deadline = time.monotonic() + 5
    while "switched to tab t2" not in told and time.monotonic() < deadline:
        told += await agent.ok("activity")  # each reply's first line tells what is new since the last
    went, came_back = told.find("switched to tab t1 'Home'"), told.find("switched to tab t2 'Two'")
    assert 0 <= went < came_back, told
    log = await agent.ok("activity")  # the tab's opening is not a switch to it
    assert log.count(": switched to tab t2") == log.count(": switched to tab t1") == 1, log
    assert "Page two" in await agent.ok("snapshot")


async def test_person_closes_the_agents_tab(agent: Agent, person: Person, site: Site) -> None:
    """The person closes the agent's tab: the next call says so and acts on the tab in front."""
    home, two = await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    await two.close()
    await person.switch_to(home)
    reply = await agent.ok("snapshot")

    notes = "\n".join(line for line in reply.splitlines() if line.startswith("Note:"))
    assert reply.startswith("Note:") and "closed" in notes, reply
    assert "Home" in notes
    assert 'button "Click me"' in reply


async def test_person_navigates_the_current_tab(agent: Agent, person: Person, site: Site) -> None:
    """The person follows a link in the agent's tab: the next reply says the tab navigated, and where."""
    await agent.ok("navigate", url=site.url("/index.html"))
    tab = await person.tab_in_front()

    await tab.goto(site.url("/two.html"))
    reply = await agent.ok("snapshot")

    assert first_line(reply).startswith("Note:") and "navigated" in first_line(reply), reply
    assert site.url("/two.html") in first_line(reply)
    assert "Page two" in reply


async def test_tabs_list_marks_the_persons_tab(agent: Agent, person: Person, site: Site) -> None:
    """tabs(list) names every tab by its id and title and marks the one the person is looking at."""
    home, _ = await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    await person.switch_to(home)
    listing = await agent.ok("tabs", action="list")

    lines = [line for line in listing.splitlines() if re.match(r"- t\d+ ", line)]
    assert len(lines) == 2, listing
    assert lines[0].startswith("- t1 'Home'") and "person's tab" in lines[0]
    assert lines[1].startswith("- t2 'Two'") and "person" not in lines[1]


async def test_tabs_select_brings_the_tab_to_front(agent: Agent, person: Person, site: Site) -> None:
    """tabs(select) shows the chosen tab to the person, and later calls act on it."""
    home, _ = await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    reply = await agent.ok("tabs", action="select", tab="t1")

    assert "Home" in reply
    assert await person.tab_in_front() is home
    snapshot = await agent.ok("snapshot")
    assert 'button "Click me"' in snapshot and not snapshot.startswith("Note:")


async def test_tabs_new_opens_a_tab_in_front(agent: Agent, person: Person, site: Site) -> None:
    """tabs(new, url) opens the page in a new tab the person sees; later calls act on it."""
    await agent.ok("navigate", url=site.url("/index.html"))

    reply = await agent.ok("tabs", action="new", url=site.url("/two.html"))

    assert "Two" in reply
    await person.sees_tabs(2)
    await expect(await person.tab_in_front()).to_have_url(site.url("/two.html"))
    assert "Page two" in await agent.ok("snapshot")

    # A page with no title is named by its URL alone, not by an empty ''.
    await agent.ok("tabs", action="new")
    assert "- t3 (about:blank)" in await agent.ok("tabs"), "an untitled tab"


async def test_tabs_close_by_id(agent: Agent, person: Person, site: Site) -> None:
    """tabs(close, tab) closes that tab in the person's browser and leaves the others."""
    home, two = await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    reply = await agent.ok("tabs", action="close", tab="t1")

    assert "Closed" in reply and "Home" in reply
    assert "during this call" not in reply, reply  # the agent's own close is not news about the person
    assert await _closed_soon(home)
    assert not two.is_closed()
    assert person.tabs == [two]
    assert not (await agent.ok("snapshot")).startswith("Note:")


async def _closed_soon(page: Page) -> bool:
    """The person's connection hears of the close a moment after the agent's; wait for the event."""
    if not page.is_closed():
        await page.wait_for_event("close", timeout=5000)
    return page.is_closed()


async def test_closing_the_only_tab_is_refused(agent: Agent, person: Person, site: Site) -> None:
    """The agent cannot close the person's last tab (that would close the window): a clear error."""
    await agent.ok("navigate", url=site.url("/index.html"))

    error = await agent.fails("tabs", action="close", tab="t1")

    assert "only tab" in error
    assert len(person.tabs) == 1 and not person.tabs[0].is_closed()


async def test_unknown_tab_id_says_which_tabs_exist(agent: Agent, person: Person, site: Site) -> None:
    """A tab id that does not exist is an error that names the open tabs."""
    await home_and_two(agent, person, site)
    await agent_acts_on(agent, site.url("/two.html"))

    error = await agent.fails("tabs", action="select", tab="t5")

    assert "no tab t5" in error and "t1, t2" in error, error
    assert (await person.tab_in_front()).url == site.url("/two.html")


async def test_ref_from_another_tab_asks_for_a_new_snapshot(agent: Agent, person: Person, site: Site) -> None:
    """A ref from tab 1's snapshot, used after the person switched to tab 2, fails and says to snapshot."""
    await agent.ok("navigate", url=site.url("/index.html"))
    ref = ref_of(await agent.ok("snapshot"), 'button "Click me"')
    home = person.tabs[0]
    await person.open_tab(site.url("/two.html"))
    await agent_acts_on(agent, site.url("/two.html"))

    error = await agent.fails("click", ref=ref)

    assert "snapshot" in error and ref in error, error
    assert await home.locator("#count").text_content() == "Click me"


async def test_server_leaves_the_persons_tabs_and_browser_open(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """When the agent's client goes away, every tab of the person's browser is still open."""
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--action-timeout", "2") as agent:
        await agent.ok("navigate", url=site.url("/index.html"))
        await person.open_tab(site.url("/two.html"))
        await agent.ok("tabs", action="new", url=site.url("/form.html"))
        await person.sees_tabs(3)
        tabs = list(person.tabs)

    assert person.browser.is_connected()
    assert person.tabs == tabs and not any(tab.is_closed() for tab in tabs)
    # The tabs still answer: the browser is alive, not just the connection object.
    assert [await tab.title() for tab in tabs] == ["Home", "Two", "Form"]
    assert chromium.process is not None and chromium.process.poll() is None


async def test_a_tab_keeps_its_name_while_others_come_and_go(
    agent: Agent, person: Person, site: Site
) -> None:
    """Replies name a tab by an id and its title that stay the same for the tab's whole life, never by a
    number that looks like its place in the tab strip (the browser does not tell that place)."""
    home, two = await home_and_two(agent, person, site)
    replies = [await agent.ok("snapshot")]  # the person opened Two in front
    await home.close()  # the person closes the first tab: Two is now first in their strip
    replies.append(await agent.ok("snapshot"))
    replies.append(await agent.ok("tabs", action="list"))
    people = await person.open_tab(site.url("/people.html"))
    replies.append(await agent.ok("snapshot"))
    replies.append(await agent.ok("tabs", action="select", tab="t2"))

    assert "opened a new tab in front: tab t2 'Two'" in replies[0], replies[0]
    assert "Tab t1 'Home'" in replies[1] and replies[1].splitlines()[1].startswith("Tab t2: 'Two'"), replies[
        1
    ]
    assert replies[2].startswith("- t2 'Two'"), replies[2]
    assert "tab t3 'Trip'" in replies[3], replies[3]
    assert replies[4].startswith("Selected tab t2 'Two'"), replies[4]
    assert await person.tab_in_front() is two and not people.is_closed()
    for reply in replies:
        assert not re.search(r"\b[Tt]ab \d", reply), reply
