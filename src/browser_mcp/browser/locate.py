"""Finding the element a tool call names: a ref from the last snapshot, or a selector."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from browser_mcp.browser.patience import page_answers
from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import Problem
from browser_mcp.text import clean_ref, clip_argument, first_line, is_ref, quote_argument, shorten

# Of a Playwright complaint about a selector (it quotes the selector, maybe whole).
_DETAIL_CHARS = 200
# Of an element's role and name from the snapshot, as replies name it.
_NAME_CHARS = 160


@dataclass(frozen=True)
class Target:
    locator: Locator
    name: str  # for people: the model's description, else the element's role and name, or the selector
    ref: str = ""

    @property
    def in_top_document(self) -> bool:
        """Not in a frame (a frame's refs are f1e3, f2e7...)."""
        return not self.ref.startswith("f")

    @property
    def label(self) -> str:
        """How replies name it: "button "Send" [e12]"."""
        return f"{self.name} [{self.ref}]" if self.ref else self.name


async def locate(
    session: BrowserSession, page: Page, ref: str | None, selector: str | None, element: str | None
) -> Target:
    if bool(ref) == bool(selector):
        raise Problem(
            "Name exactly one element: pass `ref` (from the last snapshot, e.g. e12) or `selector` "
            "(e.g. '#submit' or 'text=Send')."
        )
    if ref:
        return await _by_ref(session, page, clean_ref(ref), element)
    assert selector is not None
    quoted = quote_argument(selector)
    name = f"{clip_argument(element)} ({clip_argument(selector)})" if element else quoted
    locator = page.locator(selector)
    try:
        count = await page_answers(locator.count(), session.settings.action_timeout)
    except PlaywrightError as exc:
        detail = shorten(first_line(str(exc)), _DETAIL_CHARS)
        raise Problem(f"The selector {quoted} is not valid: {detail}") from exc
    if count == 0:
        raise Problem(f"No element matches the selector {quoted}. Take a snapshot and use a ref instead.")
    if count > 1:
        raise Problem(
            f"The selector {quoted} matches {count} elements. Use a ref from a snapshot, or a more "
            "specific selector."
        )
    return Target(locator, name)


async def _by_ref(session: BrowserSession, page: Page, ref: str, element: str | None) -> Target:
    if not is_ref(ref):
        raise Problem(
            f"{quote_argument(ref)} is not a snapshot ref (refs look like e12). Take a snapshot to get refs."
        )
    tabs = session.tabs
    refs = tabs.state(page).refs
    if ref not in refs:
        others = [other for other in tabs.pages() if other is not page and ref in tabs.state(other).refs]
        where = " (it is from a snapshot of another tab)" if others else ""
        raise Problem(
            f"ref {clip_argument(ref)} is not in the latest snapshot of this tab{where}: call snapshot again and use "
            "a ref from it."
        )
    locator = page.locator(f"aria-ref={ref}")
    try:
        count = await page_answers(locator.count(), session.settings.action_timeout)
    except PlaywrightError:
        count = 0
    if count == 0:
        raise Problem(
            f"ref {clip_argument(ref)} is from an older snapshot: that element is gone (the page changed since). "
            "Call snapshot again and use a ref from it."
        )
    return Target(locator, clip_argument(element) if element else shorten(refs[ref], _NAME_CHARS), ref)
