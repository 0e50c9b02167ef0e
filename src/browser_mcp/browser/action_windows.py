"""When someone acted through CDP: the page cannot tell CDP input from the person's own (both are
isTrusted), so what a tab reports is the agent's if it happened inside one of the agent's windows, else
the person's; and the person's came through the live view if it fell inside one of the live view's."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Iterator

_KEPT = 64  # windows remembered: reports arrive a moment late, never minutes late

# The page stamps its reports with its own clock (Date.now()): the same machine's clock, give or take
# a few ms. The agent's clicks, keys and typing land inside its window (measured).
BEFORE_SLACK_MS = 30.0
AFTER_SLACK_MS = 30.0
# A wheel event goes through the compositor first: measured up to ~15 ms after the call returned.
WHEEL_SLACK_MS = 150.0


def now_ms() -> float:
    return time.time() * 1000


class ActionWindows:
    def __init__(self) -> None:
        self._depth = 0
        self._open_since: float | None = None
        self._closed: deque[tuple[float, float]] = deque(maxlen=_KEPT)
        self.opened = 0  # how many windows so far: whether anyone acted since a given moment

    def begin(self) -> None:
        if self._depth == 0:
            self._open_since = now_ms()
            self.opened += 1
        self._depth += 1

    def end(self) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth == 0 and self._open_since is not None:
            self._closed.append((self._open_since, now_ms()))
            self._open_since = None

    @contextlib.contextmanager
    def open(self) -> Iterator[None]:
        """One window around an action: what the tabs report meanwhile (and just after) falls in it."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    @property
    def acting(self) -> bool:
        return self._depth > 0

    def covers(self, at_ms: float, after_ms: float = AFTER_SLACK_MS) -> bool:
        """True if something the page stamped `at_ms` happened while the agent acted (or just after)."""
        if self._open_since is not None and at_ms >= self._open_since - BEFORE_SLACK_MS:
            return True
        return any(
            start - BEFORE_SLACK_MS <= at_ms <= end + after_ms for start, end in reversed(self._closed)
        )
