"""console_messages: what the person's tab logged since the server attached."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from browser_mcp.browser.session import BrowserSession
from browser_mcp.tools.annotations import read_only
from browser_mcp.tools.call import ToolCall, run_tool

_LEVELS = {"error": {"error"}, "warning": {"error", "warning"}, "info": {"error", "warning", "info", "log"}}
MESSAGE_CHARS = 500


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    @server.tool(
        annotations=read_only("Console messages"),
        structured_output=False,
        description="Console messages and uncaught errors of the person's tab (newest last).",
    )
    async def console_messages(
        ctx: Context[Any, Any],
        level: Annotated[
            Literal["error", "warning", "info", "all"], Field(description="Least severe level to include.")
        ] = "info",
        limit: Annotated[int, Field(ge=1, le=500, description="At most this many (the newest).")] = 50,
    ) -> str:
        async def body(call: ToolCall) -> None:
            page = call.page
            entries = list(session.tab(page).console)
            if level != "all":
                entries = [entry for entry in entries if entry.level in _LEVELS[level]]
            shown = entries[-limit:]
            if not shown:
                call.reply.say(
                    f"No console messages at level {level} or above on this tab since the server attached."
                )
                return
            skipped = len(entries) - len(shown)
            if skipped:
                call.reply.say(f"[{skipped} older messages not shown; raise `limit` to see them.]")
            now = time.time()
            for entry in shown:
                text = entry.text if len(entry.text) <= MESSAGE_CHARS else entry.text[:MESSAGE_CHARS] + "…"
                where = f" @ {entry.location}" if entry.location and entry.location != ":" else ""
                call.reply.say(f"[{entry.level}] {text}{where} ({now - entry.at:.0f} s ago)")

        return (
            await run_tool(
                session, ctx, "console_messages", body, blocked_by_dialog=False, report_effects=False
            )
        ).reply.text()
