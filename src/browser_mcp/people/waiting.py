"""Waiting for the person: before an input action, let a busy person finish (policy wait|fail|ignore).

STUB (interface fixed, body to be written): see issue 4, part 2.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from playwright.async_api import Page

from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.neko import NekoLink
from browser_mcp.people.activity import ActivityLog
from browser_mcp.people.intent import AgentIntent


class PersonWaiting:
    def __init__(
        self, session: BrowserSession, activity: ActivityLog, settings: Settings, neko: NekoLink | None
    ) -> None:
        self.session = session
        self.activity = activity
        self.settings = settings
        self.neko = neko

    async def before_input(self, ctx: Context[Any, Any] | None, page: Page, intent: AgentIntent) -> None:
        """Return when the agent may act; raise ToolError if the person stays busy (or policy=fail)."""
        return None
