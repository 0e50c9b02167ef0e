"""Builds the MCP server: the tools over one shared browser session, and the transport."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp

from browser_mcp import __version__
from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.http_security import HEALTH_PATH, BearerTokenMiddleware, transport_security
from browser_mcp.liveview import WS_MAX_BYTES, LiveView, bind, serve_live_view, with_live_view
from browser_mcp.neko import NekoLink
from browser_mcp.people import CoBrowsing
from browser_mcp.people.cobrowsing import TAB_SCRIPTS
from browser_mcp.tools import register_all
from browser_mcp.tools.explain import invalid_arguments
from browser_mcp.tools.frame import Runtime

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
This browser is shared: a person watches it and may be using it at the same time. Manners:
- Every tool acts on the tab the person is looking at. Replies start with "Note:" lines when something
  changed since your last call; "Note: Since your last step the person: ..." says what they did (typed,
  clicked, switched or opened tabs). Read it before you act: build on their work, do not undo it.
- While the person types, clicks or scrolls, input tools wait until they pause (with progress) and may
  fail with "The person is using the page": try again in a moment; do not fight them for the page.
- Call ask_user for logins, passwords, CAPTCHAs, payments and any decision that is theirs to make: it
  shows them your message and waits for their answer. Never guess their secrets.
- Take a snapshot to get refs (e12) for click/type/...; refs from an older snapshot must be refreshed.
  Where a snapshot names nothing (a canvas, a map, a chart), take a screenshot: click, hover and drag
  also take a point of it (x, y).
  Answer dialogs you caused with handle_dialog. Do not close the person's tabs unless asked.
  `activity` lists who did what recently."""


class _Server(MCPServer[Any]):
    """The SDK's server; arguments that do not fit a tool's input schema are told as one sentence the
    model can act on, not as pydantic's report with its codes and links."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            sentence = invalid_arguments(name, exc.__cause__)
            raise ToolError(f"Error executing tool {name}: {sentence}") from exc.__cause__


def build_runtime(settings: Settings, neko: NekoLink | None = None) -> Runtime:
    """The browser, the person's side around it, the live view, and who hears of each agent action."""
    session = BrowserSession(settings, tab_scripts=TAB_SCRIPTS)
    people = CoBrowsing(session, settings, neko)
    runtime = Runtime(session, people, observers=[people.events.on_agent_action])
    if neko is not None and neko.chat:
        runtime.observers.append(neko.on_action)
    if settings.live_view:
        runtime.live = LiveView(session, people, settings)
        runtime.observers.append(runtime.live.on_agent_action)
    return runtime


def build_server(settings: Settings) -> tuple[MCPServer[Any], Runtime]:
    neko = NekoLink.from_settings(settings)
    runtime = build_runtime(settings, neko)
    session, live = runtime.session, runtime.live

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[BrowserSession]:
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(session.close)
            session.prepare()
            if neko is not None:
                stack.push_async_callback(neko.close)
                await neko.start()
            if live is not None and settings.transport == "stdio":
                # In stdio mode MCP has no HTTP server: the live view gets one of its own.
                await stack.enter_async_context(serve_live_view(live, settings))
            yield session

    server: MCPServer[Any] = _Server(
        "browser",
        title="browser_mcp",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        log_level=settings.log_level,
    )
    register_all(server, runtime)

    async def health(_: Request) -> JSONResponse:
        # Says the HTTP server is up; it does not touch the browser (a health probe must stay cheap).
        return JSONResponse({"status": "ok", "version": __version__})

    server.custom_route(HEALTH_PATH, methods=["GET"], include_in_schema=False)(health)

    return server, runtime


def http_app(server: MCPServer[Any], settings: Settings, live: LiveView | None = None) -> ASGIApp:
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path="/mcp", transport_security=transport_security(settings), host=settings.host
    )
    if settings.token:
        app = BearerTokenMiddleware(app, settings.token)
    if live is not None:
        app = with_live_view(app, live.app())
    return app


async def serve(settings: Settings) -> None:
    server, runtime = build_server(settings)
    if settings.transport == "stdio":
        await server.run_stdio_async()
        return
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        http_app(server, settings, runtime.live),
        log_level=settings.log_level.lower(),
        lifespan="on",
        ws_max_size=WS_MAX_BYTES,
    )
    log.info("Serving MCP over Streamable HTTP at http://%s:%s/mcp", settings.host, port)
    if runtime.live is not None:
        runtime.live.bound_to(settings.host, port)
        log.info("Live view: %s", runtime.live.start_url())
    await uvicorn.Server(config).serve(sockets=[sock])
