"""Running one page action: race it against dialogs, then wait for what it caused (not a fixed sleep)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from browser_mcp.browser.form_refusals import InvalidField
from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.signals import first_of, wait_while

T = TypeVar("T")

# After an action, requests it started may finish for this long before we reply anyway.
SETTLE_CAP_S = 1.5
# An answered request whose body the page never reads never ends: wait this long for bodies.
BODY_CAP_S = 0.25
# A navigation the action started may load for this long before we reply "still loading".
NAVIGATION_SETTLE_CAP_S = 10.0


@dataclass
class Outcome(Generic[T]):
    value: T | None
    dialog_opened: bool
    navigated: bool
    still_loading: bool = False
    # A form the action should have sent and the browser's check of its fields stopped (their messages).
    refused: tuple[InvalidField, ...] = ()


async def perform(
    session: BrowserSession, page: Page, action: Callable[[], Awaitable[T]], *, settle: bool = True
) -> Outcome[T]:
    """Run `action` on `page`; a dialog it opens ends the wait at once (the action stays parked)."""
    async with session.tabs.state(page).requests.hearing():  # what it waits for: the requests it causes
        return await _perform(session, page, action, settle=settle)


async def _perform(
    session: BrowserSession, page: Page, action: Callable[[], Awaitable[T]], *, settle: bool
) -> Outcome[T]:
    tabs = session.tabs
    state = tabs.state(page)
    navigations_before = state.main_frame_navigations
    requested_before = state.navigations_requested
    busy_before = set(state.requests.inflight)
    refusals_before = state.form_refusals.count
    tabs_before = (tabs.targets_created, tabs.pages_reported)
    dialog_signal = tabs.dialog_signal()
    with session.agent_action():  # a dialog opening meanwhile, a click, a key: the agent's doing
        task: asyncio.Task[T] = asyncio.ensure_future(action())
        try:
            finished = await first_of(task, dialog_signal)
        finally:
            if not task.done() and not dialog_signal.is_set():
                task.cancel()
        if not finished:
            tabs.park(task)
            return Outcome(
                None, dialog_opened=True, navigated=state.main_frame_navigations != navigations_before
            )
        value = task.result()
        await _requested_navigation(session, page, navigations_before, requested_before)
        if not settle:
            return Outcome(
                value, dialog_opened=False, navigated=state.main_frame_navigations != navigations_before
            )
        still_loading = await _settle(
            session, page, state.main_frame_navigations != navigations_before, busy_before
        )
        await tabs.wait_for_new_tabs(*tabs_before)

    return Outcome(
        value,
        dialog_opened=dialog_signal.is_set(),
        navigated=state.main_frame_navigations != navigations_before,
        still_loading=still_loading,
        refused=state.form_refusals.since(refusals_before),
    )


async def _requested_navigation(
    session: BrowserSession, page: Page, navigations_before: int, requested_before: int
) -> None:
    """A navigation the action had the page ask for (Enter in a form, a link's key) is waited for until the
    tab shows it or it is given up: until then the tab still shows the page before (Playwright's clicks wait
    for it themselves; its keyboard does not)."""
    state = session.tabs.state(page)
    dialog_signal = session.tabs.dialog_signal()

    def on_its_way() -> bool:
        return (
            state.navigations_requested != requested_before
            and state.navigation_pending
            and state.main_frame_navigations == navigations_before
            and not page.is_closed()
        )

    if on_its_way():
        waiting = asyncio.ensure_future(
            wait_while(on_its_way, state.navigation_news, NAVIGATION_SETTLE_CAP_S)
        )
        if not await first_of(waiting, dialog_signal):
            waiting.cancel()


async def _settle(session: BrowserSession, page: Page, navigated: bool, busy_before: set[str]) -> bool:
    """Wait for the page to react: a started navigation to reach DOMContentLoaded, requests to end.
    True if the page is still loading when the cap runs out.

    Requests already running before the action (long polls) do not hold the reply.
    """
    requests = session.tabs.state(page).requests
    dialog_signal = session.tabs.dialog_signal()
    if navigated:
        load = asyncio.ensure_future(page.wait_for_load_state("domcontentloaded"))
        if not await first_of(load, dialog_signal, NAVIGATION_SETTLE_CAP_S):
            load.cancel()
            return not dialog_signal.is_set()
        if isinstance(load.exception(), PlaywrightError):
            return False

    def going_on() -> bool:
        return not dialog_signal.is_set() and not page.is_closed()

    def unanswered() -> bool:
        return bool(requests.inflight - busy_before - requests.answered) and going_on()

    def reacting() -> bool:
        return bool(requests.inflight - busy_before) and going_on()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_CAP_S
    await wait_while(unanswered, requests.changed, SETTLE_CAP_S)
    # Answered: the page reacts once it has read the body. A body it never reads never ends.
    await wait_while(reacting, requests.changed, max(0.0, min(BODY_CAP_S, deadline - loop.time())))
    return False
