"""Screenshots that fit in one MCP message and leave the person's page as it was.

The viewport is captured over the tab's own CDP session: Playwright's screenshot first hides the text caret
in every frame and waits for the page's fonts, which costs each capture some 20 ms (51 vs 32 ms measured);
a person's page shows its caret anyway. Elements and full pages go through Playwright (it scrolls, clips
and sizes them).

Images are in the page's own (CSS) pixels, also on a screen that scales (a HiDPI display, the person's
zoom): a point read off one is where click(x, y) clicks, and the image costs a model a quarter of the
tokens a 2x one would (or is not shrunk by its client, which would move every point).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from typing import Literal

from playwright.async_api import CDPSession, Locator, Page

from browser_mcp.errors import Problem

# Clients cap one message (the MCP client's HTTP reader: 1 MiB); base64 adds a third.
MAX_IMAGE_BYTES = 700_000
_SMALLER_JPEG_QUALITIES = (70, 40)

# A full-page capture (captureBeyondViewport) leaves Chromium's layout without its scrollbar until
# the next relayout; toggling overflow on <html> forces that relayout and restores the inline style.
_RESTORE_SCROLLBARS_JS = """() => {
  const style = document.documentElement.style;
  const before = style.overflow;
  style.overflow = 'hidden';
  void document.documentElement.offsetHeight;
  style.overflow = before;
  void document.documentElement.offsetHeight;
}"""

ImageKind = Literal["png", "jpeg"]


class ImageTooLargeError(Exception):
    pass


async def capture(
    page: Page,
    target: Locator | None,
    kind: ImageKind,
    full_page: bool,
    timeout_s: float,
    cdp: CDPSession | None = None,
) -> tuple[bytes, ImageKind, str]:
    """Return (image, its format, a note if it had to be re-encoded smaller); `cdp`: the tab's session."""

    async def shoot(as_kind: ImageKind, quality: int | None) -> bytes:
        if target is not None:
            return await target.screenshot(
                type=as_kind, quality=quality, timeout=timeout_s * 1000, scale="css"
            )
        if cdp is not None and not full_page:
            try:
                return await asyncio.wait_for(_viewport(cdp, as_kind, quality), timeout_s)
            except TimeoutError:
                raise Problem(
                    f"screenshot failed: the tab drew no picture within {timeout_s:g} s (it may be busy "
                    "running a script). Try again in a moment."
                ) from None
        try:
            return await page.screenshot(
                type=as_kind, quality=quality, full_page=full_page, timeout=timeout_s * 1000, scale="css"
            )
        finally:
            if full_page:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(page.evaluate(_RESTORE_SCROLLBARS_JS), timeout_s)

    data = await shoot(kind, 80 if kind == "jpeg" else None)
    note = ""
    for quality in _SMALLER_JPEG_QUALITIES:
        if len(data) <= MAX_IMAGE_BYTES:
            break
        kind = "jpeg"
        data = await shoot("jpeg", quality)
        note = f" (as JPEG quality {quality} to stay under {MAX_IMAGE_BYTES // 1000} KB)"
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLargeError(
            f"the image is {len(data) // 1000} KB even as JPEG; take the viewport, or one element by ref"
        )
    return data, kind, note


async def _viewport(cdp: CDPSession, kind: ImageKind, quality: int | None) -> bytes:
    options: dict[str, object] = {"format": kind}
    if quality is not None:
        options["quality"] = quality
    # The scale is asked alongside the capture: on the usual screen (no scaling) the capture is the image.
    metrics, shot = await asyncio.gather(
        cdp.send("Page.getLayoutMetrics"), cdp.send("Page.captureScreenshot", options)
    )
    css, device = metrics["cssVisualViewport"], metrics["visualViewport"]
    scale = device["clientWidth"] / css["clientWidth"] if css["clientWidth"] else 1.0
    if abs(scale - 1.0) > 0.01:
        clip = {
            "x": css["pageX"],
            "y": css["pageY"],
            "width": css["clientWidth"],
            "height": css["clientHeight"],
        }
        shot = await cdp.send("Page.captureScreenshot", {**options, "clip": {**clip, "scale": 1 / scale}})
    return base64.b64decode(shot["data"])
