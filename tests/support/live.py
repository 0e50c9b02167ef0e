"""The person at the live view: a second, separate Chromium that opens the live view's page as a person
would, looks at its canvas and clicks and types into it."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.support.chromium import chromium_executable

# Playwright's waits evaluate strings, which the live view's CSP forbids: the viewer's context lets
# the test's own probes through (the page is served with its CSP all the same; a test checks it).
VIEWER_CONTEXT: dict[str, Any] = {"bypass_csp": True, "viewport": {"width": 1280, "height": 900}}


async def viewer_browser(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=chromium_executable(), args=["--no-sandbox"])


class Viewer:
    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page

    @classmethod
    async def open(cls, browser: Browser, url: str, **context: Any) -> Viewer:
        ctx = await browser.new_context(**{**VIEWER_CONTEXT, **context})
        page = await ctx.new_page()
        await page.goto(url)
        return cls(ctx, page)

    async def close(self) -> None:
        await self.context.close()

    async def frames_drawn(self) -> int:
        return int(await self.page.evaluate("window.liveView ? window.liveView.framesDrawn : 0"))

    async def sees_frames(self, more_than: int = 0, timeout_ms: float = 10_000) -> int:
        """Wait until more than `more_than` frames are on the canvas; return how many."""
        await self.page.wait_for_function(
            "(n) => window.liveView && window.liveView.framesDrawn > n", arg=more_than, timeout=timeout_ms
        )
        return await self.frames_drawn()

    async def state(self) -> dict[str, Any]:
        state = await self.page.evaluate("window.liveView && window.liveView.state")
        assert isinstance(state, dict), state
        return state

    async def until_state(self, predicate_js: str, timeout_ms: float = 10_000) -> dict[str, Any]:
        """Wait until `predicate_js` (a function of the bar's state) holds; return that state."""
        try:
            await self.page.wait_for_function(
                f"() => window.liveView && window.liveView.state && ({predicate_js})(window.liveView.state)",
                timeout=timeout_ms,
            )
        except PlaywrightTimeoutError as exc:
            raise AssertionError(f"the bar never showed {predicate_js}: {await self.state()}") from exc
        return await self.state()

    async def shows(self, predicate_js: str, timeout_ms: float = 10_000) -> None:
        """Wait until the canvas satisfies `predicate_js` (a function of the canvas' 2D context)."""
        try:
            await self.page.wait_for_function(
                f"() => ({predicate_js})(document.getElementById('screen').getContext('2d'))",
                timeout=timeout_ms,
            )
        except PlaywrightTimeoutError as exc:
            drawn = await self.frames_drawn()
            raise AssertionError(
                f"the picture never showed it ({drawn} frames drawn): {await self.state()}"
            ) from exc

    async def to_screen(self, x: float, y: float) -> tuple[float, float]:
        """Where the shared page's CSS point (x, y) is drawn in the viewer's window."""
        box = await self.page.locator("#screen").bounding_box()
        assert box is not None
        width, height = await self.page.evaluate("[window.liveView.frameWidth, window.liveView.frameHeight]")
        return box["x"] + x / width * box["width"], box["y"] + y / height * box["height"]

    async def click(self, x: float, y: float) -> None:
        """Click the picture where the shared page's CSS point (x, y) is."""
        await self.page.mouse.click(*await self.to_screen(x, y))

    async def pixel(self, x: float, y: float) -> tuple[int, int, int]:
        """The colour the canvas shows at the shared page's CSS point (x, y)."""
        r, g, b = await self.page.evaluate(
            """([x, y]) => {
              const canvas = document.getElementById('screen');
              const sx = canvas.width / window.liveView.frameWidth;
              const sy = canvas.height / window.liveView.frameHeight;
              const data = canvas.getContext('2d').getImageData(Math.round(x * sx), Math.round(y * sy), 1, 1).data;
              return [data[0], data[1], data[2]];
            }""",
            [x, y],
        )
        return int(r), int(g), int(b)
