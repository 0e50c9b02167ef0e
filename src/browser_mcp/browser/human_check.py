"""Pages that need a person: a CAPTCHA or a browser check, or a sign-in form (a password field).

Recognised from markup, never from words on the page: the frames of the known CAPTCHA services (by the
host and path of their `src`), their widgets' elements, Cloudflare's challenge page. A widget that shows
nothing (reCAPTCHA v3's badge, invisible widgets, a challenge not opened yet) does not count.

It costs actions nothing. The tab reports it itself, through a script of ours in our isolated world (see
page_watch): a full look once the document is parsed and once it has loaded, then the CAPTCHAs that
appear or go on the same document (a challenge a click opens). Only a tab's first document since we look
at it costs one evaluation (which installs that script for the tab's later documents). A password field
counts only as its document loads: typing into a sign-in form the agent is already on says nothing again.
Each finding is said once per document.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from playwright.async_api import Page

from browser_mcp.browser.page_watch import PageEvent, TabWatch
from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.tabs import Tabs

log = logging.getLogger(__name__)

_CHECK_TIMEOUT_S = 1.0
_EVENT = "needs_human"
PASSWORD = "a sign-in form (a password field)"


@dataclass(frozen=True)
class Marker:
    """How one kind of CAPTCHA or check shows in a page."""

    name: str  # as a reply says it: "a reCAPTCHA"
    frames: tuple[tuple[str, str], ...] = ()  # (host or parent domain, path prefix) of an iframe's src
    elements: str = ""  # a CSS selector list of its widget's elements
    quiet: tuple[str, ...] = ()  # in a frame's URL: a widget that shows the person nothing
    must_show: bool = True  # its elements count only when shown (a whole challenge page counts anyway)


MARKERS = (
    Marker(
        "a reCAPTCHA",
        frames=(
            ("google.com", "/recaptcha/"),
            ("recaptcha.net", "/recaptcha/"),
            ("recaptcha.google.com", "/"),
        ),
        # A button with the class is reCAPTCHA's invisible binding: nothing to solve unless it opens a challenge.
        elements=".g-recaptcha:not(button, input, [data-size=invisible])",
        quiet=("size=invisible",),
    ),
    Marker(
        "an hCaptcha",
        frames=(("hcaptcha.com", "/"),),
        elements=".h-captcha:not(button, input, [data-size=invisible])",
        quiet=("frame=checkbox-invisible",),
    ),
    Marker(
        "a Cloudflare Turnstile check",
        frames=(("challenges.cloudflare.com", "/"),),
        elements=".cf-turnstile:not([data-appearance=interaction-only])",
    ),
    Marker(
        "Cloudflare's browser check ('Just a moment...')",
        elements="#challenge-form, #challenge-running, #challenge-stage, #challenge-body-text, "
        "#cf-challenge-running, .cf-browser-verification, [id^=cf-chl], form[action*='__cf_chl']",
        must_show=False,
    ),
    Marker(
        "an Arkose Labs (FunCaptcha) puzzle",
        frames=(("arkoselabs.com", "/"), ("funcaptcha.com", "/")),
        elements="#FunCaptcha, #arkose-enforcement",
    ),
    Marker(
        "a GeeTest CAPTCHA", frames=(("geetest.com", "/"),), elements=".geetest_holder, .geetest_panel_box"
    ),
    Marker("a DataDome CAPTCHA", frames=(("captcha-delivery.com", "/"),)),
    Marker("an AWS WAF CAPTCHA", elements="awswaf-captcha, #captcha-container > awswaf-captcha"),
    Marker("a Friendly Captcha", elements=".frc-captcha"),
    Marker("a HUMAN (PerimeterX) check", elements="#px-captcha"),
)

# (markers, also password fields?) -> {found: [names], password: bool}, or null while the document loads.
# One walk of the document (one selector list), then a closer look only at what matched.
_DETECT_JS = """(markers, withPassword) => {
  if (withPassword && document.readyState === 'loading') return null;
  const found = [];
  let password = false;
  const shown = (el, withArea) => {
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) return false;
    if (!withArea) return true;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  };
  const frameOf = (el, marker) => {
    let url;
    try { url = new URL(el.getAttribute('src'), location.href); } catch (e) { return false; }
    const host = url.hostname;
    return marker.frames.some(([domain, path]) =>
        (host === domain || host.endsWith('.' + domain)) && url.pathname.startsWith(path))
      && !marker.quiet.some(mark => url.href.includes(mark)) && shown(el, true);
  };
  const all = ['iframe[src]', 'frame[src]', ...markers.filter(m => m.elements).map(m => m.elements)];
  if (withPassword) all.push('input[type=password]');
  for (const el of document.querySelectorAll(all.join(', '))) {
    if (withPassword && !password && el.localName === 'input') {
      password = el.type === 'password' && !el.disabled && shown(el, true);
      continue;
    }
    for (const marker of markers) {
      if (found.includes(marker.name)) continue;
      const isFrame = (el.localName === 'iframe' || el.localName === 'frame') && el.hasAttribute('src');
      if ((isFrame && frameOf(el, marker)) ||
          (marker.elements && el.matches(marker.elements) && (!marker.must_show || shown(el, false)))) {
        found.push(marker.name);
      }
    }
  }
  return {found, password};
}"""


def _markers_json() -> str:
    return json.dumps(
        [
            {
                "name": marker.name,
                "frames": [list(pair) for pair in marker.frames],
                "elements": marker.elements,
                "quiet": list(marker.quiet),
                "must_show": marker.must_show,
            }
            for marker in MARKERS
        ]
    )


# One look at the current document, in our world.
_CHECK_EXPRESSION = f"({_DETECT_JS})({_markers_json()}, true)"

# Runs at the start of every document of the tab, in our world (from the first look at the tab on). It
# reports a full look (password fields too) once the document is parsed and once it has loaded, so a new
# document usually needs no look of ours; then, on the same document, CAPTCHAs that appear or go: looked
# for at most every 100 ms, and only after elements were added or restyled.
_WATCH_SCRIPT = f"""(() => {{
  if (window !== window.top || globalThis.__browser_mcp_human_watch) return;
  globalThis.__browser_mcp_human_watch = true;
  const detect = {_DETECT_JS};
  const markers = {_markers_json()};
  const report = (data) => globalThis.__browser_mcp_report?.('{_EVENT}', data);
  let told = '', queued = false, lastRun = -1e9;
  const loaded = () => {{
    const seen = detect(markers, true);
    told = seen.found.join('|');
    report({{ ...seen, loaded: true }});
  }};
  const look = () => {{
    queued = false;
    lastRun = performance.now();
    const found = detect(markers, false).found;
    if (found.join('|') !== told) {{
      told = found.join('|');
      report({{ found, password: false, loaded: false }});
    }}
  }};
  const soon = () => {{
    if (queued) return;
    queued = true;
    const wait = lastRun + 100 - performance.now();
    if (wait <= 0) queueMicrotask(look); else setTimeout(look, wait);
  }};
  const matters = record => record.type === 'attributes' ||
    Array.prototype.some.call(record.addedNodes, node => node.nodeType === 1);
  // From the parsed document on (its full look is at DOMContentLoaded): an observer of every node the parser
  // adds would slow every page's parsing.
  const watch = () => new MutationObserver(records => {{ if (records.some(matters)) soon(); }}).observe(document, {{
    subtree: true, childList: true, attributes: true, attributeFilter: ['style', 'class', 'hidden', 'src']
  }});
  const parsed = () => {{ loaded(); watch(); }};
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', parsed, {{ once: true }});
  else parsed();
  if (document.readyState !== 'complete') window.addEventListener('load', loaded, {{ once: true }});
}})()"""


@dataclass(frozen=True)
class HumanNeeded:
    """What on the page needs the person, in the words of a reply."""

    what: tuple[str, ...]  # "a reCAPTCHA", PASSWORD

    def describe(self) -> str:
        if len(self.what) == 1:
            return self.what[0]
        return ", ".join(self.what[:-1]) + " and " + self.what[-1]


@dataclass
class _TabMemory:
    """What is known of the tab's current document."""

    document: int = -2  # which one (TabState.document)
    looked: bool = False  # fully looked at (password fields too), by us or by the tab itself
    shows: tuple[str, ...] = ()  # the CAPTCHAs it shows, by the latest look
    password: bool = False  # a password field was shown when it loaded
    told: set[str] = field(default_factory=set)  # said to the agent already

    def now_at(self, document: int) -> None:
        if document != self.document:
            self.document, self.looked, self.shows, self.password = document, False, (), False
            self.told = set()

    def news(self) -> HumanNeeded | None:
        showing = [*self.shows, *([PASSWORD] if self.password else [])]
        news = tuple(name for name in showing if name not in self.told)
        self.told.update(news)
        return HumanNeeded(news) if news else None


class _Checks:
    """What is known per tab of one browser session; hears the tabs' own reports."""

    def __init__(self, tabs: Tabs) -> None:
        self.tabs = tabs
        self.memory: WeakKeyDictionary[Page, _TabMemory] = WeakKeyDictionary()
        self.watched: WeakSet[TabWatch] = WeakSet()
        tabs.listen(self._on_event)

    def of(self, page: Page, document: int) -> _TabMemory:
        memory = self.memory.get(page)
        if memory is None:
            memory = self.memory[page] = _TabMemory()
        memory.now_at(document)
        return memory

    def _on_event(self, page: Page, event: PageEvent) -> None:
        if event.kind != _EVENT:
            return
        # Our world's reports come on the same channel as the news of a new document: in order.
        memory = self.of(page, self.tabs.state(page).document)
        _take(memory, event.data)


def _take(memory: _TabMemory, look: dict[str, Any]) -> None:
    found = look.get("found")
    memory.shows = tuple(str(name) for name in found) if isinstance(found, list) else ()
    if look.get("loaded", True):
        memory.looked, memory.password = True, bool(look.get("password"))


_CHECKS: WeakKeyDictionary[Tabs, _Checks] = WeakKeyDictionary()


async def needs_human(session: BrowserSession, page: Page) -> HumanNeeded | None:
    """What `page` shows that needs the person and was not said yet for its document; None if nothing."""
    tabs = session.tabs
    checks = _CHECKS.get(tabs)
    if checks is None:
        checks = _CHECKS[tabs] = _Checks(tabs)
    state = tabs.state(page)
    watch = state.watch
    if watch is None or page.is_closed() or state.dialog is not None or state.document < 0:
        return None  # a dialog blocks the page's scripts, ours too
    document = state.document
    memory = checks.of(page, document)
    if not memory.looked:
        # Not reported by the tab itself (its first document since we watch it, or not parsed yet): one look,
        # and once per tab the watch that reports its later documents and changes.
        looks = [watch.evaluate(_CHECK_EXPRESSION, timeout_s=_CHECK_TIMEOUT_S)]
        if watch not in checks.watched:
            checks.watched.add(watch)
            looks.append(watch.add_script(_WATCH_SCRIPT))
        try:
            look, *_ = await asyncio.wait_for(asyncio.gather(*looks), _CHECK_TIMEOUT_S)
        except Exception as exc:  # a page too busy to answer, or gone: not worth failing or waiting for
            log.debug("could not look for a CAPTCHA on %s: %r", page.url, exc)
            return None
        if not isinstance(look, dict):
            return None  # still loading: looked at on the next call
        memory = checks.of(page, document)
        _take(memory, look)
    return memory.news()
