"""click, hover, type, press_key, drag: the agent's hands on the page (forms.py has select_option and
fill_form, scrolling.py scroll). Each runs in the frame of acting.py, then says what changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated, Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import Field

from browser_mcp.browser.fields import NOT_A_NUMBER, NOT_FILLABLE, not_a_number, not_a_text_field
from browser_mcp.browser.locate import Target, locate
from browser_mcp.browser.page_changes import note_before_action
from browser_mcp.browser.patience import GaveUp
from browser_mcp.browser.points import Point
from browser_mcp.browser.snapshot import focused_in
from browser_mcp.browser.suggestions import wait_for_suggestions
from browser_mcp.errors import Problem
from browser_mcp.people import AgentIntent
from browser_mcp.people.waiting import FieldReading, field_holds
from browser_mcp.text import clip_argument
from browser_mcp.tools.acting import (
    act,
    at_points,
    click_label_instead,
    describe_outcome,
    on_element,
    on_point,
    patiently,
    point_of,
    timeout_ms_of,
    timeout_s_of,
)
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.params import (
    Element,
    EndElement,
    EndRef,
    EndSelector,
    PointX,
    PointY,
    Ref,
    Selector,
    StartElement,
    StartRef,
    StartSelector,
)
from browser_mcp.tools.spec import Kind, tool

Modifier = Literal["Alt", "Control", "ControlOrMeta", "Meta", "Shift"]

# type(slowly=true) sends one key every KEY_DELAY_MS: 500 characters take ~15 s, and every other call
# waits behind them. A longer text is refused with a sentence that says to fill it at once.
SLOW_TYPING_LIMIT = 500
KEY_DELAY_MS = 30
# Keys sent per round trip: a cancelled call stops typing within one round (~0.6 s).
_KEYS_PER_ROUND = 20
# Roles of fields that may show suggestions as one types (browser/suggestions.py).
_MAY_SUGGEST = ("combobox", "searchbox")
_TOGGLES = ("checkbox", "radio")  # roles whose element a page may hide behind its label


@tool(
    "click",
    title="Click",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Click an element (by ref from the latest snapshot, or selector) in the person's tab, or a "
    "point of it (x and y, read off a viewport screenshot) where a snapshot names nothing: a canvas, a map. "
    "Replies with what changed: new URL, new tab, an open dialog.",
)
async def click(
    call: ToolCall,
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
    button: Annotated[Literal["left", "right", "middle"], Field(description="Mouse button.")] = "left",
    double: Annotated[bool, Field(description="Double-click.")] = False,
    modifiers: Annotated[list[Modifier] | None, Field(description="Keys held during the click.")] = None,
    x: PointX = None,
    y: PointY = None,
) -> None:
    if x is not None or y is not None:
        await _click_at(call, (x, y), ref or selector, button, double, modifiers or [])
        return

    async def press(locator: Locator, timeout_ms: float) -> None:
        if double:
            await locator.dblclick(button=button, modifiers=modifiers, timeout=timeout_ms)
        else:
            await locator.click(button=button, modifiers=modifiers, timeout=timeout_ms)

    patient_press = patiently(call, press)
    plain = not double and button == "left" and not modifiers

    async def click_it(target: Target) -> None:
        # A checkbox or radio the page hides behind its label: clicked where a person would, on the label.
        # Asked at once of one the snapshot names so; of any other, once the click failed for its label.
        toggle = plain and target.in_top_document and target.name.startswith(_TOGGLES)
        if toggle and await click_label_instead(target, timeout_ms_of(call)):
            return
        try:
            await patient_press(target)
        except (GaveUp, PlaywrightTimeoutError) as exc:  # given up early, or at the timeout
            if not (plain and target.in_top_document and "<label" in str(exc)):
                raise
            if not await click_label_instead(target, timeout_ms_of(call)):
                raise

    verb = "double-click" if double else ("right-click" if button == "right" else "click")
    target = await on_element(call, ref, selector, element, verb, click_it)
    call.reply.say(f"{verb.capitalize()}ed {target.label}.")


async def _click_at(
    call: ToolCall,
    xy: tuple[float | None, float | None],
    element_too: str | None,
    button: Literal["left", "right", "middle"],
    double: bool,
    modifiers: list[Modifier],
) -> None:
    """A click on a point of the viewport, as a person's mouse would: on whatever is drawn there."""
    page = call.page
    verb = "double-click" if double else ("right-click" if button == "right" else "click")

    async def press(spot: Point) -> None:
        for key in modifiers:
            await page.keyboard.down(key)
        try:
            if double:
                await page.mouse.dblclick(spot.x, spot.y, button=button)
            else:
                await page.mouse.click(spot.x, spot.y, button=button)
        finally:
            for key in reversed(modifiers):
                await page.keyboard.up(key)

    await on_point(call, xy, element_too, verb, press)


@tool(
    "hover",
    title="Hover",
    kind=Kind.ACTS,
    idempotent=True,
    timeout="action",
    description="Move the mouse over an element (opens hover menus and tooltips).",
)
async def hover(
    call: ToolCall,
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
    x: PointX = None,
    y: PointY = None,
) -> None:
    if x is not None or y is not None:  # a chart's tooltip, a map's label: over a point of a canvas
        page = call.page
        await on_point(call, (x, y), ref or selector, "hover", lambda spot: page.mouse.move(spot.x, spot.y))
        return
    target = await on_element(
        call,
        ref,
        selector,
        element,
        "hover over",
        patiently(call, lambda locator, timeout_ms: locator.hover(timeout=timeout_ms)),
    )
    call.reply.say(f"Hovered {target.label}.")


@tool(
    "type",
    title="Type text",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Type text into an editable element, replacing its content. `submit` presses Enter after; "
    f"`slowly` types key by key (for fields that react to each key; at most {SLOW_TYPING_LIMIT} characters).",
)
async def type_text(
    call: ToolCall,
    text: Annotated[str, Field(description="The text to type.")],
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
    submit: Annotated[bool, Field(description="Press Enter after typing.")] = False,
    slowly: Annotated[
        bool,
        Field(
            description=f"Type one key at a time (every {KEY_DELAY_MS} ms, at most {SLOW_TYPING_LIMIT} "
            "characters) instead of filling at once."
        ),
    ] = False,
) -> None:
    if slowly and len(text) > SLOW_TYPING_LIMIT:
        seconds = SLOW_TYPING_LIMIT * KEY_DELAY_MS / 1000
        raise Problem(
            f"type with slowly=true types at most {SLOW_TYPING_LIMIT} characters (one key every "
            f"{KEY_DELAY_MS} ms, ~{seconds:g} s), and this text has {len(text):,}. Nothing was typed: use "
            "slowly=false, which fills the field at once."
        )
    timeout = timeout_ms_of(call)
    before_enter: list[str | None] = []  # with `submit`: what the field held when Enter was pressed
    readings: list[FieldReading] = []  # without `submit`: what the fields typed into hold now

    async def write(target: Target) -> None:
        locator = target.locator
        # A combobox may show suggestions once its page has reacted (a debounce, a fetch): the reply waits
        # for them. Known from the snapshot's role: a plain field costs no question to the page.
        offers_list = not submit and call.tabs.state(call.page).refs.get(target.ref, "").startswith(
            _MAY_SUGGEST
        )
        if slowly:
            await locator.click(timeout=timeout)
            # Typing over a selection replaces it, as without `slowly`, with no extra key events.
            await locator.select_text(timeout=timeout)
            await _type_keys(locator, text, timeout_s_of(call) + 2 * len(text) * KEY_DELAY_MS / 1000)
        else:
            try:
                await locator.fill(text, timeout=timeout)
            except PlaywrightError as exc:  # Playwright refuses a non-editable element at once
                if NOT_A_NUMBER in str(exc):
                    raise Problem(not_a_number(target, text)) from exc
                refusal = await not_a_text_field(target) if NOT_FILLABLE.search(str(exc)) else None
                if refusal is not None:
                    raise Problem(refusal) from exc
                raise
        if offers_list:
            await wait_for_suggestions(locator)
        if submit:
            # After Enter the page may well empty the field: what it held is read just before.
            with contextlib.suppress(PlaywrightError):
                before_enter.append(await field_holds(locator, text))
            await locator.press("Enter", timeout=timeout)

    async def refuse_if_not_a_text_field(target: Target) -> None:
        refusal = await not_a_text_field(target)
        if refusal is not None:
            raise Problem(refusal)

    async def read_back() -> None:
        # The field is read back (as the person's side does after every type): the reply never claims a
        # text the field does not hold.
        readings.extend(await call.people.waiting.read_back())

    target = await on_element(
        call,
        ref,
        selector,
        element,
        "type into",
        write,
        None if submit else text,
        sets_value=True,
        instant=not slowly and not submit,
        # Key by key, a click comes first: on a button it would press it and type nowhere.
        check=refuse_if_not_a_text_field if slowly else None,
        alongside=None if submit else read_back,
    )
    typed = f"Typed {len(text)} characters into {target.label}"
    if submit:
        held = before_enter[0] if before_enter else None
        differs = f"; before Enter it held {held}, not your text" if held is not None else ""
        call.reply.say(f"{typed} and pressed Enter{differs}.")
        return
    if readings and not readings[-1].holds_text:
        call.reply.say(f"{typed}, but {readings[-1].sentence}")
    else:
        call.reply.say(f"{typed}.")


async def _type_keys(locator: Locator, text: str, limit_s: float) -> None:
    """Type `text` into the focused field key by key, a round of keys per round trip: a cancelled call
    stops within a round, and typing that falls far behind (a page slow to take keys) stops at
    `limit_s` with a sentence."""
    keyboard = locator.page.keyboard
    deadline = time.monotonic() + limit_s
    for start in range(0, len(text), _KEYS_PER_ROUND):
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            await asyncio.wait_for(
                keyboard.type(text[start : start + _KEYS_PER_ROUND], delay=KEY_DELAY_MS), remaining
            )
        except TimeoutError:
            raise Problem(
                f"Typing stopped after about {start} of {len(text)} characters: the page took more than "
                f"{limit_s:.0f} s to take them. The field may hold part of the text: look at it (snapshot) "
                "before going on."
            ) from None


@tool(
    "press_key",
    title="Press key",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Press a key or combination in the person's tab, e.g. Enter, Escape, ArrowDown, Control+A.",
)
async def press_key(
    call: ToolCall,
    key: Annotated[str, Field(description="Key name or combination: Enter, Tab, a, Shift+Tab, Control+A.")],
) -> None:
    page = call.page
    call.target = clip_argument(key)
    url_before = page.url
    await note_before_action(call.session, page, timeout_s_of(call))
    intent = AgentIntent("press_key", f"press {call.target}")
    began = time.monotonic()
    outcome = await act(call, intent, lambda: page.keyboard.press(key))
    call.reply.say(f"Pressed {call.target}.")
    await describe_outcome(call, outcome, url_before)
    if key.rsplit("+", 1)[-1].lower() == "tab":  # the focus is what moved: say where it is
        seen = call.tabs.state(page).seen
        focused = focused_in(seen.text) if seen is not None and seen.taken_at >= began else None
        if focused is not None:
            call.reply.say(f"The focus is now on {focused}.")


_DRAG_STEPS = 5  # mouse moves on the way: sortable lists react to the move, not only to the drop


@tool(
    "drag",
    title="Drag and drop",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Drag an element onto another in the person's tab (each by ref from the latest snapshot, "
    "or selector): press on the first, move to the second, release there. Works for HTML drag and drop and "
    "for lists sorted with the mouse. Either end may be a point instead (start_x/start_y, end_x/end_y, "
    "pixels of a viewport screenshot): a canvas, a map, a slider the page draws. Replies with what changed.",
)
async def drag(
    call: ToolCall,
    start_ref: StartRef = None,
    start_selector: StartSelector = None,
    start_element: StartElement = None,
    end_ref: EndRef = None,
    end_selector: EndSelector = None,
    end_element: EndElement = None,
    start_x: Annotated[float | None, Field(description="Instead of a start element: its point's x.")] = None,
    start_y: Annotated[float | None, Field(description="The start point's y.")] = None,
    end_x: Annotated[float | None, Field(description="Instead of an end element: its point's x.")] = None,
    end_y: Annotated[float | None, Field(description="The end point's y.")] = None,
) -> None:
    if any(value is not None for value in (start_x, start_y, end_x, end_y)):
        start = await _drag_end(call, "start", start_ref, start_selector, start_element, (start_x, start_y))
        end = await _drag_end(call, "end", end_ref, end_selector, end_element, (end_x, end_y))
        await _drag_by_mouse(call, start, end)
        return
    for side, ref, selector in (("start", start_ref, start_selector), ("end", end_ref, end_selector)):
        if bool(ref) == bool(selector):
            raise Problem(
                f"Name the {side} element once: pass `{side}_ref` (from the last snapshot, e.g. e12) or "
                f"`{side}_selector` (e.g. '#card'), not both."
            )
    page = call.page
    source = await locate(call.session, page, start_ref, start_selector, start_element)
    destination = await locate(call.session, page, end_ref, end_selector, end_element)
    call.target = source.label
    call.doing = f"drag of {source.label} onto {destination.label}"
    url_before = page.url
    await note_before_action(call.session, page, timeout_s_of(call))
    intent = AgentIntent("drag", f"drag {source.name} to {destination.name}", source.locator)
    timeout = timeout_ms_of(call)
    outcome = await act(
        call,
        intent,
        lambda: source.locator.drag_to(destination.locator, steps=_DRAG_STEPS, timeout=timeout),
    )
    call.reply.say(f"Dragged {source.label} onto {destination.label}.")
    await describe_outcome(call, outcome, url_before)


async def _drag_end(
    call: ToolCall,
    side: str,
    ref: str | None,
    selector: str | None,
    element: str | None,
    xy: tuple[float | None, float | None],
) -> Point:
    """One end of a drag by the mouse: the point given, or the middle of the element (brought into view)."""
    if xy != (None, None):
        return await point_of(call, xy, ref or selector, (f"{side}_x", f"{side}_y"))
    if bool(ref) == bool(selector):
        raise Problem(
            f"Name the {side} once: `{side}_ref` (from the last snapshot), `{side}_selector`, or a point "
            f"(`{side}_x` and `{side}_y`)."
        )
    target = await locate(call.session, call.page, ref, selector, element)
    await target.locator.scroll_into_view_if_needed(timeout=timeout_ms_of(call))
    box = await target.locator.bounding_box(timeout=timeout_ms_of(call))
    if box is None:
        raise Problem(f"{target.label} is not shown on the page: there is nothing to drag {side} there.")
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return Point(*middle, target.label, given=False, for_person=target.name)


async def _drag_by_mouse(call: ToolCall, start: Point, end: Point) -> None:
    """Press at `start`, move to `end` in steps (the page reacts to the moves), release there."""
    page = call.page
    call.doing = f"drag from {start.described()} to {end.described()}"

    async def move() -> None:
        await page.mouse.move(start.x, start.y)
        await page.mouse.down()
        try:
            await page.mouse.move(end.x, end.y, steps=_DRAG_STEPS)
        finally:
            await page.mouse.up()

    label = f"drag from {start.for_person or 'a point'} to {end.for_person or 'a point'}"
    await at_points(call, start, label, move, f"Dragged from {start.described()} to {end.described()}.")


TOOLS = [click, hover, type_text, press_key, drag]
