"""select_option and fill_form: choosing options and filling several fields at once, in <select>s, in the
lists pages draw, and in checkboxes, radios and sliders."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

from playwright.async_api import Error as PlaywrightError
from pydantic import BaseModel, Field

from browser_mcp.browser.choose import choose_in_list, refuse_missing_options
from browser_mcp.browser.fields import NOT_A_NUMBER, NOT_FILLABLE, not_a_number, not_a_text_field, slide_to
from browser_mcp.browser.locate import Target, locate
from browser_mcp.browser.page_changes import note_before_action
from browser_mcp.browser.patience import GaveUp
from browser_mcp.errors import Problem
from browser_mcp.people import AgentIntent
from browser_mcp.text import quote_argument
from browser_mcp.tools.acting import (
    LISTED,
    act,
    click_label_instead,
    describe_outcome,
    on_element,
    patiently,
    timeout_ms_of,
    timeout_s_of,
)
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.params import Element, Ref, Selector
from browser_mcp.tools.spec import Kind, tool

_FIRST_TRY_MS = 1000  # a <select> gets this long before its options are checked for the value


class FormField(BaseModel):
    """One field of fill_form."""

    ref: Ref = None
    selector: Selector = None
    element: Element = None
    type: Literal["textbox", "checkbox", "radio", "combobox", "slider"] = Field(
        "textbox", description="What kind of field it is (as in the snapshot)."
    )
    value: str = Field(
        description="Text for a textbox, 'true'/'false' for a checkbox or radio, the option label for a combobox."
    )


@tool(
    "select_option",
    title="Select option",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Choose options in a <select> (by label or value), or in a list the page draws (a combobox, "
    "a listbox, a button that opens one): it is opened and the options clicked by name.",
)
async def select_option(
    call: ToolCall,
    values: Annotated[list[str], Field(min_length=1, description="Labels or values to select.")],
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
) -> None:
    timeout = timeout_ms_of(call)
    from_list: list[bool] = []  # not a <select>: picked in the list the page draws

    async def choose(target: Target) -> None:
        select = patiently(
            call, lambda locator, timeout_ms: locator.select_option(values, timeout=timeout_ms)
        )
        try:
            await select(target)
        except (PlaywrightError, GaveUp) as exc:
            if "not a <select>" not in str(exc):
                await refuse_missing_options(target, values)  # waited for an option that is not there
                raise
            await choose_in_list(target, values, timeout)
            from_list.append(True)

    target = await on_element(
        call, ref, selector, element, "choose an option in", choose, sets_value=True, instant=True
    )
    how = " (not a <select>: picked in its list, as a person would)" if from_list else ""
    call.reply.say(f"Selected {_listed([quote_argument(value) for value in values])} in {target.label}{how}.")


@tool(
    "fill_form",
    title="Fill form",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Fill several form fields in one call: textboxes, checkboxes, radios, comboboxes, sliders.",
)
async def fill_form(
    call: ToolCall,
    fields: Annotated[list[FormField], Field(min_length=1, description="The fields to fill, in order.")],
) -> None:
    page = call.page
    url_before = page.url
    targets = [await locate(call.session, page, f.ref, f.selector, f.element) for f in fields]
    await note_before_action(call.session, page, timeout_s_of(call))
    filled: list[str] = []
    outcome = None
    for field, target in zip(fields, targets, strict=True):
        call.target = target.label
        text = field.value if field.type == "textbox" else None
        instant = field.type in ("textbox", "combobox")  # a click (checkbox, radio) is not
        intent = AgentIntent("fill_form", f"fill {target.name}", target.locator, text, instant)
        outcome = await act(call, intent, functools.partial(_fill_one, target, field, timeout_ms_of(call)))
        filled.append(target.label)
        call.partial = f"Filled before it: {_listed(filled)}."
        if outcome.dialog_opened:
            break
    call.target = None
    call.reply.say(f"Filled {len(filled)} of {len(fields)} fields: {_listed(filled)}.")
    if outcome is not None:
        refs = [target.ref for target in targets if target.ref]
        by_dom = all(field.type in ("textbox", "combobox") for field in fields)
        await describe_outcome(call, outcome, url_before, refs, sets_value=True, shown_by_dom=by_dom)


def _listed(names: list[str]) -> str:
    """'a, b, c', and past a few names how many more."""
    more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return ", ".join(names[:LISTED]) + more


async def _fill_one(target: Target, field: FormField, timeout_ms: float) -> None:
    locator = target.locator
    if field.type in ("textbox", "slider"):
        try:
            await locator.fill(field.value, timeout=timeout_ms)
        except PlaywrightError as exc:  # as for type: say what the element is
            if NOT_A_NUMBER in str(exc):
                raise Problem(not_a_number(target, field.value)) from exc
            if field.type == "slider" and NOT_FILLABLE.search(str(exc)):
                await _slide(target, field.value, timeout_ms)  # a slider of the page's own (role=slider)
                return
            refusal = await not_a_text_field(target, "fill_form") if NOT_FILLABLE.search(str(exc)) else None
            if refusal is not None and field.type == "textbox":
                raise Problem(refusal) from exc
            raise
    elif field.type in ("checkbox", "radio"):
        wanted = field.value.strip().lower() in ("true", "1", "yes", "on", "checked")
        if target.in_top_document:  # one the page hides behind its label, unless it is as wanted already
            await click_label_instead(target, timeout_ms, checked=wanted)
        await locator.set_checked(wanted, timeout=timeout_ms)  # at once when it is as wanted already
    else:  # combobox: a <select>, a text field that suggests values (a list, a search box), a list it opens
        # A first try of a second: an option that is not there is said then, not after the whole timeout
        # (one that comes late, loaded for the field, is still waited for).
        first_ms = min(timeout_ms, _FIRST_TRY_MS)
        try:
            await locator.select_option(field.value, timeout=first_ms)
        except PlaywrightError as exc:
            if "not a <select>" in str(exc):
                await choose_in_list(target, [field.value], timeout_ms, text_will_do=True)
                return
            await refuse_missing_options(target, [field.value])
            if timeout_ms <= first_ms:
                raise
            await locator.select_option(field.value, timeout=timeout_ms - first_ms)


async def _slide(target: Target, value: str, timeout_ms: float) -> None:
    try:
        wanted = float(value)
    except ValueError:
        raise Problem(f"{target.label} is a slider: give it a number, not {quote_argument(value)}.") from None
    reached = await slide_to(target.locator, wanted, timeout_ms)
    if reached is None:
        raise Problem(f"{target.label} does not say its value (no aria-valuenow): click or drag it instead.")
    if reached != wanted:
        raise Problem(
            f"{target.label} stopped at {reached:g}, the nearest value its keys reach to {wanted:g}: it is "
            "set to that."
        )


TOOLS = [select_option, fill_form]
