"""A small typed client of neko's HTTP API (v3): log in, who holds control, screen size, chat.

Every failure is a NekoError whose message is one sentence a person can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

import httpx2

# httpx2 logs each request at INFO: with a control check per agent action that would flood stderr.
_HTTP_LOG = logging.getLogger("httpx2")
if _HTTP_LOG.level == logging.NOTSET:
    _HTTP_LOG.setLevel(logging.WARNING)

# neko's default session cookie: with cookies on (neko's default) the login answer carries the token
# only in this cookie, not in its body.
_SESSION_COOKIE = "NEKO_SESSION"


class NekoError(Exception):
    """neko could not be used; the message says why and what to do."""


@dataclass(frozen=True)
class Identity:
    """Who this client is in neko."""

    session_id: str
    name: str
    is_admin: bool


@dataclass(frozen=True)
class ControlStatus:
    """Who holds control of neko's screen: at most one viewer (the host) does."""

    has_host: bool
    host_id: str | None


@dataclass(frozen=True)
class ScreenSize:
    width: int
    height: int
    rate: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}@{self.rate}"


class NekoClient:
    """Logs in with a user and password (or uses a token) and keeps the session token.

    A request that neko answers with 401 (the session expired, neko restarted) logs in again once.
    """

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout_s: float = 3.0,
        control_cache_s: float = 1.0,
    ) -> None:
        if token is None and (user is None or password is None):
            raise ValueError("NekoClient needs a user and password, or a token")
        self.url = url.rstrip("/")
        self.user = user
        self._password = password
        self._token = token
        self._timeout_s = timeout_s
        self._control_cache_s = control_cache_s
        self._control: tuple[float, ControlStatus] | None = None
        self._login_lock = asyncio.Lock()
        self._control_lock = asyncio.Lock()
        self.identity: Identity | None = None
        # No proxy from the environment: neko is usually on loopback or the LAN.
        self._http = httpx2.AsyncClient(base_url=self.url, timeout=httpx2.Timeout(timeout_s), trust_env=False)

    @property
    def who(self) -> str:
        return f"user {self.user!r}" if self.user is not None else "the token given with --neko-token"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> NekoClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # ---- the API ------------------------------------------------------------------------------

    async def identify(self) -> Identity:
        """Log in (or, with a token, ask neko who the token belongs to)."""
        if self._password is not None:
            return await self.login()
        data = await self._call("GET", "/api/whoami", "the identity check")
        self.identity = _identity(data, self)
        return self.identity

    async def login(self) -> Identity:
        """Log in with the user and password; keep the session token for the next requests."""
        if self._password is None or self.user is None:
            raise NekoError("no neko user and password were given (--neko-user, --neko-password)")
        response = await self._send(
            "POST", "/api/login", json={"username": self.user, "password": self._password}, token=None
        )
        if response.status_code == 401:
            raise NekoError(f"neko refused the login for user {self.user!r}: wrong user name or password.")
        if response.status_code == 422:
            raise NekoError(
                f"neko refused the login for user {self.user!r}: {_message(response)}. neko allows one "
                "connected session per user: give browser-mcp its own neko account."
            )
        if response.status_code != 200:
            raise NekoError(
                f"neko refused the login for user {self.user!r} (HTTP {response.status_code}): "
                f"{_message(response)}."
            )
        data = _json_object(response, self, "the login")
        token = data.get("token") or _session_cookie(response)
        if not isinstance(token, str) or not token:
            raise NekoError(f"neko at {self.url} accepted the login but sent no session token.")
        self._token = token
        # The token goes in the Authorization header; a stored cookie would be a second, stale copy.
        self._http.cookies.clear()
        self.identity = _identity(data, self)
        return self.identity

    async def control(self) -> ControlStatus:
        """Who holds control; answered from a cache for `control_cache_s` so per-action checks stay cheap."""
        async with self._control_lock:
            if self._control is not None and time.monotonic() - self._control[0] < self._control_cache_s:
                return self._control[1]
            data = await self._call("GET", "/api/room/control", "the question who holds control")
            host_id = data.get("host_id")
            status = ControlStatus(
                has_host=bool(data.get("has_host")), host_id=host_id if isinstance(host_id, str) else None
            )
            self._control = (time.monotonic(), status)
            return status

    async def screen(self) -> ScreenSize:
        data = await self._call("GET", "/api/room/screen", "the screen size")
        try:
            return ScreenSize(int(data["width"]), int(data["height"]), int(data.get("rate", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise _not_neko(self, "the screen size") from exc

    async def post_chat(self, text: str) -> None:
        """Post a line into neko's chat, as everyone watching sees it (needs an admin account)."""
        response = await self._authorized("POST", "/api/chat/", {"text": text})
        if response.status_code == 403:
            message = _message(response)
            if "admin" in message:
                raise NekoError(
                    f"neko says {self.who} is not an admin: posting to the chat needs an admin account."
                )
            raise NekoError(f"neko does not let {self.who} post to the chat: {message}.")
        if response.status_code == 404:
            raise NekoError(f"neko at {self.url} has no chat API (is its chat plugin off?).")
        _check(response, self, "the chat message")

    # ---- requests -----------------------------------------------------------------------------

    async def _call(self, method: str, path: str, what: str) -> dict[str, Any]:
        response = await self._authorized(method, path, None)
        _check(response, self, what)
        return _json_object(response, self, what)

    async def _authorized(self, method: str, path: str, json: object | None) -> httpx2.Response:
        """Send with the session token, logging in first if there is none, and again once on a 401."""
        token = await self._current_token()
        response = await self._send(method, path, json=json, token=token)
        if response.status_code == 401 and self._password is not None:
            async with self._login_lock:
                if self._token == token:  # nobody logged in again meanwhile
                    await self.login()
            response = await self._send(method, path, json=json, token=self._token)
        if response.status_code == 401:
            if self._password is None:
                raise NekoError(
                    f"neko refused the token given with --neko-token: it is unknown or expired ({path})."
                )
            raise NekoError(f"neko refused the session of {self.who} even right after logging in ({path}).")
        return response

    async def _current_token(self) -> str:
        async with self._login_lock:
            if self._token is None:
                await self.login()
            assert self._token is not None
            return self._token

    async def _send(
        self, method: str, path: str, *, json: object | None, token: str | None
    ) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return await self._http.request(method, path, json=json, headers=headers)
        except httpx2.TimeoutException as exc:
            raise NekoError(
                f"neko at {self.url} did not answer within {self._timeout_s:g} s ({method} {path})."
            ) from exc
        except httpx2.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise NekoError(f"neko at {self.url} is unreachable: {reason}.") from exc


def _check(response: httpx2.Response, client: NekoClient, what: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 403:
        raise NekoError(f"neko refused {what} for {client.who}: {_message(response)}.")
    if status == 404:
        raise NekoError(
            f"neko at {client.url} has no such API ({response.request.url.path}): check --neko-url."
        )
    raise NekoError(f"neko answered {what} with HTTP {status}: {_message(response)}.")


def _message(response: httpx2.Response) -> str:
    """neko's own reason ({"message": ...}), else the status text."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str) and data["message"]:
        return str(data["message"])
    return response.reason_phrase or f"HTTP {response.status_code}"


def _json_object(response: httpx2.Response, client: NekoClient, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _not_neko(client, what)
    return data


def _not_neko(client: NekoClient, what: str) -> NekoError:
    return NekoError(
        f"neko at {client.url} answered {what} with something that is not neko's API: check --neko-url."
    )


def _session_cookie(response: httpx2.Response) -> str | None:
    # Parsed by hand: a cookie jar drops a Secure cookie sent over http, or one set by an IP address.
    cookies: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        with contextlib.suppress(CookieError):
            parsed.load(header)
        cookies.update({name: morsel.value for name, morsel in parsed.items()})
    if _SESSION_COOKIE in cookies:
        return cookies[_SESSION_COOKIE]
    # neko's cookie name is configurable: a login answer sets no other cookie.
    return next(iter(cookies.values())) if len(cookies) == 1 else None


def _identity(data: dict[str, Any], client: NekoClient) -> Identity:
    profile = data.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    name = profile.get("name") or client.user or ""
    return Identity(
        session_id=str(data.get("id") or ""), name=str(name), is_admin=bool(profile.get("is_admin"))
    )
