"""`browser-mcp`: parse options, start the server; bad options exit with a clear message."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from browser_mcp.browser.driver import start_driver
from browser_mcp.config import Settings, load_settings


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = load_settings(args)
    except ValidationError as exc:
        for error in exc.errors():
            where = (
                "--" + ".".join(str(part) for part in error["loc"]).replace("_", "-") if error["loc"] else ""
            )
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"browser-mcp: {where + ': ' if where else ''}{message}", file=sys.stderr)
        sys.exit(2)
    # stdout belongs to the MCP stdio transport: logs go to stderr only.
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings))
    # All is closed by now: spare the interpreter collecting the whole heap on its way out (~0.2 s
    # of a client's wait when it closes the server).
    gc.freeze()


async def _serve(settings: Settings) -> None:
    start_driver()
    # The server's modules take ~0.7 s of CPU to import: in a thread, so that this loop meanwhile
    # starts Playwright's driver and answers its handshake (the first call no longer waits for it).
    serve = await asyncio.to_thread(_server_entry)
    await serve(settings)


def _server_entry() -> Callable[[Settings], Awaitable[None]]:
    from browser_mcp.server import serve

    return serve
