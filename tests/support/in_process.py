"""The server's tools run in-process, without an MCP client, through the same frame the server uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from browser_mcp.config import load_settings
from browser_mcp.server import build_runtime
from browser_mcp.tools import TOOLS_BY_NAME
from browser_mcp.tools.frame import Runtime, run_call


@asynccontextmanager
async def runtime_on(cdp_url: str) -> AsyncIterator[Runtime]:
    """The server's runtime attached to the browser at `cdp_url` (no overlay)."""
    built = build_runtime(load_settings(["--cdp-url", cdp_url, "--overlay-ms", "0"]))
    try:
        yield built
    finally:
        await built.session.close()


async def call(runtime: Runtime, tool: str, **arguments: Any) -> str:
    """Run one tool call; its reply's text."""
    return (await run_call(runtime, TOOLS_BY_NAME[tool], None, arguments)).reply.text()
