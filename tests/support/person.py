"""The person: a second Playwright connection to the same browser, acting as a human would."""

from __future__ import annotations

from playwright.async_api import Browser, BrowserContext, Page, Playwright


class Person:
    def __init__(self, playwright: Playwright, browser: Browser) -> None:
        self.playwright = playwright
        self.browser = browser

    @classmethod
    async def attach(cls, playwright: Playwright, cdp_url: str) -> Person:
        # no_defaults: like a real viewer, only the tab in front is visible.
        browser = await playwright.chromium.connect_over_cdp(cdp_url, no_defaults=True)
        # A Playwright connection without a dialog listener dismisses every dialog at once; a person
        # leaves them open until they answer (tests answer through the Dialog objects they receive).
        browser.contexts[0].on("dialog", lambda dialog: None)
        return cls(playwright, browser)

    @property
    def context(self) -> BrowserContext:
        return self.browser.contexts[0]

    @property
    def tabs(self) -> list[Page]:
        return self.context.pages

    async def tab_in_front(self) -> Page:
        for page in self.tabs:
            if await page.evaluate("document.visibilityState") == "visible":
                return page
        raise AssertionError("no tab is visible")

    async def open_tab(self, url: str) -> Page:
        """Open a new tab in front (ctrl+T and type a URL)."""
        page = await self.context.new_page()
        await page.bring_to_front()
        await page.goto(url)
        return page

    async def sees_tabs(self, count: int) -> None:
        """Wait until the person's browser shows `count` tabs (a tab the agent opened reaches the
        person's own connection a moment after the agent's reply)."""
        while len(self.tabs) < count:
            await self.context.wait_for_event("page", timeout=5000)
        assert len(self.tabs) == count

    async def switch_to(self, page: Page) -> None:
        await page.bring_to_front()

    async def detach(self) -> None:
        await self.browser.close()  # over CDP this only disconnects
