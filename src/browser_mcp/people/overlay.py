"""Showing the agent: a pointer and a labelled box drawn in the page as each input action starts.

What the person sees (in neko's stream, the live view or at the screen): a box outlines the element the
agent uses, the pointer points at it and a label says what ("agent: click button "Book now""); it stays
for --overlay-ms after the action, fading out. Actions without an element (press_key, scroll by an
amount) get only the label, at the top. The action never waits for it: it is drawn alongside, and fades
in the page; an instant action (a fill, done in less than a frame) is drawn once the agent's call is over.
Only --overlay-lead-ms (a demo) shows it before the action, and the action waits that long.
Nothing is drawn when nobody can be watching (see Overlay.wanted).

It is drawn from our isolated world (none of the page's scripts) into a closed shadow root of one element
appended to <html>, and kept harmless: aria-hidden (not in snapshots), pointer-events none (clicks go
through), position fixed in the top layer (above modal dialogs and any z-index, no layout change), styles
set through the CSSOM (strict Content-Security-Policy allows it), no focus taken. Each show draws afresh
in the current document, so navigations need no re-injection. Nothing here may fail or slow a tool call:
every step is bounded and errors are only logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from weakref import WeakKeyDictionary

from playwright.async_api import FloatRect, Locator, Page

from browser_mcp.browser.page_watch import TabWatch
from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.people.intent import AgentIntent
from browser_mcp.text import shorten, without_refs

log = logging.getLogger(__name__)

TAG = "browser-mcp-overlay"  # the one element we add to the page (a child of <html>)
ACCENT = "#ff2d95"  # hot pink: rare on real pages, clear on light and dark ones
_LABEL_CHARS = 100
_BOX_TIMEOUT_MS = 300  # the element was found a moment ago: its box comes at once or not at all
_TINY_PX = 4  # a box this thin is not what the person sees of the element
_POINT_BOX_PX = 24  # the box drawn around a point the agent clicks
_CLEAR_WAIT_S = 0.5  # before a screenshot: a page too busy to remove it this fast keeps it
_FADE_AFTER_DRAW_S = 2.0
_EXPIRE_MS = 15_000  # the overlay removes itself this long after it was drawn, if no fade came
_MOVE_SHARE = 0.7  # the pointer glides for this share of the time on screen...
_MOVE_MAX_MS = 1500  # ...but never slower than this

# Draws the overlay (replacing one left over). Returns where the pointer points ([x, y]) when it points at
# the target, else "drawn", "offscreen" (the target is outside the viewport: nothing drawn) or
# "no-document".
_OVERLAY_JS = """(args) => {
  const TAG = __TAG__, ACCENT = __ACCENT__, HALO = 'rgba(0, 0, 0, 0.85)', FADE_MS = 200;
  const root = document.documentElement;
  if (!root) return 'no-document';
  for (const old of root.querySelectorAll(':scope > ' + TAG)) old.remove();
  const vw = Math.min(innerWidth, root.clientWidth || innerWidth);
  const vh = Math.min(innerHeight, root.clientHeight || innerHeight);
  let box = args.box;
  if (!box && args.box_of_focus) {
    // An instant action (a fill) has just focused its element: its box costs no round trip.
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    const rect = el && el !== document.body && el !== root ? el.getBoundingClientRect() : null;
    if (rect && rect.width > 0 && rect.height > 0) box = { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
  }
  if (box && (box.x + box.width <= 0 || box.y + box.height <= 0 || box.x >= vw || box.y >= vh)) {
    return 'offscreen';
  }
  const style = (el, props, important) => {
    for (const [name, value] of Object.entries(props)) el.style.setProperty(name, value, important ? 'important' : '');
    return el;
  };
  const host = document.createElement(TAG);
  host.setAttribute('aria-hidden', 'true');
  host.setAttribute('popover', 'manual');
  // Inline !important beats any page rule that could reach the host (the shadow tree is out of reach).
  style(host, {
    all: 'initial', display: 'block', position: 'fixed', inset: '0', width: 'auto', height: 'auto',
    'max-width': 'none', 'max-height': 'none', margin: '0', padding: '0', border: 'none',
    background: 'transparent', overflow: 'hidden', 'pointer-events': 'none', 'user-select': 'none',
    'z-index': '2147483647', contain: 'layout style paint', 'color-scheme': 'normal',
    opacity: '1', visibility: 'visible', transform: 'none', filter: 'none',
  }, true);
  const shadow = host.attachShadow({ mode: 'closed' });
  const layer = style(document.createElement('div'), {
    position: 'absolute', inset: '0', 'pointer-events': 'none', direction: 'ltr',
  });
  shadow.append(layer);
  const clamp = (value, low, high) => Math.max(low, Math.min(value, high));

  let frame = null;
  if (box) {
    const pad = 4;
    const left = clamp(box.x - pad, 2, vw - 6), top = clamp(box.y - pad, 2, vh - 6);
    const right = clamp(box.x + box.width + pad, left + 4, vw - 2);
    const bottom = clamp(box.y + box.height + pad, top + 4, vh - 2);
    frame = { left, top, width: right - left, height: bottom - top };
    layer.append(style(document.createElement('div'), {
      position: 'absolute', left: left + 'px', top: top + 'px', width: frame.width + 'px',
      height: frame.height + 'px', 'box-sizing': 'border-box', border: '3px solid ' + ACCENT,
      'border-radius': '4px', background: 'rgba(255, 45, 149, 0.08)',
      'box-shadow': '0 0 0 2px ' + HALO + ', inset 0 0 0 1px ' + HALO,
    }));
  }

  const label = style(document.createElement('div'), {
    position: 'absolute', left: '0', top: '0', 'box-sizing': 'border-box', 'max-width': (vw - 8) + 'px',
    padding: '4px 8px', background: '#141414', color: '#ffffff', border: '2px solid ' + ACCENT,
    'border-radius': '4px', 'box-shadow': '0 2px 8px rgba(0, 0, 0, 0.5)',
    font: '600 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    'white-space': 'nowrap', overflow: 'hidden', 'text-overflow': 'ellipsis', 'text-align': 'left',
  });
  const prefix = style(document.createElement('span'), { color: ACCENT });
  prefix.textContent = 'agent: ';
  label.append(prefix, document.createTextNode(args.label));
  layer.append(label);

  // The pointer's tip: the middle of what shows of the target, else where it was last.
  const tip = frame ? [frame.left + frame.width / 2, frame.top + frame.height / 2] : args.last;
  let pointer = null;
  if (tip) {
    const NS = 'http://www.w3.org/2000/svg';
    pointer = document.createElementNS(NS, 'svg');
    for (const [name, value] of Object.entries({ width: '22', height: '28', viewBox: '0 0 22 28' })) {
      pointer.setAttribute(name, value);
    }
    const arrow = document.createElementNS(NS, 'path');
    for (const [name, value] of Object.entries({
      d: 'M1 1 L1 22 L6.5 17 L10 26 L14 24.4 L10.4 15.6 L17.5 15.6 Z', fill: ACCENT, stroke: '#000000',
      'stroke-width': '1.6', 'stroke-linejoin': 'round',
    })) arrow.setAttribute(name, value);
    pointer.append(arrow);
    style(pointer, {
      position: 'absolute', left: '0', top: '0', overflow: 'visible',
      filter: 'drop-shadow(0 0 1px #ffffff) drop-shadow(0 1px 2px rgba(0, 0, 0, 0.6))',
    });
    layer.append(pointer);
  }

  root.append(host);
  // The top layer puts it above modal dialogs and fullscreen elements; a manual popover takes no focus.
  try { host.showPopover(); } catch (e) {}
  // After the action the server asks it to fade out; if that never comes (a hung call), it goes anyway.
  let fading = false;
  // It stands still, then fades over its last moments only: an animation repaints the whole viewport
  // at every frame, which a browser without a GPU pays for in CPU (and the agent's next action with it).
  const fade = (ms) => {
    if (fading) return;
    fading = true;
    const out = Math.min(ms, FADE_MS);
    setTimeout(() => {
      layer.animate([{ opacity: 1 }, { opacity: 0 }], { duration: out, easing: 'ease-in', fill: 'forwards' })
        .finished.then(() => host.remove(), () => host.remove());
    }, ms - out);
  };
  globalThis.__browser_mcp_overlay = { fade };
  setTimeout(() => fade(300), args.expire_ms);

  const width = label.offsetWidth, height = label.offsetHeight;
  let left = (vw - width) / 2, top = 8;
  if (frame) {
    left = frame.left;
    if (frame.top - height - 6 >= 4) top = frame.top - height - 6;
    else if (frame.top + frame.height + 6 + height <= vh - 4) top = frame.top + frame.height + 6;
    else top = frame.top + 6;
  }
  style(label, { left: clamp(left, 4, vw - width - 4) + 'px', top: clamp(top, 4, vh - height - 4) + 'px' });

  if (pointer) {
    const at = ([x, y]) => 'translate(' + (x - 1) + 'px, ' + (y - 1) + 'px)';
    pointer.style.transform = at(tip);
    const from = box ? (args.last || [vw - 40, vh - 40]) : null;  // else from the bottom right
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (from && args.move_ms > 0 && !still) {
      pointer.animate([{ transform: at(from) }, { transform: at(tip) }],
                      { duration: args.move_ms, easing: 'cubic-bezier(0.3, 0.7, 0.4, 1)' });
    }
  }
  if (args.fade_ms !== null) fade(args.fade_ms);  // drawn after the action: it may fade at once
  return frame ? tip : 'drawn';
}""".replace("__TAG__", json.dumps(TAG)).replace("__ACCENT__", json.dumps(ACCENT))


_REMOVE_JS = f"""(() => {{
  for (const old of document.documentElement?.querySelectorAll(':scope > {TAG}') ?? []) old.remove();
}})()"""

_FADE_JS = """((ms) => {
  const overlay = globalThis.__browser_mcp_overlay;
  if (overlay) overlay.fade(ms);
  return true;
})"""


def person_label(intent: AgentIntent) -> str:
    """The label as the person reads it: no snapshot refs, not too long."""
    return shorten(without_refs(intent.label), _LABEL_CHARS) or intent.tool


class Overlay:
    def __init__(self, session: BrowserSession, settings: Settings, viewers: Callable[[], int]) -> None:
        self.session = session
        self.settings = settings
        self._viewers = viewers  # how many people watch through the live view
        # Where the pointer last pointed in each tab (viewport pixels): the next one glides from there.
        self._pointer_at: WeakKeyDictionary[Page, tuple[float, float]] = WeakKeyDictionary()
        self._intents: WeakKeyDictionary[Page, AgentIntent] = WeakKeyDictionary()  # shown during the action
        self._after_call: WeakKeyDictionary[Page, AgentIntent] = WeakKeyDictionary()  # drawn after the call
        self._drawing: WeakKeyDictionary[Page, asyncio.Task[None]] = WeakKeyDictionary()
        self._shown_until: WeakKeyDictionary[Page, float] = WeakKeyDictionary()  # loop time
        self._background: set[asyncio.Task[Any]] = set()

    def wanted(self) -> bool:
        """Draw it? Not when it is off, nor when nobody can be watching: the embedded browser runs
        headless and no live view is open (unless --force-overlay)."""
        settings = self.settings
        if settings.overlay_ms <= 0:
            return False
        return settings.force_overlay or self._viewers() > 0 or not self.session.connection.on_no_screen()

    async def show(self, page: Page, intent: AgentIntent) -> None:
        """As the action starts: drawn alongside it, not waited for (a few ms of the page's time), unless
        --overlay-lead-ms asks for time on screen before the action (a demo). An instant action (a fill)
        is drawn once the call is over."""
        if not self.wanted():
            return
        self._intents[page] = intent
        lead_s = self.settings.overlay_lead_ms / 1000
        if lead_s <= 0 and intent.instant:
            # Drawn alongside, it would delay an action that takes less than a frame: it is drawn once
            # the call is over, a few ms later (see call_over).
            return
        drawing = self._start_drawing(page, intent)
        if lead_s <= 0:
            return
        loop = asyncio.get_running_loop()
        until = loop.time() + lead_s
        await asyncio.wait({drawing}, timeout=lead_s)  # drawing is part of the time on screen
        left_s = until - loop.time()
        if left_s > 0:
            await asyncio.sleep(left_s)  # the time the person gets to see it, not a synchronisation

    async def hide(self, page: Page) -> None:
        """After the action (also when it failed): it stays for --overlay-ms, fading out at the end, in
        the page. The reply does not wait for it."""
        intent = self._intents.pop(page, None)
        if intent is None:
            return
        if page not in self._drawing:  # an instant action: drawn once the call is over
            self._after_call[page] = intent
            return
        self._in_background(self._fade(page, self._drawing[page]))

    def call_over(self) -> None:
        """The agent's call is over: draw what waited for it, so that it delays none of the call's own
        requests to the page (the page runs them one at a time)."""
        pending, self._after_call = self._after_call, WeakKeyDictionary()
        for page, intent in pending.items():
            if not page.is_closed():
                # The action is over: one request to the page draws it and starts its fade.
                drawing = self._start_drawing(page, intent, fade_ms=self.settings.overlay_ms)
                self._in_background(self._fade(page, drawing, asked=True))

    def _start_drawing(
        self, page: Page, intent: AgentIntent, fade_ms: int | None = None
    ) -> asyncio.Task[None]:
        drawing = asyncio.ensure_future(self._draw_quietly(page, intent, fade_ms))
        self._drawing[page] = drawing
        # Until when it may be on screen: the lead, the action (bounded by its own self-expiry), the fade.
        lead_s = self.settings.overlay_lead_ms / 1000
        self._shown_until[page] = (
            asyncio.get_running_loop().time() + lead_s + (_EXPIRE_MS + self.settings.overlay_ms) / 1000
        )
        return drawing

    async def clear(self, page: Page) -> None:
        """Remove it at once: the agent's own screenshot must show the page, not the overlay."""
        drawing = self._drawing.pop(page, None)
        if drawing is not None:
            await asyncio.wait({drawing}, timeout=_CLEAR_WAIT_S)
        shown_until = self._shown_until.pop(page, 0.0)
        if asyncio.get_running_loop().time() > shown_until:
            return  # none drawn lately: it has faded and removed itself
        watch = self._watch(page)
        if watch is not None:
            try:
                await asyncio.wait_for(watch.evaluate(_REMOVE_JS, timeout_s=_CLEAR_WAIT_S), _CLEAR_WAIT_S)
            except Exception as exc:  # a page that navigated away took it with its document
                log.debug("Could not remove the overlay: %r", exc)

    async def _fade(self, page: Page, drawing: asyncio.Task[None], *, asked: bool = False) -> None:
        """Once drawn, it fades out (`asked`: the drawing itself started the fade)."""
        await asyncio.wait({drawing}, timeout=_FADE_AFTER_DRAW_S)
        if self._drawing.get(page) is drawing:
            del self._drawing[page]
        # Gone after the fade (the page removes it): a later screenshot need not remove it.
        self._shown_until[page] = asyncio.get_running_loop().time() + self.settings.overlay_ms / 1000 + 0.1
        watch = None if asked else self._watch(page)
        if watch is None:
            return
        # An open dialog blocks the page's scripts: the fade starts once the dialog is answered.
        await watch.evaluate(f"{_FADE_JS}({self.settings.overlay_ms})", timeout_s=1.0)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("The overlay could not fade: %r", task.exception())

    async def _draw_quietly(self, page: Page, intent: AgentIntent, fade_ms: int | None) -> None:
        try:
            await self._draw(page, intent, fade_ms)
        except Exception as exc:  # the overlay is a courtesy: the action goes on without it
            log.debug("Could not draw the overlay for %s: %r", intent.label, exc)

    def _watch(self, page: Page) -> TabWatch | None:
        if page.is_closed():
            return None
        return self.session.tabs.state(page).watch

    async def _draw(self, page: Page, intent: AgentIntent, fade_ms: int | None = None) -> None:
        watch = self._watch(page)
        if watch is None:
            return  # the tab's channel is not installed (yet): nothing to draw with
        lead_ms = self.settings.overlay_lead_ms
        args: dict[str, Any] = {
            "label": person_label(intent),
            "last": self._pointer_at.get(page),  # where the pointer was, if it was ever drawn here
            "move_ms": round(min(lead_ms * _MOVE_SHARE, _MOVE_MAX_MS)),  # no lead: it points at once
            "expire_ms": lead_ms + _EXPIRE_MS,
            "fade_ms": fade_ms,  # fade out at once (else when asked, after the action)
        }
        # After an instant action the element has the focus: the page gives its box at once, where asking
        # Playwright would wait for a frame.
        by_focus = intent.instant and lead_ms <= 0
        box = await _box_of(intent.locator) if intent.locator is not None and not by_focus else None
        if intent.point is not None:  # a point of a canvas, a map: a small box around it
            x, y = intent.point
            box = {
                "x": x - _POINT_BOX_PX / 2,
                "y": y - _POINT_BOX_PX / 2,
                "width": _POINT_BOX_PX,
                "height": _POINT_BOX_PX,
            }
        drawn = await self._run(watch, {**args, "box": box, "box_of_focus": by_focus})
        # Before the action (a lead time), a target out of view is scrolled to: the action would scroll
        # it into view anyway. After the action, the page stays where the action left it.
        if drawn == "offscreen" and intent.locator is not None and lead_ms > 0:
            # The action would scroll it into view anyway (clicks, typing do): do it first, so the
            # person sees where. Counted as the agent's doing, like the action itself.
            with self.session.agent_action():
                await intent.locator.scroll_into_view_if_needed(timeout=_BOX_TIMEOUT_MS)
            box = await _box_of(intent.locator)
            drawn = await self._run(watch, {**args, "box": box if box else None})
        if isinstance(drawn, list) and len(drawn) == 2:
            self._pointer_at[page] = (float(drawn[0]), float(drawn[1]))

    @staticmethod
    async def _run(watch: TabWatch, args: dict[str, Any]) -> Any:
        return await watch.evaluate(f"({_OVERLAY_JS})({json.dumps(args)})", timeout_s=1.0)


async def _box_of(locator: Locator) -> dict[str, float] | None:
    """The element's box in viewport pixels of the top document, or None (hidden, gone)."""
    box = await locator.bounding_box(timeout=_BOX_TIMEOUT_MS)
    if box is None or min(box["width"], box["height"]) < _TINY_PX:
        # A checkbox or radio hidden under a box the page draws: its label is what the person sees (and
        # where the click lands).
        box = await _label_box(locator) or box
    if box is None or box["width"] <= 0 or box["height"] <= 0:
        return None
    return {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}


async def _label_box(locator: Locator) -> FloatRect | None:
    handle = await locator.evaluate_handle("e => (e.labels && e.labels[0]) || null", timeout=_BOX_TIMEOUT_MS)
    try:
        label = handle.as_element()
        return await label.bounding_box() if label is not None else None
    finally:
        await handle.dispose()
