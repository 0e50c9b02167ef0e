"""ask_user: hand the page to the person and wait for their answer."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from pydantic import Field

from browser_mcp.errors import Problem
from browser_mcp.people import CoBrowsing
from browser_mcp.people.person_tab import Checkpoint
from browser_mcp.people.prompt import CANCEL, PromptBar, PromptSpec
from browser_mcp.progress import PROGRESS_INTERVAL_S
from browser_mcp.text import first_line, shorten
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, tool

MAX_TIMEOUT_S = 3600.0
MAX_CHOICES = 8
_CHAT_LINE_CHARS = 200

Choice = Annotated[str, Field(min_length=1, max_length=60)]


@tool(
    "ask_user",
    title="Ask the person",
    kind=Kind.ACTS,
    description="Hand the page to the person: show them `message` in a bar on the tab they are looking "
    "at, with a Done button (or one button per choice) and Cancel, and wait until they answer. Use it for "
    "what only they can do or decide: a login, a CAPTCHA, a payment, a choice. Replies with their answer, "
    "what they did meanwhile and the tab in front now. Cancel is an answer (stop that step); no answer "
    "within timeout_s is an error.",
)
async def ask_user(
    call: ToolCall,
    message: Annotated[
        str,
        Field(min_length=1, max_length=1000, description="What to ask or tell the person, in a sentence."),
    ],
    timeout_s: Annotated[
        float, Field(ge=1, le=MAX_TIMEOUT_S, description="Give up after this many seconds.")
    ] = 300,
    choices: Annotated[
        list[Choice] | None,
        Field(
            min_length=1,
            max_length=MAX_CHOICES,
            description="Buttons to offer instead of Done, e.g. ['Economy', 'Business'] (Cancel is added).",
        ),
    ] = None,
) -> None:
    call.acted = False  # it hands over rather than acts; neko's chat gets its own line below
    text = " ".join(message.split())
    if not text:
        raise Problem("The message is empty: say what you need from the person.")
    spec = PromptSpec(text, _checked(choices))
    people = call.people
    page = call.page
    before = Checkpoint.of(call.pages, page)
    bar = PromptBar(call.session, spec)
    try:
        try:
            await bar.open(page)
        except Exception as exc:
            why = "it did not respond in time" if isinstance(exc, TimeoutError) else first_line(str(exc))
            raise Problem(
                f"ask_user could not show its prompt on the person's tab ({page.url}): {why}. "
                "Ask in your reply instead."
            ) from exc
        _announce(
            people, f"agent asks: {spec.message}", f" (answer in the browser: {' / '.join(spec.buttons)})"
        )
        people.prompt = bar  # the live view shows it in its bar too
        answer = await _wait_for_answer(call, bar, timeout_s)
    finally:
        people.prompt = None
        await bar.close()
    aftermath = await _aftermath(call, before)
    if answer is None:
        _announce(people, f"agent: stopped waiting for an answer after {timeout_s:g} s", "")
        raise Problem(
            "\n".join(
                [
                    f"The person did not answer within {timeout_s:g} s; the prompt was removed. "
                    "Ask again (maybe with a longer timeout_s), or ask in your reply.",
                    *aftermath,
                ]
            )
        )
    # Answering hands the page back: the click or key on the bar is not the person still busy,
    # so the agent's next action need not wait for them to be quiet.
    people.activity.last_person_input_at = 0.0
    call.reply.say(_answer_line(answer, spec))
    for line in aftermath:
        call.reply.say(line)


def _checked(choices: list[str] | None) -> tuple[str, ...]:
    if not choices:
        return ()
    cleaned = tuple(" ".join(choice.split()) for choice in choices)
    if any(not choice for choice in cleaned):
        raise Problem("Each choice needs a visible label; drop the empty ones.")
    if len({choice.casefold() for choice in cleaned}) != len(cleaned):
        raise Problem("The choices must differ from each other.")
    if any(choice.casefold() == CANCEL.casefold() for choice in cleaned):
        raise Problem("Cancel is always offered; leave it out of the choices.")
    return cleaned


async def _wait_for_answer(call: ToolCall, bar: PromptBar, timeout_s: float) -> str | None:
    """The person's answer, or None when the time runs out; a progress notification every second."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        remaining = started + timeout_s - loop.time()
        if remaining <= 0:
            return None
        done, _ = await asyncio.wait({bar.answer}, timeout=min(PROGRESS_INTERVAL_S, remaining))
        if done:
            return bar.answer.result()
        if not call.session.is_connected():
            raise Problem(
                "ask_user failed: the browser went away while waiting for the person's answer "
                "(closed or restarted). The next call reconnects; ask again if it is still needed."
            )
        if call.ctx is not None:
            elapsed = loop.time() - started
            # A client that went away cannot be told; the answer may still come.
            with contextlib.suppress(Exception):
                await call.ctx.report_progress(
                    round(elapsed, 1), timeout_s, f"waiting for the person ({elapsed:.0f} s of {timeout_s:g})"
                )


def _answer_line(answer: str, spec: PromptSpec) -> str:
    if answer == CANCEL:
        return (
            "The person cancelled (pressed Cancel): they did not do or decide what you asked. Do not go on "
            "with that step; ask them in your reply what they want instead."
        )
    if spec.choices:
        return f"The person chose '{answer}'."
    return f"The person answered: {answer}."


async def _aftermath(call: ToolCall, before: Checkpoint) -> list[str]:
    """What the person did while the prompt was up and where they are now (later calls act there):
    the notes the next call would otherwise start with."""
    session, people = call.session, call.people
    if not session.is_connected():
        return []
    pages = session.pages()
    now = await people.person_tab.find(pages)
    changes = await people.changes.since(before, pages, now)
    lines = people.events.opening_notes(changes)
    if now is not None and not changes:
        lines.append(f"Still on {await call.tabs.label(now)}.")
    # Told here, so the frame does not report these tabs again as the call's own effects.
    call.current, call.pages, call.targets_at_begin = now, pages, call.tabs.targets_created
    return lines


def _announce(people: CoBrowsing, text: str, suffix: str) -> None:
    """A line in neko's chat, where the person may be looking rather than at the page."""
    neko = people.neko
    if neko is not None and neko.chat:
        neko.announce(shorten(text, _CHAT_LINE_CHARS - len(suffix)) + suffix)


TOOLS = [ask_user]
