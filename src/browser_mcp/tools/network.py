"""network_requests: what the page of the person's tab requested since it began to load."""

from __future__ import annotations

from typing import Annotated

from playwright.async_api import Error as PlaywrightError
from pydantic import Field

from browser_mcp.browser.network_list import RESOURCES_JS, NetworkRequest, page_requests
from browser_mcp.text import clip_argument
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, tool

URL_CHARS = 300
_READ_TIMEOUT_S = 2.0
_TIMING_BUFFER = 250  # the resource timing entries a page keeps unless it asks for more


@tool(
    "network_requests",
    title="Network requests",
    kind=Kind.READ_ONLY,
    reports_effects=False,
    speculative=True,
    description=(
        "The requests of the page in the person's tab since it began to load, oldest first: method (when "
        "known), status or why it failed, kind, URL, time. Images, styles, scripts and fonts that loaded "
        "are left out unless include_static is true."
    ),
)
async def network_requests(
    call: ToolCall,
    include_static: Annotated[
        bool, Field(description="List images, styles, scripts and fonts that loaded too.")
    ] = False,
    filter: Annotated[str, Field(description="Only requests whose URL contains this text.")] = "",
    limit: Annotated[int, Field(ge=1, le=500, description="At most this many (the newest).")] = 50,
) -> None:
    state = call.tabs.state(call.page)
    heard = state.heard
    if heard.whole(state.requests.times_off, state.requests.heard):
        # Every request of the page was heard (the agent's navigation, lately): no need to ask it.
        _list(call, heard.of_whole_document(state.document), include_static, filter, limit)
        return
    timed: object = []
    if state.watch is not None:
        try:
            timed = await state.watch.evaluate(RESOURCES_JS, timeout_s=_READ_TIMEOUT_S)
        except (PlaywrightError, RuntimeError, TimeoutError):
            call.reply.note(
                "The page did not say what it loaded: only the requests heard while you acted are listed."
            )
    if isinstance(timed, list) and len(timed) == _TIMING_BUFFER + 1:  # the document's entry + a full buffer
        call.reply.note(
            f"The page's own record keeps its first {_TIMING_BUFFER} requests: later ones are listed only "
            "if they came while you acted."
        )
    requests = page_requests(timed, heard.of_document(state.document), heard.navigation)
    _list(call, requests, include_static, filter, limit)


def _list(
    call: ToolCall, requests: list[NetworkRequest], include_static: bool, filter: str, limit: int
) -> None:
    if filter:
        requests = [request for request in requests if filter in request.url]
    shown = [request for request in requests if include_static or not request.static or request.failed]
    left_out = len(requests) - len(shown)
    where = f" whose URL contains {clip_argument(filter)!r}" if filter else ""
    if not shown:
        call.reply.say(
            f"No requests{where} on this page since it began to load"
            + (
                f" but {left_out} images, styles, scripts or fonts (include_static=true lists them)."
                if left_out
                else "."
            )
        )
        return
    lines = _newest_that_fit(
        [f"- {request.line(URL_CHARS)}" for request in shown[-limit:]], call.reply.budget
    )
    older = len(shown) - len(lines)
    heading = f"{len(lines)} requests{where} of this page, oldest first"
    notes = []
    if older > 0:
        notes.append(f"{older} older not shown: raise `limit`, or narrow with `filter`")
    if left_out:
        notes.append(f"{left_out} images, styles, scripts or fonts that loaded left out: include_static=true")
    call.reply.say(heading + (f" ({'; '.join(notes)})" if notes else "") + ":")
    for line in lines:
        call.reply.say(line)


def _newest_that_fit(lines: list[str], budget: int | None) -> list[str]:
    """The newest of `lines` that fit in most of the reply's budget (the rest is for the heading)."""
    room = (budget or 16_000) * 9 // 10 - 300
    kept: list[str] = []
    for line in reversed(lines):
        room -= len(line) + 1
        if room < 0:
            break
        kept.append(line)
    return kept[::-1]


TOOLS = [network_requests]
