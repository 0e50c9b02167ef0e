"""Playwright's driver, a Node process that takes ~0.3 s to start: started once, as early as the
process can (before it imports the server), and adopted by the connection."""

from __future__ import annotations

import asyncio

from playwright.async_api import Playwright, async_playwright

_started: asyncio.Future[Playwright] | None = None


def start_driver() -> None:
    """Start the driver in the background, in the running loop (the one the server will run in)."""
    global _started
    if _started is None:
        _started = asyncio.ensure_future(async_playwright().start())


def take_driver() -> asyncio.Future[Playwright]:
    """The driver started early, else a new start; each start is handed out once."""
    global _started
    driver, _started = _started, None
    return driver or asyncio.ensure_future(async_playwright().start())
