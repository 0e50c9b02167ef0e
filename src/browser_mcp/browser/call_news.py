"""What a reply says before and after the call's own lines: the tab changes since the last call, and
what people/ adds (the person's actions, warnings). The session holds one CallNews; CoBrowsing
replaces it with one that knows the person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from playwright.async_api import Page

TabChangeKind = Literal[
    "closed", "dialog_answered", "tab_gone", "opened_in_front", "switched", "navigated", "opened_behind"
]


@dataclass(frozen=True)
class TabChange:
    """A change to the tabs found at the start of a call, made since the previous one."""

    kind: TabChangeKind
    note: str  # the sentence on its own: "Tab 'Two' (http://...) was closed."
    # As the person's action: "switched to tab 2 'Two' (http://...)"; "" when it may not be theirs.
    person_did: str = ""
    page: Page | None = field(default=None, compare=False)


class CallNews:
    """Without people/: each tab change is a note of its own, and nothing follows the call."""

    def opening_notes(self, changes: list[TabChange]) -> list[str]:
        return [change.note for change in changes]

    async def closing_lines(self) -> list[str]:
        return []
