"""alert/confirm/prompt: never a hang, a clear way to answer them, and the person may answer them too."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import pytest
from playwright.async_api import Dialog, Page, expect

from tests.support.agent import Agent
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of


@dataclass
class Watcher:
    """The person watching the page. Their viewer leaves dialogs open (a Playwright connection with no
    dialog listener would dismiss every dialog at once, which no person does)."""

    person: Person
    dialogs: list[Dialog] = field(default_factory=list)
    opened: anyio.Event = field(default_factory=anyio.Event)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog)
        self.opened.set()

    @property
    def tab(self) -> Page:
        return self.person.tabs[0]

    async def next_dialog(self, timeout_s: float = 5) -> Dialog:
        with anyio.fail_after(timeout_s):
            await self.opened.wait()
        self.opened = anyio.Event()
        return self.dialogs[-1]


@pytest.fixture
async def watcher(person: Person) -> AsyncIterator[Watcher]:
    watching = Watcher(person)
    person.context.on("dialog", watching._on_dialog)
    yield watching


async def open_form(agent: Agent, site: Site) -> str:
    """Navigate to the form; return its snapshot."""
    await agent.ok("navigate", url=site.url("/form.html"))
    return await agent.ok("snapshot")


async def test_alert_returns_at_once_and_blocks_until_handled(
    agent: Agent, watcher: Watcher, site: Site
) -> None:
    """Clicking Save (alert) replies at once saying an alert is open; the page is blocked with a clear
    error until handle_dialog answers it."""
    save = ref_of(await open_form(agent, site), 'button "Save"')

    started = time.monotonic()
    reply = await agent.ok("click", ref=save)
    elapsed = time.monotonic() - started

    assert elapsed < 2, f"the click took {elapsed:.1f} s"
    assert "alert dialog is open" in reply.lower() and "Saved!" in reply, reply
    assert (await watcher.next_dialog()).message == "Saved!"  # the person sees it too

    error = await agent.fails("snapshot")
    assert "alert" in error and "handle_dialog" in error, error

    reply = await agent.ok("handle_dialog", accept=True)
    assert "Accepted" in reply and "Saved!" in reply

    assert 'button "Save"' in await agent.ok("snapshot")
    await expect(watcher.tab.locator("h1")).to_have_text("Booking")  # the page answers again


@pytest.mark.anyio
@pytest.mark.parametrize(("accept", "shown"), [(True, "Deleted"), (False, "Kept")])
async def test_confirm_accept_or_dismiss(
    agent: Agent, watcher: Watcher, site: Site, accept: bool, shown: str
) -> None:
    """Accepting the Delete confirm deletes; dismissing it keeps: the person's page shows the answer."""
    delete = ref_of(await open_form(agent, site), 'button "Delete"')

    reply = await agent.ok("click", ref=delete)
    assert "confirm dialog is open" in reply.lower() and "Really delete?" in reply, reply

    await agent.ok("handle_dialog", accept=accept)

    await expect(watcher.tab.locator("#out")).to_have_text(shown)


async def test_prompt_answered_with_text(agent: Agent, watcher: Watcher, site: Site) -> None:
    """A prompt answered with prompt_text gets that text: the page greets Ada."""
    ask = ref_of(await open_form(agent, site), 'button "Ask name"')

    reply = await agent.ok("click", ref=ask)
    assert "prompt dialog is open" in reply.lower() and "guest" in reply, reply  # shows the default

    reply = await agent.ok("handle_dialog", accept=True, prompt_text="Ada")
    assert "Ada" in reply

    await expect(watcher.tab.locator("#out")).to_have_text("Hello Ada")


async def test_handle_dialog_without_a_dialog_is_a_clear_error(
    agent: Agent, watcher: Watcher, site: Site
) -> None:
    """handle_dialog when nothing is open says so."""
    await open_form(agent, site)

    error = await agent.fails("handle_dialog", accept=True)

    assert "No dialog is open" in error


async def test_dialog_the_person_answers_by_hand(agent: Agent, watcher: Watcher, site: Site) -> None:
    """The person answers the agent's confirm by hand: the agent's next call works and says so."""
    delete = ref_of(await open_form(agent, site), 'button "Delete"')
    await agent.ok("click", ref=delete)
    dialog = await watcher.next_dialog()

    await dialog.accept()  # the person clicks OK
    await expect(watcher.tab.locator("#out")).to_have_text("Deleted")
    reply = await agent.ok("snapshot")

    assert "answered outside your calls" in reply and "Really delete?" in reply, reply
    assert "Deleted" in reply  # the snapshot shows the page after the person's answer


async def test_dialog_during_page_load_does_not_hang_navigate(
    agent: Agent, watcher: Watcher, site: Site
) -> None:
    """A page that opens alert() while loading: navigate replies promptly that a dialog is open;
    once answered, the page finishes loading."""
    started = time.monotonic()
    reply = await agent.ok("navigate", url=site.url("/dialog-on-load.html"))
    elapsed = time.monotonic() - started

    assert elapsed < 5, f"navigate took {elapsed:.1f} s"
    assert "dialog" in reply and "Welcome aboard!" in reply, reply

    await agent.ok("handle_dialog", accept=True)

    await expect(watcher.tab.get_by_text("Loaded after the alert")).to_be_visible()
    assert "Loaded after the alert" in await agent.ok("snapshot")
