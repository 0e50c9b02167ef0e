"""The frame of every input action: find the element, act as the agent's turn (wait for a busy person,
show the overlay) through `perform` (race against dialogs, wait for what the action caused), then say what
changed: a new page, a form the browser would not send, what the page now shows."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from playwright.async_api import Locator, Page

from browser_mcp.browser.actions import Outcome, perform
from browser_mcp.browser.fields import label_point
from browser_mcp.browser.form_refusals import InvalidField
from browser_mcp.browser.locate import Target, locate
from browser_mcp.browser.page_changes import changes_after_action, note_before_action
from browser_mcp.browser.patience import act_when_possible
from browser_mcp.browser.points import Point, point_in
from browser_mcp.browser.snapshot import ref_of
from browser_mcp.errors import Problem
from browser_mcp.people import AgentIntent
from browser_mcp.text import clip_argument, quoted, shorten
from browser_mcp.tools.frame import ToolCall

LISTED = 10  # values or fields a reply names one by one; the rest are counted
_TITLE_CHARS = 150
_FIELD_NAME_CHARS = 60
_URL_CHARS = 300


async def act(call: ToolCall, intent: AgentIntent, action: Callable[[], Awaitable[Any]]) -> Outcome[Any]:
    """One input action on the person's tab, as the agent's turn."""
    page = call.page
    async with call.people.agent_turn(call.ctx, page, intent):
        return await perform(call.session, page, action)


async def on_point(
    call: ToolCall,
    xy: tuple[float | None, float | None],
    element_too: str | None,
    verb: str,
    action: Callable[[Point], Awaitable[Any]],
) -> Point:
    """Act on a point of the viewport (read off a viewport screenshot), on whatever is drawn there, as
    the agent's turn; the page's reaction is said after the line naming the point."""
    spot = await point_of(call, xy, element_too)
    label = f"{verb} at {spot.for_person or 'a point'}"
    await at_points(call, spot, label, lambda: action(spot), f"{verb.capitalize()}ed at {spot.described()}.")
    return spot


async def point_of(
    call: ToolCall,
    xy: tuple[float | None, float | None],
    element_too: str | None,
    names: tuple[str, str] = ("x", "y"),
) -> Point:
    """The point the model gave (`names`: its parameters), refused if half given or given with an element."""
    x, y = xy
    if x is None or y is None:
        raise Problem(
            f"Give both {names[0]} and {names[1]} (pixels of a viewport screenshot), or an element."
        )
    if element_too:
        raise Problem(
            f"Give either an element (ref or selector) or a point ({names[0]} and {names[1]}), not both."
        )
    return await point_in(call.page, x, y)


async def at_points(
    call: ToolCall, first: Point, label: str, action: Callable[[], Awaitable[Any]], line: str
) -> None:
    """An action with the mouse at points of the viewport (`first`: where it starts), as the agent's turn;
    `line` says what was done, then the page's reaction."""
    page = call.page
    call.target = first.described()
    url_before = page.url
    await note_before_action(call.session, page, timeout_s_of(call))
    intent = AgentIntent(call.spec.name, label, point=(first.x, first.y))
    outcome = await act(call, intent, action)
    call.reply.say(line)
    await describe_outcome(call, outcome, url_before)


async def on_element(
    call: ToolCall,
    ref: str | None,
    selector: str | None,
    element: str | None,
    verb: str,
    action: Callable[[Target], Awaitable[Any]],
    text: str | None = None,
    *,
    sets_value: bool = False,
    instant: bool = False,
    check: Callable[[Target], Awaitable[None]] | None = None,
    alongside: Callable[[], Awaitable[None]] | None = None,
) -> Target:
    """Find the element and act on it; the page's reaction is said after the caller's line.

    `sets_value`: the element's own change (its new value) is the action itself, not news. `instant`: the
    action takes less than a frame (a fill). `check`: refuses an element the action makes no sense on,
    before the agent's turn (nothing is shown to the person, nothing is done). `alongside`: the caller's
    own look at the page after the action (a read-back), made while the reaction is looked at.
    """
    page = call.page
    target = await locate(call.session, page, ref, selector, element)
    call.target = target.label
    if check is not None:
        await check(target)
    url_before = page.url
    await note_before_action(call.session, page, timeout_s_of(call))
    intent = AgentIntent(call.spec.name, f"{verb} {target.name}", target.locator, text, instant)
    outcome = await act(call, intent, lambda: action(target))
    acted_on = [target.ref] if sets_value and target.ref else []
    pressed = None if sets_value else target.ref
    described = describe_outcome(
        call, outcome, url_before, acted_on, pressed=pressed, sets_value=sets_value, shown_by_dom=instant
    )
    if alongside is None:
        await described
    else:  # two questions to the page in flight at once: one round trip's wait, not two
        for result in await asyncio.gather(described, alongside(), return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
    return target


async def describe_outcome(
    call: ToolCall,
    outcome: Outcome[Any],
    url_before: str,
    acted_on: Sequence[str] = (),
    *,
    pressed: str | None = None,
    sets_value: bool = False,
    shown_by_dom: bool = False,
) -> bool:
    """A navigation's new page, then what the page now shows that it did not before. True if it said
    anything."""
    page = call.current
    if page is None or page.is_closed() or outcome.dialog_opened:
        return False
    if load_stopped(call, page):
        return False
    if outcome.refused:
        call.reply.effect(_refusal_sentence(call.tabs.state(page).refs, outcome.refused))
    navigated = outcome.navigated or page.url != url_before
    if navigated:
        await _say_page(call, page, still_loading=outcome.still_loading)
        if outcome.still_loading:
            return True
    document = call.tabs.state(page).document
    shows = await changes_after_action(
        call.session,
        page,
        timeout_s_of(call),
        acted_on=acted_on,
        pressed=pressed,
        sets_value=sets_value,
        shown_by_dom=shown_by_dom,
    )
    if load_stopped(call, page):
        return navigated
    if call.tabs.state(page).document != document and not navigated:  # it moved on while it worked
        await _say_page(call, page, still_loading=False)
        navigated = True
    if shows:
        call.reply.effect(shows)
        return True
    return navigated


async def _say_page(call: ToolCall, page: Page, *, still_loading: bool) -> None:
    title = shorten(await call.tabs.title_of(page, fresh=True), _TITLE_CHARS)
    loading = " (still loading)" if still_loading else ""
    call.reply.effect(f"Page: {quoted(title)}({clip_argument(page.url, _URL_CHARS)}){loading}.")


def _refusal_sentence(refs: dict[str, str], fields: Sequence[InvalidField]) -> str:
    """The form the browser did not send, with each field its check stopped at and the browser's words."""
    named = []
    for field in fields[:LISTED]:
        ref = ref_of(refs, field.role, field.name)
        label = f'{field.role} "{shorten(field.name, _FIELD_NAME_CHARS)}"' if field.name else field.role
        hidden = " (not shown on the page: a control the page draws may set it)" if field.hidden else ""
        words = json.dumps(field.message.rstrip("."))  # the sentence's own period follows
        named.append(f"{label}{f' [{ref}]' if ref else ''}{hidden}: {words}")
    more = f"; and {len(fields) - LISTED} more" if len(fields) > LISTED else ""
    fix = "Fix it" if len(fields) == 1 else f"Fix these {len(fields)} fields"
    return (
        f"The form was not sent (the browser's check of its fields stopped it): {'; '.join(named)}{more}. "
        f"{fix} and send it again."
    )


def load_stopped(call: ToolCall, page: Page) -> bool:
    """The URL policy stopped a page load in this tab: it shows Chromium's "blocked" page, and the reply
    says what was stopped and why instead."""
    return call.session.guard.stopped_in(call.tabs.state(page).target_id)


def patiently(
    call: ToolCall, act: Callable[[Locator, float], Awaitable[Any]]
) -> Callable[[Target], Awaitable[Any]]:
    """`act(locator, timeout_ms)` on the target, given up early if the element stays blocked on a page
    that does not change (browser/patience.py)."""

    async def run(target: Target) -> Any:
        attempt = functools.partial(act, target.locator)
        state = call.tabs.state(call.page)
        return await act_when_possible(
            state, attempt, timeout_s_of(call), page_sees_all=target.in_top_document
        )

    return run


def timeout_ms_of(call: ToolCall) -> float:
    return call.settings.action_timeout * 1000


def timeout_s_of(call: ToolCall) -> float:
    return call.settings.action_timeout


async def click_label_instead(target: Target, timeout_ms: float, checked: bool | None = None) -> bool:
    """Click the label of a checkbox or radio hidden behind it; False if it is not one (or, with `checked`,
    it is already checked or not as asked)."""
    point = await label_point(target.locator, timeout_ms, checked)
    if point is None:
        return False
    await target.locator.page.mouse.click(*point)
    return True
