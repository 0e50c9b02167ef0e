"""Turning Playwright and browser failures into sentences a model can act on (the frame does it once)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import ValidationError

from browser_mcp.text import clip_argument, first_line, quote_argument, shorten

# Of Playwright's own words quoted in a sentence (they may quote a whole selector or URL).
_DETAIL_CHARS = 300
# Documents the browser shows in a viewer of its own, with nothing of them in the page's accessibility tree.
_VIEWERS = {"application/pdf": "a PDF"}


def in_a_viewer(content_type: str | None) -> str | None:
    """What to say of a document of `content_type` the browser shows in a viewer of its own (a PDF), whose
    text no snapshot can read; None for a page."""
    what = _VIEWERS.get((content_type or "").split(";")[0].strip().lower())
    if what is None:
        return None
    return (
        f"The tab shows {what} in the browser's viewer: a snapshot cannot read its text, and the person can "
        "(ask_user can ask them about it)."
    )


_NET_ERROR_HINTS = {
    "ERR_NAME_NOT_RESOLVED": "the host name could not be resolved; check the URL",
    "ERR_CONNECTION_REFUSED": "nothing is listening there; check the host and port",
    "ERR_CONNECTION_RESET": "the server reset the connection",
    "ERR_CONNECTION_TIMED_OUT": "the server did not answer",
    "ERR_INTERNET_DISCONNECTED": "the browser has no network",
    "ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
    "ERR_CERT_": "the site's TLS certificate was rejected",
    "ERR_UNSAFE_PORT": "Chromium refuses this port as unsafe; use another port",
    "ERR_ABORTED": "the navigation was cancelled (another navigation or a download replaced it)",
    "ERR_BLOCKED_BY_CLIENT": "the browser blocked the request",
    "ERR_TOO_MANY_REDIRECTS": "the site redirects in a loop",
    "ERR_INVALID_URL": "the URL is not valid",
    "ERR_INVALID_AUTH_CREDENTIALS": (
        "the site asks for a user name and password (HTTP authentication), which the browser did not give; "
        "call ask_user if the person can sign in, or open another page"
    ),
    "ERR_EMPTY_RESPONSE": "the server closed the connection without answering",
    "ERR_TIMED_OUT": "the server did not answer in time",
    "ERR_SSL_PROTOCOL_ERROR": "the site's TLS connection failed",
    "ERR_PROXY_CONNECTION_FAILED": "the browser's proxy could not be reached",
    "ERR_TUNNEL_CONNECTION_FAILED": "the browser's proxy could not open a connection to the site",
    "ERR_HTTP_RESPONSE_CODE_FAILURE": "the server answered with an error and no page to show",
}

_ARGUMENT_ERRORS = 5  # named one by one; more are counted


def invalid_arguments(tool: str, error: ValidationError) -> str:
    """Arguments that do not fit the tool's input schema, said without pydantic's codes and links:
    "`direction`: input should be 'down', 'up', 'left' or 'right' (got 'sideways')"."""
    problems = error.errors(include_url=False)
    said = [_argument_problem(problem) for problem in problems[:_ARGUMENT_ERRORS]]
    if len(problems) > _ARGUMENT_ERRORS:
        said.append(f"and {len(problems) - _ARGUMENT_ERRORS} more")
    return (
        f"Invalid arguments, nothing was done: {'; '.join(said)}. Call {tool} again with the arguments fixed."
    )


def _argument_problem(problem: Any) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ())) or "the arguments"
    if problem.get("type") == "missing":
        return f"`{where}` is required"
    message = str(problem.get("msg", "is not valid"))
    said = f"`{where}`: {message[:1].lower()}{message[1:]}"
    if "input" in problem:
        said += f" (got {_shown_input(problem['input'])})"
    return said


def _shown_input(value: object) -> str:
    if isinstance(value, str):
        return quote_argument(value)
    try:
        return clip_argument(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        return clip_argument(repr(value))


_CLOSED_MARKERS = (
    "Target page, context or browser has been closed",
    "Target closed",
    "Browser has been closed",
    "Connection closed",
    "browser has disconnected",
    "Browser closed",
)


def is_closed_error(exc: BaseException | None) -> bool:
    text = str(exc)
    return isinstance(exc, PlaywrightError) and any(marker in text for marker in _CLOSED_MARKERS)


def explain(
    exc: BaseException, what: str, timeout_s: float | None = None, *, page_still: bool = False
) -> str:
    """The sentence for a failed Playwright call; `what` names the action ("click on button 'Send'").

    `page_still`: the call gave up after `timeout_s` because nothing on the page changed meanwhile."""
    text = str(exc)
    if isinstance(exc, PlaywrightTimeoutError) or ("Timeout" in first_line(text) and "exceeded" in text):
        seconds = f" after {timeout_s:g} s" if timeout_s else ""
        if page_still:
            seconds += " (nothing on the page changed meanwhile)"
        if "intercepts pointer events" in text:
            blocker = re.findall(r"- (<.*?>) .*intercepts pointer events", text)
            by = f" ({blocker[-1]} is on top of it)" if blocker else ""
            return (
                f"{what} failed{seconds}: the element is covered by another element{by}. "
                "Close the overlay or dialog covering it, or scroll, then try again."
            )
        if "element is not visible" in text:
            return (
                f"{what} failed{seconds}: the element is not visible (hidden, collapsed or zero-size). "
                "Open the menu or section that contains it, or pick a visible element from a new snapshot."
            )
        if "element is not enabled" in text or "element is disabled" in text:
            return f"{what} failed{seconds}: the element is disabled. Fill what it needs first."
        if "element is not editable" in text or "not an <input>" in text:
            return f"{what} failed{seconds}: the element is not an editable field."
        if "element is not stable" in text:
            return f"{what} failed{seconds}: the element kept moving (an animation?). Try again."
        if "locator resolved to" not in text and re.search(r"waiting for (locator|get_by)", text):
            return f"{what} failed{seconds}: no element matched. Take a new snapshot and use a ref from it."
        if "waiting for navigation" in text or "navigating to" in text:
            return (
                f"{what} timed out{seconds}: the page did not finish loading. Take a snapshot to see "
                "how far it got, or wait_for some text."
            )
        return f"{what} timed out{seconds}. The page may be busy; take a snapshot to see its state."
    if is_closed_error(exc):
        return (
            f"{what} failed: the tab or the browser closed during the call. "
            "Call tabs to see what is open; the next call reconnects if the browser restarted."
        )
    if "strict mode violation" in text:
        count = re.search(r"resolved to (\d+) elements", text)
        n = count.group(1) if count else "several"
        return (
            f"{what} failed: the selector matches {n} elements. Use a ref from a snapshot, "
            "or a more specific selector."
        )
    net = re.search(r"net::(ERR_[A-Z0-9_]+)", text)
    if net:
        code = net.group(1)
        hint = next((h for key, h in _NET_ERROR_HINTS.items() if code.startswith(key)), "")
        return f"{what} failed: net::{code}" + (f" ({hint})." if hint else ".")
    if "Unknown key" in text:
        key = re.search(r'Unknown key: "(.*?)"', text)
        name = clip_argument(key.group(1)) if key else "?"
        return (
            f"{what} failed: '{name}' is not a key name. Use names like Enter, Tab, Escape, ArrowDown, "
            "a, Control+A, Shift+Tab."
        )
    if "Unexpected token" in text or "is not a valid selector" in text or "Unknown engine" in text:
        return f"{what} failed: the selector is not valid ({shorten(first_line(text), _DETAIL_CHARS)})."
    if "Cannot navigate to invalid URL" in text or "invalid URL" in text:
        return f"{what} failed: the URL is not valid."
    if "Not a checkbox or radio" in text:
        return f"{what} failed: the element is not a checkbox or radio button."
    if "Element is not a <select>" in text or "not a <select>" in text:
        return f"{what} failed: the element is not a <select>; click it and pick the option instead."
    if "did not find some options" in text or "Options not found" in text:
        return f"{what} failed: none of the given values match an option of this list."
    detail = shorten(first_line(text), _DETAIL_CHARS).removeprefix("Error: ")
    detail = re.sub(r"^\w+\.\w+: ", "", detail)
    return f"{what} failed: {detail}"
