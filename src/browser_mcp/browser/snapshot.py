"""The AI aria snapshot of a tab, with refs: always of the whole page, so that Playwright keeps every ref
of it; a section (`ref`) or fewer levels (`depth`) are cut from that text.

A snapshot of one element would make Playwright forget the refs outside it (it resolves `aria-ref=` from
its last snapshot of the frame): the model's next call on a ref it saw elsewhere would fail. Walking a
huge page again for each section would cost seconds, so a section, a part (`offset`) or a search reuses
the tab's last view when the page has not changed since (no DOM change, no input event).

After the agent's navigation the new page's snapshot is taken in the background (look_ahead): a model takes
seconds to ask for it, and then gets it at once. A plain snapshot reuses a view only that recent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from browser_mcp.browser.aria_states import STATES_JS, add_states
from browser_mcp.browser.editor_texts import EDITORS_JS, add_editor_texts
from browser_mcp.browser.hidden_toggles import give_hidden_toggles_refs
from browser_mcp.browser.outline import parse, subtree_text
from browser_mcp.browser.page_watch import PageChanges
from browser_mcp.browser.secrets import hide_secrets
from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.tab_state import PageView, TabState
from browser_mcp.errors import Problem
from browser_mcp.text import REF_PATTERN, shorten

log = logging.getLogger(__name__)

# `- button "Send" [ref=e12]`: role, optional quoted name, the ref.
_REF_LINE = re.compile(
    rf'^\s*- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?[^\n]*?\[ref=({REF_PATTERN})\]', re.MULTILINE
)
_LABEL_NAME_CHARS = 60
_INDENT = re.compile(r"^( *)")
# Content in frames is not watched for changes (our counter lives in the top document).
_HAS_FRAMES = re.compile(r"^\s*- '?iframe\b", re.MULTILINE)
# A plain snapshot reuses a view this young at most (the look ahead after a navigation).
_RECENT_S = 3.0
_LOAD_WAIT_MS = 3_000  # a look ahead waits this long at most for the load event
_LOOK_AFTER_LOAD_S = 0.1  # a model takes far longer than this to ask for the snapshot


@dataclass(frozen=True)
class Snapshot:
    """One snapshot of the whole tab, not yet remembered by the tab."""

    text: str
    refs: dict[str, str]  # ref -> 'button "Send"'
    document: int
    changes: PageChanges | None  # the page's counts of its changes when it was taken (None: unknown)


async def take_snapshot(
    session: BrowserSession, page: Page, *, timeout_s: float, reuse: bool = False, recent: bool = False
) -> Snapshot:
    """The whole page's snapshot, secrets hidden; `remember` it to make its refs the ones later calls use.

    `reuse`: the tab's last view will do if the page has not changed since it was taken; `recent`: if,
    moreover, it was taken a moment ago (a look ahead).
    """
    state = session.tabs.state(page)
    await looked_ahead(state)
    if reuse or recent:
        fresh = await _fresh_view(state, None if reuse else _RECENT_S)
        if fresh is not None:
            return fresh
    return await _new_snapshot(page, state, timeout_s)


async def _new_snapshot(page: Page, state: TabState, timeout_s: float) -> Snapshot:
    # Alongside the snapshot, they cost it no time.
    counted = asyncio.ensure_future(_changes(state))
    editors = asyncio.ensure_future(_rows(state, EDITORS_JS))
    states = asyncio.ensure_future(_rows(state, STATES_JS))
    try:
        text = await page.aria_snapshot(mode="ai", timeout=timeout_s * 1000)
    finally:
        changes, written, stated = await counted, await editors, await states
    text = add_editor_texts(await give_hidden_toggles_refs(page, text), written)
    text = add_states(text, stated)
    text = await hide_secrets(page, text)  # before anything keeps or shows it
    return Snapshot(text, refs_of(text), state.document, changes)


async def document_type(state: TabState) -> str:
    """The MIME type of the document the tab shows ("application/pdf" in the browser's PDF viewer); "" if it
    cannot be asked."""
    if state.watch is None:
        return ""
    try:
        return str(await state.watch.evaluate("document.contentType") or "")
    except Exception:  # a document going away
        return ""


def remember(state: TabState, snapshot: Snapshot) -> None:
    """The model sees (part of) `snapshot`: its refs are the tab's now, and later actions compare with it."""
    state.refs = snapshot.refs
    if state.seen is None or state.seen.text is not snapshot.text:
        state.seen = PageView(snapshot.document, snapshot.text, changes=snapshot.changes)


def look_ahead(session: BrowserSession, page: Page, timeout_s: float) -> None:
    """Take the page's snapshot in the background once it has loaded (after the agent's navigation), for
    the next call."""
    state = session.tabs.state(page)
    if state.looking_ahead is None or state.looking_ahead.done():
        state.looking_ahead = asyncio.ensure_future(_look(page, state, timeout_s))


async def looked_ahead(state: TabState) -> None:
    """A look ahead still waiting for the load is called off (the caller looks now); one under way is waited
    for: what follows works with its view, not beside it."""
    task = state.looking_ahead
    if task is None or task.done():
        return
    if not state.looking_ahead_began:
        task.cancel()
    await asyncio.wait({task})


async def _look(page: Page, state: TabState, timeout_s: float) -> None:
    state.looking_ahead_began = False
    # Scripts often change the page up to its load event: a look taken before would be stale at once.
    with contextlib.suppress(PlaywrightError):
        await page.wait_for_load_state("load", timeout=_LOAD_WAIT_MS)
    # A call that comes at once (a script, not a model) calls it off before it competes with that call.
    await asyncio.sleep(_LOOK_AFTER_LOAD_S)
    state.looking_ahead_began = True
    try:
        snapshot = await _new_snapshot(page, state, timeout_s)
    except Exception as exc:  # the page went on or closed: the next call looks for itself
        log.debug("No look ahead at %s: %r", page.url, exc)
        return
    if snapshot.document == state.document:
        remember(state, snapshot)


def refs_of(text: str) -> dict[str, str]:
    return {found.group(3): _label(found.group(1), found.group(2)) for found in _REF_LINE.finditer(text)}


def section(text: str, ref: str) -> str:
    """The lines of the element `ref` and everything in it, dedented (as a snapshot of it alone)."""
    tree = parse(text)
    node = next((node for node in tree.nodes if node.ref == ref), None)
    if node is None:
        raise Problem(f"ref {ref} is not on the page now: call snapshot() and use a ref from it.")
    return subtree_text(tree, node)


def to_depth(text: str, depth: int) -> str:
    """The tree down to `depth` levels below its top lines (as Playwright counts them)."""
    lines = text.split("\n")
    top = min((len(_indent(line)) for line in lines if line.strip()), default=0)
    return "\n".join(line for line in lines if (len(_indent(line)) - top) // 2 <= depth)


async def _fresh_view(state: TabState, max_age_s: float | None) -> Snapshot | None:
    seen = state.seen
    if seen is None or seen.document != state.document or seen.changes is None:
        return None
    if max_age_s is not None and time.monotonic() - seen.taken_at > max_age_s:
        return None
    if _HAS_FRAMES.search(seen.text) or await _changes(state) != seen.changes:
        return None
    return Snapshot(seen.text, state.refs, seen.document, seen.changes)


async def _changes(state: TabState) -> PageChanges | None:
    if state.watch is None:
        return None
    try:
        return await state.watch.changes()
    except Exception:  # a document going away: unknown, so not fresh
        return None


async def _rows(state: TabState, expression: str) -> list[list[str]]:
    """The page's answer to `expression` (in our world): a list of rows of strings."""
    if state.watch is None:
        return []
    try:
        found = await state.watch.evaluate(expression)
    except Exception:  # a document going away: its snapshot fails too
        return []
    return [[str(part) for part in row] for row in found] if isinstance(found, list) else []


def _indent(line: str) -> str:
    found = _INDENT.match(line)
    return found.group(1) if found else ""


def focused_in(text: str) -> str | None:
    """The element a snapshot marks as focused ([active]), as replies name it ('textbox "City" [e5]');
    None if none is, or only the page itself."""
    focused = [found for found in _REF_LINE.finditer(text) if " [active]" in found.group(0)]
    if not focused:
        return None
    last = focused[-1]  # the deepest: a frame is [active] when an element in it is
    if last.group(1) == "generic" and not last.group(2):
        return None  # the document's own root: nothing in particular
    return f"{_label(last.group(1), last.group(2))} [{last.group(3)}]"


def ref_of(refs: dict[str, str], role: str, name: str) -> str | None:
    """The ref of the first element of `refs` (as `refs_of` gives them) with this role and name."""
    label = _label(role, name)
    return next((ref for ref, known in refs.items() if known == label), None)


def _label(role: str, name: str | None) -> str:
    return f'{role} "{shorten(name, _LABEL_NAME_CHARS)}"' if name else role
