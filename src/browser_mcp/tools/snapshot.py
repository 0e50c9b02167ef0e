"""snapshot: the accessibility tree of the person's tab, with refs, within a budget."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from browser_mcp.browser.outline import HEADER_CHARS, NOTE_ROOM, budget_note, cut_to_budget, outline
from browser_mcp.browser.outline import search as find_in
from browser_mcp.browser.snapshot import document_type, remember, section, take_snapshot, to_depth
from browser_mcp.text import clean_ref, quoted, shorten
from browser_mcp.tools.explain import in_a_viewer
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, tool

MAX_CHARS_LIMIT = 200_000
_EMPTY = "(the page has no accessible content)"


@tool(
    "snapshot",
    title="Page snapshot",
    kind=Kind.READ_ONLY,
    reports_effects=False,
    speculative=True,
    timeout="navigation",  # walking a huge page takes seconds: allow what a navigation may take
    description="Accessibility snapshot of the tab the person is looking at, with refs (e12) for the element "
    "tools. Within a budget (16,000 characters by default): a bigger page comes as an outline in which every "
    "link, button and field is shown or inside a collapsed section whose line names the call that opens it. "
    "`search` finds elements by their role, name or text; `offset` pages through the whole text.",
)
async def snapshot(
    call: ToolCall,
    ref: Annotated[str | None, Field(description="Only the part of the page under this ref.")] = None,
    search: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            description="Words to find (any case) in the roles, names and texts: the matching elements, "
            "with refs and where they are.",
        ),
    ] = None,
    offset: Annotated[
        int | None,
        Field(
            ge=0, description="Character position to go on from, in the whole text (a previous note says)."
        ),
    ] = None,
    max_chars: Annotated[
        int | None,
        Field(ge=1_000, le=MAX_CHARS_LIMIT, description="Size budget of this reply in characters."),
    ] = None,
    depth: Annotated[
        int | None, Field(ge=1, le=100, description="Only this many levels of the tree.")
    ] = None,
) -> None:
    page = call.page
    scope = clean_ref(ref) if ref else None
    call.target = scope
    budget = max_chars or call.settings.snapshot_max_chars
    # Exploring a page already seen (a section, a part, a search): the last view does if nothing changed.
    reuse = bool(scope or offset or search)
    timeout_s = call.settings.navigation_timeout
    taken = await take_snapshot(call.session, page, timeout_s=timeout_s, reuse=reuse, recent=True)
    state = call.tabs.state(page)
    call.keep(lambda: remember(state, taken))
    text = section(taken.text, scope) if scope else taken.text
    if depth:
        text = to_depth(text, depth)
    label = await call.tabs.label(page)
    # Short, so that what follows it has the room outlines and parts are planned with.
    call.reply.say(shorten(f"Tab {label.name}: {quoted(label.title)}({label.url})", HEADER_CHARS))
    if not taken.text.strip():
        viewer = in_a_viewer(await document_type(state))
        call.reply.say(viewer or _EMPTY)
    elif search:
        call.reply.say(find_in(text, search, budget - NOTE_ROOM))
    elif offset is None:
        _whole_or_outline(call, text, budget, scope, named_budget=max_chars is not None)
    else:
        _part(call, text, offset, budget, scope, named_budget=max_chars is not None)


def _whole_or_outline(
    call: ToolCall, text: str, budget: int, scope: str | None, *, named_budget: bool
) -> None:
    if len(text) + HEADER_CHARS + 1 <= budget:  # the header line counts too
        call.reply.say(text.rstrip("\n") if text.strip() else _EMPTY)
        return
    shown = outline(
        text, budget, ref=scope, name_max_chars=named_budget and budget != call.settings.snapshot_max_chars
    )
    call.reply.say(shown.text.rstrip("\n"))
    if shown.note():
        call.reply.say(shown.note())


def _part(
    call: ToolCall, text: str, offset: int, budget: int, scope: str | None, *, named_budget: bool
) -> None:
    part = cut_to_budget(text, offset, budget - NOTE_ROOM)
    if offset and part.start >= part.total_chars:
        call.reply.say(f"[Nothing past offset {offset}: the snapshot has {part.total_chars:,} characters.]")
        return
    call.reply.say(part.text.rstrip("\n") if part.text else _EMPTY)
    note = budget_note(
        part, scope, budget if named_budget and budget != call.settings.snapshot_max_chars else None
    )
    if note:
        call.reply.say(note)


TOOLS = [snapshot]
