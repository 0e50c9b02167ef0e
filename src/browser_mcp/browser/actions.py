"""Running one page action: race it against dialogs, then wait for what it caused (not a fixed sleep)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request

from browser_mcp.browser.session import BrowserSession

T = TypeVar("T")

# After an action, requests it started may finish for this long before we reply anyway.
SETTLE_CAP_S = 1.5
# A navigation the action started may load for this long before we reply "still loading".
NAVIGATION_SETTLE_CAP_S = 10.0


@dataclass
class Outcome(Generic[T]):
    value: T | None
    dialog_opened: bool
    navigated: bool
    still_loading: bool = False


async def perform(
    session: BrowserSession, page: Page, action: Callable[[], Awaitable[T]], *, settle: bool = True
) -> Outcome[T]:
    """Run `action` on `page`; a dialog it opens ends the wait at once (the action stays parked)."""
    state = session.tab(page)
    navigations_before = state.main_frame_navigations
    busy_before = set(state.inflight)
    tabs_before = (session.targets_created, session.pages_reported)
    session.acting += 1
    try:
        return await _perform(session, page, action, settle, navigations_before, busy_before, tabs_before)
    finally:
        session.acting -= 1


async def _perform(
    session: BrowserSession,
    page: Page,
    action: Callable[[], Awaitable[T]],
    settle: bool,
    navigations_before: int,
    busy_before: set[Request],
    tabs_before: tuple[int, int],
) -> Outcome[T]:
    state = session.tab(page)
    dialog_signal = session.dialog_signal()
    task: asyncio.Task[T] = asyncio.ensure_future(action())
    dialog_wait = asyncio.ensure_future(dialog_signal.wait())
    try:
        await asyncio.wait({task, dialog_wait}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not task.done() and not dialog_signal.is_set():
            task.cancel()
    if not task.done():
        session.park(task)
        return Outcome(None, dialog_opened=True, navigated=state.main_frame_navigations != navigations_before)
    dialog_wait.cancel()
    value = task.result()
    navigated = state.main_frame_navigations != navigations_before
    if not settle:
        return Outcome(value, dialog_opened=False, navigated=navigated)
    still_loading = await _settle(session, page, navigated, busy_before)
    await session.wait_for_new_tabs(*tabs_before)
    navigated = state.main_frame_navigations != navigations_before
    return Outcome(
        value, dialog_opened=dialog_signal.is_set(), navigated=navigated, still_loading=still_loading
    )


async def _settle(session: BrowserSession, page: Page, navigated: bool, busy_before: set[Request]) -> bool:
    """Wait for the page to react: a started navigation to reach DOMContentLoaded, requests to end.

    Requests already running before the action (long polls) do not hold the reply.
    """
    state = session.tab(page)
    dialog_signal = session.dialog_signal()
    if navigated:
        load = asyncio.ensure_future(page.wait_for_load_state("domcontentloaded"))
        dialog_wait = asyncio.ensure_future(dialog_signal.wait())
        done, _ = await asyncio.wait(
            {load, dialog_wait}, timeout=NAVIGATION_SETTLE_CAP_S, return_when=asyncio.FIRST_COMPLETED
        )
        dialog_wait.cancel()
        if load not in done:
            load.cancel()
            return not dialog_signal.is_set()
        if isinstance(load.exception(), PlaywrightError):
            return False
    deadline = time.monotonic() + SETTLE_CAP_S
    while (state.inflight - busy_before) and not dialog_signal.is_set() and not page.is_closed():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        state.network_changed.clear()
        try:
            await asyncio.wait_for(state.network_changed.wait(), remaining)
        except TimeoutError:
            break
    return False
