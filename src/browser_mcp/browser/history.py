"""A tab's history as Chromium keeps it, and the error page Chromium shows after a failed load."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from playwright.async_api import Frame, Page

from browser_mcp.browser.tab_state import TabState

log = logging.getLogger(__name__)

# Chromium's own page for a load that failed; the tab's URL stays this while the error page shows.
ERROR_PAGE_PREFIX = "chrome-error://"


@dataclass(frozen=True)
class HistoryPlace:
    """Where the tab is in its history."""

    can_go_back: bool
    can_go_forward: bool
    url: str  # the current entry's URL: on an error page, the URL that failed to load


async def history_place(state: TabState) -> HistoryPlace | None:
    """The tab's place in its history (one round trip), or None if the tab cannot be asked."""
    watch = state.watch
    if watch is None:
        return None
    try:
        history = await watch.cdp.send("Page.getNavigationHistory")
        index, entries = int(history["currentIndex"]), history["entries"]
        return HistoryPlace(index > 0, index < len(entries) - 1, str(entries[index].get("url", "")))
    except Exception as exc:  # closed meanwhile, or an answer of another shape: ask Playwright instead
        log.debug("No navigation history for the tab: %r", exc)
        return None


def is_error_page(page: Page) -> bool:
    return page.url.startswith(ERROR_PAGE_PREFIX)


async def error_page_landed(page: Page, state: TabState, navigations_before: int, timeout_s: float) -> None:
    """Wait (at most `timeout_s`) for the error page Chromium commits just after a failed load, so that the
    next call does not report it as a navigation someone else made. Its URL may be the one the tab
    already had (a reload of an error page): the main frame's commit is the event to wait for."""
    landed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_navigated(frame: Frame) -> None:
        if frame is page.main_frame and not landed.done():
            landed.set_result(None)

    page.on("framenavigated", on_navigated)
    try:
        if state.main_frame_navigations == navigations_before and not page.is_closed():
            await asyncio.wait_for(landed, timeout_s)
    except TimeoutError:
        log.debug("No error page committed within %s s after a failed load", timeout_s)
    finally:
        page.remove_listener("framenavigated", on_navigated)
