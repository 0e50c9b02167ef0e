"""The floor under our snapshot tool: a bare MCPServer whose one tool only calls aria_snapshot.

Timing it next to browser-mcp in the same run separates the MCP SDK and transport cost (which any
Python MCP server pays) from what browser_mcp adds on top.
"""

from __future__ import annotations

import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from playwright.async_api import Page, async_playwright

server: MCPServer[Any] = MCPServer("floor", log_level="WARNING")
_pages: list[Page] = []


@server.tool(structured_output=False)
async def snapshot() -> str:
    if not _pages:
        playwright = await async_playwright().start()
        browser = await playwright.chromium.connect_over_cdp(sys.argv[1], no_defaults=True)
        _pages.append(browser.contexts[0].pages[0])
    return await _pages[0].aria_snapshot(mode="ai")


if __name__ == "__main__":
    server.run("stdio")
