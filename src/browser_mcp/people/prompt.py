"""The prompt bar: the agent hands the page to the person and waits for their answer.

The bar is drawn from our isolated world (see browser/page_watch.py) into every tab, so it is there in
whichever tab the person looks at, and again in each new document (a navigation, a new tab). Its
buttons answer through our world's report function, which the page's scripts cannot reach. It lives
in a closed shadow root: the person sees it and their screen reader reads it, but the page's scripts
and the agent's snapshots (Playwright's aria snapshot) do not see inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio
from playwright.async_api import Page

from browser_mcp.browser.page_watch import BINDING, PageEvent, TabWatch
from browser_mcp.browser.session import BrowserSession

log = logging.getLogger(__name__)

ANSWER_EVENT = "prompt_answer"
# The bar's element in the page: recorders of the person's actions should skip events on it.
PROMPT_TAG = "browser-mcp-prompt"
PROMPT_LABEL = "The agent asks you"  # what the person's screen reader calls the bar
DONE = "Done"
CANCEL = "Cancel"
_DRAW_TIMEOUT_S = 2.0  # a tab that does not answer (a dialog, a hung page) must not hold the prompt up
_HELD_ERASE_TIMEOUT_S = 600.0  # how long a removal may wait for the person to answer a dialog

# The bar's look. Constructed style sheets: a page's CSP may forbid <style> elements, not these.
# :host rules marked !important win over the page's own rules for the host, even !important ones.
_BAR_CSS = """
:host { all: initial !important; display: block !important; position: fixed !important;
  z-index: 2147483647 !important; margin: 0 !important; padding: 0 !important; border: 0 !important;
  width: 100% !important; height: auto !important; max-height: 40vh !important;
  overflow: visible !important; background: transparent !important; }
.bar { box-sizing: border-box; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px;
  padding: 10px 16px; max-height: 40vh; overflow: auto; background: #101010; color: #ffffff;
  font: 17px/1.4 system-ui, sans-serif; box-shadow: 0 2px 14px rgba(0, 0, 0, 0.55); }
.who { font-weight: 700; color: #ffd400; }
.message { flex: 1 1 18em; min-width: 0; overflow-wrap: anywhere; }
.answers { display: flex; flex-wrap: wrap; gap: 8px; }
button { font: inherit; font-weight: 600; min-height: 36px; padding: 4px 16px; border-radius: 6px;
  border: 2px solid #ffd400; background: #ffd400; color: #101010; cursor: pointer; }
button.cancel, button.move { background: #101010; color: #ffffff; border-color: #ffffff; }
button.move { font-size: 13px; font-weight: 400; min-height: 28px; padding: 2px 10px; }
button:focus-visible { outline: 3px solid #5cb8ff; outline-offset: 2px; }
button:disabled { opacity: 0.6; cursor: default; }
"""
_AT_TOP_CSS = ":host { inset: 0 0 auto 0 !important; } .bar { border-bottom: 4px solid #ffd400; }"
_AT_BOTTOM_CSS = ":host { inset: auto 0 0 0 !important; } .bar { border-top: 4px solid #ffd400; }"

# Runs in our isolated world: `(spec) => true` draws the bar (or keeps the one with the same id).
# The DOM is built node by node: a page that enforces Trusted Types refuses innerHTML, in our world too.
# The host is the first child of <html>: outside <body>, so the page's layout and body selectors do
# not change, and first in document order, so the first Tab into the page reaches the bar.
_SHOW_JS = r"""(spec) => {
  const state = globalThis.__browser_mcp_prompt;
  if (state && state.id === spec.id && state.host.isConnected) return true;
  if (state) state.remove();
  const report = globalThis.__browser_mcp_report || ((kind, data) => {
    globalThis[spec.binding](JSON.stringify({ ...data, kind, at: Date.now() }));
  });
  const make = (tag, attributes, text) => {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    if (text) element.textContent = text;
    return element;
  };
  const host = make(spec.tag, { popover: 'manual' });
  const root = host.attachShadow({ mode: 'closed' });
  const look = new CSSStyleSheet();
  look.replaceSync(spec.css);
  const edge = new CSSStyleSheet();
  root.adoptedStyleSheets = [look, edge];
  const bar = make('div', { class: 'bar', role: 'dialog', 'aria-label': spec.label });
  const message = make('span', { class: 'message', 'aria-live': 'polite' });
  const answers = make('span', { class: 'answers' });
  const move = make('button', { class: 'move', type: 'button' });
  bar.append(make('span', { class: 'who', 'aria-hidden': 'true' }, 'Agent:'), message, answers, move);
  root.append(bar);
  // The bar covers what is under it: the person can move it to the other edge.
  let atTop = true;
  const place = () => {
    edge.replaceSync(atTop ? spec.top : spec.bottom);
    move.textContent = atTop ? 'Move down' : 'Move up';
  };
  place();
  let answered = false;
  const answer = (value) => {
    if (answered) return;
    answered = true;
    for (const button of root.querySelectorAll('button')) button.disabled = true;
    message.textContent = 'Sent: ' + value;
    report(spec.event, { id: spec.id, answer: value });
  };
  for (const choice of spec.buttons) {
    const button = make('button', { type: 'button' }, choice);
    if (choice === spec.cancel) button.className = 'cancel';
    // Only the person's own input answers: a page script can dispatch events, not trusted ones.
    button.addEventListener('click', (event) => { if (event.isTrusted) answer(choice); });
    answers.append(button);
  }
  move.addEventListener('click', (event) => {
    if (!event.isTrusted) return;
    atTop = !atTop;
    place();
  });
  // The bar never takes focus by itself (the person may be typing), but while nothing in the page
  // has focus the first Tab goes to it, wherever the person last clicked.
  const first = answers.querySelector('button');
  const tabToBar = (event) => {
    if (event.key !== 'Tab' || event.shiftKey || !event.isTrusted || event.defaultPrevented) return;
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    event.preventDefault();
    first.focus();
  };
  addEventListener('keydown', tabToBar, true);
  // Escape cancels only while the person is in the bar: elsewhere it belongs to the page.
  bar.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && event.isTrusted) {
      event.preventDefault();
      event.stopPropagation();
      answer(spec.cancel);
    }
  });
  // A modal <dialog> of the page makes everything outside it inert: then the bar goes inside it.
  const home = () => {
    const modals = document.querySelectorAll('dialog:modal');
    return modals.length ? modals[modals.length - 1] : document.documentElement;
  };
  const keeper = new MutationObserver(() => attach()); // the page removed the bar
  const dialogs = new MutationObserver(() => attach()); // a dialog opened or closed
  const attach = () => {
    if (host.getAttribute('data-closed') === spec.id) {  // removed from another world of ours
      remove();
      return true;
    }
    if (!document.documentElement) return false;
    const place = home();
    if (host.parentNode !== place) {
      if (place === document.documentElement) place.prepend(host);
      else place.append(host);
      keeper.disconnect();
      keeper.observe(place, { childList: true });
    }
    if (!host.matches(':popover-open')) {
      // The top layer keeps the bar above the page's own fixed and top-layer elements.
      try { host.showPopover(); } catch (e) {}
    }
    return true;
  };
  const watch = () => dialogs.observe(document.documentElement,
    { subtree: true, attributes: true, attributeFilter: ['open'] });
  host.addEventListener('toggle', (event) => { if (event.newState === 'closed') attach(); });
  const remove = () => {
    keeper.disconnect();
    dialogs.disconnect();
    removeEventListener('pagehide', remove, true);
    removeEventListener('keydown', tabToBar, true);
    if (globalThis.__browser_mcp_prompt && globalThis.__browser_mcp_prompt.host === host) {
      delete globalThis.__browser_mcp_prompt;
    }
    answered = true;
    host.remove();
  };
  // A page kept in the back/forward cache must not come back with a stale bar; the server draws
  // the bar again when the restored page reports that it is visible.
  addEventListener('pagehide', remove, true);
  globalThis.__browser_mcp_prompt = { id: spec.id, host, remove };
  if (!attach()) {
    // Before the parser made <html>: attach as soon as it exists.
    const early = new MutationObserver(() => { if (attach()) { early.disconnect(); watch(); } });
    early.observe(document, { childList: true });
  } else {
    watch();
  }
  // Filled in after insertion, so screen readers announce it as new text.
  requestAnimationFrame(() => { if (!answered) message.textContent = spec.message; });
  setTimeout(() => { if (!answered && !message.textContent) message.textContent = spec.message; }, 100);
  return true;
}"""

# What every drawing needs besides the question itself.
_BAR = {
    "tag": PROMPT_TAG,
    "label": PROMPT_LABEL,
    "binding": BINDING,
    "event": ANSWER_EVENT,
    "css": _BAR_CSS,
    "top": _AT_TOP_CSS,
    "bottom": _AT_BOTTOM_CSS,
}

# `(id) => true` removes the bar. A document that changed process while it was drawn may hold a bar drawn
# from another world of ours than this one: each bar in the DOM is marked closed (with the prompt's id,
# which the page does not know) and removed, and its own world's watcher then lets it go.
_HIDE_JS = """(id) => {
  const state = globalThis.__browser_mcp_prompt;
  if (state) state.remove();
  for (const host of document.querySelectorAll(__TAG__)) {
    host.setAttribute('data-closed', id);
    host.remove();
  }
  return true;
}""".replace("__TAG__", json.dumps(PROMPT_TAG))


@dataclass(frozen=True)
class PromptSpec:
    message: str
    choices: tuple[str, ...] = ()

    @property
    def buttons(self) -> tuple[str, ...]:
        return (*(self.choices or (DONE,)), CANCEL)


class PromptBar:
    """One question on screen: drawn in every tab and every new document until `close`."""

    def __init__(self, session: BrowserSession, spec: PromptSpec) -> None:
        self.session = session
        self.spec = spec
        self.id = secrets.token_hex(8)
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._open = False
        self._stop_listening: Callable[[], None] | None = None
        self._drawing: set[asyncio.Task[None]] = set()  # drawings in other tabs, under way

    async def open(self, page: Page) -> None:
        """Draw the bar in `page` (the person's tab; raises if it cannot), then in every other tab."""
        self._open = True
        self._stop_listening = self.session.tabs.listen(self._on_event)
        await self._draw(page)
        for other in self.session.pages():
            if other is not page:
                self._draw_in_background(other)

    def give(self, answer: str) -> None:
        """The person answered somewhere else (the live view's bar)."""
        if not self.answer.done():
            self.answer.set_result(answer)

    async def close(self) -> None:
        """Stop following the person and remove the bar from every tab."""
        if not self._open:
            return
        self._open = False
        if self._stop_listening is not None:
            self._stop_listening()
        pages = self.session.pages() if self.session.is_connected() else []
        # A tab with an open dialog runs no script until the dialog is answered: the removal waits
        # in the browser meanwhile, so the reply need not. Drawings already sent run before it.
        held = [page for page in pages if self.session.tabs.state(page).dialog is not None]
        for page in held:
            _in_background(self._erase(page, timeout_s=_HELD_ERASE_TIMEOUT_S))
        # Shielded: when the client cancels the call, the bar must still go (each removal is bounded).
        with anyio.CancelScope(shield=True):
            await asyncio.gather(*(self._erase(page) for page in pages if page not in held))
            # A drawing under way when the answer came (a new tab's, a new document's) removes its bar
            # again itself: the reply waits for that too, so no tab still shows the question after it.
            if self._drawing:
                await asyncio.wait(set(self._drawing), timeout=2 * _DRAW_TIMEOUT_S)

    def _on_event(self, page: Page, event: PageEvent) -> None:
        if not self._open:
            return
        if event.kind == ANSWER_EVENT:
            if event.data.get("id") == self.id:
                self.give(str(event.data.get("answer", "")))
        elif event.kind == "visibility":
            # Sent by every new document as it starts, and when the person switches tabs: make sure
            # the bar is there (drawing is a no-op where it already is).
            self._draw_in_background(page)

    def _draw_in_background(self, page: Page) -> None:
        task = asyncio.ensure_future(self._draw_quietly(page))
        self._drawing.add(task)
        task.add_done_callback(self._drawing.discard)

    async def _draw_quietly(self, page: Page) -> None:
        try:
            await self._draw(page)
        except Exception as exc:  # a tab that closed or cannot run scripts: the other tabs have it
            log.debug("could not draw the prompt in %s: %s", page.url, exc)

    async def _draw(self, page: Page) -> None:
        spec = {
            "id": self.id,
            "message": self.spec.message,
            "buttons": list(self.spec.buttons),
            "cancel": CANCEL,
            **_BAR,
        }
        watch = await self._watch(page)
        if not self._open:  # not after close() began: its removal may already be on the way
            return
        await asyncio.wait_for(watch.evaluate(f"({_SHOW_JS})({json.dumps(spec)})"), _DRAW_TIMEOUT_S)
        if not self._open:  # close() came while this drawing was on its way (a new document's world)
            await self._erase(page)

    async def _erase(self, page: Page, timeout_s: float = _DRAW_TIMEOUT_S) -> None:
        with contextlib.suppress(Exception):  # a closed tab has no bar left to remove
            watch = await self._watch(page)
            hide = f"({_HIDE_JS})({json.dumps(self.id)})"
            await asyncio.wait_for(watch.evaluate(hide, timeout_s=timeout_s), timeout_s)

    async def _watch(self, page: Page) -> TabWatch:
        if self.session.tabs.state(page).watch is None:
            await self.session.tabs.wait_for_page_watches()  # a tab that just opened
        watch = self.session.tabs.state(page).watch
        if watch is None:
            raise RuntimeError("the tab has no channel for our scripts")
        return watch


# Work on tabs that the reply does not wait for; held here so that it is not collected half-way.
_BACKGROUND: set[asyncio.Task[None]] = set()


def _in_background(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(work)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
