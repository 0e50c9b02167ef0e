"""Attaching to the browser afresh after many documents (what lets Playwright's per-document objects go):
the agent and the person notice nothing but that it happened between two calls."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import expect

from tests.support.agent import HttpServer, http_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

RENEWED = r"Attached to the browser afresh after (\d+) documents; (\d+) tabs taken over"


@pytest.fixture
def server(chromium: PersonChromium) -> Iterator[HttpServer]:
    running = HttpServer(
        "--cdp-url",
        chromium.cdp_url,
        "--overlay-ms",
        "0",
        "--action-timeout",
        "2",
        "--renew-after-documents",
        "4",
    ).start()
    yield running
    running.stop()


async def test_tabs_ids_console_and_the_person_carry_over_a_fresh_attachment(
    server: HttpServer, person: Person, site: Site
) -> None:
    async with http_agent(server.url) as agent:
        await agent.ok("navigate", url=site.url("/busy?images=1"))
        await agent.ok("wait_for", text="Busy page")
        two = await person.open_tab(site.url("/two.html"))
        home = person.tabs[0]
        await person.switch_to(home)
        await agent.ok("snapshot")  # told of the person's tab and switch: nothing left to tell
        console_before = await agent.ok("console_messages", level="all")
        assert "fetched" in console_before, console_before
        before = await agent.ok("tabs", action="list")

        # Enough documents for a fresh attachment at one of these navigations (each counts one, at least).
        for path in ("/index.html", "/two.html", "/index.html", "/two.html", "/form.html"):
            reply = await agent.ok("navigate", url=site.url(path))
            assert reply.startswith("Navigated:"), reply  # no note: nothing changed for the model

        documents, tabs = server.log_line(RENEWED).groups()
        assert int(documents) >= 4 and tabs == "2", (documents, tabs)
        after = await agent.ok("tabs", action="list")
        assert re.findall(r"t\d+", after) == re.findall(r"t\d+", before), (before, after)
        assert "fetched" in await agent.ok("console_messages", level="all")

        # Pages the back/forward cache kept from before come back working (the browser is attached afresh
        # again: the new attachment never heard of their scripts' world).
        back = await agent.ok("go_back")
        assert back.startswith("Went back: 'Two'") and "Note:" not in back, back
        forward = await agent.ok("go_forward")
        assert forward.startswith("Went forward: 'Form'") and "Note:" not in forward, forward
        chose = await agent.ok("select_option", selector="#city", values=["Paris"])
        assert "Paris" in chose, chose
        await expect(home.locator("#city")).to_have_value("par")
        # The person's own back button: the agent's next look (which may run at once on the tab the events
        # name) is of the page they went back to.
        await home.go_back(wait_until="commit")  # a page from the cache fires no load
        await expect(home).to_have_title("Two")
        assert "Page two" in await agent.ok("snapshot")
        await home.go_forward(wait_until="commit")
        await expect(home).to_have_title("Form")

        # Refs of a new snapshot work; the person's typing and switching are still heard.
        snapshot = await agent.ok("snapshot")
        await agent.ok("type", ref=ref_of(snapshot, 'textbox "Passenger name"'), text="Ada")
        await expect(home.locator("#name")).to_have_value("Ada")
        await home.locator("#search").press_sequentially("shoes")
        await person.switch_to(two)
        told = await agent.ok("snapshot")
        assert "typed 'shoes' in 'Search'" in told, told
        assert "switched to tab t2" in told and "Page two" in told, told
