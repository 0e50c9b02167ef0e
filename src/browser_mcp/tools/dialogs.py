"""handle_dialog: answer the alert/confirm/prompt the page opened."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import ToolError, explain
from browser_mcp.tools.annotations import destructive
from browser_mcp.tools.call import NeedsPage, ToolCall, run_tool

# The action the dialog interrupted (a click on "Delete") gets this long to finish.
_PARKED_WAIT_S = 2.0


def register(server: MCPServer[Any], session: BrowserSession) -> None:
    @server.tool(
        annotations=destructive("Handle dialog"),
        structured_output=False,
        description="Answer the dialog (alert, confirm, prompt, beforeunload) open on the person's tab.",
    )
    async def handle_dialog(
        ctx: Context[Any, Any],
        accept: Annotated[bool, Field(description="true = OK/Leave, false = Cancel/Stay.")],
        prompt_text: Annotated[str | None, Field(description="Text to answer a prompt dialog with.")] = None,
    ) -> str:
        async def body(call: ToolCall) -> None:
            page = call.current
            dialog = session.tab(page).dialog if page is not None else None
            if dialog is None:
                others = [p for p in call.pages if session.tab(p).dialog is not None]
                if not others:
                    raise ToolError("No dialog is open (the person may have answered it already).")
                page = others[0]
                dialog = session.tab(page).dialog
                assert dialog is not None
            kind, message = dialog.type, dialog.message
            url_before = page.url if page is not None else ""
            session.forget_dialog(dialog)
            # What the answer sets off (the action behind a confirm, a navigation) is the agent's doing.
            with session.agent_action():
                try:
                    if accept:
                        await dialog.accept(prompt_text) if prompt_text is not None else await dialog.accept()
                    else:
                        await dialog.dismiss()
                except Exception as exc:
                    raise explain(exc, "handle_dialog") from exc
                await session.wait_parked(_PARKED_WAIT_S)
            answer = "Accepted" if accept else "Dismissed"
            typed = f" with '{prompt_text}'" if prompt_text is not None and accept else ""
            call.reply.say(f"{answer} the {kind} dialog '{message[:200]}'{typed}.")
            if page is not None and not page.is_closed() and page.url != url_before:
                call.reply.effect(f"Page: '{await session.title_of(page, fresh=True)}' ({page.url}).")

        call = await run_tool(
            session, ctx, "handle_dialog", body, needs_page=NeedsPage.NO, blocked_by_dialog=False
        )
        return call.reply.text()
