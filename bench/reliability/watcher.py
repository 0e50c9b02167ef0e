"""The person's view: a raw Playwright connection to the same browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, Playwright
from tests.support.person import Person

from bench.reliability.common import (
    BACKUP_CODE,
    CARD,
    CVC,
    NEW_PASSWORD,
    OTHER_CARD,
    OTHER_CVC,
    OTP,
    PASSWORD,
)
from bench.reliability.replies import is_refused_url


class Watcher:
    """Every tab's main-frame navigations (any landing on a refused URL), and the secrets typed in."""

    def __init__(self, person: Person, refused_origin: str) -> None:
        self.person = person
        self.refused_origin = refused_origin
        self.landings: list[str] = []  # the refused URLs, as tabs landed there
        self.planted = 0  # checkout pages the person typed their secrets into
        self._on_refused: set[Page] = set()
        for page in person.context.pages:
            self._watch(page)
        person.context.on("page", self._watch)

    def _watch(self, page: Page) -> None:
        def navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                self._seen(page, frame.url)

        page.on("framenavigated", navigated)
        self._seen(page, page.url)

    def _seen(self, page: Page, url: str) -> None:
        if is_refused_url(url, self.refused_origin):
            if page not in self._on_refused:
                self._on_refused.add(page)
                self.landings.append(url)
        else:
            self._on_refused.discard(page)

    def check_tabs(self) -> None:
        """After each call: every tab's URL, as the connection knows it now."""
        for page in self.person.context.pages:
            if not page.is_closed():
                self._seen(page, page.url)

    async def plant_secrets(self) -> None:
        """The person types their secrets into any checkout page that does not have them yet."""
        for page in list(self.person.context.pages):
            if page.is_closed() or urlsplit(page.url).path != "/secrets.html":
                continue
            with suppress(PlaywrightError):
                if await page.evaluate("window.benchPlanted === true"):
                    continue
                await page.locator("#name").fill("Ada Lovelace", timeout=2000)
                await page.locator("#password").fill(PASSWORD, timeout=2000)
                await page.locator("#new-password").fill(NEW_PASSWORD, timeout=2000)
                await page.locator("#otp").fill(OTP, timeout=2000)
                await page.locator("#backup").fill(BACKUP_CODE, timeout=2000)
                same, other = page.frame_locator("#same"), page.frame_locator("#other")
                await same.locator("#card").fill(CARD, timeout=2000)
                await same.locator("#cvc").fill(CVC, timeout=2000)
                await other.locator("#card").fill(OTHER_CARD, timeout=2000)
                await other.locator("#cvc").fill(OTHER_CVC, timeout=2000)
                await page.evaluate("window.benchPlanted = true")
                self.planted += 1

    async def keep_tabs(self, most: int = 4) -> None:
        """The person closes tabs beyond `most` (the fuzz opens tabs; the newest go first)."""
        pages = [page for page in self.person.context.pages if not page.is_closed()]
        for page in pages[most:]:
            with suppress(PlaywrightError):
                await page.close()


@asynccontextmanager
async def person_on(playwright: Playwright, cdp_url: str) -> AsyncIterator[Person]:
    person = await Person.attach(playwright, cdp_url)
    try:
        yield person
    finally:
        if person.browser.is_connected():
            await person.detach()
