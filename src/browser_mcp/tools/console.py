"""console_messages: what the person's tab logged since the server attached."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from pydantic import Field

from browser_mcp.text import shorten
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, tool

_LEVELS = {"error": {"error"}, "warning": {"error", "warning"}, "info": {"error", "warning", "info", "log"}}
MESSAGE_CHARS = 500


@tool(
    "console_messages",
    title="Console messages",
    kind=Kind.READ_ONLY,
    blocked_by_dialog=False,
    reports_effects=False,
    description="Console messages and uncaught errors of the person's tab (newest last).",
)
async def console_messages(
    call: ToolCall,
    level: Annotated[
        Literal["error", "warning", "info", "all"], Field(description="Least severe level to include.")
    ] = "info",
    limit: Annotated[int, Field(ge=1, le=500, description="At most this many (the newest).")] = 50,
) -> None:
    entries = list(call.tabs.state(call.page).console)
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
        where = f" @ {entry.location}" if entry.location and entry.location != ":" else ""
        call.reply.say(
            f"[{entry.level}] {shorten(entry.text, MESSAGE_CHARS)}{where} ({now - entry.at:.0f} s ago)"
        )


TOOLS = [console_messages]
