"""tabs: list, select (bring to front, which the person sees), open and close tabs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from playwright.async_api import Page
from pydantic import Field

from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import ToolError, explain
from browser_mcp.tools.annotations import destructive
from browser_mcp.tools.call import NeedsPage, ToolCall, run_tool


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    nav_timeout_ms = session.settings.navigation_timeout * 1000

    @server.tool(
        annotations=destructive("Tabs"),
        structured_output=False,
        description="Tabs of the shared browser. list: all tabs, marking the one the person sees (where every "
        "tool acts). select: bring tab `index` to front (the person sees the switch). new: open a tab (at `url`) "
        "in front. close: close tab `index` (only when asked to).",
    )
    async def tabs(
        ctx: Context[Any, Any],
        action: Annotated[
            Literal["list", "select", "new", "close"], Field(description="What to do.")
        ] = "list",
        index: Annotated[int | None, Field(ge=1, description="Tab number from the list (1 = first).")] = None,
        url: Annotated[str | None, Field(description="For new: the URL to open.")] = None,
    ) -> str:
        checked = session.policy.check(url) if action == "new" and url else None

        async def body(call: ToolCall) -> None:
            if action == "list":
                await _list(call)
                return
            with session.agent_action():  # the tab events this causes are the agent's, not the person's
                await change_tabs(call)

        async def change_tabs(call: ToolCall) -> None:
            if action == "new":
                page = await session.new_tab()
                await page.bring_to_front()
                if checked:
                    try:
                        await page.goto(checked, wait_until="domcontentloaded", timeout=nav_timeout_ms)
                    except Exception as exc:
                        raise explain(exc, f"opening {checked} in the new tab") from exc
                call.current = page
                call.pages = session.pages()
                view = await session.view(page, call.pages)
                call.reply.say(f"Opened {view.label()} in front; later calls act on it.")
                return
            page = _pick(call, index, action)
            view = await session.view(page, call.pages)
            if action == "select":
                await page.bring_to_front()
                call.current = page
                call.reply.say(f"Selected {view.label()}; it is in front and later calls act on it.")
            else:
                if len(call.pages) == 1:
                    raise ToolError(
                        "Tab 1 is the only tab: closing it would close the person's browser window. "
                        "Open another tab first, or navigate this one."
                    )
                await page.close()
                call.pages = session.pages()
                call.reply.say(f"Closed {view.label()}.")
                if page is call.current:
                    call.current = await session.person_tab(call.pages)

        return (
            await run_tool(session, ctx, "tabs", body, needs_page=NeedsPage.NO, blocked_by_dialog=False)
        ).reply.text()

    async def _list(call: ToolCall) -> None:
        if not call.pages:
            call.reply.say("No tabs are open. Open one with navigate or tabs(action='new').")
            return
        lines = []
        for page in call.pages:
            view = await session.view(page, call.pages)
            mark = "  <- the person's tab (current)" if page is call.current else ""
            dialog = " [dialog open]" if session.tab(page).dialog is not None else ""
            lines.append(f"{view.index}. '{view.title}' ({view.url}){dialog}{mark}")
        call.reply.say("\n".join(lines))


def _pick(call: ToolCall, index: int | None, action: str) -> Page:
    if index is None:
        raise ToolError(f"tabs(action='{action}') needs `index`: the tab number from tabs(action='list').")
    if not 1 <= index <= len(call.pages):
        raise ToolError(
            f"There is no tab {index}: {len(call.pages)} tab(s) are open. Call tabs to list them."
        )
    return call.pages[index - 1]
