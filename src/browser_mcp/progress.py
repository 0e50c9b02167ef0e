"""Progress notifications during long waits, so clients (OpenCode) keep their timeout open."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from mcp.server.mcpserver import Context

T = TypeVar("T")

PROGRESS_INTERVAL_S = 1.0


async def with_progress(ctx: Context[Any, Any] | None, work: Awaitable[T], message: str, total_s: float) -> T:
    """Await `work`, sending a progress notification every second while it runs."""
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    if ctx is None:
        return await task
    started = time.monotonic()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=PROGRESS_INTERVAL_S)
            if done:
                return task.result()
            elapsed = time.monotonic() - started
            with contextlib.suppress(Exception):
                await ctx.report_progress(round(elapsed, 1), total_s, f"{message} ({elapsed:.0f} s)")
    finally:
        if not task.done():
            task.cancel()
