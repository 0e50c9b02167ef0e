"""The first thing a user does: navigate, snapshot, click, over stdio, on the person's tab."""

from __future__ import annotations

from tests.support.agent import Agent
from tests.support.person import Person
from tests.support.site import Site


async def test_navigate_snapshot_click_change_the_page_the_person_sees(
    agent: Agent, person: Person, site: Site
) -> None:
    reply = await agent.ok("navigate", url=site.url("/index.html"))
    assert "'Home'" in reply and site.url("/index.html") in reply

    snapshot = await agent.ok("snapshot")
    assert 'button "Click me"' in snapshot
    ref = snapshot.split('button "Click me" [ref=')[1].split("]")[0]

    reply = await agent.ok("click", ref=ref)
    assert 'Clicked button "Click me"' in reply

    tab = await person.tab_in_front()
    assert await tab.locator("#count").text_content() == "Clicked 1 times"
