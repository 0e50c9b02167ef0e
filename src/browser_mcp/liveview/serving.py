"""Where the live view is served: beside MCP on its HTTP server, or (stdio mode) on a server of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Generator

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from browser_mcp.config import Settings
from browser_mcp.liveview.app import LiveView

log = logging.getLogger(__name__)

_PORTS_TRIED = 20  # --live-port, then the next ones, then any free port
# The viewer sends small JSON messages (a paste is the largest): refuse anything far bigger.
WS_MAX_BYTES = 256 * 1024


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one), so the address is known before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def bind_near(host: str, port: int) -> socket.socket:
    """Bind `port`, or the next free one after it (another server may hold it), or any free port."""
    candidates = [port + step for step in range(_PORTS_TRIED) if port and port + step <= 65535] + [0]
    for candidate in candidates:
        try:
            return bind(host, candidate)
        except OSError:
            continue
    raise OSError(f"no free port for the live view on {host}")


def with_live_view(mcp: ASGIApp, live: ASGIApp) -> ASGIApp:
    """One HTTP server: the live view at / and /live/..., everything else (MCP, health) as before."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "lifespan" and (path == "/" or path.startswith("/live/")):
            await live(scope, receive, send)
        else:
            await mcp(scope, receive, send)

    return app


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals alone (in stdio mode the MCP server owns the process) and
    stops as soon as it is told to: the MCP client closing the server waits for it."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._stopping = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    def stop(self) -> None:
        self.should_exit = True
        self._stopping.set()

    async def main_loop(self) -> None:
        # uvicorn's own loop looks at should_exit every 0.1 s; this one is woken by stop() at once.
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections:
            await super().shutdown(sockets)  # viewers still connected get uvicorn's graceful close
            return
        # Nobody is connected: nothing to wait for (uvicorn would still pause 0.1 s for connections).
        for server in self.servers:
            server.close()


@contextlib.asynccontextmanager
async def serve_live_view(live: LiveView, settings: Settings) -> AsyncIterator[None]:
    """Serve the live view on its own port while the MCP server runs (stdio mode)."""
    try:
        sock = bind_near(settings.host, settings.live_port)
    except OSError as exc:
        log.warning("Live view not served: %s", exc)
        yield
        return
    live.bound_to(settings.host, sock.getsockname()[1])
    config = uvicorn.Config(live.app(), log_level="warning", lifespan="off", ws_max_size=WS_MAX_BYTES)
    server = _QuietServer(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    log.info("Live view: %s", live.start_url())
    try:
        yield
    finally:
        server.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
        sock.close()
