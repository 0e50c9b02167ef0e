"""scroll: the window by the mouse wheel, an element into view, or the panel that scrolls around an element
(and, in an app whose window never scrolls, its biggest panel); then where it is and what it loaded."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from playwright.async_api import Error as PlaywrightError
from pydantic import Field

from browser_mcp.browser.locate import Target, locate
from browser_mcp.browser.page_changes import note_before_action
from browser_mcp.browser.patience import page_answers
from browser_mcp.errors import Problem
from browser_mcp.people import AgentIntent
from browser_mcp.tools.acting import act, describe_outcome, timeout_ms_of, timeout_s_of
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.params import Element, Ref, Selector
from browser_mcp.tools.spec import Kind, tool

# Where the page is, and how far it can go: [x, y, right-most x, bottom-most y].
_SCROLL_PLACE_JS = """() => {
  const root = document.scrollingElement || document.documentElement;
  return [scrollX, scrollY, root.scrollWidth - innerWidth, root.scrollHeight - innerHeight].map(Math.round);
}"""
# Waits (a few frames at most) for the wheel's scroll to land, then says where the page is. A page that
# cannot move that way is given one frame (an inner area under the mouse may take the wheel), not ten.
_SCROLL_LANDED_JS = """([x0, y0, frames]) => new Promise(resolve => {
  const tick = () => {
    if (scrollX !== x0 || scrollY !== y0 || frames-- <= 0) {
      const root = document.scrollingElement || document.documentElement;
      resolve([scrollX, scrollY, root.scrollWidth - innerWidth, root.scrollHeight - innerHeight].map(Math.round));
    } else requestAnimationFrame(tick);
  };
  tick();
})"""
# The area that scrolls around an element along the axis [dx, dy] asks (the element or its nearest container
# that scrolls so): [x, y, right-most x, bottom-most y], after `frames` frames at most waiting for it to move
# from where it was; null if there is none.
_AREA_PLACE_JS = """(el, [dx, dy, frames]) => {
  const scrolls = node => {
    const style = getComputedStyle(node), scrollable = /(auto|scroll|overlay)/;
    return dy ? scrollable.test(style.overflowY) && node.scrollHeight > node.clientHeight
              : scrollable.test(style.overflowX) && node.scrollWidth > node.clientWidth;
  };
  let area = el;
  while (area && area !== document.body && area !== document.documentElement && !scrolls(area)) {
    area = area.parentElement;
  }
  if (!area || area === document.body || area === document.documentElement) return null;
  const place = () => [area.scrollLeft, area.scrollTop, area.scrollWidth - area.clientWidth,
                       area.scrollHeight - area.clientHeight].map(Math.round);
  if (!frames) return place();
  const [x0, y0] = place();
  return new Promise(resolve => {
    const tick = () => {
      const now = place();
      if (now[0] !== x0 || now[1] !== y0 || frames-- <= 0) resolve(now); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}"""
# The biggest area shown that can move the way [dx, dy] asks, for a window that never scrolls that way (an app
# whose panels scroll): [x, y] of its middle in the viewport, and what to call it; null if there is none.
_MAIN_AREA_JS = """([dx, dy]) => {
  let best = null, bestSize = 0;
  for (const node of document.querySelectorAll('body *')) {
    if (node.clientHeight < 50 || node.clientWidth < 50) continue;
    const style = getComputedStyle(node), scrollable = /(auto|scroll|overlay)/;
    const room = dy ? node.scrollHeight - node.clientHeight : node.scrollWidth - node.clientWidth;
    const at = dy ? node.scrollTop : node.scrollLeft, delta = dy || dx;
    if (!scrollable.test(dy ? style.overflowY : style.overflowX) || room <= 0) continue;
    if ((delta > 0 && at >= room) || (delta < 0 && at <= 0)) continue;
    const box = node.getBoundingClientRect();
    const width = Math.min(box.right, innerWidth) - Math.max(box.left, 0);
    const height = Math.min(box.bottom, innerHeight) - Math.max(box.top, 0);
    if (width * height > bestSize) { best = node; bestSize = width * height; }
  }
  if (!best) return null;
  const box = best.getBoundingClientRect();
  const x = (Math.max(box.left, 0) + Math.min(box.right, innerWidth)) / 2;
  const y = (Math.max(box.top, 0) + Math.min(box.bottom, innerHeight)) / 2;
  const label = best.getAttribute('aria-label');
  return [x, y, best.localName + (label ? ` "${label.slice(0, 60)}"` : best.id ? `#${best.id}` : '')];
}"""
_SCROLL_FRAMES = 10
_EDGES = {"down": "bottom", "up": "top", "left": "left edge", "right": "right edge"}


@tool(
    "scroll",
    title="Scroll",
    kind=Kind.ACTS,
    timeout="action",
    description="Scroll the person's tab: by `direction` and `amount` pixels; with an element (ref/selector) "
    "alone, until it is in view; with an element and a `direction`, the area that scrolls around it (a panel, "
    "a list) by `amount`.",
)
async def scroll(
    call: ToolCall,
    direction: Annotated[
        Literal["down", "up", "left", "right"] | None,
        Field(description="Where to scroll (down when no element is named)."),
    ] = None,
    amount: Annotated[int, Field(ge=1, le=100_000, description="Pixels to scroll.")] = 600,
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
) -> None:
    page = call.page
    if (ref or selector) and direction is not None:
        await _scroll_inside(
            call, direction, amount, await locate(call.session, page, ref, selector, element)
        )
        return
    if ref or selector:
        timeout = timeout_ms_of(call)
        target = await locate(call.session, page, ref, selector, element)
        call.target = target.label
        intent = AgentIntent("scroll", f"scroll to {target.name}", target.locator)
        await act(call, intent, lambda: target.locator.scroll_into_view_if_needed(timeout=timeout))
        call.reply.say(f"Scrolled {target.label} into view.")
        return
    direction = direction or "down"
    dx, dy = _wheel_deltas(direction, amount)
    url_before = page.url
    await note_before_action(call.session, page, timeout_s_of(call))
    x0, y0, max_x, max_y = await page_answers(page.evaluate(_SCROLL_PLACE_JS), timeout_s_of(call))
    can_move = (dx < 0 < x0) or (dx > 0 and x0 < max_x) or (dy < 0 < y0) or (dy > 0 and y0 < max_y)
    fits = max_y <= 0 if dy else max_x <= 0
    if fits:  # an app whose panels scroll, not its window: its main panel, as a person would
        area = await page_answers(page.evaluate(_MAIN_AREA_JS, [dx, dy]), timeout_s_of(call))
        if area is not None:
            await _scroll_area_at(call, direction, amount, (float(area[0]), float(area[1])), str(area[2]))
            return
    frames = _SCROLL_FRAMES if can_move else 1

    async def wheel() -> list[int]:
        await page.mouse.wheel(dx, dy)
        # Until it lands, asked over the tab's own session: the requests the page made as it scrolled (more
        # of a feed) are reported there before the answer, and the action's settling waits for them.
        watch = call.tabs.state(page).watch
        landing = f"({_SCROLL_LANDED_JS})({json.dumps([x0, y0, frames])})"
        landed = await watch.evaluate(landing) if watch else await page.evaluate(landing)
        return [int(n) for n in landed]

    outcome = await act(call, AgentIntent("scroll", f"scroll {direction}"), wheel)
    x, y, max_x, max_y = outcome.value or [x0, y0, max_x, max_y]
    grew = ""
    if outcome.value is not None:
        changed = await describe_outcome(call, outcome, url_before, shown_by_dom=True)
        if changed and not page.is_closed():  # it may have grown
            bottom = (await page_answers(page.evaluate(_SCROLL_PLACE_JS), timeout_s_of(call)))[3]
            grew = f"; it loaded more as it scrolled: bottom now at y={bottom}" if bottom > max_y else ""
    if (x, y) != (x0, y0):
        moved = abs(x - x0) + abs(y - y0)
        short = f" (to its {_EDGES[direction]})" if moved < amount else ""
        call.reply.say(
            f"Scrolled {direction} by {moved} px{short}; page position now x={x}, y={y} (bottom at "
            f"y={max_y}{grew})."
        )
    elif can_move:
        call.reply.say(
            f"The page did not move (x={x}, y={y}; bottom at y={max_y}): an area under the mouse may have "
            "taken the wheel. scroll(ref=...) brings an element into view."
        )
    elif max_x <= 0 and max_y <= 0:
        call.reply.say(
            "The page did not move: it fits in the window. An area inside it that scrolls is brought into "
            "view with scroll(ref=...) on an element in it."
        )
    else:
        call.reply.say(
            f"The page did not move: it is at its {_EDGES[direction]} already (x={x}, y={y}; bottom at "
            f"y={max_y})."
        )


async def _scroll_inside(call: ToolCall, direction: str, amount: int, target: Target) -> None:
    """Scroll the area that scrolls around `target` (itself, or the nearest of its containers that scrolls
    that way) with the mouse wheel over it, as a person would; say where it is now."""
    call.target = target.label
    dx, dy = _wheel_deltas(direction, amount)
    timeout = timeout_ms_of(call)

    async def place(frames: int) -> list[int] | None:
        found = await target.locator.evaluate(_AREA_PLACE_JS, [dx, dy, frames], timeout=timeout)
        return [int(n) for n in found] if found else None

    async def point_at() -> None:
        await target.locator.hover(timeout=timeout)

    nowhere = (
        f"No area around {target.label} scrolls {direction}: scroll without an element moves the page; with an "
        "element alone, it brings the element into view."
    )
    intent = AgentIntent("scroll", f"scroll {direction} in {target.name}", target.locator)
    what = f"the area around {target.label}"
    await _scroll_area(call, direction, amount, what, intent, place, point_at, nowhere)


async def _scroll_area_at(
    call: ToolCall, direction: str, amount: int, point: tuple[float, float], name: str
) -> None:
    """Scroll the area shown at `point` (the page's main panel, for a window that does not scroll)."""
    page = call.page
    dx, dy = _wheel_deltas(direction, amount)

    async def place(frames: int) -> list[int] | None:
        found = await page_answers(
            page.evaluate(
                f"([x, y, dx, dy, frames]) => ({_AREA_PLACE_JS})(document.elementFromPoint(x, y), [dx, dy, frames])",
                [*point, dx, dy, frames],
            ),
            timeout_s_of(call),
        )
        return [int(n) for n in found] if found else None

    async def point_at() -> None:
        await page.mouse.move(*point)

    intent = AgentIntent("scroll", f"scroll {direction} in {name}")
    what = f"{name} (the window itself does not scroll)"
    nowhere = "Nothing on the page scrolls that way now: take a snapshot to see it."
    await _scroll_area(call, direction, amount, what, intent, place, point_at, nowhere)


async def _scroll_area(
    call: ToolCall,
    direction: str,
    amount: int,
    what: str,
    intent: AgentIntent,
    place: Callable[[int], Awaitable[list[int] | None]],
    point_at: Callable[[], Awaitable[None]],
    nowhere: str,
) -> None:
    """Wheel over an area (`point_at` puts the mouse there; `place(frames)` says where the area is, after
    waiting up to `frames` frames for it to move) and say where it is now, and what it loaded."""
    page = call.page
    dx, dy = _wheel_deltas(direction, amount)
    before = await place(0)
    if before is None:
        raise Problem(nowhere)
    subject = what[:1].upper() + what[1:]  # a sentence begins with it
    x0, y0, max_x, max_y = before
    if not ((dx < 0 < x0) or (dx > 0 and x0 < max_x) or (dy < 0 < y0) or (dy > 0 and y0 < max_y)):
        call.reply.say(
            f"{subject}: it did not move, it is at its {_EDGES[direction]} already (x={x0}, "
            f"y={y0}; its bottom at y={max_y})."
        )
        return
    url_before = page.url
    await note_before_action(call.session, page, timeout_s_of(call))

    async def wheel() -> list[int]:
        await point_at()  # the wheel goes to what is under the mouse
        await page.mouse.wheel(dx, dy)
        landed = await place(_SCROLL_FRAMES)
        watch = call.tabs.state(page).watch
        if watch is not None:  # a frame more over the tab's own session: the requests it made are heard
            await watch.evaluate("new Promise(done => requestAnimationFrame(() => done(0)))")
        return landed or before

    outcome = await act(call, intent, wheel)
    changed = await describe_outcome(call, outcome, url_before, shown_by_dom=True)
    x, y, _, bottom = outcome.value or before
    if changed and not page.is_closed():  # it may have grown
        with contextlib.suppress(PlaywrightError):
            bottom = (await place(0) or before)[3]
    moved = abs(x - x0) + abs(y - y0)
    if moved == 0:
        call.reply.say(
            f"{subject}: it did not move (x={x}, y={y}); something under the mouse may have taken the wheel."
        )
        return
    short = f" (to its {_EDGES[direction]})" if moved < amount else ""
    grew = "it loaded more as it scrolled: its bottom is now" if bottom > max_y else "its bottom"
    call.reply.say(
        f"Scrolled {direction} by {moved} px{short} in {what}; it is now at x={x}, y={y} ({grew} at y={bottom})."
    )


def _wheel_deltas(direction: str, amount: int) -> tuple[int, int]:
    return {"left": -amount, "right": amount}.get(direction, 0), {"up": -amount, "down": amount}.get(
        direction, 0
    )


TOOLS = [scroll]
