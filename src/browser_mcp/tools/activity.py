"""activity: the recent log of who did what (the person and the agent)."""

from __future__ import annotations

import time
from typing import Annotated

from pydantic import Field

from browser_mcp.people.activity import LOG_LIMIT, ActivityEntry
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, NeedsPage, tool


@tool(
    "activity",
    title="Activity",
    kind=Kind.READ_ONLY,
    needs_page=NeedsPage.NO,
    blocked_by_dialog=False,
    reports_effects=False,
    description="The recent log of who did what in the shared browser, oldest first: the person's own "
    "actions (clicks, typing, navigations, tab switches, dialogs they answered) and yours, with how long "
    "ago and on which tab. Password values are never shown.",
)
async def activity(
    call: ToolCall,
    limit: Annotated[
        int, Field(ge=1, le=LOG_LIMIT, description="How many of the latest entries to show.")
    ] = 30,
) -> None:
    log = call.people.activity
    entries = log.recent(limit)
    if not entries:
        call.reply.say("Nothing logged yet: neither the person nor you have acted in the browser.")
        return
    now = time.time()
    shown = f"the last {len(entries)} of {len(log.entries)}" if len(log.entries) > limit else "all"
    call.reply.say(f"Who did what, oldest first ({shown} entries):")
    call.reply.say("\n".join(_line(entry, now) for entry in entries))


def _line(entry: ActivityEntry, now: float) -> str:
    where = f" on {entry.tab}" if entry.tab else ""
    return f"- {_ago(now - entry.at)}, {entry.by}{where}: {entry.text}"


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


TOOLS = [activity]
