"""One object per server for co-browsing manners; the input tools wrap each action in `agent_turn`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import Context
from playwright.async_api import Page

from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.neko import NekoLink
from browser_mcp.people.intent import AgentIntent


class CoBrowsing:
    def __init__(self, session: BrowserSession, settings: Settings, neko: NekoLink | None = None) -> None:
        self.session = session
        self.settings = settings
        self.neko = neko

    @asynccontextmanager
    async def agent_turn(
        self, ctx: Context[Any, Any] | None, page: Page, intent: AgentIntent
    ) -> AsyncIterator[None]:
        """Around one input action: wait for a busy person (policy), show the agent's intent, act."""
        yield
