"""screenshot: what the person sees, as an image the model can look at."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Image
from playwright.async_api import Locator
from pydantic import Field

from browser_mcp.browser.capture import ImageTooLargeError, capture
from browser_mcp.browser.locate import locate
from browser_mcp.errors import Problem
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.params import Element, Ref, Selector
from browser_mcp.tools.spec import Kind, tool


@tool(
    "screenshot",
    title="Screenshot",
    kind=Kind.READ_ONLY,
    reports_effects=False,
    timeout="action",
    description="Screenshot of the tab the person sees (the viewport, the full page, or one element). "
    "Use snapshot to find refs and act; use this to look at visual layout.",
)
async def screenshot(
    call: ToolCall,
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
    full_page: Annotated[
        bool, Field(description="The whole scrollable page, not only the viewport.")
    ] = False,
    format: Annotated[Literal["png", "jpeg"], Field(description="Image format.")] = "png",
) -> None:
    page = call.page
    target: Locator | None = None
    what = "the full page" if full_page else "the viewport"
    if ref or selector:
        located = await locate(call.session, page, ref, selector, element)
        target, what = located.locator, located.label
        call.target = what
    await call.people.overlay.clear(page)  # the page as it is, not the agent's own pointer and label
    try:
        watch = call.tabs.state(page).watch
        data, kind, note = await capture(
            page,
            target,
            format,
            full_page and target is None,
            call.settings.action_timeout,
            watch.cdp if watch is not None else None,
        )
    except ImageTooLargeError as exc:
        raise Problem(f"screenshot failed: {exc}.") from exc
    call.reply.images.append(Image(data=data, format=kind))
    call.reply.say(f"Screenshot of {what} of '{await call.tabs.title_of(page)}' ({page.url}){note}.")


TOOLS = [screenshot]
