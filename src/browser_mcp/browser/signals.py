"""Two ways of waiting on events instead of sleeping, shared by the actions and the session."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any


async def first_of(work: asyncio.Future[Any], signal: asyncio.Event, timeout_s: float | None = None) -> bool:
    """Wait until `work` is done or `signal` is set (or the time runs out). True if `work` is done."""
    waiter = asyncio.ensure_future(signal.wait())
    try:
        await asyncio.wait({work, waiter}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    return work.done()


async def wait_while(condition: Callable[[], bool], changed: asyncio.Event, timeout_s: float) -> bool:
    """Wait while `condition()` holds, looking again each time `changed` is set. False: time ran out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while condition():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)
    return True
