"""The AI aria snapshot with refs, cut to a character budget with a plain way to get the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Page

from browser_mcp.browser.locate import locate
from browser_mcp.browser.secrets import hide_secrets
from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.tab_state import PageView, TabState
from browser_mcp.text import REF_PATTERN, shorten

# `- button "Send" [ref=e12]`: role, optional quoted name, the ref.
_REF_LINE = re.compile(
    rf'^\s*- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?[^\n]*?\[ref=({REF_PATTERN})\]', re.MULTILINE
)
_LABEL_NAME_CHARS = 60


@dataclass(frozen=True)
class SnapshotPage:
    text: str
    total_chars: int
    start: int
    end: int

    @property
    def cut(self) -> bool:
        return self.start > 0 or self.end < self.total_chars


@dataclass(frozen=True)
class Snapshot:
    """One snapshot of a tab (or of one element of it, `ref`), not yet remembered by the tab."""

    text: str
    refs: dict[str, str]  # ref -> 'button "Send"'
    key: tuple[int, str | None, int | None]  # what it is of: (document, ref, depth)
    scoped: bool


async def take_snapshot(
    session: BrowserSession,
    page: Page,
    *,
    ref: str | None,
    depth: int | None,
    timeout_s: float,
    continuing: bool = False,
) -> Snapshot:
    """The whole snapshot text and its refs; `remember` it to make its refs the ones later calls use.

    `continuing` (paging on with an offset) reuses the previous text of the same document and scope.
    """
    state = session.tabs.state(page)
    key = (state.main_frame_navigations, ref, depth)
    if continuing and state.last_snapshot is not None and state.last_snapshot[0] == key:
        return Snapshot(state.last_snapshot[1], {}, key, scoped=True)
    if ref:
        target = await locate(session, page, ref, None, None)
        text = await target.locator.aria_snapshot(mode="ai", depth=depth, timeout=timeout_s * 1000)
    else:
        text = await page.aria_snapshot(mode="ai", depth=depth, timeout=timeout_s * 1000)
    text = await hide_secrets(page, text)  # before anything keeps or shows it
    refs = {found.group(3): _label(found.group(1), found.group(2)) for found in _REF_LINE.finditer(text)}
    return Snapshot(text, refs, key, scoped=bool(ref))


def remember(state: TabState, snapshot: Snapshot) -> None:
    """The model has seen `snapshot`: its refs are the tab's now (a scoped one adds to them)."""
    state.refs = {**state.refs, **snapshot.refs} if snapshot.scoped else snapshot.refs
    state.last_snapshot = (snapshot.key, snapshot.text)
    _, ref, depth = snapshot.key
    if ref is None and depth is None:
        state.seen = PageView(state.document, snapshot.text)


def _label(role: str, name: str | None) -> str:
    return f'{role} "{shorten(name, _LABEL_NAME_CHARS)}"' if name else role


def cut_to_budget(text: str, offset: int, max_chars: int) -> SnapshotPage:
    """Cut at line ends so no line (and no ref) is split, except a line longer than the whole budget;
    `offset` is a character position."""
    total = len(text)
    start = min(max(offset, 0), total)
    line_start = text.rfind("\n", 0, start) + 1 if start > 0 else 0
    line_end = text.find("\n", start)
    # Start at the beginning of the line that holds `start`, unless that line is longer than the budget
    # (the previous part had to split it: go on from where it stopped).
    if (line_end if line_end >= 0 else total) - line_start <= max_chars:
        start = line_start
    end = min(start + max_chars, total)
    if end < total:
        line_end = text.rfind("\n", start, end)
        end = line_end + 1 if line_end > start else end
    return SnapshotPage(text[start:end], total, start, end)


def budget_note(part: SnapshotPage, ref: str | None) -> str:
    if not part.cut:
        return ""
    scope = f"snapshot of {ref}" if ref else "snapshot"
    lines = []
    lines.append(
        f"[Cut: this shows characters {part.start:,}-{part.end:,} of {part.total_chars:,} of the {scope}.]"
    )
    if part.end < part.total_chars:
        lines.append(
            f"[For more: snapshot(offset={part.end}) continues from here; snapshot(ref=eN) shows one section; "
            "snapshot(depth=N) shows fewer levels.]"
        )
    return "\n".join(lines)
