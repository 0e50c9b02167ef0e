"""Who may open the live view, and how: one-time links, the sessions they open, the token.

Without --token the live view is open to whoever reaches it (loopback by default, like MCP). With it,
the page and its WebSocket need a session: opened by a one-time link (the link's code is spent on first
use, then a cookie carries the session, so no secret stays in the address bar or in logs) or by the
token itself (an `Authorization: Bearer` header, or typed into the page's form). A link is "view"
(the server refuses its input) or "interact"; links can be revoked, and so are the sessions they opened.
"""

from __future__ import annotations

import hmac
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Literal

Mode = Literal["view", "interact"]

COOKIE = "browser_mcp_live"
LINK_PATH = "/live/join/"
DEFAULT_LINK_S = 900.0  # a link the agent hands out must be opened within this
MAX_LINK_S = 86_400.0
START_LINK_S = 3_600.0  # the link printed at start
SESSION_S = 12 * 3_600.0  # a session opened by a link or the token lasts this long


@dataclass
class Link:
    id: str  # "l3": how the agent names it to revoke it
    mode: Mode
    expires_at: float
    used: bool = False
    revoked: bool = False

    @property
    def valid(self) -> bool:
        return not self.used and not self.revoked and time.time() < self.expires_at


@dataclass(frozen=True)
class Session:
    mode: Mode
    link_id: str | None  # the link it was opened by (revoking the link ends it)
    expires_at: float


class LiveAccess:
    def __init__(self, token: str | None) -> None:
        self.token = token
        self._links: dict[str, Link] = {}  # by code
        self._sessions: dict[str, Session] = {}  # by cookie value
        self._ids = itertools.count(1)
        self._ended: list[str] = []  # sessions revoked since last asked (their sockets must close)

    @property
    def open_to_all(self) -> bool:
        """No token: anyone who reaches the address may watch and act."""
        return self.token is None

    # ---- links ------------------------------------------------------------------------------------

    def mint(self, mode: Mode, expires_s: float = DEFAULT_LINK_S) -> tuple[str, Link]:
        """A one-time link's code and record."""
        self._drop_expired()
        code = secrets.token_urlsafe(24)
        link = Link(f"l{next(self._ids)}", mode, time.time() + min(max(expires_s, 1.0), MAX_LINK_S))
        self._links[code] = link
        return code, link

    def redeem(self, code: str) -> str | None:
        """Spend a link: the new session's cookie value, or None if the link is unknown, used or expired."""
        link = self._links.get(code)
        if link is None or not link.valid:
            return None
        link.used = True
        return self._open(Session(link.mode, link.id, time.time() + SESSION_S))

    def revoke(self, link_id: str) -> int:
        """Revoke a link ("all": every link) and end the sessions it opened; how many links it hit."""
        hit = [code for code, link in self._links.items() if link_id in ("all", link.id) and not link.revoked]
        for code in hit:
            self._links[code].revoked = True
        ended = [
            key
            for key, session in self._sessions.items()
            if session.link_id is not None and link_id in ("all", session.link_id)
        ]
        for key in ended:
            del self._sessions[key]
        self._ended.extend(ended)
        return len(hit)

    def links(self) -> list[Link]:
        return [link for link in self._links.values() if link.valid]

    # ---- the token --------------------------------------------------------------------------------

    def token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def login(self, given: str) -> str | None:
        """The token typed into the page's form: a session's cookie value, or None."""
        if not self.token_matches(given):
            return None
        return self._open(Session("interact", None, time.time() + SESSION_S))

    # ---- a request's rights -----------------------------------------------------------------------

    def mode_of(self, cookie: str | None, authorization: str | None) -> Mode | None:
        """What a request may do: "interact", "view", or None (refused)."""
        if authorization is not None and self.token_matches(authorization.removeprefix("Bearer ")):
            return "interact"
        session = self._sessions.get(cookie or "")
        if session is not None and time.time() < session.expires_at:
            return session.mode
        return "interact" if self.open_to_all else None

    def still_valid(self, cookie: str | None) -> bool:
        """False once the session behind `cookie` was revoked (open sockets of it must close)."""
        return cookie is None or cookie not in self._ended

    def _open(self, session: Session) -> str:
        key = secrets.token_urlsafe(32)
        self._sessions[key] = session
        return key

    def _drop_expired(self) -> None:
        now = time.time()
        for code in [code for code, link in self._links.items() if link.expires_at < now - 3_600]:
            del self._links[code]
        for key in [key for key, session in self._sessions.items() if session.expires_at < now]:
            del self._sessions[key]
