"""Choosing in a list the page draws (a role=listbox of role=option elements: the select of a UI kit, a
combobox that opens a menu), as a person does: open it with a click, click the option. A combobox one types
into (a list filtered as one types) gets the option's text typed, then its option clicked.

select_option and fill_form use it for what is not a <select>.
"""

from __future__ import annotations

from collections.abc import Sequence

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from browser_mcp.browser.locate import Target
from browser_mcp.browser.patience import page_answers
from browser_mcp.errors import Problem
from browser_mcp.text import clip_argument, shorten

# A list opens within a frame or two of the click; its options may come from a fetch a little later.
LIST_WAIT_MS = 1_500
_NAMED = 15  # options a refusal names
_OPTION_CHARS = 60

# [role, the id of the list it opens (aria-controls / aria-owns) or "", whether it says it opens a list,
#  whether one types into it, whether its suggestions are the browser's own (a <datalist>)]
_ABOUT_JS = """el => [
  el.getAttribute('role') || '',
  (el.getAttribute('aria-controls') || el.getAttribute('aria-owns') || '').split(/\\s+/)[0],
  ['listbox', 'true'].includes(el.getAttribute('aria-haspopup')),
  el.matches('input:not([type]), input[type=text], input[type=search], textarea') && !el.readOnly,
  el.matches('input[list]'),
]"""
_LISTS = ("combobox", "listbox")


async def choose_in_list(
    target: Target, values: Sequence[str], timeout_ms: float, *, text_will_do: bool = False
) -> None:
    """Pick each of `values` (an option's name: exactly, or the only option that contains it) in the list
    `target` is or opens, as a person does. A field one types into gets the value typed, then its option
    clicked (`text_will_do`: if no such option shows, the typed text stays). Problem (saying what the list
    offers) when an option is not there; nothing is clicked on an element that opens no list."""
    locator = target.locator
    role, controls, pops_up, typed_into, datalist = await locator.evaluate(_ABOUT_JS, timeout=timeout_ms)
    if role not in _LISTS and not pops_up and not controls and not datalist:
        if typed_into and text_will_do:  # a text field named a combobox: its text is the value
            await locator.fill(values[-1], timeout=timeout_ms)
            return
        raise Problem(
            f"{target.label} is not a <select> nor a list of options: select_option picks in those. Click "
            "it if it opens one, then use select_option on that, or click the option."
        )
    scope = _list(target, str(role), str(controls))
    options = scope.get_by_role("option")
    for value in values:
        if typed_into:
            await locator.click(timeout=timeout_ms)
            await locator.fill(value, timeout=timeout_ms)
            if datalist:
                continue  # the browser's own suggestions: the text is the value
            option = await _option(scope, value, wait=True)
        else:
            if role != "listbox" and not await options.first.is_visible():  # a click on an open one shuts it
                await locator.click(timeout=timeout_ms)
            try:
                await options.first.wait_for(state="visible", timeout=LIST_WAIT_MS)
            except PlaywrightError as exc:
                raise Problem(
                    f"{target.label} is not a <select>, and a click on it opened no list of options: click it "
                    "and pick what it shows."
                ) from exc
            option = await _option(scope, value)
        if option is None and typed_into and text_will_do:
            continue
        if option is None:
            offered = await _names(options)
            raise Problem(
                f"{target.label} has no option {clip_argument(value)!r}; its list (open now) offers: "
                f"{offered}. Call select_option with one of those."
            )
        await option.click(timeout=timeout_ms)


# For a <select>: [the values none of its options has as value or label, every option's label]; null if
# the element is not a <select>.
_LACKS_JS = """(el, values) => {
  if (el.localName !== 'select') return null;
  const options = [...el.options];
  const has = value => options.some(o => o.value === value || o.label === value || o.textContent.trim() === value);
  return [values.filter(value => !has(value)), options.map(o => o.label || o.textContent.trim())];
}"""


async def refuse_missing_options(target: Target, values: Sequence[str]) -> None:
    """After a <select> could not be set: Problem naming an asked-for option it does not have, and what it
    offers. Nothing when all are there (the failure was something else)."""
    try:
        found = await target.locator.evaluate(_LACKS_JS, list(values), timeout=LIST_WAIT_MS)
    except PlaywrightError:
        return
    if not found or not found[0]:
        return
    missing, offered = found
    raise Problem(
        f"{target.label} has no option {clip_argument(str(missing[0]))!r}; it offers: "
        f"{_offered([str(label) for label in offered]) or '(no options)'}. Call select_option with one of those."
    )


def _list(target: Target, role: str, controls: str) -> Locator:
    """Where the options are: in the element itself (a listbox), the list it names, or any list shown, in
    the element's own document (a frame's, for an element in a frame)."""
    locator = target.locator
    if role == "listbox":
        return locator
    document = locator.page if target.in_top_document else locator.locator("xpath=ancestor::body[1]")
    if controls:
        return document.locator(f"[id={_css_string(controls)}]")
    return document.locator("[role=listbox]").filter(visible=True)


async def _option(scope: Locator, value: str, *, wait: bool = False) -> Locator | None:
    """The shown option of `scope` named `value` exactly, else the only one whose name contains it."""
    exact = scope.get_by_role("option", name=value, exact=True).filter(visible=True)
    containing = scope.get_by_role("option", name=value).filter(visible=True)
    if wait:
        try:
            await containing.first.wait_for(state="visible", timeout=LIST_WAIT_MS)
        except PlaywrightError:
            return None
    if await page_answers(exact.count(), LIST_WAIT_MS / 1000) > 0:
        return exact.first
    return containing if await page_answers(containing.count(), LIST_WAIT_MS / 1000) == 1 else None


async def _names(options: Locator) -> str:
    try:
        texts = await options.filter(visible=True).all_inner_texts()
    except PlaywrightError:
        texts = []
    return _offered([text for text in texts if text.strip()]) or "(nothing readable)"


def _offered(names: Sequence[str]) -> str:
    """'250 g', '500 g', '1 kg' and 3 more: the options a refusal names."""
    more = f" and {len(names) - _NAMED} more" if len(names) > _NAMED else ""
    return ", ".join(repr(shorten(name, _OPTION_CHARS)) for name in names[:_NAMED]) + more


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
