"""wait_for: until text appears, until text is gone, or a number of seconds."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import Field

from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.signals import first_of
from browser_mcp.errors import ToolError, explain
from browser_mcp.progress import with_progress
from browser_mcp.tools.annotations import read_only
from browser_mcp.tools.call import ToolCall, run_tool

MAX_WAIT_S = 300.0


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    @server.tool(
        annotations=read_only("Wait for"),
        structured_output=False,
        description="Wait until `text` appears on the person's tab, until `text_gone` disappears, or for "
        "`seconds`. Sends progress while it waits.",
    )
    async def wait_for(
        ctx: Context[Any, Any],
        text: Annotated[str | None, Field(description="Wait until this text is visible.")] = None,
        text_gone: Annotated[
            str | None, Field(description="Wait until this text is no longer visible.")
        ] = None,
        seconds: Annotated[
            float | None, Field(gt=0, le=MAX_WAIT_S, description="Just wait this long.")
        ] = None,
        timeout: Annotated[
            float, Field(gt=0, le=MAX_WAIT_S, description="Give up after this many seconds.")
        ] = 30,
    ) -> str:
        if sum(x is not None for x in (text, text_gone, seconds)) != 1:
            raise ToolError("Give exactly one of `text`, `text_gone` or `seconds`.")

        async def body(call: ToolCall) -> None:
            page = call.page
            if seconds is not None:
                await with_progress(ctx, asyncio.sleep(seconds), f"waiting {seconds:g} s", seconds)
                call.reply.say(f"Waited {seconds:g} s.")
                return
            wanted = text if text is not None else text_gone
            assert wanted is not None
            state: Literal["visible", "hidden"] = "visible" if text is not None else "hidden"
            locator = page.get_by_text(wanted).first
            what = f"'{wanted}' to appear" if text is not None else f"'{wanted}' to disappear"
            waiting = asyncio.ensure_future(locator.wait_for(state=state, timeout=timeout * 1000))
            try:
                finished = await with_progress(
                    ctx, first_of(waiting, session.dialog_signal()), f"waiting for {what}", timeout
                )
            finally:
                if not waiting.done():
                    waiting.cancel()
            if not finished:
                call.reply.say(f"Stopped waiting for {what}: a dialog opened.")
                return
            exc = waiting.exception()
            if isinstance(exc, PlaywrightTimeoutError):
                raise ToolError(
                    f"Waited {timeout:g} s for {what}; it did not happen. Take a snapshot to see the page."
                )
            if exc is not None:
                raise explain(exc, "wait_for")
            call.reply.say(f"Done: {'saw' if text is not None else 'no longer see'} '{wanted}'.")

        return (await run_tool(session, ctx, "wait_for", body)).reply.text()
