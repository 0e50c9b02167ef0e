"""navigate, go_back, go_forward, reload."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from playwright.async_api import Page, Response
from pydantic import Field

from browser_mcp.browser.actions import perform
from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import explain
from browser_mcp.progress import with_progress
from browser_mcp.tools.annotations import destructive
from browser_mcp.tools.call import NeedsPage, ToolCall, run_tool

_ERROR_PAGE_WAIT_MS = 1000

# page -> its navigation; history step: page.go_back / page.go_forward
Go = Callable[[Page], Awaitable[Response | None]]
HistoryStep = Callable[..., Awaitable[Response | None]]


async def _history(page: Page, step: HistoryStep, timeout_ms: float) -> Response | None:
    """History steps may restore a page from the back/forward cache, which fires no DOMContentLoaded:
    wait for the commit, then for the document to be past 'loading'."""
    response: Response | None = await step(wait_until="commit", timeout=timeout_ms)
    await page.wait_for_function("document.readyState !== 'loading'", polling=50, timeout=timeout_ms)
    return response


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    timeout_s = session.settings.navigation_timeout

    async def _go(call: ToolCall, verb: str, go: Go, target: str | None = None) -> None:
        page = call.page
        navigations_before = session.tab(page).main_frame_navigations
        url_before = page.url
        try:
            outcome = await perform(
                session,
                page,
                lambda: with_progress(call.ctx, go(page), f"{verb} {target or ''}".strip(), timeout_s),
                settle=False,
            )
        except Exception as exc:
            if target is not None and "is interrupted by another navigation to" in str(exc):
                # Someone else (another CDP client, the person) opened the page at the same moment.
                with contextlib.suppress(Exception):
                    await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
                if page.url.rstrip("/") == target.rstrip("/"):
                    call.reply.say(
                        f"Navigated: '{await session.title_of(page, fresh=True)}' ({page.url}); "
                        "another navigation to the same page happened at the same time."
                    )
                    return
            if "net::" in str(exc):
                # Chromium commits its error page just after the failure: let it land, so the next
                # call does not report it as a navigation someone else made.
                with contextlib.suppress(Exception):
                    await page.wait_for_url(lambda url: url != url_before, timeout=_ERROR_PAGE_WAIT_MS)
            raise explain(
                exc, verb if target is None else f"{verb} to {target}", timeout_s=timeout_s
            ) from exc
        if outcome.dialog_opened:
            call.reply.say(f"{verb.capitalize()}: the page opened a dialog while loading.")
            return
        response: Response | None = outcome.value
        if (
            verb in ("go back", "go forward")
            and session.tab(page).main_frame_navigations == navigations_before
        ):
            direction = "previous" if verb == "go back" else "next"
            call.reply.say(f"There is no {direction} page in this tab's history; still on {page.url}.")
            return
        title = await session.title_of(page, fresh=True)
        status = f", HTTP {response.status}" if response is not None and response.status >= 400 else ""
        call.reply.say(f"{_past(verb)}: '{title}' ({page.url}{status}).")

    @server.tool(
        annotations=destructive("Navigate"),
        structured_output=False,
        description="Open a URL in the tab the person is looking at (their unsaved input on the current page "
        "is lost). Replies with the new title and URL; take a snapshot to see the page.",
    )
    async def navigate(
        url: Annotated[str, Field(description="The URL to open, e.g. https://example.com")],
        ctx: Context[Any, Any],
    ) -> str:
        checked = session.policy.check(url)

        async def body(call: ToolCall) -> None:
            async def go(page: Page) -> Response | None:
                return await page.goto(checked, wait_until="domcontentloaded", timeout=timeout_s * 1000)

            await _go(call, "navigate", go, checked)

        return (await run_tool(session, ctx, "navigate", body, needs_page=NeedsPage.CREATE)).reply.text()

    @server.tool(
        annotations=destructive("Go back"),
        structured_output=False,
        description="Go back to the previous page in the person's tab history.",
    )
    async def go_back(ctx: Context[Any, Any]) -> str:
        async def body(call: ToolCall) -> None:
            await _go(call, "go back", lambda p: _history(p, p.go_back, timeout_s * 1000))

        return (await run_tool(session, ctx, "go_back", body)).reply.text()

    @server.tool(
        annotations=destructive("Go forward"),
        structured_output=False,
        description="Go forward to the next page in the person's tab history.",
    )
    async def go_forward(ctx: Context[Any, Any]) -> str:
        async def body(call: ToolCall) -> None:
            await _go(call, "go forward", lambda p: _history(p, p.go_forward, timeout_s * 1000))

        return (await run_tool(session, ctx, "go_forward", body)).reply.text()

    @server.tool(
        annotations=destructive("Reload"),
        structured_output=False,
        description="Reload the page in the person's tab (unsaved input on it is lost).",
    )
    async def reload(ctx: Context[Any, Any]) -> str:
        async def body(call: ToolCall) -> None:
            await _go(
                call, "reload", lambda p: p.reload(wait_until="domcontentloaded", timeout=timeout_s * 1000)
            )

        return (await run_tool(session, ctx, "reload", body)).reply.text()


def _past(verb: str) -> str:
    return {
        "navigate": "Navigated",
        "go back": "Went back",
        "go forward": "Went forward",
        "reload": "Reloaded",
    }[verb]
