"""A neko-shaped HTTP server on 127.0.0.1 that holds every exchange to neko's OpenAPI spec.

neko itself cannot run here, so the tests talk to this double. It checks EVERY request and EVERY
response against tests/reference/neko/openapi.yaml (neko v3's own spec) with openapi-core, and records
each mismatch in `violations`: a test passes only if that list stays empty. A request that does not
match gets a 400, as no real neko would understand it either.

It knows what browser-mcp uses: login (users with passwords, admins and members, token in a cookie as
neko's default or in the body), whoami, who holds control (set by the test: "a person takes control"),
the screen size, and the chat.
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from jsonschema_path.readers import FilePathReader
from openapi_core import OpenAPI
from openapi_core.contrib.starlette import StarletteOpenAPIRequest, StarletteOpenAPIResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SPEC_PATH = Path(__file__).resolve().parent.parent / "reference" / "neko" / "openapi.yaml"
SESSION_COOKIE = "NEKO_SESSION"

# neko's chat is a plugin whose route is not in openapi.yaml: described here from neko's source
# (server/internal/plugins/chat: `AddRouter("/chat")`, `Post("/")` behind AdminsOnly, body
# `{"text": ...}`, answered with 204 No Content).
CHAT_PATHS: dict[str, Any] = {
    "/api/chat/": {
        "post": {
            "operationId": "chatSend",
            "summary": "Send a chat message to everyone in the room (admins only).",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "additionalProperties": False,
                            "properties": {"text": {"type": "string", "minLength": 1}},
                        }
                    }
                },
            },
            "responses": {
                "204": {"description": "Message sent."},
                "400": {
                    "description": "The body is not a chat message.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorMessage"}}
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
            },
        }
    }
}


def neko_spec() -> OpenAPI:
    """neko's spec plus its chat plugin, served from whatever address the double listens on."""
    data, _ = FilePathReader(str(SPEC_PATH)).read()
    spec: dict[str, Any] = copy.deepcopy(dict(data))
    spec["servers"] = [{"url": "/"}]  # the spec names localhost:3000; paths are what matters
    spec["paths"] = {**spec["paths"], **CHAT_PATHS}
    return OpenAPI.from_dict(spec)


@dataclass(frozen=True)
class NekoUser:
    password: str
    is_admin: bool = False


@dataclass(frozen=True)
class NekoSession:
    id: str
    user: str
    is_admin: bool


@dataclass(frozen=True)
class ChatLine:
    user: str
    text: str


DEFAULT_USERS = {
    "agent": NekoUser("agent-secret", is_admin=True),
    "viewer": NekoUser("viewer-secret", is_admin=False),
}


class NekoDouble:
    def __init__(
        self,
        users: dict[str, NekoUser] | None = None,
        *,
        screen: tuple[int, int, int] = (1920, 1080, 30),
        token_in_cookie: bool = True,
    ) -> None:
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.screen = screen
        self.token_in_cookie = token_in_cookie  # neko's default: session.cookie.enabled = true
        # Tokens the test hands out, as neko's NEKO_SESSION_API_TOKEN.
        self.api_tokens: dict[str, NekoSession] = {}
        self.violations: list[str] = []
        self.requests: list[str] = []
        self.chat: list[ChatLine] = []
        self.logins = 0
        self._sessions: dict[str, NekoSession] = {}
        self._host_id: str | None = None
        self._changed = threading.Condition()
        self._spec = neko_spec()
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def start(self) -> NekoDouble:
        # Listening before uvicorn runs: connections wait in the backlog, so the double is usable at once.
        self._socket.listen(64)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    # ---- what the test does to the room ----------------------------------------------------------

    def person_takes_control(self, name: str = "person") -> str:
        """A person's viewer takes control, as with a click on neko's keyboard button. Returns their id."""
        with self._changed:
            session = NekoSession(f"{name}-{secrets.token_hex(3)}", name, is_admin=False)
            self._sessions[secrets.token_hex(16)] = session
            self._host_id = session.id
            return session.id

    def release_control(self) -> None:
        with self._changed:
            self._host_id = None

    def forget_sessions(self) -> None:
        """As after a neko restart: every session token is unknown now."""
        with self._changed:
            self._sessions.clear()

    def issue_token(self, user: str = "agent") -> str:
        """A token that works without logging in, as neko's API token does."""
        token = secrets.token_hex(16)
        with self._changed:
            self.api_tokens[token] = NekoSession("API", user, self.users[user].is_admin)
        return token

    def wait_for_chat(self, wanted: Callable[[ChatLine], bool], timeout_s: float = 10) -> ChatLine:
        """Block until a chat line matches (call through anyio.to_thread from async tests)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                for line in self.chat:
                    if wanted(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching chat line within {timeout_s} s; chat: {self.chat}")
                self._changed.wait(left)

    def wait_for_requests(self, count: int, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fewer than {count} requests within {timeout_s} s: {self.requests}")
                self._changed.wait(left)

    # ---- the HTTP side -------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        checked = StarletteOpenAPIRequest(request, body)
        where = f"{request.method} {request.url.path}"
        with self._changed:
            self.requests.append(where)
            self._changed.notify_all()
        try:
            self._spec.validate_request(checked)
        except Exception as exc:
            self._violation(f"request {where} does not match neko's spec: {_describe(exc)}")
            return JSONResponse({"message": f"request does not match the API: {exc}"}, status_code=400)
        response = self._answer(request.method, request.url.path, request, body)
        try:
            self._spec.validate_response(checked, StarletteOpenAPIResponse(response))
        except Exception as exc:
            self._violation(f"the double's answer to {where} does not match neko's spec: {_describe(exc)}")
        return response

    def _answer(self, method: str, path: str, request: Request, body: bytes) -> Response:
        if (method, path) == ("POST", "/api/login"):
            return self._login(json.loads(body))
        session = self._authenticate(request)
        if session is None:
            return _error(401, "session not found")
        if (method, path) == ("GET", "/api/whoami"):
            return JSONResponse(self._session_data(session))
        if (method, path) == ("GET", "/api/room/control"):
            with self._changed:
                host = self._host_id
            return JSONResponse({"has_host": True, "host_id": host} if host else {"has_host": False})
        if (method, path) == ("GET", "/api/room/screen"):
            width, height, rate = self.screen
            return JSONResponse({"width": width, "height": height, "rate": rate})
        if (method, path) == ("POST", "/api/chat/"):
            if not session.is_admin:
                return _error(403, "session is not admin")
            with self._changed:
                self.chat.append(ChatLine(session.user, json.loads(body)["text"]))
                self._changed.notify_all()
            return Response(status_code=204)
        return _error(404, "the neko double does not implement this")

    def _login(self, payload: dict[str, Any]) -> Response:
        user = self.users.get(str(payload.get("username")))
        if user is None or user.password != payload.get("password"):
            return _error(401, "Unauthorized")
        name = str(payload["username"])
        session = NekoSession(f"{name}-{secrets.token_hex(3)}", name, user.is_admin)
        token = secrets.token_hex(16)
        with self._changed:
            self._sessions[token] = session
            self.logins += 1
        data = self._session_data(session)
        if self.token_in_cookie:
            response = JSONResponse(data)
            response.set_cookie(SESSION_COOKIE, token, httponly=True, max_age=86400)
            return response
        return JSONResponse({**data, "token": token})

    def _authenticate(self, request: Request) -> NekoSession | None:
        """Where neko looks for the token, in its order: cookie, Authorization: Bearer, ?token=."""
        header = request.headers.get("authorization", "")
        candidates = [
            request.cookies.get(SESSION_COOKIE),
            header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None,
            request.query_params.get("token"),
        ]
        token = next((candidate for candidate in candidates if candidate), None)
        if token is None:
            return None
        with self._changed:
            return self._sessions.get(token) or self.api_tokens.get(token)

    def _session_data(self, session: NekoSession) -> dict[str, Any]:
        return {
            "id": session.id,
            "profile": {
                "name": session.user,
                "is_admin": session.is_admin,
                "can_login": True,
                "can_connect": True,
                "can_watch": True,
                "can_host": True,
                "can_share_media": True,
                "can_access_clipboard": True,
                "sends_inactive_cursor": True,
                "can_see_inactive_cursors": True,
                "plugins": {},
            },
            "state": {"is_connected": False, "is_watching": False},
        }

    def _violation(self, text: str) -> None:
        with self._changed:
            self.violations.append(text)
            self._changed.notify_all()


@contextmanager
def running_neko(**options: Any) -> Iterator[NekoDouble]:
    double = NekoDouble(**options).start()
    try:
        yield double
    finally:
        double.stop()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def _describe(exc: BaseException) -> str:
    """The error and what openapi-core found beneath it (schema errors name the field)."""
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None:
        if str(cause) not in parts[-1]:
            parts.append(f"{type(cause).__name__}: {cause}")
        for error in getattr(cause, "schema_errors", ()) or ():
            parts.append(f"  - {getattr(error, 'message', error)}")
        cause = cause.__cause__
    return "\n".join(parts)
