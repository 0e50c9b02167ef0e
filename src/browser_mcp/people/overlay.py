"""Showing the agent: a pointer and a labelled box drawn in the page just before each input action.

STUB (interface fixed, body to be written): see issue 4, part 3.
"""

from __future__ import annotations

from playwright.async_api import Page

from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.people.intent import AgentIntent


class Overlay:
    def __init__(self, session: BrowserSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    async def show(self, page: Page, intent: AgentIntent) -> None:
        """Draw the intent and keep it up for --overlay-ms before returning (then the action runs)."""
        return None

    async def hide(self, page: Page) -> None:
        """Remove it (after the action, also when the action failed)."""
        return None
