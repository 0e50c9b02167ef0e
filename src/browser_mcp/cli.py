"""`browser-mcp`: parse options, start the server; bad options exit with a clear message."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys

from pydantic import ValidationError

from browser_mcp.config import load_settings


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
    from browser_mcp.server import run

    with contextlib.suppress(KeyboardInterrupt):
        run(settings)
    # All is closed by now: spare the interpreter collecting the whole heap on its way out (~0.2 s
    # of a client's wait when it closes the server).
    gc.freeze()
