"""navigate, go_back, go_forward, reload."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated

from playwright.async_api import Page, Response
from pydantic import Field

from browser_mcp.browser.actions import perform
from browser_mcp.browser.history import error_page_landed, history_place, is_error_page
from browser_mcp.browser.snapshot import look_ahead, looked_ahead
from browser_mcp.progress import with_progress
from browser_mcp.text import clip_argument, quoted, shorten
from browser_mcp.tools.explain import in_a_viewer
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, NeedsPage, ToolSpec, tool

# Chromium commits its error page a few ms after the failure; past this, something else is going on.
_ERROR_PAGE_WAIT_S = 1.0
_DOWNLOAD_WAIT_S = 1.0  # for the tab to report the download Playwright saw begin
_TITLE_CHARS = 150
_URL_CHARS = 300
_PAST = {"navigate": "Navigated", "go back": "Went back", "go forward": "Went forward", "reload": "Reloaded"}

# page, timeout in ms -> the navigation's response
Go = Callable[[Page, float], Awaitable[Response | None]]


async def _history(
    page: Page, step: Callable[..., Awaitable[Response | None]], timeout_ms: float
) -> Response | None:
    """History steps may restore a page from the back/forward cache, which fires no DOMContentLoaded:
    wait for the commit, then for the document to be past 'loading'."""
    response: Response | None = await step(wait_until="commit", timeout=timeout_ms)
    await page.wait_for_function("document.readyState !== 'loading'", polling=50, timeout=timeout_ms)
    return response


async def _go(call: ToolCall, verb: str, go: Go, target: str | None = None) -> None:
    page = call.page
    tabs = call.tabs
    timeout_s = call.settings.navigation_timeout
    await looked_ahead(tabs.state(page))  # not beside this navigation
    navigations_before = tabs.state(page).main_frame_navigations
    call.doing = verb if target is None else f"{verb} to {clip_argument(target)}"
    try:
        outcome = await perform(
            call.session,
            page,
            lambda: with_progress(call.ctx, go(page, timeout_s * 1000), call.doing or verb, timeout_s),
            settle=False,
        )
    except Exception as exc:
        if "Download is starting" in str(exc):  # the browser downloads it (told after the reply's line)
            # Playwright says so a moment before the tab's own session does.
            await tabs.state(page).untold_download(_DOWNLOAD_WAIT_S)
            call.reply.say(
                f"{_url(page, target)} is a file to download, not a page: the browser downloads it; the tab "
                f"still shows {quoted(await _title(call, page))}({_url(page)})."
            )
            return
        if target is not None and "is interrupted by another navigation to" in str(exc):
            # Someone else (another CDP client, the person) opened the page at the same moment.
            with contextlib.suppress(Exception):
                await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
            if page.url.rstrip("/") == target.rstrip("/"):
                call.reply.say(
                    f"Navigated: {quoted(await _title(call, page))}({_url(page)}); "
                    "another navigation to the same page happened at the same time."
                )
                return
        if "net::" in str(exc) and "net::ERR_ABORTED" not in str(exc):  # an aborted load shows no error page
            await error_page_landed(page, tabs.state(page), navigations_before, _ERROR_PAGE_WAIT_S)
        raise
    if outcome.dialog_opened:
        call.reply.say(f"{verb.capitalize()}: the page opened a dialog while loading.")
        return
    if verb in ("go back", "go forward") and tabs.state(page).main_frame_navigations == navigations_before:
        call.reply.say(_no_history(verb, page, page.url))
        return
    if call.session.renewal_due(leaving_document=False):  # a page restored that Playwright cannot reach
        await call.attach_afresh()
        page = call.page
    look_ahead(call.session, page, timeout_s)  # the model's next call is likely a snapshot
    response = outcome.value
    status = f", HTTP {response.status}" if response is not None and response.status >= 400 else ""
    call.reply.say(f"{_PAST[verb]}: {quoted(await _title(call, page))}({_url(page)}{status}).")
    viewer = in_a_viewer(response.headers.get("content-type") if response is not None else None)
    if viewer:
        call.reply.say(viewer)


def _no_history(verb: str, page: Page, url: str) -> str:
    """`url`: the current history entry's (on an error page, the URL that failed to load)."""
    direction = "previous" if verb == "go back" else "next"
    where = (
        f"the error page of {_url(page, url)} (it did not load)" if is_error_page(page) else _url(page, url)
    )
    return f"There is no {direction} page in this tab's history; still on {where}."


async def _title(call: ToolCall, page: Page) -> str:
    return shorten(await call.tabs.title_of(page, fresh=True), _TITLE_CHARS)


def _url(page: Page, url: str | None = None) -> str:
    return clip_argument(page.url if url is None else url, _URL_CHARS)


@tool(
    "navigate",
    title="Navigate",
    kind=Kind.DESTRUCTIVE,
    needs_page=NeedsPage.CREATE,
    timeout="navigation",
    renews_attachment=True,
    description="Open a URL in the tab the person is looking at (their unsaved input on the current page "
    "is lost). Replies with the new title and URL; take a snapshot to see the page.",
)
async def navigate(
    call: ToolCall, url: Annotated[str, Field(description="The URL to open, e.g. https://example.com")]
) -> None:
    checked = call.session.policy.check(url)
    call.target = checked

    async def go(page: Page, timeout_ms: float) -> Response | None:
        return await page.goto(checked, wait_until="domcontentloaded", timeout=timeout_ms)

    await _go(call, "navigate", go, checked)


def _history_tool(name: str, verb: str, where: str) -> ToolSpec:
    """go_back and go_forward: one step through the person's tab history."""

    async def step(call: ToolCall) -> None:
        # Answered at once when there is nowhere to go (Playwright would look, then wait for nothing).
        place = await history_place(call.tabs.state(call.page))
        if place is not None and not (place.can_go_back if name == "go_back" else place.can_go_forward):
            call.acted = False
            call.reply.say(_no_history(verb, call.page, place.url))
            return

        async def go(page: Page, timeout_ms: float) -> Response | None:
            return await _history(page, page.go_back if name == "go_back" else page.go_forward, timeout_ms)

        await _go(call, verb, go)

    description = f"Go {verb.split()[1]} to the {where} page in the person's tab history."
    return tool(
        name, title=verb.capitalize(), kind=Kind.DESTRUCTIVE, timeout="navigation", description=description
    )(step)


go_back = _history_tool("go_back", "go back", "previous")
go_forward = _history_tool("go_forward", "go forward", "next")


@tool(
    "reload",
    title="Reload",
    kind=Kind.DESTRUCTIVE,
    timeout="navigation",
    description="Reload the page in the person's tab (unsaved input on it is lost).",
)
async def reload(call: ToolCall) -> None:
    await _go(
        call,
        "reload",
        lambda page, timeout_ms: page.reload(wait_until="domcontentloaded", timeout=timeout_ms),
    )


TOOLS = [navigate, go_back, go_forward, reload]
