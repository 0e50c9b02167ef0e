"""snapshot: the accessibility tree of the person's tab, with refs, within a budget."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from browser_mcp.browser.snapshot import budget_note, cut_to_budget, remember, take_snapshot
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, tool

MAX_CHARS_LIMIT = 200_000


@tool(
    "snapshot",
    title="Page snapshot",
    kind=Kind.READ_ONLY,
    reports_effects=False,
    speculative=True,
    timeout="navigation",  # walking a huge page takes seconds: allow what a navigation may take
    description="Accessibility snapshot of the tab the person is looking at, with refs (e12) for the element "
    "tools. Cut to a budget (16,000 characters by default); the reply says how to see the rest "
    "(offset, ref to scope to one section, depth).",
)
async def snapshot(
    call: ToolCall,
    ref: Annotated[str | None, Field(description="Only the part of the page under this ref.")] = None,
    offset: Annotated[
        int, Field(ge=0, description="Character position to continue from (from the previous reply's note).")
    ] = 0,
    max_chars: Annotated[
        int | None,
        Field(ge=1_000, le=MAX_CHARS_LIMIT, description="Size budget of this reply in characters."),
    ] = None,
    depth: Annotated[
        int | None, Field(ge=1, le=100, description="Only this many levels of the tree.")
    ] = None,
) -> None:
    page = call.page
    call.target = ref
    taken = await take_snapshot(
        call.session,
        page,
        ref=ref,
        depth=depth,
        timeout_s=call.settings.navigation_timeout,
        continuing=offset > 0,
    )
    state = call.tabs.state(page)
    call.keep(lambda: remember(state, taken))
    part = cut_to_budget(taken.text, offset, max_chars or call.settings.snapshot_max_chars)
    label = await call.tabs.label(page)
    call.reply.say(f"Tab {label.name}: '{label.title}' ({label.url})")
    if offset and part.start >= part.total_chars:
        call.reply.say(f"[Nothing past offset {offset}: the snapshot has {part.total_chars:,} characters.]")
        return
    call.reply.say(part.text.rstrip("\n") if part.text else "(the page has no accessible content)")
    note = budget_note(part, ref)
    if note:
        call.reply.say(note)


TOOLS = [snapshot]
