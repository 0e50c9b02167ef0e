"""The one browser this server drives: attach or launch, watch its tabs, reconnect when it comes back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Request,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from browser_mcp.browser.agent_windows import AgentWindows
from browser_mcp.browser.call_news import CallNews
from browser_mcp.browser.launcher import LaunchedBrowser, find_browser, launch_chromium
from browser_mcp.browser.page_watch import PageEvent, visibility_of, watch_page
from browser_mcp.browser.signals import wait_while
from browser_mcp.browser.tab_state import TabState
from browser_mcp.browser.url_policy import UrlPolicy
from browser_mcp.config import Settings
from browser_mcp.errors import ToolError

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT_S = 10.0
_PROBE_TIMEOUT_S = 1.0
_NEW_TAB_PROBES = 10
_NEW_TAB_PROBE_INTERVAL_S = 0.05
_NEW_TAB_REPORT_WAIT_S = 1.5
# One round trip tells whether the person sees the tab, and refreshes its title.
_VISIBILITY_JS = "() => [document.visibilityState, document.hasFocus(), document.title]"


@dataclass(frozen=True)
class TabView:
    """One tab as the model sees it: a 1-based number, its title and URL."""

    index: int
    page: Page
    title: str
    url: str

    def label(self) -> str:
        title = f" '{self.title}'" if self.title else ""
        return f"tab {self.index}{title} ({self.url})"


@dataclass(frozen=True)
class Checkpoint:
    """The tabs as a call left them, to tell the next call what changed in between."""

    pages: tuple[Page, ...]
    current: Page | None
    current_url: str


class BrowserSession:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = UrlPolicy(settings.allowed_origins, settings.blocked_origins, settings.allow_file_urls)
        self.lock = asyncio.Lock()
        # Told (tool name, reply lines) after each call that succeeded, e.g. to post agent actions into
        # neko's chat. An observer must return at once and not raise: it runs inside the call.
        self.action_observers: list[Callable[[str, list[str]], None]] = []
        # Told every event a tab reports (see page_watch), e.g. the person's clicks for people/.
        self.page_event_listeners: list[Callable[[Page, PageEvent], None]] = []
        # Scripts for our isolated world in every tab (see TabWatch.add_script), e.g. people/'s listeners.
        self.tab_scripts: list[str] = []
        # What replies say about the tabs and the person before and after each call (people/ sets it).
        self.news = CallNews()
        self.agent_windows = AgentWindows()
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._launched: LaunchedBrowser | None = None
        self._cdp_port = settings.cdp_port
        self._tabs: dict[Page, TabState] = {}
        self._watched: set[BrowserContext] = set()
        self._closed_since: list[tuple[str, str]] = []
        self._answered_dialogs: list[str] = []
        self._dialog_opened = asyncio.Event()
        self._checkpoint = Checkpoint((), None, "")
        self._had_browser = False
        self._parked: set[asyncio.Task[object]] = set()
        # Tabs Chromium created vs tabs Playwright has reported: a popup shows up in the first
        # at once and in the second a little later, so an action can wait for it.
        self.acting = 0  # > 0 while an agent action runs: what happens then is the agent's doing
        self.targets_created = 0
        self.pages_reported = 0
        self.tabs_changed = asyncio.Event()
        self._watch_tasks: set[asyncio.Task[None]] = set()
        self._browser_cdp: CDPSession | None = None
        self._pages_by_target: dict[str, Page] = {}

    # ---- connection -------------------------------------------------------------------------

    @property
    def cdp_url(self) -> str | None:
        if self.settings.cdp_url:
            return self.settings.cdp_url
        return self._launched.cdp_url if self._launched else None

    def is_connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def connect(self) -> str | None:
        """Make sure a browser is attached; return a note if this call had to (re)connect."""
        # A browser that is going away closes its tabs before it reports the disconnect: with no
        # tab left, make sure it still answers before saying "no tab".
        if (
            self.is_connected()
            and not self._launched_exited()
            and (self.pages() or await self.browser_answers())
        ):
            return None
        if self._pw is None:
            self._pw = await async_playwright().start()
        reconnecting = self._had_browser
        await self._drop_browser()
        if self.settings.cdp_url is not None:
            url = self.settings.cdp_url
            browser = await self._attach(url)
        else:
            url, browser = await self._attach_embedded()
        self._browser = browser
        self._had_browser = True
        browser.on("disconnected", lambda gone: self._on_disconnected(gone, url))
        for context in browser.contexts:
            self._watch_context(context)
        await self._count_new_targets(browser)
        await self.wait_for_page_watches()
        self._checkpoint = Checkpoint(tuple(self.pages()), None, "")
        if reconnecting:
            return (
                "The browser had gone away (closed or restarted); reconnected to it. Tabs may have changed."
            )
        return None

    def _on_disconnected(self, browser: Browser, url: str) -> None:
        if browser is self._browser:  # not when we disconnect on purpose
            log.warning("The browser at %s went away", url)

    async def _attach(self, url: str) -> Browser:
        assert self._pw is not None
        try:
            browser = await self._pw.chromium.connect_over_cdp(
                url, no_defaults=True, timeout=_CONNECT_TIMEOUT_S * 1000
            )
        except PlaywrightError as exc:
            raise _connect_error(url, exc) from exc
        await _refuse_if_devtools_disabled(browser, url)
        return browser

    async def _attach_embedded(self) -> tuple[str, Browser]:
        """Attach to the Chromium we launched, launching (again) if it is not there."""
        launched = self._launched
        if launched is not None and launched.is_running():
            try:
                return launched.cdp_url, await self._attach(launched.cdp_url)
            except ToolError:
                # Closed but not yet exited, or hung: make sure it is gone, then start afresh.
                log.warning("The embedded Chromium does not answer; starting it again")
        if launched is not None:
            await launched.terminate()
        executable = find_browser(self.settings, self._playwright_chromium_path())
        self._launched = await launch_chromium(self.settings, executable, self._cdp_port)
        # Keep the port across restarts so a person's tools stay attached to the same address.
        self._cdp_port = self._launched.port
        return self._launched.cdp_url, await self._attach(self._launched.cdp_url)

    async def _count_new_targets(self, browser: Browser) -> None:
        self.targets_created = self.pages_reported = 0
        try:
            cdp = self._browser_cdp = await browser.new_browser_cdp_session()
            cdp.on("Target.targetCreated", self._on_target_created)
            cdp.on("Target.targetInfoChanged", self._on_target_info_changed)
            await cdp.send("Target.setDiscoverTargets", {"discover": True})
        except PlaywrightError as exc:  # not fatal: only popups are reported a call later
            log.info("Cannot watch new tabs through CDP: %s", exc)
        # setDiscoverTargets replays the existing targets; they are already counted as pages.
        self.targets_created = self.pages_reported = 0

    def _on_target_created(self, event: dict[str, object]) -> None:
        info = event.get("targetInfo")
        if isinstance(info, dict) and info.get("type") == "page":
            self.targets_created += 1
            self.tabs_changed.set()

    def _launched_exited(self) -> bool:
        return self._launched is not None and not self._launched.is_running()

    async def browser_answers(self) -> bool:
        """One round trip to the browser itself: False if it is gone (before Playwright noticed)."""
        if self._browser_cdp is None:
            return True
        try:
            await asyncio.wait_for(self._browser_cdp.send("Browser.getVersion"), _PROBE_TIMEOUT_S)
        except (TimeoutError, PlaywrightError):
            return False
        return True

    def _on_target_info_changed(self, event: dict[str, object]) -> None:
        info = event.get("targetInfo")
        if not isinstance(info, dict):
            return
        page = self._pages_by_target.get(str(info.get("targetId")))
        state = self._tabs.get(page) if page is not None else None
        if state is not None:
            title = str(info.get("title", ""))
            # Chromium shows the URL as the title of a page without one; Playwright says "".
            state.title = (
                "" if title in (info.get("url"), str(info.get("url", "")).split("://")[-1]) else title
            )

    async def wait_for_page_watches(self, timeout_s: float = 2.0) -> None:
        if self._watch_tasks:
            await asyncio.wait(set(self._watch_tasks), timeout=timeout_s)

    async def _install_watch(self, context: BrowserContext, page: Page) -> None:
        state = self.tab(page)

        def on_event(event: PageEvent) -> None:
            seen = visibility_of(event)
            if seen is not None:
                state.visibility, state.focused = seen.visibility, seen.focused
            for listener in self.page_event_listeners:
                try:
                    listener(page, event)
                except Exception:
                    log.exception("a page event listener failed")

        try:
            state.watch = await watch_page(context, page, on_event)
            state.target_id = state.watch.target_id
            for source in self.tab_scripts:
                await state.watch.add_script(source)
        except PlaywrightError as exc:  # e.g. the tab closed meanwhile: probing still works
            log.debug("No event channel for %s: %s", page.url, exc)
            state.visibility = None
            return
        self._pages_by_target[state.target_id] = page

    def popups_pending(self, targets_before: int, pages_before: int) -> bool:
        return self.targets_created - targets_before > self.pages_reported - pages_before

    async def wait_for_new_tabs(
        self, targets_before: int = 0, pages_before: int = 0, timeout_s: float = _NEW_TAB_REPORT_WAIT_S
    ) -> None:
        """Wait until Playwright has reported every tab Chromium created (a popup, the person's new tab)."""
        reported = await wait_while(
            lambda: self.popups_pending(targets_before, pages_before), self.tabs_changed, timeout_s
        )
        if not reported:
            # A page target Playwright never reports (e.g. a prerender): stop waiting for it.
            self.pages_reported = self.targets_created - (targets_before - pages_before)

    def _playwright_chromium_path(self) -> str | None:
        with contextlib.suppress(Exception):
            assert self._pw is not None
            return self._pw.chromium.executable_path
        return None

    async def _drop_browser(self) -> None:
        browser, self._browser = self._browser, None
        self._browser_cdp = None
        self._tabs.clear()
        self._pages_by_target.clear()
        self._watched.clear()
        self._closed_since.clear()
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), 2)

    async def close(self) -> None:
        """Disconnect; stop only a browser this server launched."""
        await self._drop_browser()
        for task in self._parked:
            task.cancel()
        if self._launched is not None:
            await self._launched.terminate()
            self._launched = None
        if self._pw is not None:
            with contextlib.suppress(Exception):
                await self._pw.stop()
            self._pw = None

    def require_browser(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            raise ToolError("The browser went away during this call; the next call reconnects.")
        return self._browser

    # ---- watching tabs ----------------------------------------------------------------------

    def _watch_context(self, context: BrowserContext) -> None:
        if context in self._watched:
            return
        self._watched.add(context)
        context.on("page", self._watch_page)
        context.on("dialog", self._on_dialog)
        context.on("dialogclosed", self._on_dialog_closed)
        context.on("console", self._on_console)
        context.on("request", self._on_request)
        context.on("requestfinished", self._on_request_end)
        context.on("requestfailed", self._on_request_end)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Page) -> None:
        if page in self._tabs:
            return
        self._tabs[page] = TabState()
        self.pages_reported += 1
        self.tabs_changed.set()
        task = asyncio.ensure_future(self._install_watch(page.context, page))
        self._watch_tasks.add(task)
        task.add_done_callback(self._watch_tasks.discard)
        page.on("close", self._on_page_close)
        page.on("framenavigated", lambda frame: self._on_frame_navigated(page, frame))
        page.on("pageerror", lambda error: self.tab(page).add_console("error", f"Uncaught {error}"))

    def tab(self, page: Page) -> TabState:
        state = self._tabs.get(page)
        if state is None:
            self._watch_page(page)
            state = self._tabs[page]
        return state

    def _on_page_close(self, page: Page) -> None:
        state = self._tabs.pop(page, None)
        if state is not None:
            self._pages_by_target.pop(state.target_id, None)
        self._closed_since.append((state.title if state else "", page.url))

    def _on_frame_navigated(self, page: Page, frame: object) -> None:
        if frame is page.main_frame:
            self.tab(page).main_frame_navigations += 1

    def _on_dialog(self, dialog: Dialog) -> None:
        page = dialog.page
        if page is None:
            return
        state = self.tab(page)
        state.dialog = dialog
        state.dialog_from_agent = self.acting > 0
        self._dialog_opened.set()
        self._dialog_opened = asyncio.Event()

    def _on_dialog_closed(self, dialog: Dialog) -> None:
        page = dialog.page
        state = self._tabs.get(page) if page is not None else None
        if state is not None and state.dialog is dialog:
            state.dialog = None
            self._answered_dialogs.append(f"{dialog.type} '{_shorten(dialog.message)}'")

    def forget_dialog(self, dialog: Dialog) -> None:
        """Called when the agent answered it, so it is not reported as the person's answer."""
        page = dialog.page
        state = self._tabs.get(page) if page is not None else None
        if state is not None and state.dialog is dialog:
            state.dialog = None

    def _on_console(self, message: ConsoleMessage) -> None:
        page = message.page
        if page is None:
            return
        location = message.location
        where = f"{location.get('url', '')}:{location.get('lineNumber', '')}" if location else ""
        self.tab(page).add_console(message.type, message.text, where)

    def _on_request(self, request: Request) -> None:
        page = _request_page(request)
        if page is not None and page in self._tabs:
            self._tabs[page].request_started(request)

    def _on_request_end(self, request: Request) -> None:
        page = _request_page(request)
        if page is not None and page in self._tabs:
            self._tabs[page].request_ended(request)

    def dialog_signal(self) -> asyncio.Event:
        """An event set when the next dialog opens anywhere in the browser."""
        return self._dialog_opened

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

    # ---- the agent's own actions --------------------------------------------------------------

    def begin_action(self) -> None:
        """The agent starts acting on the browser: what happens now is its doing, not the person's."""
        self.acting += 1
        self.agent_windows.begin()

    def end_action(self) -> None:
        self.acting -= 1
        self.agent_windows.end()

    @contextlib.contextmanager
    def agent_action(self) -> Iterator[None]:
        self.begin_action()
        try:
            yield
        finally:
            self.end_action()

    # ---- tabs -------------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        browser = self._browser
        if browser is None:
            return []
        pages: list[Page] = []
        for context in browser.contexts:
            self._watch_context(context)
            pages.extend(page for page in context.pages if not page.is_closed())
        return pages

    async def title_of(self, page: Page, *, fresh: bool = False) -> str:
        """The tab's title: from its title events, or asked from the page (`fresh`, or no events)."""
        state = self.tab(page)
        if not fresh and state.target_id and state.title:
            return state.title
        if state.dialog is None:
            with contextlib.suppress(Exception):
                state.title = await asyncio.wait_for(page.title(), _PROBE_TIMEOUT_S)
        return state.title

    async def view(self, page: Page, pages: list[Page] | None = None) -> TabView:
        pages = pages if pages is not None else self.pages()
        index = pages.index(page) + 1 if page in pages else 0
        return TabView(index, page, await self.title_of(page), page.url)

    async def _probe(self, page: Page) -> tuple[str, bool] | None:
        """(visibilityState, hasFocus) of a tab, or None if it cannot answer (a dialog, a crash)."""
        if self.tab(page).dialog is not None:
            return None
        try:
            state, focused, title = await asyncio.wait_for(page.evaluate(_VISIBILITY_JS), _PROBE_TIMEOUT_S)
        except (TimeoutError, PlaywrightError):
            return None
        self.tab(page).title = str(title)
        return str(state), bool(focused)

    def likely_person_tab(self, *, events_only: bool = False) -> Page | None:
        """A guess without a round trip: the one tab whose own events say it is visible, else (unless
        `events_only`) the tab of the last call if no tab came or went. Events can lag a switch by a
        moment: a guess is confirmed before anything is done to the page."""
        if not self.is_connected() or self.popups_pending(0, 0):
            return None
        pages = self.pages()
        states = [self.tab(page) for page in pages]
        if all(state.visibility is not None for state in states):
            visible = [
                page for page, state in zip(pages, states, strict=True) if state.visibility == "visible"
            ]
            if len(visible) == 1 and self.tab(visible[0]).dialog is None:
                return visible[0]
        if events_only:
            return None
        previous = self._checkpoint.current
        if (
            previous in pages
            and set(pages) == set(self._checkpoint.pages)
            and self.tab(previous).dialog is None
        ):
            return previous
        return None

    async def person_tab(self, pages: list[Page]) -> Page | None:
        """The tab the person is looking at: the visible one (the focused one if several windows)."""
        previous = self._checkpoint.current
        if not pages:
            return None
        unchanged = set(pages) == set(self._checkpoint.pages)
        if previous in pages and unchanged and self.tab(previous).dialog is not None:
            return previous  # a tab with an open dialog cannot answer; the person is on it
        guess = self.likely_person_tab()
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
                fresh = [page for page in candidates if page not in self._checkpoint.pages]
                return (fresh or candidates)[-1]
            if visible:
                return visible[0][0]
            starting = [
                page
                for page, probe in zip(pages, probes, strict=True)
                if probe is None and not self.tab(page).dialog
            ]
            if not starting:
                break
            # A tab that was just opened does not answer until its document exists, and no event
            # says when: look again shortly (bounded).
            await asyncio.sleep(_NEW_TAB_PROBE_INTERVAL_S)
        with_dialog = [page for page in pages if self.tab(page).dialog is not None]
        if with_dialog:
            return previous if previous in with_dialog else with_dialog[-1]
        return previous if previous in pages else pages[-1]

    async def new_tab(self) -> Page:
        browser = self.require_browser()
        if browser.contexts:
            context = browser.contexts[0]
            page = await context.new_page()
        else:
            # Attached to a browser with no window at all: a new context is the only way to a tab.
            context = await browser.new_context()
            self._watch_context(context)
            page = await context.new_page()
        self._watch_page(page)
        return page

    # ---- checkpoints between calls -------------------------------------------------------------

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    def mark(self, pages: list[Page], current: Page | None) -> None:
        self._checkpoint = Checkpoint(tuple(pages), current, current.url if current else "")
        self._closed_since.clear()
        self._answered_dialogs.clear()

    def take_closed(self) -> list[tuple[str, str]]:
        closed, self._closed_since = self._closed_since, []
        return closed

    def take_answered_dialogs(self) -> list[str]:
        answered, self._answered_dialogs = self._answered_dialogs, []
        return answered


def _request_page(request: Request) -> Page | None:
    with contextlib.suppress(PlaywrightError):
        return request.frame.page
    return None


async def _refuse_if_devtools_disabled(browser: Browser, url: str) -> None:
    """With DeveloperToolsAvailability=2 (neko's default policy) Chromium accepts the connection but
    refuses to attach to any tab, so Playwright shows none. Try the tabs to tell that from a browser
    with no tab, and disconnect with the reason."""
    if any(context.pages for context in browser.contexts):
        return
    cdp = await browser.new_browser_cdp_session()
    try:
        targets = (await cdp.send("Target.getTargets"))["targetInfos"]
        refusal: PlaywrightError | None = None
        for tab in (target for target in targets if target.get("type") == "page"):
            try:
                attached = await cdp.send("Target.attachToTarget", {"targetId": tab["targetId"]})
            except PlaywrightError as exc:
                # "Not allowed". Policy 1 still refuses pages of extensions installed by policy.
                refusal = exc
                continue
            await cdp.send("Target.detachFromTarget", {"sessionId": attached["sessionId"]})
            return
        if refusal is not None:
            await browser.close()
            raise _connect_error(url, refusal) from refusal
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.detach()


def _connect_error(url: str, exc: PlaywrightError) -> ToolError:
    text = str(exc)
    if "Not allowed" in text or "not inspectable" in text or ("403" in text and "DevTools" in text):
        return ToolError(
            f"Cannot attach to the browser at {url}: DevTools are disabled by policy "
            "(DeveloperToolsAvailability). Allow them in the browser's policies; see deploy/neko."
        )
    if "ECONNREFUSED" in text or "connect ECONN" in text:
        return ToolError(
            f"Cannot reach the browser at {url}: connection refused. It may be restarting or not "
            "started with --remote-debugging-port; try again shortly."
        )
    first = text.strip().splitlines()[0] if text.strip() else text
    return ToolError(f"Cannot attach to the browser at {url}: {first}")


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
