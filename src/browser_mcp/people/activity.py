"""The log of who did what in the shared browser: the person's own actions and the agent's."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from playwright.async_api import Page

from browser_mcp.text import shorten

Who = Literal["person", "agent"]
LOG_LIMIT = 200
NEWS_CLAUSES = 6  # the person's actions named in one reply line; the rest are counted
CLAUSE_CHARS = 160
LIVE_VIEW = "live view"  # the person acted through our live view (not their own screen or neko)


@dataclass(frozen=True)
class ActivityEntry:
    at: float  # seconds since the epoch
    who: Who
    text: str  # "typed in 'Passenger name'", "switched to tab 2 'Timetable'"
    tab: str = ""  # the tab's label, when it matters
    # What kind of action ("type", "click", "navigate", "tab"...) and on what ("name" for a field):
    # a run of keystrokes in one field, or of scrolling in one tab, is one entry.
    kind: str = ""
    subject: str = ""
    page: Page | None = field(default=None, compare=False, repr=False)
    seq: int = 0  # order of the last change, to tell what the agent has already been told
    told: bool = False  # logged from a reply that said it already
    via: str = ""  # LIVE_VIEW when the person acted through the live view

    @property
    def by(self) -> str:
        """Who, as the log shows it: "agent", "person", "person (live view)"."""
        return f"{self.who} ({self.via})" if self.via else self.who


class ActivityLog:
    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self.entries: deque[ActivityEntry] = deque(maxlen=limit)
        self.last_person_input_at = 0.0  # keys, clicks, wheel: what the waiting policy looks at
        self.last_person_input = ""  # what that input was: "typed in 'Passenger name'", "clicked"
        self._seq = itertools.count(1)
        self._told = 0  # entries up to this seq were in a reply already

    def take_over(self, pages: dict[Page, Page]) -> None:
        """The same tabs as new Page objects (the browser attached afresh): the entries follow them."""
        self.entries = deque(
            (
                replace(entry, page=pages[entry.page]) if entry.page in pages else entry
                for entry in self.entries
            ),
            maxlen=self.entries.maxlen,
        )

    def add(
        self,
        who: Who,
        text: str,
        tab: str = "",
        at: float | None = None,
        *,
        kind: str = "",
        subject: str = "",
        page: Page | None = None,
        coalesce: bool = False,
        told: bool = False,
        via: str = "",
    ) -> ActivityEntry:
        """Log an action. `coalesce`: replace the latest entry if it is the same kind of action by the
        same side on the same subject in the same tab (one entry per field typed in, not per key)."""
        entry = ActivityEntry(
            time.time() if at is None else at, who, text, tab, kind, subject, page, next(self._seq), told, via
        )
        last = self.entries[-1] if self.entries else None
        if (
            coalesce
            and last is not None
            and (last.who, last.kind, last.subject, last.page) == (who, kind, subject, page)
        ):
            self.entries[-1] = entry
        else:
            self.entries.append(entry)
        return entry

    def person_input(self, at: float, what: str) -> None:
        """The person pressed a key, clicked or turned the wheel (the waiting policy's clock)."""
        if at >= self.last_person_input_at:
            self.last_person_input_at, self.last_person_input = at, what

    @property
    def last_seq(self) -> int:
        return max((entry.seq for entry in self.entries), default=0)

    def recent(self, limit: int) -> list[ActivityEntry]:
        """The latest `limit` entries, oldest first (reports can arrive a moment out of order)."""
        return sorted(self.entries, key=lambda entry: entry.at)[-limit:] if limit > 0 else []

    def untold(self) -> list[ActivityEntry]:
        """The person's entries no reply has mentioned yet, oldest first."""
        return sorted(
            (
                entry
                for entry in self.entries
                if entry.who == "person" and entry.seq > self._told and not entry.told
            ),
            key=lambda entry: entry.at,
        )

    def mark_told(self) -> None:
        """Everything logged so far has been told to the agent (a reply said it)."""
        self._told = max(self.last_seq, self._told)


def describe(entries: Iterable[ActivityEntry], limit: int = NEWS_CLAUSES) -> str:
    listed = list(entries)
    tabs = {id(entry.page) for entry in listed if entry.kind != "tab" and entry.page is not None}
    clauses = [_clause(entry, name_tab=len(tabs) > 1) for entry in listed]
    if len(clauses) > limit:
        # The latest actions matter most (they made the page what it is now).
        dropped = len(clauses) - (limit - 1)
        clauses = [f"{dropped} earlier actions (see activity)", *clauses[-(limit - 1) :]]
    return "; ".join(clauses)


def news_line(described: str) -> str:
    return f"Since your last step the person: {described}."


def _clause(entry: ActivityEntry, *, name_tab: bool) -> str:
    text = entry.text
    where = [f"on {entry.tab}"] if name_tab and entry.tab and entry.kind != "tab" else []
    if entry.via:
        where.append(f"in the {entry.via}")
    if where:
        text = f"{text} ({', '.join(where)})"
    return shorten(text, CLAUSE_CHARS)


def with_text(entry: ActivityEntry, text: str) -> ActivityEntry:
    return replace(entry, text=text)
