"""wait_for: until text appears, until text is gone, or a number of seconds; then what the page now shows
(what the wait was for, usually), as after an action."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import Field

from browser_mcp.browser.actions import Outcome
from browser_mcp.browser.page_changes import note_before_action
from browser_mcp.browser.signals import first_of
from browser_mcp.errors import Problem
from browser_mcp.progress import with_progress
from browser_mcp.tools.acting import describe_outcome, timeout_s_of
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, tool

MAX_WAIT_S = 300.0


@tool(
    "wait_for",
    title="Wait for",
    kind=Kind.READ_ONLY,
    description="Wait until `text` appears on the person's tab, until `text_gone` disappears, or for "
    "`seconds`. Sends progress while it waits.",
)
async def wait_for(
    call: ToolCall,
    text: Annotated[str | None, Field(description="Wait until this text is visible.")] = None,
    text_gone: Annotated[str | None, Field(description="Wait until this text is no longer visible.")] = None,
    seconds: Annotated[float | None, Field(gt=0, le=MAX_WAIT_S, description="Just wait this long.")] = None,
    timeout: Annotated[
        float, Field(gt=0, le=MAX_WAIT_S, description="Give up after this many seconds.")
    ] = 30,
) -> None:
    if sum(x is not None for x in (text, text_gone, seconds)) != 1:
        raise Problem("Give exactly one of `text`, `text_gone` or `seconds`.")
    page = call.page
    url_before, navigations = page.url, call.tabs.state(page).main_frame_navigations
    await note_before_action(call.session, page, timeout_s_of(call))
    if seconds is not None:
        await with_progress(call.ctx, asyncio.sleep(seconds), f"waiting {seconds:g} s", seconds)
        call.reply.say(f"Waited {seconds:g} s.")
        await _what_it_shows(call, url_before, navigations)
        return
    wanted = text if text is not None else text_gone
    assert wanted is not None
    state: Literal["visible", "hidden"] = "visible" if text is not None else "hidden"
    what = f"'{wanted}' to appear" if text is not None else f"'{wanted}' to disappear"
    waiting = asyncio.ensure_future(
        page.get_by_text(wanted).first.wait_for(state=state, timeout=timeout * 1000)
    )
    try:
        finished = await with_progress(
            call.ctx, first_of(waiting, call.tabs.dialog_signal()), f"waiting for {what}", timeout
        )
    finally:
        if not waiting.done():
            waiting.cancel()
    if not finished:
        call.reply.say(f"Stopped waiting for {what}: a dialog opened.")
        return
    failure = waiting.exception()
    if isinstance(failure, PlaywrightTimeoutError):
        raise Problem(f"Waited {timeout:g} s for {what}; it did not happen. Take a snapshot to see the page.")
    if failure is not None:
        raise failure
    call.reply.say(f"Done: {'saw' if text is not None else 'no longer see'} '{wanted}'.")
    await _what_it_shows(call, url_before, navigations)


async def _what_it_shows(call: ToolCall, url_before: str, navigations: int) -> None:
    """The page the tab went on to meanwhile, and what the page now shows that it did not before the wait."""
    page = call.page
    navigated = call.tabs.state(page).main_frame_navigations != navigations
    await describe_outcome(call, Outcome(None, dialog_opened=False, navigated=navigated), url_before)


TOOLS = [wait_for]
