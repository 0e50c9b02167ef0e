"""After a navigation or an action: one line when the page needs the person (a CAPTCHA, a sign-in form),
pointing the agent to ask_user. The frame calls it for every acting tool; see browser/human_check."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from browser_mcp.browser.human_check import needs_human
from browser_mcp.tools.spec import Kind

if TYPE_CHECKING:
    from browser_mcp.tools.frame import ToolCall

log = logging.getLogger(__name__)


async def tell_if_page_needs_human(call: ToolCall) -> None:
    page = call.current
    if call.spec.kind is Kind.READ_ONLY or page is None or page.is_closed():
        return
    try:
        found = await needs_human(call.session, page)
    except Exception:  # never worth failing a call for
        log.debug("could not tell whether the page needs the person", exc_info=True)
        return
    if found is None:
        return
    live = (
        "; if they are not watching, live_link gives you a link to this tab for them"
        if call.runtime.live is not None
        else ""
    )
    call.reply.effect(
        f"This page needs the person: it shows {found.describe()}. Do not try to solve it or guess their "
        f"password: call ask_user to hand the page to them{live}."
    )
