"""A point of the viewport as the model reads it off a viewport screenshot, and which element is there.
For what a snapshot names nothing in: a canvas, a map, a chart. Screenshots are in the page's own (CSS)
pixels on any screen (see capture.py), the pixels the mouse moves in.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Page

from browser_mcp.browser.patience import page_answers
from browser_mcp.errors import Problem

_ANSWER_S = 5.0  # a page answers in milliseconds; one that does not may be stuck

_NAME_CHARS = 60
# {outside, width, height} of the viewport, or {tag, name}: the element there ("<canvas#map>", "Seat map").
_POINT_JS = f"""([x, y]) => {{
  if (!(x >= 0 && y >= 0 && x < innerWidth && y < innerHeight)) {{
    return {{outside: true, width: innerWidth, height: innerHeight}};
  }}
  const el = document.elementFromPoint(x, y);
  if (!el) return {{tag: '', name: ''}};
  const named = el.getAttribute('aria-label') || el.getAttribute('alt') || el.getAttribute('title')
    || (el.matches('input, textarea, select') ? '' : (el.textContent || '').trim().replace(/\\s+/g, ' '));
  const name = named.length > {_NAME_CHARS} ? named.slice(0, {_NAME_CHARS - 1}) + '\\u2026' : named;
  const tag = '<' + el.localName + (el.id ? '#' + el.id : '') + '>';
  return {{tag, name}};
}}"""


@dataclass(frozen=True)
class Point:
    x: float  # in the page's CSS pixels (a screenshot's), from the viewport's top left
    y: float
    what: str  # the element there, e.g. '<canvas#map> "Seat map"' ("" if none), or the one the model named
    given: bool = True  # a point the model gave; False: the middle of an element it named
    for_person: str = ""  # how the person's overlay names it: its name ('"Seat map"'), else its tag

    def described(self) -> str:
        """How a reply names it: the point as the model gave it and what is there, or the element."""
        if not self.given:
            return self.what
        where = f"({self.x:g}, {self.y:g})"
        return f"{where} on {self.what}" if self.what else where


async def point_in(page: Page, x: float, y: float) -> Point:
    """The point (x, y) of a viewport screenshot in `page`; a Problem if it lies outside the viewport."""
    found = await page_answers(page.evaluate(_POINT_JS, [x, y]), _ANSWER_S)
    if found.get("outside"):
        raise Problem(
            f"The point ({x:g}, {y:g}) is outside the viewport, which is {found['width']} x {found['height']} "
            "pixels as a viewport screenshot shows it: take a screenshot (not full_page) and use its "
            "pixels, or scroll first."
        )
    tag, name = str(found.get("tag") or ""), str(found.get("name") or "")
    what = f'{tag} "{name}"' if name else tag
    return Point(x, y, what, for_person=f'"{name}"' if name else tag)
