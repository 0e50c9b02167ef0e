"""snapshot: the accessibility tree of the person's tab, with refs, within a budget."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.snapshot import budget_note, cut_to_budget, take_snapshot
from browser_mcp.errors import explain
from browser_mcp.tools.annotations import read_only
from browser_mcp.tools.call import ToolCall, run_tool

MAX_CHARS_LIMIT = 200_000


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    default_budget = session.settings.snapshot_max_chars

    @server.tool(
        annotations=read_only("Page snapshot"),
        structured_output=False,
        description="Accessibility snapshot of the tab the person is looking at, with refs (e12) for the element "
        f"tools. Cut to {default_budget:,} characters by default; the reply says how to see the rest "
        "(offset, ref to scope to one section, depth).",
    )
    async def snapshot(
        ctx: Context[Any, Any],
        ref: Annotated[str | None, Field(description="Only the part of the page under this ref.")] = None,
        offset: Annotated[
            int,
            Field(ge=0, description="Character position to continue from (from the previous reply's note)."),
        ] = 0,
        max_chars: Annotated[
            int | None,
            Field(ge=1_000, le=MAX_CHARS_LIMIT, description="Size budget of this reply in characters."),
        ] = None,
        depth: Annotated[
            int | None, Field(ge=1, le=100, description="Only this many levels of the tree.")
        ] = None,
    ) -> str:
        budget = max_chars or default_budget

        async def body(call: ToolCall) -> None:
            page = call.page
            try:
                text = await take_snapshot(
                    session,
                    page,
                    ref=ref,
                    depth=depth,
                    # Walking a huge page takes seconds: allow what a navigation may take.
                    timeout_s=session.settings.navigation_timeout,
                    continuing=offset > 0,
                )
            except Exception as exc:
                raise explain(exc, "snapshot", ref, session.settings.navigation_timeout) from exc
            part = cut_to_budget(text, offset, budget)
            title = await session.title_of(page)
            view_index = call.pages.index(page) + 1 if page in call.pages else 0
            call.reply.say(f"Tab {view_index}: '{title}' ({page.url})")
            if offset and part.start >= part.total_chars:
                call.reply.say(
                    f"[Nothing past offset {offset}: the snapshot has {part.total_chars:,} characters.]"
                )
                return
            call.reply.say(part.text.rstrip("\n") if part.text else "(the page has no accessible content)")
            note = budget_note(part, ref)
            if note:
                call.reply.say(note)

        return (
            await run_tool(session, ctx, "snapshot", body, report_effects=False, speculative=True)
        ).reply.text()
