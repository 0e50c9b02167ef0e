"""The person's hands as neko injects them: real X input (XTest, through xdotool) on the Xvfb display."""

from __future__ import annotations

import subprocess

from playwright.async_api import Locator, Page

from tests.support.display import XvfbDisplay


class XPerson:
    def __init__(self, display: XvfbDisplay) -> None:
        self.display = display

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.display.env(), check=True, timeout=30)

    async def point_at(self, page: Page, locator: Locator) -> tuple[int, int]:
        """Where on the screen the middle of `locator` is (the person's eyes: the page's own geometry)."""
        box = await locator.bounding_box()
        assert box is not None, "the element is not on screen"
        left, top, chrome_height, chrome_width = await page.evaluate(
            "() => [screenX, screenY, outerHeight - innerHeight, outerWidth - innerWidth]"
        )
        x = left + chrome_width / 2 + box["x"] + box["width"] / 2
        y = top + chrome_height + box["y"] + box["height"] / 2
        return round(x), round(y)

    async def click(self, page: Page, locator: Locator) -> None:
        x, y = await self.point_at(page, locator)
        self.xdotool("mousemove", "--sync", str(x), str(y), "click", "1")

    def type(self, text: str, delay_ms: int = 40) -> None:
        self.xdotool("type", "--delay", str(delay_ms), text)

    def key(self, *keys: str) -> None:
        """Press keys or combinations in turn, e.g. key("ctrl+Tab")."""
        self.xdotool("key", *keys)
