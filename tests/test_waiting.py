"""The agent waits for a person who is typing (real X input on a headed Chromium), fails or acts at
once by policy, and never mixes its keystrokes into the person's word without saying so."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Locator, Page, expect

from browser_mcp.people.person_script import VALUE_CHARS
from browser_mcp.text import shorten
from tests.support.agent import Agent, Reply, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.neko_double import NekoDouble, running_neko
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of
from tests.support.x_person import XPerson

QUIET_MS = 700  # --person-quiet-ms for these tests: shorter than the default, the same logic
KEY_DELAY_MS = 150  # the person types slowly: five letters take 0.6 s


@asynccontextmanager
async def agent_on(chromium: PersonChromium, *options: str) -> AsyncIterator[Agent]:
    async with stdio_agent(
        "--cdp-url", chromium.cdp_url, "--action-timeout", "2",
        "--person-quiet-ms", str(QUIET_MS), "--overlay-ms", "0", *options,
    ) as agent:  # fmt: skip
        yield agent


async def open_trip(agent: Agent, person: Person, site: Site) -> tuple[Page, str]:
    """The trip form in the person's tab; returns the tab and the agent's snapshot of it."""
    await agent.ok("navigate", url=site.url("/people.html"))
    tab = await person.tab_in_front()
    await expect(tab).to_have_title("Trip")
    return tab, await agent.ok("snapshot")


class Typing:
    """The person typing `text` slowly into `field` in the background; `done_at` is when the last key
    went out (time.monotonic())."""

    def __init__(self, x_person: XPerson, tab: Page, field: Locator, text: str) -> None:
        self.x_person, self.tab, self.field, self.text = x_person, tab, field, text
        self.done_at = 0.0
        self.task: asyncio.Future[None] | None = None

    async def start(self) -> Typing:
        """Click into the field, start typing, return once the page has the first letter."""
        await self.x_person.click(self.tab, self.field)
        self.task = asyncio.ensure_future(asyncio.to_thread(self._type))
        await expect(self.field).to_have_value(re.compile("^" + re.escape(self.text[0])))
        return self

    def _type(self) -> None:
        self.x_person.type(self.text, delay_ms=KEY_DELAY_MS)
        self.done_at = time.monotonic()

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def finish(self) -> None:
        assert self.task is not None
        await self.task


async def call_with_progress(agent: Agent, tool: str, **arguments: object) -> tuple[Reply, list[str]]:
    messages: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    result = await agent.client.call_tool(tool, dict(arguments), progress_callback=on_progress)
    return Reply(result), messages


async def test_agent_waits_until_the_person_stops_typing_then_acts(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """A click while the person types waits (with progress notifications) until they have been quiet
    for --person-quiet-ms, then happens at once: the page saw the whole word when it was clicked."""
    async with agent_on(headed_chromium) as agent:
        tab, snapshot = await open_trip(agent, headed_person, site)
        typing = await Typing(x_person, tab, tab.locator("#name"), "hello").start()

        reply, progress = await call_with_progress(agent, "click", ref=ref_of(snapshot, 'button "Go"'))
        replied_at = time.monotonic()
        await typing.finish()

        assert not reply.is_error, reply.text
        await expect(tab.locator("#out")).to_have_text("Go saw hello")  # after the last keystroke
        waited_after_typing = replied_at - typing.done_at
        assert QUIET_MS / 1000 - 0.3 < waited_after_typing < QUIET_MS / 1000 + 1.5, waited_after_typing
        assert progress and all("the person is using the page" in m for m in progress), progress
        assert re.search(r"Waited \d+\.\d s for the person to finish first; meanwhile they typed", reply.text)


async def test_fail_policy_refuses_at_once_and_names_the_person(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    async with agent_on(headed_chromium, "--person-policy", "fail") as agent:
        tab, snapshot = await open_trip(agent, headed_person, site)
        typing = await Typing(x_person, tab, tab.locator("#name"), "hello").start()

        started = time.monotonic()
        error = await agent.fails("click", ref=ref_of(snapshot, 'button "Go"'))
        elapsed = time.monotonic() - started
        still_typing = typing.running
        await typing.finish()

        assert still_typing and elapsed < 0.5, elapsed
        assert re.search(r"The person is using the page \(typed in 'Passenger name' \d\.\d s ago\)", error), (
            error
        )
        assert "ask_user" in error
        assert await tab.locator("#out").text_content() == ""  # not clicked


async def test_ignore_policy_acts_at_once(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    async with agent_on(headed_chromium, "--person-policy", "ignore") as agent:
        tab, snapshot = await open_trip(agent, headed_person, site)
        typing = await Typing(x_person, tab, tab.locator("#name"), "hello").start()

        reply = await agent.ok("click", ref=ref_of(snapshot, 'button "Go"'))
        still_typing = typing.running
        await typing.finish()

        assert still_typing, "the click waited for the person"
        assert "Waited" not in reply
        assert (await tab.locator("#out").text_content() or "") != "Go saw hello"


async def test_agent_typing_into_another_field_leaves_the_persons_word_whole(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The agent types into Notes while the person types 'hello' into Passenger name: it waits, so
    neither text has a stray letter from the other."""
    async with agent_on(headed_chromium) as agent:
        tab, snapshot = await open_trip(agent, headed_person, site)
        typing = await Typing(x_person, tab, tab.locator("#name"), "hello").start()

        reply = await agent.ok(
            "type", ref=ref_of(snapshot, 'textbox "Notes"'), text="window seat", slowly=True
        )
        await typing.finish()

        await expect(tab.locator("#name")).to_have_value("hello")
        await expect(tab.locator("#notes")).to_have_value("window seat")
        assert "Waited" in reply and "now holds" not in reply, reply


async def test_agent_typing_over_the_persons_word_says_so(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The agent types into the very field the person is typing in: it waits for the word to be
    finished, then its text replaces it, and the reply says what it replaced."""
    async with agent_on(headed_chromium) as agent:
        tab, snapshot = await open_trip(agent, headed_person, site)
        typing = await Typing(x_person, tab, tab.locator("#name"), "hello").start()

        reply = await agent.ok("type", ref=ref_of(snapshot, 'textbox "Passenger name"'), text="Ada")
        await typing.finish()

        await expect(tab.locator("#name")).to_have_value("Ada")
        assert "Your text replaced 'hello', which the person had typed in 'Passenger name'." in reply, reply


async def test_the_persons_keystrokes_in_the_agents_field_are_reported(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """With --person-policy ignore the agent types while the person still types: the person's next
    letters land in the agent's field (it took the focus), and the reply says the field does not hold
    what the agent typed."""
    async with agent_on(headed_chromium, "--person-policy", "ignore") as agent:
        tab, snapshot = await open_trip(agent, headed_person, site)
        typing = await Typing(x_person, tab, tab.locator("#name"), "hellohello").start()

        # Long enough (~1 s key by key) that the person's next letters land while the agent types.
        wanted = "window seat, by the aisle please"
        reply = await agent.ok("type", ref=ref_of(snapshot, 'textbox "Notes"'), text=wanted, slowly=True)
        notes_after_reply = await tab.locator("#notes").input_value()
        await typing.finish()

        assert notes_after_reply != wanted, "no keystroke of the person's landed: nothing to test"
        # The reply shortens a long value as the activity log does.
        held = shorten(notes_after_reply, VALUE_CHARS)
        assert f"'Notes' now holds '{held}', not the text you typed" in reply, reply


# ---- neko: a person holding control counts as busy --------------------------------------------


@pytest.fixture
def neko() -> Iterator[NekoDouble]:
    with running_neko() as double:
        yield double
        assert not double.violations, "\n\n".join(double.violations)


@pytest.mark.slow
async def test_a_person_holding_control_in_neko_is_waited_for(
    chromium: PersonChromium, person: Person, neko: NekoDouble, site: Site
) -> None:
    """While a person holds control in neko, a click waits for them (and fails after --person-wait-s,
    naming neko); once they release control, the click goes through."""
    async with agent_on(
        chromium, "--neko-url", neko.url, "--neko-user", "agent", "--neko-password", "agent-secret",
        "--person-wait-s", "2",
    ) as agent:  # fmt: skip
        tab, snapshot = await open_trip(agent, person, site)
        go = ref_of(snapshot, 'button "Go"')
        neko.person_takes_control("alice")

        error = await agent.fails("click", ref=go)
        assert "holds control in neko" in error and "after 2 s of waiting" in error, error
        assert await tab.locator("#out").text_content() == ""

        neko.release_control()
        await agent.ok("click", ref=go)
        await expect(tab.locator("#out")).to_have_text("Go saw ")
