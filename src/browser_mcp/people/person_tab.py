"""Which tab the person is looking at (every tool acts there), and how the tabs were after each call.

The tab that says it is visible is the person's; with several windows, the focused one. Each tab pushes
its visibility (see browser/page_watch), so the usual case costs one round trip to confirm, or none.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from browser_mcp.browser.session import BrowserSession

_PROBE_TIMEOUT_S = 1.0
_NEW_TAB_PROBES = 10
_NEW_TAB_PROBE_INTERVAL_S = 0.05
# One round trip tells whether the person sees the tab, and refreshes its title.
_VISIBILITY_JS = "() => [document.visibilityState, document.hasFocus(), document.title]"
_VISIBILITY_EXPRESSION = f"({_VISIBILITY_JS})()"


@dataclass(frozen=True)
class Checkpoint:
    """The tabs as a call left them, to tell the next call what changed in between."""

    pages: tuple[Page, ...] = ()
    current: Page | None = None
    current_url: str = ""

    @classmethod
    def of(cls, pages: list[Page], current: Page | None) -> Checkpoint:
        return cls(tuple(pages), current, current.url if current else "")


class PersonTab:
    def __init__(self, session: BrowserSession) -> None:
        self.session = session
        self.checkpoint = Checkpoint()

    def mark(self, pages: list[Page], current: Page | None) -> None:
        self.checkpoint = Checkpoint.of(pages, current)

    def take_over(self, pages: dict[Page, Page]) -> None:
        """The same tabs as new Page objects (the browser attached afresh): the checkpoint follows them."""
        before = self.checkpoint
        current = pages.get(before.current, before.current) if before.current is not None else None
        self.checkpoint = Checkpoint(
            tuple(pages.get(page, page) for page in before.pages), current, before.current_url
        )

    def likely(self, *, events_only: bool = False) -> Page | None:
        """A guess without a round trip: the one tab whose own events say it is visible, else (unless
        `events_only`) the tab of the last call if no tab came or went. Events can lag a switch by a
        moment: a guess is confirmed before anything is done to the page."""
        tabs = self.session.tabs
        if not self.session.is_connected() or tabs.popups_pending():
            return None
        pages = tabs.pages()
        states = [tabs.state(page) for page in pages]
        if all(state.visibility is not None for state in states):
            visible = [
                page for page, state in zip(pages, states, strict=True) if state.visibility == "visible"
            ]
            if len(visible) == 1 and tabs.state(visible[0]).dialog is None:
                return visible[0]
        if events_only:
            return None
        previous = self.checkpoint.current
        if (
            previous in pages
            and set(pages) == set(self.checkpoint.pages)
            and tabs.state(previous).dialog is None
        ):
            return previous
        return None

    async def find(self, pages: list[Page]) -> Page | None:
        """The tab the person is looking at: the visible one (the focused one if several windows)."""
        tabs = self.session.tabs
        previous = self.checkpoint.current
        if not pages:
            return None
        unchanged = set(pages) == set(self.checkpoint.pages)
        if previous in pages and unchanged and tabs.state(previous).dialog is not None:
            return previous  # a tab with an open dialog cannot answer; the person is on it
        guess = self.likely()
        if guess is not None and guess in pages:
            probe = await self._probe(guess)
            if probe is not None and probe[0] == "visible":
                return guess
        for _ in range(_NEW_TAB_PROBES):
            probes = await asyncio.gather(*(self._probe(page) for page in pages))
            visible = [
                (page, probe)
                for page, probe in zip(pages, probes, strict=True)
                if probe and probe[0] == "visible"
            ]
            if len(visible) > 1:
                focused = [page for page, probe in visible if probe[1]]
                candidates = focused or [page for page, _ in visible]
                if previous in candidates:
                    return previous
                fresh = [page for page in candidates if page not in self.checkpoint.pages]
                return (fresh or candidates)[-1]
            if visible:
                return visible[0][0]
            starting = [
                page
                for page, probe in zip(pages, probes, strict=True)
                if probe is None and not tabs.state(page).dialog
            ]
            if not starting:
                break
            # A tab that was just opened does not answer until its document exists, and no event
            # says when: look again shortly (bounded).
            await asyncio.sleep(_NEW_TAB_PROBE_INTERVAL_S)
        with_dialog = [page for page in pages if tabs.state(page).dialog is not None]
        if with_dialog:
            return previous if previous in with_dialog else with_dialog[-1]
        return previous if previous in pages else pages[-1]

    async def _probe(self, page: Page) -> tuple[str, bool] | None:
        """(visibilityState, hasFocus) of a tab, or None if it cannot answer (a dialog, a crash)."""
        state = self.session.tabs.state(page)
        if state.dialog is not None:
            return None
        # In our world over the tab's own session when it has one: a lighter round trip than Playwright's.
        watch = state.watch
        asked = (
            watch.evaluate(_VISIBILITY_EXPRESSION, timeout_s=_PROBE_TIMEOUT_S)
            if watch is not None
            else page.evaluate(_VISIBILITY_JS)
        )
        try:
            visibility, focused, title = await asyncio.wait_for(asked, _PROBE_TIMEOUT_S)
        except (TimeoutError, PlaywrightError, RuntimeError, TypeError, ValueError):
            return None
        state.title = str(title)
        return str(visibility), bool(focused)
