"""The connection to the one browser: attach over CDP or launch the embedded Chromium, and again after
it went away; refuse with the reason a browser whose DevTools are disabled by policy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from playwright.async_api import Browser, CDPSession, Playwright
from playwright.async_api import Error as PlaywrightError

from browser_mcp.browser.driver import take_driver
from browser_mcp.browser.launcher import LaunchedBrowser, find_browser, launch_chromium
from browser_mcp.config import Settings
from browser_mcp.errors import Problem
from browser_mcp.text import first_line

log = logging.getLogger(__name__)

# Playwright's own default: a browser just started may take seconds to let a client attach (its first
# tab waiting for a network it does not have, as neko's Chromium offline: ~5 s, more on a busy machine).
_CONNECT_TIMEOUT_S = 30.0
_PROBE_TIMEOUT_S = 1.0

TargetListener = Callable[[dict[str, object]], None]


class Connection:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.browser: Browser | None = None
        self.had_browser = False
        self._driver: asyncio.Future[Playwright] | None = None  # Playwright's driver, started once
        self._launched: LaunchedBrowser | None = None
        self._cdp_port = settings.cdp_port
        self._browser_cdp: CDPSession | None = None

    @property
    def cdp_url(self) -> str | None:
        if self.settings.cdp_url:
            return self.settings.cdp_url
        return self._launched.cdp_url if self._launched else None

    def is_connected(self) -> bool:
        return self.browser is not None and self.browser.is_connected()

    def on_no_screen(self) -> bool:
        """The browser is one we launched headless: no screen shows it (other viewers may cast it)."""
        return self._launched is not None and self._launched.headless

    def launched_exited(self) -> bool:
        return self._launched is not None and not self._launched.is_running()

    async def answers(self) -> bool:
        """One round trip to the browser itself: False if it is gone (before Playwright noticed)."""
        if self._browser_cdp is None:
            return True
        try:
            await asyncio.wait_for(self._browser_cdp.send("Browser.getVersion"), _PROBE_TIMEOUT_S)
        except (TimeoutError, PlaywrightError):
            return False
        return True

    def start_driver(self) -> None:
        """Start Playwright's driver (a Node process, ~0.2-0.4 s) in the background: the first call
        then finds it running instead of waiting for it."""
        if self._driver is None:
            self._driver = take_driver()

    async def _playwright(self) -> Playwright:
        self.start_driver()
        assert self._driver is not None
        try:
            return await asyncio.shield(self._driver)  # a cancelled call leaves the start to finish
        except Exception:
            self._driver = None  # the next call tries again
            raise

    async def open(
        self, on_target_created: TargetListener, on_target_info_changed: TargetListener
    ) -> Browser:
        """Attach (launching the embedded browser first if needed); new tabs are told to the listeners."""
        playwright = await self._playwright()
        await self.drop()
        if self.settings.cdp_url is not None:
            url = self.settings.cdp_url
            browser = await self._attach(playwright, url)
        else:
            url, browser = await self._attach_embedded(playwright)
        self.browser = browser
        self.had_browser = True
        browser.on("disconnected", lambda gone: self._on_disconnected(gone, url))
        try:
            cdp = self._browser_cdp = await browser.new_browser_cdp_session()
            cdp.on("Target.targetCreated", on_target_created)
            cdp.on("Target.targetInfoChanged", on_target_info_changed)
            await cdp.send("Target.setDiscoverTargets", {"discover": True})
        except PlaywrightError as exc:  # not fatal: only popups are reported a call later
            log.info("Cannot watch new tabs through CDP: %s", exc)
        return browser

    @property
    def browser_cdp(self) -> CDPSession | None:
        """The browser-wide CDP session (None if the browser would not give one)."""
        return self._browser_cdp

    def require_browser(self) -> Browser:
        if self.browser is None or not self.browser.is_connected():
            raise Problem("The browser went away during this call; the next call reconnects.")
        return self.browser

    async def drop(self) -> None:
        browser, self.browser = self.browser, None
        self._browser_cdp = None
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), 2)

    async def close(self) -> None:
        """Disconnect; stop only a browser this server launched."""
        await self.drop()
        if self._launched is not None:
            await self._launched.terminate()
            self._launched = None
        driver, self._driver = self._driver, None
        if driver is not None:
            with contextlib.suppress(Exception):
                await (await driver).stop()

    def _on_disconnected(self, browser: Browser, url: str) -> None:
        if browser is self.browser:  # not when we disconnect on purpose
            log.warning("The browser at %s went away", url)

    async def _attach(self, playwright: Playwright, url: str) -> Browser:
        try:
            browser = await playwright.chromium.connect_over_cdp(
                url, no_defaults=True, timeout=_CONNECT_TIMEOUT_S * 1000
            )
        except PlaywrightError as exc:
            raise _connect_error(url, exc) from exc
        await _refuse_if_devtools_disabled(browser, url)
        return browser

    async def _attach_embedded(self, playwright: Playwright) -> tuple[str, Browser]:
        """Attach to the Chromium we launched, launching (again) if it is not there."""
        launched = self._launched
        if launched is not None and launched.is_running():
            try:
                return launched.cdp_url, await self._attach(playwright, launched.cdp_url)
            except Problem:
                # Closed but not yet exited, or hung: make sure it is gone, then start afresh.
                log.warning("The embedded Chromium does not answer; starting it again")
        if launched is not None:
            await launched.terminate()
        executable = find_browser(self.settings, _bundled_chromium(playwright))
        self._launched = await launch_chromium(self.settings, executable, self._cdp_port)
        # Keep the port across restarts so a person's tools stay attached to the same address.
        self._cdp_port = self._launched.port
        return self._launched.cdp_url, await self._attach(playwright, self._launched.cdp_url)


def _bundled_chromium(playwright: Playwright) -> str | None:
    with contextlib.suppress(Exception):
        return playwright.chromium.executable_path
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


def _connect_error(url: str, exc: PlaywrightError) -> Problem:
    text = str(exc)
    if "Not allowed" in text or "not inspectable" in text or ("403" in text and "DevTools" in text):
        return Problem(
            f"Cannot attach to the browser at {url}: DevTools are disabled by policy "
            "(DeveloperToolsAvailability). Allow them in the browser's policies; see deploy/neko."
        )
    if "ECONNREFUSED" in text or "connect ECONN" in text:
        return Problem(
            f"Cannot reach the browser at {url}: connection refused. It may be restarting or not "
            "started with --remote-debugging-port; try again shortly."
        )
    return Problem(f"Cannot attach to the browser at {url}: {first_line(text)}")
