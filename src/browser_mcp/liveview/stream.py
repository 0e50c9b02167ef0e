"""The picture: a screencast of the person's tab while anyone watches, following them from tab to tab.

Chromium sends a JPEG frame when the page changes (none while it is still), and acknowledging each
frame at once keeps the cast live. Only one tab is cast at a time: the one the person sees, which is
the tab the tools act on. When it changes (a switch, a popup, a closed tab) the cast moves at once:
every tab reports its visibility through our isolated world (browser/page_watch).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from playwright.async_api import Page, ScreencastSize

from browser_mcp.browser.page_watch import PageEvent
from browser_mcp.browser.session import BrowserSession
from browser_mcp.liveview.frames import LatestFrame
from browser_mcp.people.person_tab import PersonTab

log = logging.getLogger(__name__)

DEFAULT_QUALITY = 70
MAX_SIZE: ScreencastSize = {
    "width": 1920,
    "height": 1920,
}  # the cast is never larger than the page's viewport
_RECHECK_S = 1.0  # look again this often even without an event (a tab closed, a browser restarted)
# Chromium's screencast sometimes sends no frame for the last change a page makes before it goes still
# (seen after a click, on a busy machine, even when it had sent one for the mouse-down): so once the
# person's input has paused this long, one frame is taken and sent whatever came meanwhile.
_FRAME_AFTER_INPUT_S = 0.3
_CONNECT_TIMEOUT_S = 10.0


class TabStream:
    def __init__(self, session: BrowserSession, person_tab: PersonTab) -> None:
        self.session = session
        self.person_tab = person_tab
        self.frames = LatestFrame()
        self.page: Page | None = None  # the tab being cast
        self.quality = DEFAULT_QUALITY
        self._watchers = 0
        self._retarget = asyncio.Event()
        self._follower: asyncio.Task[None] | None = None
        self._frame_check: asyncio.Task[None] | None = None
        session.tabs.listen(self._on_page_event)

    @contextlib.asynccontextmanager
    async def watching(self, quality: int | None = None) -> AsyncIterator[None]:
        """While a viewer is connected: the cast runs (it stops when the last viewer leaves)."""
        self._watchers += 1
        if self._watchers == 1:
            self.quality = quality or DEFAULT_QUALITY
            self._follower = asyncio.ensure_future(self._follow())
        try:
            yield
        finally:
            self._watchers -= 1
            if self._watchers == 0 and self._follower is not None:
                self._follower.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._follower
                self._follower = None

    def after_input(self) -> None:
        """The person acted on the page: make sure the picture shows what it did (see _FRAME_AFTER_INPUT_S)."""
        if self.page is None:
            return
        if self._frame_check is not None:
            self._frame_check.cancel()  # the check waits for the last of a burst of input
        self._frame_check = asyncio.ensure_future(self._frame_after_input(self.page))

    async def _frame_after_input(self, page: Page) -> None:
        await asyncio.sleep(_FRAME_AFTER_INPUT_S)  # the input's effects have had time to show
        shown = self.frames.frame
        if shown is None or self.page is not page or page.is_closed():
            return  # nothing to show yet: the cast's first frame will come by itself
        try:
            jpeg = await page.screenshot(
                type="jpeg", quality=self.quality, scale="css", caret="initial", timeout=2_000
            )
        except Exception as exc:  # a page that navigated or closed meanwhile sends its own frames
            log.debug("live view: no frame after the input: %r", exc)
            return
        if self.page is page and self.frames.frame is shown:  # else a newer frame came meanwhile
            self.frames.put(jpeg, shown.width, shown.height)

    def follow_now(self) -> None:
        """Something changed the person's tab (a switch from the live view): look at once."""
        self._retarget.set()

    def _on_page_event(self, page: Page, event: PageEvent) -> None:
        if event.kind == "visibility":  # a switch shows as one tab hidden, another visible
            self._retarget.set()

    async def _follow(self) -> None:
        try:
            while True:
                self._retarget.clear()
                try:
                    await self._cast(await self._person_page())
                except Exception:
                    log.debug("live view: could not cast the person's tab", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._retarget.wait(), _RECHECK_S)
        finally:
            await self._cast(None)

    async def _person_page(self) -> Page | None:
        session = self.session
        if not session.is_connected():
            # Nobody has called a tool yet (or the browser restarted): the viewer wants a picture now.
            async with asyncio.timeout(_CONNECT_TIMEOUT_S), session.lock:
                await session.connect()
        guess = self.person_tab.likely(events_only=True)
        if guess is not None:
            return guess
        pages = session.pages()
        return await self.person_tab.find(pages) if pages else None

    async def _cast(self, page: Page | None) -> None:
        """Cast `page` (None: nothing), stopping the cast of the tab shown before."""
        if page is self.page and (page is None or not page.is_closed()):
            return
        old, self.page = self.page, page
        if old is not None and not old.is_closed():
            with contextlib.suppress(Exception):
                await old.screencast.stop()
        if page is None:
            self.frames.clear()
            return

        def on_frame(frame: Any) -> None:
            if self.page is page:
                self.frames.put(frame["data"], int(frame["viewportWidth"]), int(frame["viewportHeight"]))

        log.debug("live view: casting %s", page.url)
        page.once("close", lambda _: self._retarget.set())
        try:
            await page.screencast.start(on_frame=on_frame, quality=self.quality, size=MAX_SIZE)
        except Exception:
            self.page = None  # try again on the next look
            raise
