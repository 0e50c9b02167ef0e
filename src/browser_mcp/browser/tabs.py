"""The tabs of the attached browser: one TabState each, their events, new tabs, dialogs, closed tabs.

Each tab gets a stable id (t1, t2...) the first time it is seen, never reused while the server runs.
Replies name tabs by that id and their title, never by a position: CDP does not tell the order of the
tabs in the person's tab strip, and a number that looks like a position would send the person to the
wrong tab.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Browser, BrowserContext, Dialog, Page
from playwright.async_api import Error as PlaywrightError

from browser_mcp.browser import form_refusals
from browser_mcp.browser.action_windows import ActionWindows
from browser_mcp.browser.page_watch import PageEvent, tab_title, visibility_of, watch_page
from browser_mcp.browser.signals import wait_while
from browser_mcp.browser.tab_state import TabState
from browser_mcp.browser.tab_traffic import (
    follow_downloads,
    follow_frames,
    follow_navigations,
    follow_traffic,
)
from browser_mcp.text import quoted, shorten

log = logging.getLogger(__name__)

_TITLE_TIMEOUT_S = 1.0
_NEW_TAB_REPORT_WAIT_S = 1.5
_DIALOG_TEXT_CHARS = 80
_WARM_UP_TIMEOUT_MS = 10_000
# How long the person stays on a page before Playwright's helper script is set up in it (see _warm_up).
_WARM_UP_AFTER_S = 1.0
_IDLE_WAIT_S = 1.0
# Resolves when the renderer has a moment with nothing to do (at most _IDLE_WAIT_S from now).
_IDLE_JS = (
    f"new Promise(done => requestIdleCallback(() => done(0), {{ timeout: {int(_IDLE_WAIT_S * 1000)} }}))"
)


@dataclass(frozen=True)
class TabLabel:
    """How replies name a tab: its stable id, title and URL."""

    id: int
    title: str
    url: str

    @property
    def name(self) -> str:
        return f"t{self.id}"

    def __str__(self) -> str:
        return f"tab {self.name} {quoted(self.title)}({self.url})"

    def short(self) -> str:
        """Without the URL, for the activity log: "tab t2 'Timetable'"."""
        title = f" '{shorten(self.title, 40)}'" if self.title else ""
        return f"tab {self.name}{title}"


@dataclass(frozen=True)
class ClosedTab:
    label: TabLabel
    by_agent: bool  # closed while the agent acted (its own tabs(close), or a page closing itself)


@dataclass(frozen=True)
class AnsweredDialog:
    text: str  # "confirm 'Delete the file?'"
    label: TabLabel | None


PageEventListener = Callable[[Page, PageEvent], None]


class Tabs:
    def __init__(self, windows: ActionWindows, scripts: Sequence[str] = ()) -> None:
        self.windows = windows
        # Run in our isolated world of every tab (see page_watch).
        self._scripts = (form_refusals.SCRIPT, *scripts)
        self._listeners: list[PageEventListener] = []
        self._states: dict[Page, TabState] = {}
        self._ids = itertools.count(1)
        self._contexts: set[BrowserContext] = set()
        self._pages_by_target: dict[str, Page] = {}
        self._watch_tasks: set[asyncio.Task[None]] = set()
        self._closed: list[ClosedTab] = []
        self._answered: list[AnsweredDialog] = []
        self._dialog_opened = asyncio.Event()
        self._parked: set[asyncio.Task[object]] = set()
        self._warming: dict[Page, asyncio.Task[None]] = {}
        self._browser: Browser | None = None
        # Documents loaded since the browser was attached: what Playwright keeps a Request for (see renew).
        self.documents_since_attach = 0
        # While the browser is attached afresh: the tabs before, by target id, to be taken over.
        self._carried: dict[str, tuple[Page, TabState]] = {}
        self.taken_over: dict[Page, Page] = {}  # the tabs before -> the same tabs now
        self.renewed = False  # attached afresh at least once (see renew_again)
        # A page came back from the back/forward cache after attaching afresh: Playwright's new attachment
        # never heard of its scripts' world (it was made before), so calls on it would wait for good until
        # the browser is attached afresh again.
        self.renew_again = False
        # Tabs Chromium created vs tabs Playwright has reported: a popup shows up in the first
        # at once and in the second a little later, so an action can wait for it.
        self.targets_created = 0
        self.pages_reported = 0
        self.changed = asyncio.Event()

    def listen(self, listener: PageEventListener) -> Callable[[], None]:
        """Hear every event the tabs report; returns how to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # ---- the browser they belong to -------------------------------------------------------------

    def watch(self, browser: Browser) -> None:
        self._browser = browser
        for context in browser.contexts:
            self._watch_context(context)
        self.targets_created = self.pages_reported = 0

    def forget(self) -> None:
        """The browser went away: its tabs with it (ids are not reused)."""
        self._drop_all()
        self._closed.clear()
        self._answered.clear()

    def carry_over(self) -> None:
        """The browser is about to be attached afresh (the same tabs, new Page objects): the tabs found
        then take over the ids, titles, console lines and downloads of the tabs before. Refs do not
        carry over: they live in Playwright's script in each page, which the new attachment replaces."""
        self._carried = {
            state.target_id: (page, state) for page, state in self._states.items() if state.target_id
        }
        self.taken_over = {}
        for task in [
            *self._warming.values(),
            *(s.looking_ahead for s in self._states.values() if s.looking_ahead),
        ]:
            task.cancel()
        self._drop_all()

    def end_carry_over(self) -> dict[Page, Page]:
        """The tabs before -> the same tabs now; a tab not found again is gone."""
        self._carried = {}
        self.renewed, self.renew_again = True, False
        taken_over, self.taken_over = self.taken_over, {}
        return taken_over

    def quiet(self) -> bool:
        """Nothing is under way that the tabs' event channels must see to its end: no dialog, download
        or action waiting for a dialog's answer."""
        return not self._parked and all(
            state.dialog is None and all(download.state != "inProgress" for download in state.downloads)
            for state in self._states.values()
        )

    def _drop_all(self) -> None:
        self._browser = None
        self._states.clear()
        self._pages_by_target.clear()
        self._contexts.clear()
        self.documents_since_attach = 0

    def stop(self) -> None:
        for task in [*self._parked, *self._warming.values()]:
            task.cancel()

    def pages(self) -> list[Page]:
        browser = self._browser
        if browser is None:
            return []
        pages: list[Page] = []
        for context in browser.contexts:
            self._watch_context(context)
            pages.extend(page for page in context.pages if not page.is_closed())
        return pages

    async def new_tab(self, browser: Browser) -> Page:
        if browser.contexts:
            page = await browser.contexts[0].new_page()
        else:
            # Attached to a browser with no window at all: a new context is the only way to a tab.
            context = await browser.new_context()
            self._watch_context(context)
            page = await context.new_page()
        self._watch_page(page)
        return page

    # ---- one tab ----------------------------------------------------------------------------------

    def state(self, page: Page) -> TabState:
        """What we know of `page`; a tab that already closed gets a blank state, never a registration."""
        state = self._states.get(page)
        if state is not None:
            return state
        if page.is_closed():
            return TabState(id=0)
        self._watch_page(page)
        return self._states[page]

    async def title_of(self, page: Page, *, fresh: bool = False) -> str:
        """The tab's title: from its title events, or asked from the page (`fresh`: unless the document
        shown has reported its own; or no events)."""
        state = self.state(page)
        if not fresh and state.target_id and state.title:
            return state.title
        if fresh and state.title_document == state.document >= 0:
            return state.title  # asking would wait behind whatever the new document is busy with
        if state.dialog is None:
            with contextlib.suppress(Exception):
                state.title = await asyncio.wait_for(page.title(), _TITLE_TIMEOUT_S)
        return state.title

    async def label(self, page: Page, *, fresh: bool = False) -> TabLabel:
        return TabLabel(self.state(page).id, await self.title_of(page, fresh=fresh), page.url)

    def known_label(self, page: Page) -> TabLabel:
        """The label from what is known, with no round trip (the title may lag a moment)."""
        state = self.state(page)
        return TabLabel(state.id, state.title, page.url)

    def with_dialog(self) -> list[Page]:
        return [page for page in self.pages() if self.state(page).dialog is not None]

    # ---- new tabs -----------------------------------------------------------------------------------

    def on_target_created(self, event: dict[str, object]) -> None:
        info = event.get("targetInfo")
        if isinstance(info, dict) and info.get("type") == "page":
            self.targets_created += 1
            self.changed.set()

    def on_target_info_changed(self, event: dict[str, object]) -> None:
        info = event.get("targetInfo")
        if not isinstance(info, dict):
            return
        page = self._pages_by_target.get(str(info.get("targetId")))
        state = self._states.get(page) if page is not None else None
        if state is not None:
            state.title = tab_title(info)

    def popups_pending(self, targets_before: int = 0, pages_before: int = 0) -> bool:
        return self.targets_created - targets_before > self.pages_reported - pages_before

    async def wait_for_new_tabs(
        self, targets_before: int = 0, pages_before: int = 0, timeout_s: float = _NEW_TAB_REPORT_WAIT_S
    ) -> None:
        """Wait until Playwright has reported every tab Chromium created (a popup, the person's new tab)."""
        reported = await wait_while(
            lambda: self.popups_pending(targets_before, pages_before), self.changed, timeout_s
        )
        if not reported:
            # A page target Playwright never reports (e.g. a prerender): stop waiting for it.
            self.pages_reported = self.targets_created - (targets_before - pages_before)

    async def wait_for_page_watches(self, timeout_s: float = 2.0) -> None:
        if self._watch_tasks:
            await asyncio.wait(set(self._watch_tasks), timeout=timeout_s)

    # ---- what happened to tabs, taken once by whoever reports it -----------------------------------

    def take_closed(self) -> list[ClosedTab]:
        closed, self._closed = self._closed, []
        return closed

    def take_answered_dialogs(self) -> list[AnsweredDialog]:
        answered, self._answered = self._answered, []
        return answered

    # ---- dialogs ------------------------------------------------------------------------------------

    def dialog_signal(self) -> asyncio.Event:
        """An event set when the next dialog opens anywhere in the browser."""
        return self._dialog_opened

    def forget_dialog(self, dialog: Dialog) -> None:
        """Called when the agent answered it, so it is not reported as the person's answer."""
        page = dialog.page
        state = self._states.get(page) if page is not None else None
        if state is not None and state.dialog is dialog:
            state.dialog = None

    def park(self, task: asyncio.Task[object]) -> None:
        """Keep an action that a dialog interrupted; it finishes once the dialog is answered."""
        self._parked.add(task)

        def done(finished: asyncio.Task[object]) -> None:
            self._parked.discard(finished)
            if not finished.cancelled():
                finished.exception()  # retrieved, so it is not logged as "never retrieved"

        task.add_done_callback(done)

    async def wait_parked(self, timeout_s: float) -> None:
        """Let actions a dialog held up finish (e.g. the click behind an answered confirm)."""
        if self._parked:
            await asyncio.wait(set(self._parked), timeout=timeout_s)

    # ---- event wiring -------------------------------------------------------------------------------

    def _watch_context(self, context: BrowserContext) -> None:
        if context in self._contexts:
            return
        self._contexts.add(context)
        context.on("page", self._watch_page)
        context.on("dialog", self._on_dialog)
        context.on("dialogclosed", self._on_dialog_closed)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Page) -> None:
        if page in self._states or page.is_closed():
            return
        # A tab taken over gets its id once its target is known (see _install_watch).
        self._states[page] = TabState(id=0 if self._carried else next(self._ids))
        self.pages_reported += 1
        self.changed.set()
        task = asyncio.ensure_future(self._install_watch(page))
        self._watch_tasks.add(task)
        task.add_done_callback(self._watch_tasks.discard)
        page.on("close", self._on_page_close)
        page.on("framenavigated", lambda frame: self._on_frame_navigated(page, frame))
        page.on("pageerror", lambda error: self.state(page).add_console("error", f"Uncaught {error}"))

    async def _install_watch(self, page: Page) -> None:
        state = self._states[page]

        def on_event(event: PageEvent) -> None:
            seen = visibility_of(event)
            if seen is not None:
                state.visibility, state.focused = seen.visibility, seen.focused
            elif event.kind == "title":
                state.title = str(event.data.get("title", ""))
                state.title_document = state.document
            elif event.kind == form_refusals.EVENT:
                state.form_refusals.note(event.data)
            for listener in list(self._listeners):
                try:
                    listener(page, event)
                except Exception:
                    log.exception("a page event listener failed")

        try:
            state.watch = await watch_page(page.context, page, on_event)
            state.target_id = state.watch.target_id
            state.title = state.title or state.watch.title
            await follow_traffic(state.watch.cdp, state)
            follow_downloads(state.watch.cdp, state)
            follow_navigations(state.watch.cdp, state, state.target_id)
            state.watch.cdp.on("Page.frameNavigated", lambda event: self._on_navigated(state, event))
            follow_frames(page, state)
            for script in self._scripts:
                await state.watch.add_script(script)
        except PlaywrightError as exc:  # e.g. the tab closed meanwhile: probing still works
            log.debug("No event channel for %s: %s", page.url, exc)
            state.visibility = None
            state.id = state.id or next(self._ids)
            return
        self._take_over(page, state)
        self._pages_by_target[state.target_id] = page

    def _take_over(self, page: Page, state: TabState) -> None:
        carried = self._carried.pop(state.target_id, None)
        if carried is None:
            state.id = state.id or next(self._ids)
            return
        before, old = carried
        state.id = old.id
        state.title = state.title or old.title
        state.console = old.console
        state.downloads = old.downloads
        self.taken_over[before] = page

    def _on_navigated(self, state: TabState, event: dict[str, Any]) -> None:
        frame = event.get("frame") or {}
        if frame.get("parentId"):
            return
        state.heard.committed(str(frame.get("loaderId", "")))
        if event.get("type") == "BackForwardCacheRestore" and self.renewed:
            self.renew_again = True

    def _on_page_close(self, page: Page) -> None:
        state = self._states.pop(page, None)
        if state is None:
            return
        self._pages_by_target.pop(state.target_id, None)
        label = TabLabel(state.id, state.title, page.url)
        self._closed.append(ClosedTab(label, by_agent=self.windows.acting))

    def _on_frame_navigated(self, page: Page, frame: object) -> None:
        state = self._states.get(page)
        self.documents_since_attach += 1  # a same-document navigation too: a little early is no harm
        if state is not None and frame is page.main_frame:
            state.main_frame_navigations += 1
            state.navigation_news.set()
            if not self.windows.acting:  # the agent's own navigations are looked at after they load
                self._warm_up(page)

    def _warm_up(self, page: Page) -> None:
        """Have Playwright set up its helper script in the person's new document, in the background: the
        first snapshot of a document pays ~40 ms for it otherwise. Only once the person has stayed on the
        page a while, it has loaded and its renderer is idle: it costs ~40 ms of the renderer's CPU and as
        much of the server's, which a person clicking through pages would pay at their next page's load.
        Not for the agent's navigations: the look ahead does it, and the renderer busy with it would hold
        the agent's next call (a navigation straight after one paid ~30 ms)."""
        earlier = self._warming.pop(page, None)
        if earlier is not None:
            earlier.cancel()
        state = self.state(page)
        task = asyncio.ensure_future(self._touch(page, state, state.main_frame_navigations))
        self._warming[page] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._warming.get(page) is done:  # not a later document's
                del self._warming[page]

        task.add_done_callback(forget)

    @staticmethod
    async def _touch(page: Page, state: TabState, navigations: int) -> None:
        def moved_on() -> bool:
            return state.main_frame_navigations != navigations or page.is_closed()

        with contextlib.suppress(Exception):  # a tab that closed or navigated on: nothing to warm
            await asyncio.sleep(_WARM_UP_AFTER_S)
            if moved_on():
                return
            await page.wait_for_load_state("load", timeout=_WARM_UP_TIMEOUT_MS)
            if state.watch is not None:
                await state.watch.evaluate(_IDLE_JS, timeout_s=_IDLE_WAIT_S + 1)
            if not moved_on():  # else the count would wait for the next document and run as it loads
                await asyncio.wait_for(page.locator(":root").count(), _WARM_UP_TIMEOUT_MS / 1000)

    def _on_dialog(self, dialog: Dialog) -> None:
        page = dialog.page
        if page is None:
            return
        state = self.state(page)
        state.dialog = dialog
        state.dialog_from_agent = self.windows.acting
        self._dialog_opened.set()
        self._dialog_opened = asyncio.Event()

    def _on_dialog_closed(self, dialog: Dialog) -> None:
        page = dialog.page
        state = self._states.get(page) if page is not None else None
        if page is not None and state is not None and state.dialog is dialog:
            state.dialog = None
            text = f"{dialog.type} '{shorten(dialog.message, _DIALOG_TEXT_CHARS)}'"
            self._answered.append(AnsweredDialog(text, TabLabel(state.id, state.title, page.url)))
