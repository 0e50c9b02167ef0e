"""Which URLs the agent may open: http(s) by default, never browser-internal pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from browser_mcp.errors import Problem

_INTERNAL_SCHEMES = {"chrome", "chrome-extension", "chrome-untrusted", "devtools", "edge", "view-source"}
_LOCAL_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")
_SCHEMELESS = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|[\w.-]+)(?::\d+)?(?:[/?#]|$)")


@dataclass(frozen=True)
class OriginPattern:
    """`https://example.com`, `example.com`, `*.example.com` or `127.0.0.1:8000`."""

    scheme: str | None
    host: str
    port: int | None
    wildcard: bool

    @classmethod
    def parse(cls, text: str) -> OriginPattern:
        raw = text.strip().lower()
        scheme = None
        if "://" in raw:
            scheme, raw = raw.split("://", 1)
        raw = raw.split("/", 1)[0]
        wildcard = raw.startswith("*.")
        raw = raw.removeprefix("*.")
        host, port = raw, None
        if raw.count(":") == 1:
            host, port_text = raw.split(":")
            port = int(port_text) if port_text.isdigit() else None
        return cls(scheme, host, port, wildcard)

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        if self.scheme and self.scheme != scheme:
            return False
        if self.port is not None and self.port != port:
            return False
        if self.wildcard:
            return host == self.host or host.endswith("." + self.host)
        return host == self.host


class UrlPolicy:
    def __init__(self, allowed: list[str], blocked: list[str], allow_file_urls: bool) -> None:
        self._allowed = [OriginPattern.parse(entry) for entry in allowed]
        self._blocked = [OriginPattern.parse(entry) for entry in blocked]
        self._allow_file_urls = allow_file_urls

    def normalize(self, url: str) -> str:
        """Add a scheme to a bare host the way a person would type it."""
        url = url.strip()
        if not url:
            raise Problem("The URL is empty: pass a full URL such as https://example.com.")
        if "://" in url or not _SCHEMELESS.match(url):
            return url  # has a scheme (or is something like about:blank / javascript:...)
        return ("http://" if url.lower().startswith(_LOCAL_HOSTS) else "https://") + url

    def check(self, url: str) -> str:
        """Return the URL to open, or raise a Problem saying why it is refused."""
        url = self.normalize(url)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise Problem(f"Refused to open {url}: it is not a valid URL ({exc}).") from exc
        scheme = parts.scheme.lower()
        if scheme in ("about",):
            if url.lower() in ("about:blank",):
                return url
            raise Problem(f"Refused to open {url}: only about:blank is allowed among about: pages.")
        if scheme in _INTERNAL_SCHEMES:
            raise Problem(f"Refused to open {url}: browser-internal pages ({scheme}://) are not allowed.")
        if scheme == "file":
            if not self._allow_file_urls:
                raise Problem(
                    f"Refused to open {url}: file:// URLs are disabled (the server was not started "
                    "with --allow-file-urls)."
                )
            return url
        if scheme in ("javascript", "data", "blob"):
            raise Problem(
                f"Refused to open a {scheme}: URL: it would run arbitrary code. Open an http(s) page."
            )
        if scheme not in ("http", "https"):
            raise Problem(f"Refused to open {url}: only http and https URLs are allowed.")
        host = (parts.hostname or "").lower()
        if not host:
            raise Problem(f"Refused to open {url}: it has no host name.")
        port = port or (443 if scheme == "https" else 80)
        if any(pattern.matches(scheme, host, port) for pattern in self._blocked):
            raise Problem(f"Refused to open {url}: its origin is blocked by the server's --blocked-origins.")
        if self._allowed and not any(pattern.matches(scheme, host, port) for pattern in self._allowed):
            raise Problem(
                f"Refused to open {url}: its origin is not in the server's --allowed-origins "
                f"({', '.join(self._describe_allowed())})."
            )
        return url

    @property
    def restricts_origins(self) -> bool:
        return bool(self._allowed or self._blocked)

    def refusal(self, url: str) -> str | None:
        """Why the browser must not load `url` (None: it may)."""
        try:
            self.check(url)
        except Problem as exc:
            return str(exc)
        return None

    def _describe_allowed(self) -> list[str]:
        return [
            (f"{p.scheme}://" if p.scheme else "")
            + ("*." if p.wildcard else "")
            + p.host
            + (f":{p.port}" if p.port is not None else "")
            for p in self._allowed
        ]
