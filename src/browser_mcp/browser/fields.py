"""Whether an element takes typed text, and what it is when it does not (the type tool's refusal); setting
a slider that is not an <input> with its keys."""

from __future__ import annotations

import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from browser_mcp.browser.element_names import ROLE_AND_NAME_JS
from browser_mcp.browser.locate import Target
from browser_mcp.text import clip_argument, shorten, with_article

# What Playwright's fill says of an element it cannot fill (it refuses at once, without waiting).
NOT_FILLABLE = re.compile(
    r"Element is not an <input>|cannot be filled|Cannot type text into|element is not editable"
)

# What an <input> of these types takes, as a sentence says it: the browser keeps nothing else in it.
INPUT_FORMATS = {
    "date": "a date as YYYY-MM-DD (e.g. 2026-12-24)",
    "time": "a time as HH:MM, 24-hour (e.g. 14:30)",
    "datetime-local": "a date and time as YYYY-MM-DDTHH:MM (e.g. 2026-12-24T14:30)",
    "month": "a month as YYYY-MM (e.g. 2026-12)",
    "week": "a week as YYYY-Www (e.g. 2026-W52)",
    "color": "a colour as #rrggbb (e.g. #ff8800)",
    "number": "a number only (digits, one point, a sign)",
}
# What Playwright's fill says of text for an <input type=number> that is not a number.
NOT_A_NUMBER = "Cannot type text into input[type=number]"

# The element the text would go to, as Playwright's fill finds it (a label leads to its control), and
# what kind of thing it is: "text" takes typing; anything else is named.
_KIND_JS = """el => {
  if (!el.matches('input, textarea, select') && !el.isContentEditable) {
    const label = el.closest('label');
    if (label && label.control) el = label.control;
  }
  if (el.isContentEditable) return 'text';
  const tag = el.tagName.toLowerCase();
  if (tag === 'select') return 'select';
  if (tag !== 'input' && tag !== 'textarea') return 'other';
  const type = tag === 'input' ? (el.getAttribute('type') || 'text').toLowerCase() : 'text';
  if (['checkbox', 'radio', 'file', 'range', 'button', 'submit', 'reset', 'image', 'hidden'].includes(type))
    return type;
  return el.readOnly || el.disabled ? 'read-only' : 'text';
}"""

_INSTEAD = {
    "checkbox": "use click, or fill_form with type 'checkbox'",
    "radio": "use click, or fill_form with type 'radio'",
    "select": "use select_option",
    "file": "use file_upload",
    "range": "use fill_form with type 'slider'",
}
_NAME_CHARS = 60
_READ_MS = 1000


async def not_a_text_field(target: Target, tool: str = "type") -> str | None:
    """None if `target` takes typed text; else the sentence that says what it is and what to use."""
    try:
        kind = await target.locator.evaluate(_KIND_JS, timeout=_READ_MS)
    except PlaywrightError:
        return None  # gone or not readable: the action itself reports what is wrong
    if kind == "text":
        return None
    # A ref's label already says its role and name; a selector's does not.
    what = "" if target.ref else f" {await _what_it_is(target)},"
    if kind == "read-only":
        return f"{target.label} is{what} read-only or disabled: nothing can be typed into it now."
    instead = _INSTEAD.get(
        str(kind), "use click for a button or a link, or take a snapshot and pick a textbox"
    )
    return (
        f"{target.label} is{what} not a text field: {tool} writes only into text inputs, text areas and "
        f"editable areas. Nothing was typed; {instead}."
    )


def not_a_number(target: Target, text: str) -> str:
    """The refusal of text that is not a number, for an <input type=number>."""
    return f"{target.label} takes {INPUT_FORMATS['number']}: {clip_argument(text)!r} is not one. Nothing was typed."


async def _what_it_is(target: Target) -> str:
    """'a button "Alert me"': the element's role and name as a snapshot would give them, roughly ('an
    element' if it has no role). Not from an accessibility snapshot: that would replace the refs of the
    model's last one."""
    try:
        role, name = await target.locator.evaluate(ROLE_AND_NAME_JS, timeout=_READ_MS)
    except PlaywrightError:
        return "an element"
    if not role:
        return "an element"
    named = shorten(str(name), _NAME_CHARS)
    return with_article(str(role)) + (f' "{named}"' if named else "")


# Where a person would click a checkbox or radio that the page hides behind its label (showing a box of its
# own instead: an input made tiny, transparent or clipped): [x, y] in the viewport, on the label and on none
# of the links or buttons in it. Null when the control can be clicked itself, has no label shown, or something
# else covers it (the click's own sentence says what), or it already is as `checked` asks (null: either way).
_LABEL_POINT_JS = """(el, checked) => {
  if (el.localName !== 'input' || !['checkbox', 'radio'].includes(el.type) || el.disabled) return null;
  if (checked !== null && el.checked === checked) return null;
  const box = el.getBoundingClientRect();
  const shown = box.width >= 4 && box.height >= 4 && getComputedStyle(el).opacity !== '0';
  const hit = shown ? document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) : null;
  if (hit === el) return null;
  const label = [...(el.labels || [])].find(label => label.getClientRects().length);
  if (!label || (hit && !label.contains(hit))) return null;
  label.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  const interactive = 'a, button, input, select, textarea, [role=link], [role=button]';
  for (const part of [label, ...label.querySelectorAll('*')]) {
    for (const rect of part.getClientRects()) {
      const x = rect.x + rect.width / 2, y = rect.y + rect.height / 2;
      const at = document.elementFromPoint(x, y);
      if (at && label.contains(at) && (at === el || !at.closest(interactive))) return [x, y];
    }
  }
  return null;
}"""


async def label_point(
    locator: Locator, timeout_ms: float, checked: bool | None = None
) -> tuple[float, float] | None:
    """Where to click for a checkbox or radio hidden behind its label (see _LABEL_POINT_JS); None when it
    is clicked as it is, or (`checked`) already is checked or not as asked."""
    try:
        point = await locator.evaluate(_LABEL_POINT_JS, checked, timeout=timeout_ms)
    except PlaywrightError:
        return None  # the action itself says what is wrong
    return (float(point[0]), float(point[1])) if point else None


# [value, min, max] of an element with role=slider, from its aria-value* (null where not a number).
_SLIDER_JS = """el => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax'].map(name => {
  const value = parseFloat(el.getAttribute(name));
  return Number.isFinite(value) ? value : null;
})"""
_SLIDER_KEYS = 200  # presses at most: a slider of 0-100 in steps of 1 needs 100


async def slide_to(locator: Locator, wanted: float, timeout_ms: float) -> float | None:
    """Move a slider that is not an <input type=range> (an element with role=slider and aria-valuenow) to
    `wanted` with its keys, as a person would: Home or End for its ends, else the arrows one step at a
    time, stopping at the step nearest `wanted`. Returns the value it has then (None: it has none)."""
    now, low, high = await locator.evaluate(_SLIDER_JS, timeout=timeout_ms)
    if now is None:
        return None
    if low is not None and wanted <= low:
        await locator.press("Home", timeout=timeout_ms)
    elif high is not None and wanted >= high:
        await locator.press("End", timeout=timeout_ms)
    else:
        up = wanted > now
        key, back = ("ArrowRight", "ArrowLeft") if up else ("ArrowLeft", "ArrowRight")
        for _ in range(_SLIDER_KEYS):
            if now == wanted or (now > wanted) == up:
                break
            await locator.press(key, timeout=timeout_ms)
            before, now = now, (await locator.evaluate(_SLIDER_JS, timeout=timeout_ms))[0]
            if now is None or now == before:  # it does not move with keys (or at an end)
                break
            if (now > wanted) == up and abs(now - wanted) > abs(before - wanted):
                await locator.press(back, timeout=timeout_ms)  # one step past: the one before was nearer
    value: float | None = (await locator.evaluate(_SLIDER_JS, timeout=timeout_ms))[0]
    return value
