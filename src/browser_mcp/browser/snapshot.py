"""The AI aria snapshot with refs, cut to a character budget with a plain way to get the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Page

from browser_mcp.browser.locate import locate
from browser_mcp.browser.session import BrowserSession

# `- button "Send" [ref=e12]`: role, optional quoted name, the ref.
_REF_LINE = re.compile(r'^\s*- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?[^\n]*?\[ref=((?:f\d+)?e\d+)\]', re.MULTILINE)
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


async def take_snapshot(
    session: BrowserSession,
    page: Page,
    *,
    ref: str | None,
    depth: int | None,
    timeout_s: float,
    continuing: bool = False,
) -> str:
    """The whole snapshot text; remembers its refs for the tab so later calls can check them.

    `continuing` (paging on with an offset) reuses the previous text of the same document and scope.
    """
    state = session.tab(page)
    key = (state.main_frame_navigations, ref, depth)
    if continuing and state.last_snapshot is not None and state.last_snapshot[0] == key:
        return state.last_snapshot[1]
    if ref:
        target = await locate(session, page, ref, None, None)
        text = await target.locator.aria_snapshot(mode="ai", depth=depth, timeout=timeout_s * 1000)
    else:
        text = await page.aria_snapshot(mode="ai", depth=depth, timeout=timeout_s * 1000)
    refs = {found.group(3): _label(found.group(1), found.group(2)) for found in _REF_LINE.finditer(text)}
    # Scoped snapshots add to what the model knows; a whole-page one replaces it.
    state.refs = {**state.refs, **refs} if ref else refs
    state.last_snapshot = (key, text)
    return text


def _label(role: str, name: str | None) -> str:
    if not name:
        return role
    if len(name) > _LABEL_NAME_CHARS:
        name = name[: _LABEL_NAME_CHARS - 1] + "…"
    return f'{role} "{name}"'


def cut_to_budget(text: str, offset: int, max_chars: int) -> SnapshotPage:
    """Cut at line ends so no line (and no ref) is split; `offset` is a character position."""
    total = len(text)
    start = min(max(offset, 0), total)
    if start > 0:
        # Start at the beginning of the line that holds `start`.
        start = text.rfind("\n", 0, start) + 1
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
