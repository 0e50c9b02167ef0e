"""Events from inside each tab, through a binding in an isolated world the page cannot see.

The tab says whether the person sees it (visibilitychange, focus), so finding "the person's tab" costs
no round trip. Other scripts of ours (people/) add their own listeners to the same world and report
through the same binding as `{"kind": ..., ...}`; they reach the server as PageEvents.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page

WORLD = "browser_mcp"
BINDING = "__browser_mcp_event"
# In our world: [DOM changes, input events] since the document was parsed (null before), the texts of
# elements that change by themselves, and what the page marks busy (see _SCRIPT).
CHANGES_FUNCTION = "__browser_mcp_dom_changes"
# In our world: a promise of true at the page's next DOM change (ours and styles left out), false after a
# cap.
NEXT_CHANGE_FUNCTION = "__browser_mcp_next_change"

# Runs at the start of every document of the tab (top frame only), in our isolated world.
# `report(kind, data)` is how every script of ours in this world talks to the server.
_SCRIPT = f"""(() => {{
  if (window !== window.top) return;
  const report = (kind, data) => {{
    try {{ globalThis.{BINDING}(JSON.stringify({{ ...data, kind, at: Date.now() }})); }} catch (e) {{}}
  }};
  globalThis.__browser_mcp_report = report;
  // Told when it changes, not at each focus change inside the page (a focus event of every element).
  let shown = '';
  const send = () => {{
    const now = {{ visibility: document.visibilityState, focused: document.hasFocus() }};
    if (JSON.stringify(now) === shown) return;
    shown = JSON.stringify(now);
    report('visibility', now);
  }};
  document.addEventListener('visibilitychange', send, true);
  window.addEventListener('focus', send, true);
  window.addEventListener('blur', send, true);
  send();
  // The title, whenever it changes: who names the tab (replies, the live view's tab strip) needs
  // no round trip, and never shows the title of the page before.
  let title = null;
  const sendTitle = () => {{
    if (document.title !== title) {{ title = document.title; report('title', {{ title }}); }}
  }};
  const watchTitle = () => {{
    sendTitle();
    // The head only, where the title is: an observer of every node the parser adds to the page delayed a
    // big page's parsing (std::Vec's docs: DOM ready 7-15% later).
    const titles = new MutationObserver(sendTitle);
    const watchHead = () => titles.observe(document.head, {{ subtree: true, childList: true, characterData: true }});
    if (document.head) watchHead();
    else {{
      const untilHead = new MutationObserver(() => {{
        if (!document.head) return;
        untilHead.disconnect();
        sendTitle();
        watchHead();
      }});
      untilHead.observe(document.documentElement, {{ childList: true }});
    }}
    document.addEventListener('DOMContentLoaded', sendTitle, {{ once: true }});
  }};
  if (document.documentElement) watchTitle();
  else document.addEventListener('DOMContentLoaded', watchTitle, {{ once: true }});
  // How many times the page changed so far, ours (the overlay, the prompt bar) left out: DOM changes, and
  // input in its fields, focus and pointer moves and the like (which change what a snapshot shows, not the
  // DOM). A view of the page taken at the same counts still holds.
  let mutations = 0, inputs = 0;
  const ours = node => node.nodeType === 1 && node.localName.startsWith('browser-mcp-');
  const onlyOurs = nodes => {{
    for (const node of nodes) if (!ours(node)) return false;
    return true;
  }};
  // Elements that change by themselves (a clock, a video's time, a countdown): changed twice or more in
  // the last seconds, each time with no input just before. What they show is not news of an action.
  let lastInput = 0;
  for (const type of ['pointerdown', 'keydown', 'input', 'change', 'wheel']) {{
    document.addEventListener(type, () => {{ lastInput = performance.now(); }}, true);
  }}
  const restless = new Map();  // element -> when it changed (the last 3 times), with no input before
  const noteChange = (node, now) => {{
    const element = node.nodeType === 1 ? node : node.parentElement;
    if (!element) return;
    const times = restless.get(element) || [];
    if (times.length && now - times[times.length - 1] < 50) return;  // the same change, in parts
    times.push(now);
    if (times.length > 3) times.shift();
    restless.delete(element);
    restless.set(element, times);
    if (restless.size > 200) restless.delete(restless.keys().next().value);
  }};
  const restlessTexts = () => {{
    const now = performance.now(), texts = [];
    for (const [element, times] of restless) {{
      if (!element.isConnected || now - times[times.length - 1] > 5000) {{ restless.delete(element); continue; }}
      // A container of many (a feed, a chat) is no clock: its whole text is not read at each count.
      if (times.length < 2 || element.childElementCount > 5) continue;
      const text = element.textContent.replace(/\\s+/g, ' ').trim();
      if (text && text.length <= 100) texts.push(text);
    }}
    return texts.slice(-20);
  }};
  // What the page marks as at work (aria-busy: a list loading more, a skeleton, a button sending): the
  // names of the shown ones, as a person would read them.
  const busyParts = () => {{
    const names = [];
    for (const element of document.querySelectorAll('[aria-busy="true"]')) {{
      if (element.checkVisibility && !element.checkVisibility()) continue;
      const text = (element.getAttribute('aria-label') || element.textContent || '').replace(/\\s+/g, ' ').trim();
      names.push(text.length > 60 ? text.slice(0, 59) + '…' : text);
      if (names.length >= 5) break;
    }}
    return names;
  }};
  let waiters = [];  // who waits for the page's next change (see NEXT_CHANGE_FUNCTION)
  // Cheap per record: a page that builds itself fires thousands while it loads.
  const count = records => {{
    const now = performance.now(), untouched = now - lastInput > 1000;
    let wakes = false;
    for (const record of records) {{
      if (ours(record.target)) continue;
      if (record.type === 'childList' && onlyOurs(record.addedNodes) && onlyOurs(record.removedNodes)) continue;
      mutations++;
      if (untouched && record.type !== 'attributes') noteChange(record.target, now);
      // An animation's style, changed at every frame, would wake a waiter at every frame.
      if (record.attributeName !== 'style') wakes = true;
    }}
    if (wakes && waiters.length) {{
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake(true);
    }}
  }};
  const counter = new MutationObserver(count);
  const watching = {{ subtree: true, childList: true, characterData: true, attributes: true }};
  // Once the parser is done (readyState 'interactive', before deferred scripts run): a record per node the
  // parser adds would slow every page's load. A page still being parsed has no counts (a view of it is
  // never reused).
  const parsed = () => document.readyState !== 'loading';
  if (parsed()) counter.observe(document, watching);
  else document.addEventListener('readystatechange', () => counter.observe(document, watching), {{ once: true }});
  // Changes no observer sees are looked for when the counts are asked for:
  // - web components draw in shadow roots, which an observer of the document does not see: each open one
  //   is observed too (ours are closed); a root new since counts as a change (it was not watched before);
  // - a script that sets a field's value, checks a box or picks an option sets a property, not the tree,
  //   and CSS may show a hint while a field's value is not valid: each field's state is compared with the
  //   last count's. A field that had input since is typed into (by the agent or the person): its own value
  //   is not news.
  const watched = new WeakSet();
  const fields = new WeakMap();
  let typedInto = new WeakSet();
  const fieldChanged = field => {{
    const now = [field.value, field.checked, field.selectedIndex, field.validity ? field.validity.valid : true];
    const before = fields.get(field);
    fields.set(field, now);
    if (!before) return false;  // new: its coming was a change of the tree
    const set = before[0] !== now[0] || before[1] !== now[1] || before[2] !== now[2];
    return before[3] !== now[3] || (set && !typedInto.has(field));
  }};
  const lookInto = scope => {{
    let changed = false;
    for (const field of scope.querySelectorAll('input, select, textarea')) {{
      if (fieldChanged(field)) changed = true;
    }}
    for (const element of scope.querySelectorAll('*')) {{
      const root = element.shadowRoot;
      if (!root) continue;
      if (!watched.has(root)) {{ watched.add(root); counter.observe(root, watching); changed = true; }}
      if (lookInto(root)) changed = true;
    }}
    return changed;
  }};
  for (const type of ['input', 'change']) {{
    document.addEventListener(type, event => typedInto.add(event.composedPath()[0]), true);
  }}
  // So do what changes what is shown with no change in the tree: the pointer moving onto an element (a CSS
  // :hover menu), a popover or <details> toggled, an animation or transition ending, the window resized.
  const moved = () => inputs++;
  for (const type of ['input', 'change', 'focusin', 'mouseover', 'toggle', 'animationend', 'transitionend']) {{
    document.addEventListener(type, moved, true);
  }}
  window.addEventListener('resize', moved, true);
  globalThis.{CHANGES_FUNCTION} = () => {{
    if (!parsed()) return null;
    count(counter.takeRecords());
    if (lookInto(document)) mutations++;
    typedInto = new WeakSet();
    return [mutations, inputs, restlessTexts(), busyParts()];
  }};
  globalThis.{NEXT_CHANGE_FUNCTION} = capMs => new Promise(resolve => {{
    const wake = changed => {{ clearTimeout(timer); resolve(changed); }};
    const timer = setTimeout(() => {{ waiters = waiters.filter(other => other !== wake); resolve(false); }}, capMs);
    waiters.push(wake);
  }});
}})()"""


_SAME_DOCUMENT = ("sameDocument", "historySameDocument")


@dataclass(frozen=True)
class PageChanges:
    """The page's own counts of its changes (see _SCRIPT); equal counts: the page has not changed."""

    mutations: int  # DOM changes
    inputs: int  # input and change events in its fields, focus and pointer moves, toggles, resizes
    # The short texts of elements that change by themselves (a clock): not news of an action.
    restless: tuple[str, ...] = field(default=(), compare=False)
    # What the page marks busy (aria-busy) and shows, by its name or text ("" for none).
    busy: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class PageEvent:
    """One report from a tab: `kind` says what, `at` is the page's clock (ms since the epoch)."""

    kind: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VisibilityEvent:
    visibility: str
    focused: bool


class TabWatch:
    """The tab's CDP session and our isolated world in its current document."""

    def __init__(self, cdp: CDPSession, target_id: str, title: str = "") -> None:
        self.cdp = cdp
        self.target_id = target_id
        self.title = title  # the tab's title when the watch began
        self._world_context: int | None = None
        # Which document the tab shows: a new one clears the contexts, a same-document navigation
        # (a #link, history.pushState) does not.
        self.documents = 0
        # Why the page asked for the tab's latest navigation to another document ("anchorClick",
        # "scriptInitiated", "metaTagRefresh"... as CDP says it); None when the browser itself began it
        # (the address bar, its back button, a CDP client).
        self.navigation_reason: str | None = None
        self._requested: tuple[str, str] | None = None  # (url, reason) of the page's latest request

    def on_navigation_requested(self, event: dict[str, Any]) -> None:
        if event.get("frameId") == self.target_id and event.get("disposition") in (None, "currentTab"):
            self._requested = (str(event.get("url", "")), str(event.get("reason", "")))

    def on_navigation_started(self, event: dict[str, Any]) -> None:
        if event.get("frameId") != self.target_id or event.get("navigationType") in _SAME_DOCUMENT:
            return
        requested, self._requested = self._requested, None
        # The page's request comes just before the navigation it asked for; any other began in the browser.
        self.navigation_reason = requested[1] if requested and requested[0] == event.get("url") else None

    def on_context_created(self, event: dict[str, Any]) -> None:
        context = event.get("context", {})
        # In Chromium a tab's main frame has the tab's target id; iframes get worlds of ours too.
        if context.get("name") == WORLD and context.get("auxData", {}).get("frameId") == self.target_id:
            self._world_context = int(context["id"])

    def on_contexts_cleared(self, _: object = None) -> None:
        self._world_context = None
        self.documents += 1

    async def add_script(self, source: str) -> None:
        """Run `source` in our world now and at the start of every later document of the tab."""
        await self.cdp.send(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": source, "worldName": WORLD, "runImmediately": True},
        )

    async def changes(self, timeout_s: float = 2.0) -> PageChanges | None:
        """How many times the page changed so far (None: not counted in this document)."""
        counts = await self.evaluate(f"globalThis.{CHANGES_FUNCTION}?.() ?? null", timeout_s=timeout_s)
        if not (isinstance(counts, list) and len(counts) == 4):
            return None
        mutations, inputs, restless, busy = counts
        if not (
            isinstance(mutations, int)
            and isinstance(inputs, int)
            and isinstance(restless, list)
            and isinstance(busy, list)
        ):
            return None
        return PageChanges(
            mutations, inputs, tuple(str(text) for text in restless), tuple(str(name) for name in busy)
        )

    async def next_change(self, timeout_s: float) -> bool:
        """Wait for the page's next DOM change (ours and styles left out): False if none came within
        `timeout_s`."""
        cap_ms = round(timeout_s * 1000)
        changed = await asyncio.wait_for(
            self.evaluate(f"globalThis.{NEXT_CHANGE_FUNCTION}?.({cap_ms}) ?? false"), timeout_s + 1.0
        )
        return changed is True

    async def evaluate(self, expression: str, *, timeout_s: float = 5.0) -> Any:
        """Evaluate `expression` in our world (the page's DOM, none of its scripts); return its value."""
        if self._world_context is None:
            # A document whose world has not been reported yet (just navigated): make one for it.
            created = await self.cdp.send(
                "Page.createIsolatedWorld", {"frameId": self.target_id, "worldName": WORLD}
            )
            self._world_context = int(created["executionContextId"])
        result = await self.cdp.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "contextId": self._world_context,
                "returnByValue": True,
                "awaitPromise": True,
                "timeout": timeout_s * 1000,
            },
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(str(details.get("exception", {}).get("description") or details.get("text")))
        return result.get("result", {}).get("value")


async def watch_page(context: BrowserContext, page: Page, on_event: Callable[[PageEvent], None]) -> TabWatch:
    """Install the page's event channel; return it (CDP session, target id, isolated-world access)."""
    session = await context.new_cdp_session(page)
    info = (await session.send("Target.getTargetInfo")).get("targetInfo", {})
    watch = TabWatch(session, str(info.get("targetId", "")), tab_title(info))

    def on_binding(event: dict[str, object]) -> None:
        if event.get("name") != BINDING:
            return
        try:
            data = json.loads(str(event.get("payload")))
            kind = str(data.pop("kind"))
            at = float(data.pop("at", time.time() * 1000))
        except (ValueError, KeyError, TypeError, AttributeError):
            return
        on_event(PageEvent(kind, at, data))

    session.on("Runtime.bindingCalled", on_binding)
    session.on("Runtime.executionContextCreated", watch.on_context_created)
    session.on("Runtime.executionContextsCleared", watch.on_contexts_cleared)
    session.on("Page.frameRequestedNavigation", watch.on_navigation_requested)
    session.on("Page.frameStartedNavigating", watch.on_navigation_started)
    # Both domains must be on for the isolated world to come back in each new document.
    await session.send("Runtime.enable")
    await session.send("Page.enable")
    await session.send("Runtime.addBinding", {"name": BINDING, "executionContextName": WORLD})
    await watch.add_script(_SCRIPT)
    return watch


def tab_title(target_info: dict[str, Any]) -> str:
    """A tab's title from CDP's target info: Chromium shows the URL as the title of a page without one,
    where Playwright says ""."""
    title, url = str(target_info.get("title", "")), str(target_info.get("url", ""))
    return "" if title in (url, url.split("://")[-1]) else title


def visibility_of(event: PageEvent) -> VisibilityEvent | None:
    if event.kind != "visibility":
        return None
    return VisibilityEvent(str(event.data.get("visibility")), bool(event.data.get("focused")))
