"""ask_user: hand the page to the person and wait for their answer."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from browser_mcp.browser.session import BrowserSession, Checkpoint
from browser_mcp.errors import ToolError
from browser_mcp.people import CoBrowsing
from browser_mcp.people.prompt import CANCEL, PromptBar, PromptSpec
from browser_mcp.progress import PROGRESS_INTERVAL_S
from browser_mcp.tools.annotations import acts_on_page
from browser_mcp.tools.call import ToolCall, changes_between_calls, run_tool

MAX_TIMEOUT_S = 3600.0
MAX_CHOICES = 8

Choice = Annotated[str, Field(min_length=1, max_length=60)]


def register(server: MCPServer[Any], session: BrowserSession, cobrowsing: CoBrowsing) -> None:
    @server.tool(
        annotations=acts_on_page("Ask the person"),
        structured_output=False,
        description="Hand the page to the person: show them `message` in a bar on the tab they are looking "
        "at, with a Done button (or one button per choice) and Cancel, and wait until they answer. Use it for "
        "what only they can do or decide: a login, a CAPTCHA, a payment, a choice. Replies with their answer, "
        "what they did meanwhile and the tab in front now. Cancel is an answer (stop that step); no answer "
        "within timeout_s is an error.",
    )
    async def ask_user(
        ctx: Context[Any, Any],
        message: Annotated[
            str,
            Field(
                min_length=1, max_length=1000, description="What to ask or tell the person, in a sentence."
            ),
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
    ) -> str:
        text = " ".join(message.split())
        if not text:
            raise ToolError("The message is empty: say what you need from the person.")
        spec = PromptSpec(text, _checked(choices))

        async def body(call: ToolCall) -> None:
            page = call.page
            before = Checkpoint(tuple(call.pages), page, page.url)
            bar = PromptBar(session, spec)
            try:
                try:
                    await bar.open(page)
                except Exception as exc:
                    why = "it did not respond in time" if isinstance(exc, TimeoutError) else _first_line(exc)
                    raise ToolError(
                        f"ask_user could not show its prompt on the person's tab ({page.url}): {why}. "
                        "Ask in your reply instead."
                    ) from exc
                _announce(
                    cobrowsing,
                    f"agent asks: {spec.message}",
                    f" (answer in the browser: {' / '.join(spec.buttons)})",
                )
                answer = await _wait_for_answer(ctx, session, bar, timeout_s)
            finally:
                await bar.close()
            aftermath = await _aftermath(call, before)
            if answer is None:
                _announce(cobrowsing, f"agent: stopped waiting for an answer after {timeout_s:g} s", "")
                raise ToolError(
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
            cobrowsing.activity.last_person_input_at = 0.0
            call.reply.say(_answer_line(answer, spec))
            for line in aftermath:
                call.reply.say(line)

        return (await run_tool(session, ctx, "ask_user", body)).reply.text()


def _checked(choices: list[str] | None) -> tuple[str, ...]:
    if not choices:
        return ()
    cleaned = tuple(" ".join(choice.split()) for choice in choices)
    if any(not choice for choice in cleaned):
        raise ToolError("Each choice needs a visible label; drop the empty ones.")
    if len({choice.casefold() for choice in cleaned}) != len(cleaned):
        raise ToolError("The choices must differ from each other.")
    if any(choice.casefold() == CANCEL.casefold() for choice in cleaned):
        raise ToolError("Cancel is always offered; leave it out of the choices.")
    return cleaned


async def _wait_for_answer(
    ctx: Context[Any, Any] | None, session: BrowserSession, bar: PromptBar, timeout_s: float
) -> str | None:
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
        if not session.is_connected():
            raise ToolError(
                "ask_user failed: the browser went away while waiting for the person's answer "
                "(closed or restarted). The next call reconnects; ask again if it is still needed."
            )
        if ctx is not None:
            elapsed = loop.time() - started
            # A client that went away cannot be told; the answer may still come.
            with contextlib.suppress(Exception):
                await ctx.report_progress(
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
    session = call.session
    if not session.is_connected():
        return []
    pages = session.pages()
    now = await session.person_tab(pages)
    changes = await changes_between_calls(session, before, pages, now)
    lines = session.news.opening_notes(changes)
    if now is not None and not changes:
        lines.append(f"Still on {(await session.view(now, pages)).label()}.")
    # Told here, so the frame does not report these tabs again as the call's own effects.
    call.current, call.pages, call.targets_at_begin = now, pages, session.targets_created
    return lines


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _announce(cobrowsing: CoBrowsing, text: str, suffix: str) -> None:
    """A line in neko's chat, where the person may be looking rather than at the page."""
    neko = cobrowsing.neko
    if neko is None or not neko.chat:
        return
    room = 200 - len(suffix)
    neko.announce((text if len(text) <= room else text[: room - 1] + "…") + suffix)
