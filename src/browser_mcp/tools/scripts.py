"""evaluate: the agent's own JavaScript in the person's tab, offered only when the server allows it
(--allow-evaluate). What the script returns comes back within the reply's budget, without the values of
the page's secret fields; what it does to the page is told as after any action."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from browser_mcp.browser.actions import perform
from browser_mcp.browser.locate import locate
from browser_mcp.browser.page_changes import note_before_action
from browser_mcp.browser.scripts import ScriptError, ScriptResult, run_script
from browser_mcp.errors import Problem
from browser_mcp.text import shorten
from browser_mcp.tools.acting import describe_outcome, timeout_s_of
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.params import Element, Ref, Selector
from browser_mcp.tools.spec import Kind, tool

# Of the reply's budget, what the result may take: the rest is for what the script did to the page.
_RESULT_SHARE = 0.6
_ONE_LINE = 200  # a result this short, on one line, goes on the reply's line
_ERROR_CHARS = 500


@tool(
    "evaluate",
    title="Run JavaScript",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    offered_when="allow_evaluate",
    description="Run JavaScript in the person's tab and return its result as text: an expression "
    "(document.title) or a function (() => [...document.links].length); with `ref` or `selector` the "
    "function gets that element ((el) => el.value). Promises are awaited. For what snapshots and the other "
    "tools cannot do (a page's own variables, a computed style); the values of password, one-time-code "
    "and card fields are hidden from the result.",
)
async def evaluate(
    call: ToolCall,
    function: Annotated[
        str,
        Field(
            min_length=1,
            description="JavaScript: an expression, or a function such as () => { ...; return x; } or "
            "(element) => element.textContent when an element is given.",
        ),
    ],
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
) -> None:
    page = call.page
    target = await locate(call.session, page, ref, selector, element) if ref or selector else None
    call.target = target.label if target is not None else None
    call.doing = f"the script on {target.label}" if target is not None else "the script"
    url_before = page.url
    timeout_s = timeout_s_of(call)
    await note_before_action(call.session, page, timeout_s)
    limit = int((call.reply.budget or call.settings.snapshot_max_chars) * _RESULT_SHARE)
    locator = target.locator if target is not None else None
    try:
        outcome = await perform(
            call.session, page, lambda: run_script(page, function, locator, limit, timeout_s)
        )
    except ScriptError as exc:
        raise Problem(_error_sentence(str(exc), syntax=exc.syntax)) from None
    except TimeoutError:
        raise Problem(
            f"The script did not return within {timeout_s:g} s (the action timeout): it may go on in the "
            "page. Return sooner (do not await what never comes), or wait_for what it starts."
        ) from None
    # The first line is also what the person's activity log says of the call.
    call.reply.say(f"Ran a script on {target.label}." if target is not None else "Ran a script.")
    if outcome.value is None:
        call.reply.say("The page opened a dialog before it returned.")
    else:
        call.reply.say(_result_text(outcome.value))
    await describe_outcome(call, outcome, url_before)


def _result_text(result: ScriptResult) -> str:
    if result.kind == "undefined":
        return "The script returned nothing (undefined)."
    shown = result.text
    if result.length > len(shown):
        return (
            f"Result, cut at {len(shown):,} of {result.length:,} characters (return less: a slice, a "
            f"count, only the fields needed):\n{shown}"
        )
    if len(shown) <= _ONE_LINE and "\n" not in shown:
        return f"Result: {shown}"
    return f"Result:\n{shown}"


def _error_sentence(message: str, *, syntax: bool) -> str:
    if syntax:
        return (
            f"The script is not valid JavaScript ({message}). Pass an expression (document.title) or a "
            "function (() => { const n = 1; return n; })."
        )
    return f"The script threw an error: {shorten(message, _ERROR_CHARS)}"


TOOLS = [evaluate]
