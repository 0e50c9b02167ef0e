"""How long an action waits for an element it cannot act on yet, and when waiting is pointless.

Playwright retries an action until its timeout while the element is covered (a cookie banner over it),
disabled, hidden or not there yet. A page that is still at work (a fetch behind a spinner, a script
enabling a button) is worth the whole wait. A page that shows no change at all for a second (no DOM
change, no input or focus event, no request waiting for its answer) has nothing coming that would free
the element: the action gives up then, with the reason, instead of after the whole action timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from browser_mcp.browser.page_watch import PageChanges
from browser_mcp.browser.tab_state import TabState
from browser_mcp.errors import Problem

T = TypeVar("T")

STILL_S = 1.0  # a page unchanged this long while the element stays blocked: give up
# Playwright's reasons, in its call log, for not acting yet on an element that is there.
_BLOCKED = (
    "intercepts pointer events",
    "element is not enabled",
    "element is not visible",
    "element is not editable",
)


async def page_answers(work: Awaitable[T], timeout_s: float) -> T:
    """`work`, a Playwright call that has no timeout of its own (a count, an evaluate), bounded: a page
    Playwright cannot reach would keep it, and every later call, waiting for good."""
    try:
        return await asyncio.wait_for(work, timeout_s)
    except TimeoutError as exc:
        raise Problem(
            f"The page did not answer within {timeout_s:g} s (it may be stuck). Take a snapshot and try "
            "again; if it still does not answer, reload it."
        ) from exc


class GaveUp(Exception):
    """The action could not happen, and the page did not change for `waited_s`: `cause` says why."""

    def __init__(self, cause: PlaywrightError, waited_s: float) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.waited_s = waited_s


async def act_when_possible(
    state: TabState,
    attempt: Callable[[float], Awaitable[T]],
    timeout_s: float,
    *,
    page_sees_all: bool = True,
) -> T:
    """`attempt(timeout_ms)` (one Playwright action on an element) within `timeout_s`, given up as soon as
    the element is blocked and the page has stayed still for STILL_S (GaveUp).

    The action is tried in slices of STILL_S; between two, the page's change counts and its requests say
    whether anything moved. `page_sees_all`: the element is in the top document, whose changes the counts
    cover (not in a frame, which changes unseen): else the action just gets the whole timeout.
    """
    if not page_sees_all or timeout_s <= STILL_S or state.watch is None:
        return await attempt(timeout_s * 1000)
    loop = asyncio.get_running_loop()
    began = loop.time()
    deadline = began + timeout_s
    seen = state.seen
    counts = seen.changes if seen is not None and seen.document == state.document else None
    while True:
        left = deadline - loop.time()
        if left <= STILL_S * 1.5:  # the last slice: the whole rest, and Playwright's own error
            return await attempt(left * 1000)
        try:
            return await attempt(STILL_S * 1000)
        except PlaywrightTimeoutError as exc:
            if not _never_acted(str(exc)):
                raise
            before, counts = counts, await _counts(state)
            waiting_for_answers = (
                state.requests.inflight - state.requests.answered
            )  # a fetch may yet free the element
            if before is not None and counts == before and not waiting_for_answers:
                raise GaveUp(exc, round(loop.time() - began, 1)) from exc


def _never_acted(call_log: str) -> bool:
    """Playwright's call log says the element was blocked and the action itself never happened."""
    return "action done" not in call_log and any(reason in call_log for reason in _BLOCKED)


async def _counts(state: TabState) -> PageChanges | None:
    if state.watch is None:
        return None
    try:
        return await state.watch.changes(timeout_s=STILL_S)
    except Exception:  # a document going away: not still
        return None
