"""screenshot: what the person sees, as an image the model can look at."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Image, MCPServer
from pydantic import Field

from browser_mcp.browser.locate import locate
from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import explain
from browser_mcp.tools.annotations import read_only
from browser_mcp.tools.call import ToolCall, run_tool
from browser_mcp.tools.params import Element, Ref, Selector

# Clients cap one message (the MCP client's HTTP reader: 1 MiB); base64 adds a third.
MAX_IMAGE_BYTES = 700_000


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
            what = "the viewport"
            try:
                if ref or selector:
                    target = await locate(session, page, ref, selector, element)
                    what = target.label

                    async def shoot(kind: Literal["png", "jpeg"], quality: int | None) -> bytes:
                        return await target.locator.screenshot(
                            type=kind, quality=quality, timeout=timeout_s * 1000
                        )
                else:
                    what = "the full page" if full_page else "the viewport"

                    async def shoot(kind: Literal["png", "jpeg"], quality: int | None) -> bytes:
                        return await page.screenshot(
                            type=kind, quality=quality, full_page=full_page, timeout=timeout_s * 1000
                        )

                kind: Literal["png", "jpeg"] = format
                data = await shoot(kind, 80 if kind == "jpeg" else None)
                note = ""
                for quality in (70, 40):
                    if len(data) <= MAX_IMAGE_BYTES:
                        break
                    kind = "jpeg"
                    data = await shoot("jpeg", quality)
                    note = f" (as JPEG quality {quality} to stay under {MAX_IMAGE_BYTES // 1000} KB)"
            except Exception as exc:
                raise explain(
                    exc, "screenshot", what if what.startswith(("ref", "'")) else None, timeout_s
                ) from exc
            if len(data) > MAX_IMAGE_BYTES:
                raise explain(
                    RuntimeError(
                        f"the image is {len(data) // 1000} KB even as JPEG. Take the viewport, or one element by ref."
                    ),
                    "screenshot",
                )
            images.append(Image(data=data, format=kind))
            call.reply.say(f"Screenshot of {what} of '{await session.title_of(page)}' ({page.url}){note}.")

        call = await run_tool(session, ctx, "screenshot", body, report_effects=False)
        return [call.reply.text(), *images]
