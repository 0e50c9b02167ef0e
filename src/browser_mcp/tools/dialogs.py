"""handle_dialog: answer the alert/confirm/prompt the page opened."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from browser_mcp.errors import Problem
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, NeedsPage, tool

# The action the dialog interrupted (a click on "Delete") gets this long to finish.
_PARKED_WAIT_S = 2.0
_MESSAGE_CHARS = 200


@tool(
    "handle_dialog",
    title="Handle dialog",
    kind=Kind.DESTRUCTIVE,
    needs_page=NeedsPage.NO,
    blocked_by_dialog=False,
    description="Answer the dialog (alert, confirm, prompt, beforeunload) open on the person's tab.",
)
async def handle_dialog(
    call: ToolCall,
    accept: Annotated[bool, Field(description="true = OK/Leave, false = Cancel/Stay.")],
    prompt_text: Annotated[str | None, Field(description="Text to answer a prompt dialog with.")] = None,
) -> None:
    tabs = call.tabs
    page = call.current
    dialog = tabs.state(page).dialog if page is not None else None
    if dialog is None:
        others = [other for other in call.pages if tabs.state(other).dialog is not None]
        if not others:
            raise Problem("No dialog is open (the person may have answered it already).")
        page = others[0]
        dialog = tabs.state(page).dialog
        assert dialog is not None
    kind, message = dialog.type, dialog.message
    url_before = page.url if page is not None else ""
    tabs.forget_dialog(dialog)
    # What the answer sets off (the action behind a confirm, a navigation) is the agent's doing.
    with call.session.agent_action():
        if not accept:
            await dialog.dismiss()
        elif prompt_text is not None:
            await dialog.accept(prompt_text)
        else:
            await dialog.accept()
        await tabs.wait_parked(_PARKED_WAIT_S)
    answer = "Accepted" if accept else "Dismissed"
    typed = f" with '{prompt_text}'" if prompt_text is not None and accept else ""
    call.reply.say(f"{answer} the {kind} dialog '{message[:_MESSAGE_CHARS]}'{typed}.")
    if page is not None and not page.is_closed() and page.url != url_before:
        call.reply.effect(f"Page: '{await tabs.title_of(page, fresh=True)}' ({page.url}).")


TOOLS = [handle_dialog]
