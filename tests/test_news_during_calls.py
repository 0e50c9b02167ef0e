"""What happens while a call runs is told, never lost: a tab the person closes or a dialog they answer
during a long call, and a tab a call opened before it failed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
from mcp.types import CallToolResult, TextContent
from playwright.async_api import Dialog, Page, expect

from tests.support.agent import Agent
from tests.support.chromium import free_port
from tests.support.person import Person
from tests.support.site import Site


def text_of(result: CallToolResult) -> str:
    return "\n".join(part.text for part in result.content if isinstance(part, TextContent))


async def wait_while_the_person(agent: Agent, seconds: float, act: Callable[[], Awaitable[None]]) -> str:
    """The agent waits `seconds`; once the call is under way (its first progress), the person acts."""
    under_way = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        under_way.set()

    result: list[CallToolResult] = []

    async def call() -> None:
        result.append(
            await agent.client.call_tool("wait_for", {"seconds": seconds}, progress_callback=on_progress)
        )

    async with anyio.create_task_group() as group:
        group.start_soon(call)
        with anyio.fail_after(seconds + 5):
            await under_way.wait()
        await act()
    assert not result[0].is_error, text_of(result[0])
    return text_of(result[0])


async def home_with_two_behind(agent: Agent, person: Person, site: Site) -> tuple[Page, Page]:
    """The agent is on Home (t1); the person opened Two (t2) and came back to Home."""
    await agent.ok("navigate", url=site.url("/index.html"))
    home = await person.tab_in_front()
    two = await person.open_tab(site.url("/two.html"))
    await person.switch_to(home)
    await agent.ok("snapshot")  # told of the new tab; acting on Home
    return home, two


async def test_a_tab_the_person_closes_during_a_call_is_told_at_its_end(
    agent: Agent, person: Person, site: Site
) -> None:
    _, two = await home_with_two_behind(agent, person, site)

    reply = await wait_while_the_person(agent, 2.5, two.close)

    assert f"Tab t2 'Two' ({site.url('/two.html')}) was closed during this call." in reply, reply
    assert "closed" not in await agent.ok("snapshot")  # told once
    log = await agent.ok("activity")
    assert "person: closed tab t2 'Two'" in log, log


async def test_a_dialog_the_person_answers_during_a_call_is_told_at_its_end(
    agent: Agent, person: Person, site: Site
) -> None:
    await agent.ok("navigate", url=site.url("/index.html"))
    home = await person.tab_in_front()
    form = await person.open_tab(site.url("/form.html"))
    await person.switch_to(home)
    await agent.ok("snapshot")
    answered: list[Dialog] = []

    async def answer(dialog: Dialog) -> None:
        await dialog.accept()  # the person clicks OK
        answered.append(dialog)

    person.context.on("dialog", answer)

    async def confirm_and_answer() -> None:
        # A background tab paints no frames, so no click waiting for a stable element: the event itself.
        await form.get_by_role("button", name="Delete").dispatch_event("click")
        await expect(form.locator("#out")).to_have_text("Deleted")

    reply = await wait_while_the_person(agent, 2.5, confirm_and_answer)

    assert answered, "the person's browser never showed the dialog"
    assert "The confirm 'Really delete?' dialog was answered during this call (by the person)." in reply, (
        reply
    )
    assert "answered" not in await agent.ok("snapshot")  # told once


async def test_a_tab_opened_by_a_call_that_then_failed_is_told(
    agent: Agent, person: Person, site: Site
) -> None:
    await agent.ok("navigate", url=site.url("/index.html"))
    nowhere = f"http://127.0.0.1:{free_port()}/"

    error = await agent.fails("tabs", action="new", url=nowhere)

    assert "ERR_CONNECTION_REFUSED" in error, error
    assert "Opened tab t2" in error and "it is in front, later calls act on it" in error, error
    await person.sees_tabs(2)
    reply = await agent.ok("snapshot")
    assert reply.startswith("Tab t2:"), reply  # where the error said later calls act
    assert "Note:" not in reply, reply  # already told: not news again, and not the person's doing
