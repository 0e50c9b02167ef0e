"""Finding the element a tool call names: a ref from the last snapshot, or a selector."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import ToolError

_REF = re.compile(r"^(?:f\d+)?e\d+$")


@dataclass(frozen=True)
class Target:
    locator: Locator
    label: str  # how replies name it: the model's description, else the ref or selector


async def locate(
    session: BrowserSession, page: Page, ref: str | None, selector: str | None, element: str | None
) -> Target:
    if bool(ref) == bool(selector):
        raise ToolError(
            "Name exactly one element: pass `ref` (from the last snapshot, e.g. e12) or `selector` "
            "(e.g. '#submit' or 'text=Send')."
        )
    if ref:
        ref = ref.strip().removeprefix("ref=").strip("[]")
        if not _REF.match(ref):
            raise ToolError(
                f"'{ref}' is not a snapshot ref (refs look like e12). Take a snapshot to get refs."
            )
        state = session.tab(page)
        if ref not in state.refs:
            others = [p for p in session.pages() if p is not page and ref in session.tab(p).refs]
            where = " (it is from a snapshot of another tab)" if others else ""
            raise ToolError(
                f"ref {ref} is not in the latest snapshot of this tab{where}: call snapshot again and use "
                "a ref from it."
            )
        label = f"{element or state.refs[ref]} [{ref}]"
        locator = page.locator(f"aria-ref={ref}")
        try:
            count = await locator.count()
        except PlaywrightError:
            count = 0
        if count == 0:
            raise ToolError(
                f"ref {ref} is from an older snapshot: that element is gone (the page changed since). "
                "Call snapshot again and use a ref from it."
            )
        return Target(locator, label)
    assert selector is not None
    label = f"{element} ({selector})" if element else f"'{selector}'"
    locator = page.locator(selector)
    try:
        count = await locator.count()
    except PlaywrightError as exc:
        raise ToolError(f"The selector '{selector}' is not valid: {str(exc).splitlines()[0]}") from exc
    if count == 0:
        raise ToolError(
            f"No element matches the selector '{selector}'. Take a snapshot and use a ref instead."
        )
    if count > 1:
        raise ToolError(
            f"The selector '{selector}' matches {count} elements. Use a ref from a snapshot, or a more "
            "specific selector."
        )
    return Target(locator, label)
