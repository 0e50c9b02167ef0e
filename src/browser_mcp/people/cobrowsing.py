"""The person's side of the shared browser, as one object per server: which tab they see, what changed
and what they did, waiting for them, showing them the agent. The input tools wrap each action in
`agent_turn`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import Context
from playwright.async_api import Page

from browser_mcp.browser.action_windows import ActionWindows
from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.neko import NekoLink
from browser_mcp.people.activity import ActivityLog
from browser_mcp.people.intent import AgentIntent
from browser_mcp.people.overlay import Overlay
from browser_mcp.people.person_events import PersonEvents
from browser_mcp.people.person_script import PERSON_SCRIPT
from browser_mcp.people.person_tab import PersonTab
from browser_mcp.people.prompt import PromptBar
from browser_mcp.people.tab_changes import TabChanges
from browser_mcp.people.waiting import PersonWaiting

# Every tab runs this in our isolated world: it reports the person's clicks, typing, keys, scrolling.
TAB_SCRIPTS = (PERSON_SCRIPT,)


class CoBrowsing:
    def __init__(self, session: BrowserSession, settings: Settings, neko: NekoLink | None = None) -> None:
        self.session = session
        self.neko = neko
        self.person_tab = PersonTab(session)
        # When the person's input came through our live view (it reports as theirs, "in the live view").
        self.viewer_input = ActionWindows()
        self.prompt: PromptBar | None = None  # the question ask_user shows now
        self.changes = TabChanges(session, self.person_tab)
        self.activity = ActivityLog()
        self.waiting = PersonWaiting(self.activity, settings, neko)
        self.events = PersonEvents(session, self.activity, self.waiting, self.viewer_input)
        session.tabs.listen(self.events.on_page_event)
        self.live_viewers = 0  # people watching through the live view (it counts them)
        self.overlay = Overlay(session, settings, lambda: self.live_viewers)

    def take_over(self, pages: dict[Page, Page]) -> None:
        """The browser was attached afresh: the same tabs are now these Page objects (before -> now)."""
        self.person_tab.take_over(pages)
        self.events.take_over(pages)
        self.activity.take_over(pages)

    def call_over(self) -> None:
        """The agent's call is over (its reply is on its way): what waited for that may go to the page."""
        self.overlay.call_over()

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
