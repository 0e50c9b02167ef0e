"""network_requests: what the page asked of servers, for an agent finding out why a page does not work."""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.agent import Agent
from tests.support.person import Person
from tests.support.site import Site


def lines_with(reply: str, text: str) -> list[str]:
    return [line for line in reply.splitlines() if text in line]


async def test_the_agent_sees_what_its_page_asked_for_and_how_it_went(agent: Agent, site: Site) -> None:
    """After the agent opens the page: its requests with status, method and failure, images left out
    unless asked, a secret in a URL hidden; a click's POST and its 500 show after the click; a new page
    starts a new list."""
    await agent.ok("navigate", url=site.url("/network.html"))
    await agent.ok("wait_for", text="Ready")

    reply = await agent.ok("network_requests")

    assert lines_with(reply, "/network.html")[0].startswith("- GET 200 document"), reply
    data = lines_with(reply, "/data.json")
    assert len(data) == 1 and data[0].startswith("- GET 200 fetch"), reply
    assert "hunter22" not in reply and "q=shoes" in data[0], reply
    assert lines_with(reply, "/status?code=404")[0].startswith("- GET 404 fetch"), reply
    assert "failed (net::ERR_CONNECTION_REFUSED) fetch http://127.0.0.1:8/down" in reply, reply
    assert "/pixel.gif" not in reply and "include_static=true" in reply, reply

    everything = await agent.ok("network_requests", include_static=True)
    assert lines_with(everything, "/pixel.gif")[0].startswith("- GET 200 image"), everything

    await agent.ok("click", selector="#order")
    await agent.ok("wait_for", text="Order failed: 500")
    after = await agent.ok("network_requests", filter="code=500")
    assert "POST 500 fetch" in after and "/data.json" not in after, after

    await agent.ok("navigate", url=site.url("/index.html"))
    home = await agent.ok("network_requests")
    assert "/data.json" not in home and lines_with(home, "/index.html"), home


async def test_a_long_list_keeps_the_newest(agent: Agent, person: Person, site: Site) -> None:
    """A page of 300 images: the newest `limit` requests, the heading says how many are older, and a note
    says the page's own record is full (it keeps 250)."""
    await agent.ok("navigate", url=site.url("/busy?images=300"))
    await (await person.tab_in_front()).wait_for_load_state("load")  # every image in

    reply = await agent.ok("network_requests", include_static=True, limit=5)

    listed = [line for line in reply.splitlines() if line.startswith("- ")]
    heading = next(line for line in reply.splitlines() if "requests of this page" in line)
    assert len(listed) == 5 and "older not shown" in heading, reply
    assert "/busy" not in "".join(listed), reply  # the document came first: it is the oldest
    assert "keeps its first 250 requests" in reply, reply


async def test_requests_of_a_page_the_person_opened_are_listed_too(
    agent: Agent, person: Person, site: Site
) -> None:
    """The person opens the page in a new tab, with the agent idle: the list comes from the page's own
    record (no method known), failures and statuses included."""
    await agent.ok("navigate", url=site.url("/index.html"))
    theirs = await person.open_tab(site.url("/network.html"))
    await expect(theirs.locator("#state")).to_have_text("Ready")

    reply = await agent.ok("network_requests")

    assert lines_with(reply, "/data.json")[0].startswith("- 200 fetch"), reply
    assert lines_with(reply, "/status?code=404")[0].startswith("- 404 fetch"), reply
    assert lines_with(reply, "127.0.0.1:8/down"), reply
    assert "hunter22" not in reply, reply
