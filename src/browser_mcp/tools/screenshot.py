"""screenshot: what the person sees, as an image the model can look at."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Image, MCPServer
from playwright.async_api import Locator
from pydantic import Field

from browser_mcp.browser.capture import ImageTooLargeError, capture
from browser_mcp.browser.locate import locate
from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import ToolError, explain
from browser_mcp.tools.annotations import read_only
from browser_mcp.tools.call import ToolCall, run_tool
from browser_mcp.tools.params import Element, Ref, Selector


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    timeout_s = session.settings.action_timeout

    @server.tool(
        annotations=read_only("Screenshot"),
        structured_output=False,
        description="Screenshot of the tab the person sees (the viewport, the full page, or one element). "
        "Use snapshot to find refs and act; use this to look at visual layout.",
    )
    async def screenshot(
        ctx: Context[Any, Any],
        ref: Ref = None,
        selector: Selector = None,
        element: Element = None,
        full_page: Annotated[
            bool, Field(description="The whole scrollable page, not only the viewport.")
        ] = False,
        format: Annotated[Literal["png", "jpeg"], Field(description="Image format.")] = "png",
    ) -> list[object]:
        images: list[Image] = []

        async def body(call: ToolCall) -> None:
            page = call.page
            target: Locator | None = None
            what = "the full page" if full_page else "the viewport"
            if ref or selector:
                located = await locate(session, page, ref, selector, element)
                target, what = located.locator, located.label
            try:
                data, kind, note = await capture(
                    page, target, format, full_page and target is None, timeout_s
                )
            except ImageTooLargeError as exc:
                raise ToolError(f"screenshot failed: {exc}.") from exc
            except Exception as exc:
                raise explain(exc, "screenshot", what if target is not None else None, timeout_s) from exc
            images.append(Image(data=data, format=kind))
            call.reply.say(f"Screenshot of {what} of '{await session.title_of(page)}' ({page.url}){note}.")

        call = await run_tool(session, ctx, "screenshot", body, report_effects=False)
        return [call.reply.text(), *images]
