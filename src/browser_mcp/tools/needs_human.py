"""After a navigation or an action: one line when the page needs the person (a CAPTCHA, a sign-in form),
pointing the agent to ask_user. The frame calls it for every acting tool; see browser/human_check."""

from __future__ import annotations

import logging

from playwright.async_api import Page

from browser_mcp.browser.human_check import needs_human
from browser_mcp.browser.session import BrowserSession

log = logging.getLogger(__name__)


async def needs_human_line(session: BrowserSession, page: Page | None, *, live_view: bool) -> str | None:
    """The line for a page that needs the person, or None."""
    if page is None or page.is_closed():
        return None
    try:
        found = await needs_human(session, page)
    except Exception:  # never worth failing a call for
        log.debug("could not tell whether the page needs the person", exc_info=True)
        return None
    if found is None:
        return None
    live = "; if they are not watching, live_link gives you a link to this tab for them" if live_view else ""
    return (
        f"This page needs the person: it shows {found.describe()}. Do not try to solve it or guess their "
        f"password: call ask_user to hand the page to them{live}."
    )
