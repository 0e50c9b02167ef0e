"""activity: the recent log of who did what (the person and the agent).

STUB: see issue 4, part 1.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from browser_mcp.browser.session import BrowserSession
from browser_mcp.people import CoBrowsing


def register(server: MCPServer[Any], session: BrowserSession, cobrowsing: CoBrowsing) -> None:
    return None
