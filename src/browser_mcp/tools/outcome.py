"""Turning an action's outcome into the short lines of its reply."""

from __future__ import annotations

from typing import Any

from browser_mcp.browser.actions import Outcome
from browser_mcp.tools.call import ToolCall


async def describe_outcome(call: ToolCall, outcome: Outcome[Any], url_before: str) -> None:
    page = call.current
    if page is None or page.is_closed() or outcome.dialog_opened:
        return
    if outcome.navigated or page.url != url_before:
        title = await call.session.title_of(page, fresh=True)
        loading = " (still loading)" if outcome.still_loading else ""
        call.reply.effect(f"Page: '{title}' ({page.url}){loading}.")
