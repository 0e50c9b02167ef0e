"""The MCP tools, one module per family; each module's `register` adds its tools to the server."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from browser_mcp.browser.session import BrowserSession
from browser_mcp.people import CoBrowsing
from browser_mcp.tools import (
    activity,
    console,
    dialogs,
    handoff,
    input,
    navigation,
    screenshot,
    snapshot,
    tabs,
    waiting,
)


def register_all(server: MCPServer[Any], session: BrowserSession, cobrowsing: CoBrowsing) -> None:
    for family in (navigation, snapshot, screenshot, tabs, waiting, dialogs, console):
        family.register(server, session)
    for cobrowsing_family in (input, activity, handoff):
        cobrowsing_family.register(server, session, cobrowsing)
