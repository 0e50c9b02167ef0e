"""Running the agent's own JavaScript in a page (the evaluate tool, off unless the server allows it).

The script runs in the page's own world (its variables are the point), wrapped so that whatever it
returns comes back as text the model can read: nodes as a short tag, cycles and repeats marked, Maps
and Sets as their entries, `undefined` and functions named, and never more than the caller's limit.
The same round trip reads the values of the page's secret fields, to hide them from the result.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from browser_mcp.browser.secrets import (
    SECRET_AUTOCOMPLETE,
    SECRETS_JS,
    Secrets,
    hide_in_result,
    read_secrets,
)

# [kind, text, length of the whole text, [values of the secret fields, ...]]. `made` is the source as an
# expression: a function is called with the element (or null), and a promise is awaited.
_RUN_JS = """async (element) => {{
  const made = ({source}
  );
  const value = typeof made === 'function' ? await made(element) : await made;
  const secrets = ({secrets_js})({names})[0];
  if (typeof value === 'string') return ['string', value.slice(0, {limit}), value.length, secrets];
  if (value === undefined) return ['undefined', '', 0, secrets];
  const seen = new WeakSet();
  const tag = (n) => {{
    if (n.nodeType !== 1) return '[' + n.nodeName + ']';
    const text = (n.textContent || '').trim().replace(/\\s+/g, ' ');
    const shown = text.length > 80 ? text.slice(0, 79) + '\\u2026' : text;
    return '<' + n.localName + (n.id ? '#' + n.id : '') + '>' + (shown ? ' ' + shown : '');
  }};
  const text = JSON.stringify(value, (key, x) => {{
    if (typeof x === 'bigint') return x + 'n';
    if (typeof x === 'function') return '[function' + (x.name ? ' ' + x.name : '') + ']';
    if (typeof x === 'symbol') return x.toString();
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    if (x === null || typeof x !== 'object') return x;
    if (x instanceof Node) return tag(x);
    if (x === window) return '[window]';
    if (seen.has(x)) return '[shown above]';
    seen.add(x);
    if (x instanceof Error) return x.name + ': ' + x.message;
    if (x instanceof Map) return Object.fromEntries(x);
    if (x instanceof Set || x instanceof NodeList || x instanceof HTMLCollection) return Array.from(x);
    return x;
  }});
  return ['json', String(text).slice(0, {limit}), String(text).length, secrets];
}}"""
# Playwright's prefix and the stack it adds to a script's error: the model needs the error's own line.
_CALL_PREFIX = re.compile(r"^(?:Page|Locator|Frame|ElementHandle)\.evaluate: ")


@dataclass(frozen=True)
class ScriptResult:
    kind: str  # "string" (text as it is), "json", or "undefined"
    text: str  # at most the caller's limit, secrets hidden
    length: int  # of the whole text


class ScriptError(Exception):
    """The script threw, or is not valid JavaScript: str() is the page's own message (one line)."""

    def __init__(self, message: str, *, syntax: bool) -> None:
        super().__init__(message)
        self.syntax = syntax


async def run_script(
    page: Page, source: str, element: Locator | None, limit: int, timeout_s: float
) -> ScriptResult:
    """Run `source` (an expression, or a function called with `element`) in the page's world."""
    wrapped = _RUN_JS.format(
        source=source, secrets_js=SECRETS_JS, names=list(SECRET_AUTOCOMPLETE), limit=limit
    )
    running = element.evaluate(wrapped, timeout=timeout_s * 1000) if element else page.evaluate(wrapped)
    try:
        kind, text, length, values = await asyncio.wait_for(running, timeout_s)
    except PlaywrightError as exc:
        message = _CALL_PREFIX.sub("", str(exc)).split("\n")[0].strip()
        if not _thrown_by_the_script(message):
            raise
        hidden = hide_in_result(message, await _secrets(page, None), as_json=False)
        raise ScriptError(hidden, syntax=message.startswith("SyntaxError")) from None
    secrets = await _secrets(page, [str(value) for value in values])
    return ScriptResult(str(kind), hide_in_result(str(text), secrets, as_json=kind == "json"), int(length))


def _thrown_by_the_script(message: str) -> bool:
    """Playwright's own failures (a closed page, a navigation, a timeout) are not the script's errors."""
    ours = ("Target page, context or browser has been closed", "Execution context was destroyed", "Timeout ")
    return bool(message) and not message.startswith(ours)


async def _secrets(page: Page, main_values: list[str] | None) -> Secrets:
    """The main frame's secrets as the script's own round trip read them (None: ask it too), and those of
    the other frames (a script can reach into the page's same-origin frames)."""
    frames = [frame for frame in page.frames if main_values is None or frame != page.main_frame]
    read = await read_secrets(page.main_frame, frames) if frames else Secrets()
    return Secrets(values=read.values | frozenset(main_values or ()))
