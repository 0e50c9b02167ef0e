"""HTTP transport guards: the Host/Origin allow-lists and the optional bearer token."""

from __future__ import annotations

import hmac
import json
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from browser_mcp.config import Settings, is_loopback

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection: only loopback names, the bound address and --allowed-hosts."""
    hosts = [f"{name}:*" for name in _LOOPBACK_NAMES]
    if not is_loopback(settings.host) and settings.host not in ("0.0.0.0", "::"):
        hosts.append(f"{settings.host}:*")
    hosts.extend(settings.allowed_hosts)
    if settings.public_url:
        public = urlsplit(settings.public_url)
        hosts.extend([public.netloc, f"{public.hostname}:*"])
    origins = [f"http://{host}" for host in hosts] + [f"https://{host}" for host in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def host_allowed(settings: Settings, host: str | None) -> bool:
    """The Host header names this server (DNS-rebinding protection for the routes MCP does not guard)."""
    if not host:
        return False
    for allowed in transport_security(settings).allowed_hosts:
        if host == allowed or (allowed.endswith(":*") and host.startswith(allowed[:-1])):
            return True
    return False


HEALTH_PATH = "/healthz"


class BearerTokenMiddleware:
    """Rejects HTTP requests without `Authorization: Bearer <token>` (401); the health check stays open."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"")
        if hmac.compare_digest(given, self._expected):
            await self.app(scope, receive, send)
            return
        reason = "missing bearer token" if not given else "wrong bearer token"
        body = json.dumps(
            {
                "error": "unauthorized",
                "error_description": f"{reason}: send Authorization: Bearer <token> (the server's --token)",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="browser-mcp"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
