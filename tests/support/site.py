"""A local web site on 127.0.0.1 for the tests: static pages, a slow page, a generated big page."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PAGES = Path(__file__).resolve().parent.parent / "pages"


def big_page(sections: int = 3000) -> str:
    """A docs-like page whose snapshot is far over any budget (~900 KB of HTML)."""
    rows = "\n".join(
        f"<section><h2>Method number {i}</h2><p>Returns the element at position {i} of the vector, "
        f"or None if it is out of bounds.</p><a href='#m{i}'>Permalink {i}</a>"
        f"<button>Copy {i}</button></section>"
        for i in range(sections)
    )
    return f"<!doctype html><title>Big docs</title><main><h1>Big docs</h1>{rows}</main>"


def sidebar_page(links: int = 500) -> str:
    """A docs page with a long sidebar: its snapshot is a few times the budget."""
    items = "\n".join(f"<li><a href='#topic-{i}'>Sidebar topic number {i}</a></li>" for i in range(links))
    sections = "\n".join(
        f"<section><h2>Chapter {i}</h2><p>{'Some words about this chapter. ' * 6}</p>"
        f"<a href='#chapter-{i}'>Read chapter {i}</a></section>"
        for i in range(40)
    )
    form = "<form><label>Search the docs <input name=q></label><button type=button>Search</button></form>"
    return (
        "<!doctype html><title>Sidebar docs</title>"
        f"<nav aria-label='Sidebar'><ul>{items}</ul></nav><main><h1>Sidebar docs</h1>{form}{sections}</main>"
    )


# The smallest GIF: one transparent pixel.
PIXEL_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def busy_page(images: int) -> str:
    """A page as real sites are: many images, a few fetches, console lines with objects in them."""
    pictures = "".join(f"<img src='/pixel.gif?i={i}' alt='' width=4 height=4>" for i in range(images))
    script = (
        "for (let i = 0; i < 5; i++) fetch('/data.json?i=' + i).then(r => r.json())"
        ".then(data => console.log('fetched', i, data, [i, 'x']));"
    )
    return f"<!doctype html><title>Busy</title><h1>Busy page</h1>{pictures}<script>{script}</script>"


class Site:
    def __init__(self) -> None:
        self._dynamic: dict[str, Callable[[dict[str, list[str]]], tuple[int, str, bytes]]] = {
            "/slow": self._slow,
            "/big": lambda _q: (200, "text/html", big_page().encode()),
            "/sidebar": lambda _q: (200, "text/html", sidebar_page().encode()),
            "/status": self._status,
            "/desk": self._desk,
            "/refresh": self._refresh,
            "/busy": self._busy,
            "/pixel.gif": lambda _q: (200, "image/gif", PIXEL_GIF),
            "/data.json": lambda _q: (200, "application/json", b'{"ok": true}'),
        }
        self.paths_requested: list[str] = []  # every GET the site answered, in order
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _slow(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        # The server side of a slow page, not test synchronisation.
        time.sleep(float(query.get("s", ["2"])[0]))
        return 200, "text/html", b"<!doctype html><title>Slow</title><p>Finally loaded</p>"

    @staticmethod
    def _status(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        code = int(query.get("code", ["404"])[0])
        return code, "text/html", f"<!doctype html><title>Status {code}</title><p>code {code}</p>".encode()

    @staticmethod
    def _desk(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """A page of someone's own that embeds `src` (e.g. the live view) in an iframe."""
        src = html.escape(query.get("src", ["about:blank"])[0])
        body = (
            f'<!doctype html><title>Desk</title><iframe src="{src}" '
            'onload="document.body.dataset.loaded = 1" style="width:1200px;height:800px"></iframe>'
        )
        return 200, "text/html", body.encode()

    @staticmethod
    def _busy(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        return 200, "text/html", busy_page(int(query.get("images", ["40"])[0])).encode()

    @staticmethod
    def _refresh(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """A page that sends the browser on to ?to= by a meta refresh."""
        to = html.escape(query.get("to", ["/"])[0])
        body = f'<!doctype html><title>Moving on</title><meta http-equiv="refresh" content="0;url={to}">'
        return 200, "text/html", body.encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                site.paths_requested.append(parts.path)
                if parts.path == "/redirect":  # an HTTP redirect to ?to=
                    self.send_response(302)
                    self.send_header("location", parse_qs(parts.query).get("to", ["/"])[0])
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                if parts.path == "/report.csv":  # a file to download, not a page
                    self._send(
                        200,
                        "text/csv",
                        REPORT_CSV,
                        ("content-disposition", "attachment; filename=report.csv"),
                    )
                    return
                if parts.path == "/members":  # HTTP authentication
                    self._send(
                        401,
                        "text/html",
                        b"<title>Members</title>",
                        ("www-authenticate", 'Basic realm="Members"'),
                    )
                    return
                dynamic = site._dynamic.get(parts.path)
                if dynamic is not None:
                    status, kind, body = dynamic(parse_qs(parts.query))
                else:
                    name = parts.path.lstrip("/") or "index.html"
                    file = (PAGES / name).resolve()
                    if PAGES in file.parents and file.is_file():
                        status, kind, body = 200, _kind(file), file.read_bytes()
                    else:
                        status, kind, body = 404, "text/html", b"<!doctype html><title>Not found</title>"
                self._send(status, kind, body)

            def do_POST(self) -> None:
                """A form or a fetch sending data: answered as a GET of the same path would be (/status...)."""
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.do_GET()

            def _send(self, status: int, kind: str, body: bytes, *headers: tuple[str, str]) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "no-store")
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


REPORT_CSV = b"date,amount\n2026-12-24,120\n"


def _kind(file: Path) -> str:
    kinds = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
    return {**kinds, ".pdf": "application/pdf"}.get(file.suffix, "application/octet-stream")
