"""What changed about the tabs: between two calls (the next reply's notes) and during one (its effects).

One place finds the changes and one formatter (TabChange.note / person_did) writes their sentences.
Closed tabs and answered dialogs are taken from the tab registry once, by whichever report comes first:
one that happens during a call is told at the end of that call, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from playwright.async_api import Page

from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.tabs import TabLabel
from browser_mcp.people.person_tab import Checkpoint, PersonTab
from browser_mcp.text import quoted

ChangeKind = Literal[
    # between calls
    "closed",
    "dialog_answered",
    "tab_gone",
    "opened_in_front",
    "switched",
    "navigated",
    "opened_behind",
    # during a call
    "opened",
    "front_changed",
]


@dataclass(frozen=True)
class TabChange:
    kind: ChangeKind
    tab: TabLabel | None = None
    page: Page | None = field(default=None, compare=False)
    dialog: str = ""  # "confirm 'Delete?'", for dialog_answered
    in_front: bool = False  # for opened: the new tab is the one in front
    opener: Page | None = field(default=None, compare=False)  # for opened_*: the tab whose page opened it
    during_call: bool = False  # closed / dialog_answered while the call ran

    def note(self) -> str:
        """The sentence on its own, for the reply."""
        tab = str(self.tab)
        if self.kind == "closed":
            when = " during this call" if self.during_call else ""
            return f"{tab[0].upper()}{tab[1:]} was closed{when}."
        if self.kind == "dialog_answered":
            when = "during this call" if self.during_call else "outside your calls"
            return f"The {self.dialog} dialog was answered {when} (by the person)."
        if self.kind == "tab_gone":
            return f"Your tab was closed; now acting on the tab in front: {tab}."
        if self.kind == "opened_in_front":
            return f"A new tab opened in front: {tab}; acting on it."
        if self.kind == "switched":
            return f"The person switched tabs: now acting on {tab}."
        if self.kind == "navigated":
            assert self.tab is not None
            return f"This tab navigated since your last call: now {quoted(self.tab.title)}({self.tab.url})."
        if self.kind == "opened_behind":
            return f"New tab in the background: {tab}."
        if self.kind == "opened":
            where = "it is in front, later calls act on it" if self.in_front else "in the background"
            return f"Opened {tab}; {where}."
        return f"The tab in front is now {tab}; later calls act on it."  # front_changed

    def person_did(self) -> str:
        """The change as the person's action ("switched to tab t2 'Two' (...)"); "" when it may not be theirs."""
        return {
            "closed": f"closed {self.tab}",
            "dialog_answered": f"answered the {self.dialog} dialog",
            "opened_in_front": f"opened a new tab in front: {self.tab}",
            "switched": f"switched to {self.tab}",
            "opened_behind": f"opened {self.tab} in the background",
        }.get(self.kind, "")


class TabChanges:
    def __init__(self, session: BrowserSession, person_tab: PersonTab) -> None:
        self.session = session
        self.person_tab = person_tab

    def meanwhile(self, *, during_call: bool = True) -> list[TabChange]:
        """Tabs the person closed and dialogs they answered, not yet told."""
        tabs = self.session.tabs
        changes = [
            TabChange("closed", closed.label, during_call=during_call)
            for closed in tabs.take_closed()
            if not closed.by_agent
        ]
        changes += [
            TabChange("dialog_answered", answered.label, dialog=answered.text, during_call=during_call)
            for answered in tabs.take_answered_dialogs()
        ]
        return changes

    async def since(self, before: Checkpoint, pages: list[Page], current: Page | None) -> list[TabChange]:
        """What changed since `before` (the end of the last call): the notes a call starts with."""
        tabs = self.session.tabs
        changes = self.meanwhile(during_call=False)
        opened = [page for page in pages if page not in before.pages]
        previous = before.current
        if current is not None and previous is not None and current is not previous:
            label = await tabs.label(current)
            if previous.is_closed() or previous not in pages:
                changes.append(TabChange("tab_gone", label, current))
            elif current in opened:
                changes.append(TabChange("opened_in_front", label, current, opener=await current.opener()))
            else:
                changes.append(TabChange("switched", label, current))
        elif current is not None and current is previous and current.url != before.current_url:
            changes.append(TabChange("navigated", await tabs.label(current), current))
        for page in opened:
            if page is not current:
                changes.append(
                    TabChange("opened_behind", await tabs.label(page), page, opener=await page.opener())
                )
        return changes

    async def during(
        self, pages_before: list[Page], acted_on: Page | None, targets_before: int
    ) -> tuple[Page | None, list[TabChange]]:
        """What changed while a call ran, and the tab in front now (where later calls act)."""
        tabs = self.session.tabs
        changes = self.meanwhile(during_call=True)
        if not self.session.is_connected():
            return acted_on, changes
        pages = tabs.pages()
        unchanged = set(pages) == set(pages_before) and tabs.targets_created == targets_before
        if unchanged and acted_on is not None and not acted_on.is_closed():
            # No tab opened or closed: the tab in front is still the one the call acted on.
            now: Page | None = acted_on
        else:
            now = await self.person_tab.find(pages) if pages else None
        for page in pages:
            if page not in pages_before:
                changes.append(TabChange("opened", await tabs.label(page), page, in_front=page is now))
        if acted_on is not None and now is not None and now is not acted_on and now in pages_before:
            changes.append(TabChange("front_changed", await tabs.label(now), now))
        return now, changes
