"""The one browser this server drives: its connection, its tabs, the agent's action windows, one lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Sequence

from playwright.async_api import Page

from browser_mcp.browser.action_windows import ActionWindows
from browser_mcp.browser.connection import Connection
from browser_mcp.browser.navigation_guard import NavigationGuard
from browser_mcp.browser.tabs import Tabs
from browser_mcp.browser.url_policy import UrlPolicy
from browser_mcp.config import Settings

log = logging.getLogger(__name__)

_PROBE_S = 1.0  # a page answers in milliseconds

RECONNECTED = "The browser had gone away (closed or restarted); reconnected to it. Tabs may have changed."


class BrowserSession:
    def __init__(self, settings: Settings, tab_scripts: Sequence[str] = ()) -> None:
        self.settings = settings
        self.policy = UrlPolicy(settings.allowed_origins, settings.blocked_origins, settings.allow_file_urls)
        self.lock = asyncio.Lock()  # one tool call at a time
        # When the agent acted: what the tabs report inside these windows is its doing, not the person's.
        self.windows = ActionWindows()
        self.connection = Connection(settings)
        self.guard = NavigationGuard(self.policy, settings.url_policy_scope, self.windows)
        self.tabs = Tabs(self.windows, tab_scripts)

    def prepare(self) -> None:
        """Get ready for the first call without waiting: the browser itself is attached by that call."""
        self.connection.start_driver()

    def is_connected(self) -> bool:
        return self.connection.is_connected()

    async def connect(self) -> str | None:
        """Make sure a browser is attached; return a note if this call had to (re)connect."""
        connection = self.connection
        # A browser that is going away closes its tabs before it reports the disconnect: with no
        # tab left, make sure it still answers before saying "no tab".
        if (
            connection.is_connected()
            and not connection.launched_exited()
            and (self.tabs.pages() or await connection.answers())
        ):
            return None
        reconnecting = connection.had_browser
        self.tabs.forget()
        browser = await connection.open(self.tabs.on_target_created, self.tabs.on_target_info_changed)
        await self.guard.start(self.connection.browser_cdp)
        self.tabs.watch(browser)
        await self.tabs.wait_for_page_watches()
        return RECONNECTED if reconnecting else None

    def renewal_due(self, *, leaving_document: bool) -> bool:
        """Time to attach afresh: at a call that leaves the tab's document (`leaving_document`), once many
        documents loaded since the browser was attached; at any call, once a page came back from the
        back/forward cache since the last time (see Tabs.renew_again). Never while something is under way
        that the tabs' event channels must see to its end."""
        limit = self.settings.renew_after_documents
        many = limit > 0 and self.tabs.documents_since_attach >= limit
        return (
            ((leaving_document and many) or self.tabs.renew_again)
            and self.connection.is_connected()
            and self.tabs.quiet()
        )

    async def renew(self) -> dict[Page, Page]:
        """Attach to the same browser afresh and take the tabs over; return the tabs before -> now.

        Playwright's client keeps a Request and a Response (~11 KB) for every document loaded while it is
        attached, up to 10,000 of each: ending the attachment is the only way to let them go. The tabs,
        their ids, titles, console lines and downloads carry over; refs do not (see Tabs.carry_over)."""
        documents, began = self.tabs.documents_since_attach, time.monotonic()
        self.tabs.carry_over()
        try:
            browser = await self.connection.open(
                self.tabs.on_target_created, self.tabs.on_target_info_changed
            )
            await self.guard.start(self.connection.browser_cdp)
            self.tabs.watch(browser)
            await self.tabs.wait_for_page_watches()
        finally:
            taken_over = self.tabs.end_carry_over()
        await _log_unreachable(list(taken_over.values()))
        log.info(
            "Attached to the browser afresh after %d documents; %d tabs taken over in %.2f s",
            documents,
            len(taken_over),
            time.monotonic() - began,
        )
        return taken_over

    async def still_there(self) -> bool:
        """False if the browser went away (asked of the browser itself when Playwright has not noticed)."""
        return self.connection.is_connected() and await self.connection.answers()

    def pages(self) -> list[Page]:
        return self.tabs.pages()

    async def new_tab(self) -> Page:
        return await self.tabs.new_tab(self.connection.require_browser())

    @contextlib.contextmanager
    def agent_action(self) -> Iterator[None]:
        """The agent acts on the browser: what happens meanwhile is its doing, not the person's."""
        with self.windows.open():
            yield

    async def close(self) -> None:
        """Disconnect; stop only a browser this server launched."""
        self.tabs.forget()
        self.tabs.stop()
        await self.connection.close()


async def _log_unreachable(pages: list[Page]) -> None:
    """Say in the log which tabs Playwright cannot reach after attaching afresh (their calls would end with
    "did not answer"). None should: the one case seen, a page restored from the back/forward cache, is
    met by attaching afresh again (Tabs.renew_again)."""

    async def answers(page: Page) -> bool:
        try:
            await asyncio.wait_for(page.evaluate("1"), _PROBE_S)
        except Exception:
            return False
        return True

    reached = await asyncio.gather(*(answers(page) for page in pages))
    for page, ok in zip(pages, reached, strict=True):
        if not ok:
            log.warning("After attaching afresh, the tab at %s does not answer", page.url)
