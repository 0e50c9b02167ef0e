"""The live view over HTTP: the page, its WebSocket, the one-time links and the token form.

Each viewer's socket carries frames one way (the newest, at most two unacknowledged: a slow viewer
skips frames and costs no memory), the bar's state both ways, and the viewer's input the other way.
Host and Origin are checked like MCP's (DNS rebinding, cross-site sockets); with --token the page and
socket need a session cookie (HttpOnly, SameSite=Strict) that a one-time link or the token opens.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from browser_mcp.agent_action import AgentAction
from browser_mcp.browser.session import BrowserSession
from browser_mcp.config import Settings
from browser_mcp.http_security import host_allowed
from browser_mcp.liveview.access import COOKIE, LINK_PATH, START_LINK_S, Link, LiveAccess, Mode
from browser_mcp.liveview.bar import bar_state
from browser_mcp.liveview.remote_input import InputMessage, Mouse, RemoteInput, parse
from browser_mcp.liveview.stream import TabStream
from browser_mcp.people import CoBrowsing

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
SOCKET_PATH = "/live/ws"
LOGIN_PATH = "/live/login"
_IN_FLIGHT = 2  # frames a viewer may have unacknowledged
_STATE_EVERY_S = 0.25  # the bar's state is compared this often (and sent only when it changed)
REFUSED = 4403  # close code: this session is not (or no longer) allowed
_FLOODED = 1008  # close code: policy violation (input far faster than anyone types or clicks)
_INBOX_LIMIT = 1000
_VIEW_ONLY = "This live view is view-only: you can watch, not act."


class LiveView:
    def __init__(self, session: BrowserSession, people: CoBrowsing, settings: Settings) -> None:
        self.session = session
        self.people = people
        self.settings = settings
        self.access = LiveAccess(settings.token)
        self.stream = TabStream(session, people.person_tab)
        self.input = RemoteInput(session, people, self.stream)
        self.base_url = settings.public_url or ""  # set once the server has its address
        self.poked = asyncio.Event()  # replaced at each poke: every viewer waiting on it wakes

    # ---- links ------------------------------------------------------------------------------------

    def bound_to(self, host: str, port: int) -> None:
        if not self.settings.public_url:
            shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            shown = f"[{shown}]" if ":" in shown else shown
            self.base_url = f"http://{shown}:{port}"
        self.base_url = self.base_url.rstrip("/")

    def start_url(self) -> str:
        """What the start line prints: the page, or with a token a one-time link that opens it."""
        if self.access.open_to_all:
            return f"{self.base_url}/"
        return self.mint("interact", START_LINK_S)[0]

    def mint(self, mode: Mode, expires_s: float) -> tuple[str, Link]:
        code, link = self.access.mint(mode, expires_s)
        return f"{self.base_url}{LINK_PATH}{code}", link

    def on_agent_action(self, _: AgentAction) -> None:
        self.poked.set()
        self.poked = asyncio.Event()

    # ---- HTTP -------------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self._page, methods=["GET"]),
            Route(LOGIN_PATH, self._login, methods=["POST"]),
            Route(LINK_PATH + "{code}", self._join, methods=["GET"]),
            Mount("/live/static", StaticFiles(directory=STATIC)),
            WebSocketRoute(SOCKET_PATH, self._viewer),
        ]

    def app(self) -> Starlette:
        return Starlette(routes=self.routes())

    def _headers(self) -> dict[str, str]:
        ancestors = " ".join(["'self'", *self.settings.live_frame_ancestors])
        return {
            "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
            f"script-src 'self'; connect-src 'self'; frame-ancestors {ancestors}; form-action 'self'",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        }

    async def _page(self, request: Request) -> Response:
        if not host_allowed(self.settings, request.headers.get("host")):
            return Response("Invalid Host header", status_code=421)
        if self._mode(request) is None:
            return _message_page(
                "Live view: sign in",
                "This live view needs the server's token. Open the link the server printed or that you were "
                "given, or enter the token:",
                form=True,
                status=401,
                headers=self._headers(),
            )
        return FileResponse(STATIC / "index.html", headers=self._headers())

    async def _join(self, request: Request) -> Response:
        if not host_allowed(self.settings, request.headers.get("host")):
            return Response("Invalid Host header", status_code=421)
        session = self.access.redeem(str(request.path_params["code"]))
        if session is None:
            return _message_page(
                "Live view: link not valid",
                "This link was used already, has expired or was revoked: ask for a new one.",
                status=403,
                headers=self._headers(),
            )
        return self._signed_in(session)

    async def _login(self, request: Request) -> Response:
        if not host_allowed(self.settings, request.headers.get("host")) or not self._same_origin(request):
            return Response("Refused: cross-site request", status_code=403)
        form = parse_qs((await request.body()).decode(errors="replace"))
        session = self.access.login(form.get("token", [""])[0])
        if session is None:
            return _message_page(
                "Live view: sign in",
                "Wrong token. Try again:",
                form=True,
                status=401,
                headers=self._headers(),
            )
        return self._signed_in(session)

    def _signed_in(self, session: str) -> Response:
        # A clean address: the code or token never stays in the address bar or the history.
        response = RedirectResponse("/", status_code=303, headers=self._headers())
        secure = self.base_url.startswith("https://")
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict", secure=secure, path="/")
        return response

    def _mode(self, connection: HTTPConnection) -> Mode | None:
        return self.access.mode_of(connection.cookies.get(COOKIE), connection.headers.get("authorization"))

    def _same_origin(self, connection: HTTPConnection) -> bool:
        """The Origin is the live view's own (as reached, or as --public-url says)."""
        origin = connection.headers.get("origin")
        if not origin:
            return False
        netloc = urlsplit(origin).netloc
        public = urlsplit(self.settings.public_url).netloc if self.settings.public_url else None
        return netloc in (connection.headers.get("host"), public)

    # ---- one viewer -------------------------------------------------------------------------------

    async def _viewer(self, socket: WebSocket) -> None:
        mode = self._mode(socket)
        if (
            not host_allowed(self.settings, socket.headers.get("host"))
            or not self._same_origin(socket)
            or mode is None
        ):
            await socket.close(code=REFUSED)  # before accepting: the handshake fails with 403
            return
        await socket.accept()
        self.people.live_viewers += 1  # someone watches: the agent's overlay is worth drawing
        viewer = _Viewer(self, socket, mode)
        try:
            async with self.stream.watching(_quality(socket)):
                await viewer.run()
        except WebSocketDisconnect:
            pass
        finally:
            self.people.live_viewers -= 1
            await self.input.release()


class _Viewer:
    def __init__(self, live: LiveView, socket: WebSocket, mode: Mode) -> None:
        self.live = live
        self.socket = socket
        self.mode = mode
        self.cookie = socket.cookies.get(COOKIE)
        self._unacked: deque[int] = deque()
        self._inbox: deque[InputMessage] = deque()
        self._inbox_filled = asyncio.Event()
        self._acked = asyncio.Event()
        self._sending = asyncio.Lock()

    async def run(self) -> None:
        tasks = [
            asyncio.ensure_future(self._receive()),
            asyncio.ensure_future(self._play()),
            asyncio.ensure_future(self._send_frames()),
            asyncio.ensure_future(self._send_state()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _send(self, text: str | None = None, data: bytes | None = None) -> None:
        async with self._sending:
            if data is not None:
                await self.socket.send_bytes(data)
            else:
                await self.socket.send_text(text or "")

    async def _receive(self) -> None:
        while True:
            try:
                data = json.loads(await self.socket.receive_text())
            except (ValueError, KeyError):
                continue
            if not isinstance(data, dict):
                continue
            if data.get("type") == "ack":
                self._ack(data.get("seq"))
                continue
            message = parse(data)
            if message is None:
                continue
            if self.mode == "view":
                await self._send(json.dumps({"type": "error", "message": _VIEW_ONLY}))
                continue
            # Played by _play, so that acknowledgements are never held up behind slow input.
            inbox = self._inbox
            if inbox and _is_move(message) and _is_move(inbox[-1]):
                inbox[-1] = message  # only the latest position of a run of moves matters
            elif len(inbox) >= _INBOX_LIMIT:
                await self.socket.close(code=_FLOODED)
                return
            else:
                inbox.append(message)
            self._inbox_filled.set()

    async def _play(self) -> None:
        while True:
            await self._inbox_filled.wait()
            self._inbox_filled.clear()
            while self._inbox:
                refusal = await self.live.input.play(self._inbox.popleft())
                if refusal is not None:
                    await self._send(json.dumps({"type": "error", "message": refusal}))

    def _ack(self, seq: object) -> None:
        if not isinstance(seq, int):
            return
        while self._unacked and self._unacked[0] <= seq:
            self._unacked.popleft()
        self._acked.set()

    async def _send_frames(self) -> None:
        frames = self.live.stream.frames
        last = 0
        while True:
            frame = await frames.newer_than(last)
            while len(self._unacked) >= _IN_FLIGHT:
                self._acked.clear()
                await self._acked.wait()
            frame = frames.frame if frames.frame is not None else frame  # the newest by now
            self._unacked.append(frame.seq)
            last = frame.seq
            await self._send(data=frame.packet())

    async def _send_state(self) -> None:
        live = self.live
        sent: dict[str, Any] | None = None
        while True:
            if not live.access.still_valid(self.cookie):
                await self.socket.close(code=REFUSED)
                return
            poked = live.poked
            state = bar_state(live.session, live.people, live.stream, self.mode)
            if state != sent:
                await self._send(json.dumps(state))
                sent = state
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(poked.wait(), _STATE_EVERY_S)


def _is_move(message: InputMessage) -> bool:
    return isinstance(message, Mouse) and message.action == "move"


def _quality(socket: WebSocket) -> int | None:
    try:
        quality = int(socket.query_params.get("quality", ""))
    except ValueError:
        return None
    return max(10, min(quality, 100))


def _message_page(
    title: str, text: str, *, form: bool = False, status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    login = (
        f'<form method="post" action="{LOGIN_PATH}"><label>Token <input name="token" type="password" '
        'autocomplete="current-password" autofocus></label> <button>Open</button></form>'
        if form
        else ""
    )
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        '<link rel="stylesheet" href="/live/static/live.css"></head>'
        f'<body class="signin"><main><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{login}</main>'
        "</body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=headers)
