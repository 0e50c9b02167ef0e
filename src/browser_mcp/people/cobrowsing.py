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
from browser_mcp.people.activity import ActivityLog
from browser_mcp.people.intent import AgentIntent
from browser_mcp.people.overlay import Overlay
from browser_mcp.people.person_events import PersonEvents
from browser_mcp.people.waiting import PersonWaiting


class CoBrowsing:
    def __init__(self, session: BrowserSession, settings: Settings, neko: NekoLink | None = None) -> None:
        self.session = session
        self.settings = settings
        self.neko = neko
        self.activity = ActivityLog()
        self.waiting = PersonWaiting(session, self.activity, settings, neko)
        # Every tab reports the person's input; every reply starts with what they did.
        PersonEvents(session, self.activity, self.waiting).install()
        self.overlay = Overlay(session, settings)

    @asynccontextmanager
    async def agent_turn(
        self, ctx: Context[Any, Any] | None, page: Page, intent: AgentIntent
    ) -> AsyncIterator[None]:
        """Around one input action: wait for a busy person (policy), show the agent's intent, act."""
        await self.waiting.before_input(ctx, page, intent)
        await self.overlay.show(page, intent)
        try:
            yield
        finally:
            await self.overlay.hide(page)
