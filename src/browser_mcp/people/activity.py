"""The log of who did what in the shared browser: the person's own actions and the agent's.

STUB (interface fixed, body to be written): see issue 4, part 1.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

Who = Literal["person", "agent"]
LOG_LIMIT = 200


@dataclass(frozen=True)
class ActivityEntry:
    at: float  # seconds since the epoch
    who: Who
    text: str  # "typed in 'Passenger name'", "switched to tab 2 'Timetable'"
    tab: str = ""  # the tab's label, when it matters


class ActivityLog:
    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self.entries: deque[ActivityEntry] = deque(maxlen=limit)
        self.last_person_input_at = 0.0  # keys, clicks, wheel: what the waiting policy looks at

    def add(self, who: Who, text: str, tab: str = "", at: float | None = None) -> None:
        self.entries.append(ActivityEntry(time.time() if at is None else at, who, text, tab))

    def since(self, at: float) -> list[ActivityEntry]:
        return [entry for entry in self.entries if entry.at >= at]

    def take_person_news(self) -> str | None:
        """'Since your last step the person: ...' once per batch of the person's actions, else None."""
        return None
