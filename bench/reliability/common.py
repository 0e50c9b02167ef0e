"""What the server runs with, and the limits; the local sites; browser-mcp over stdio, its process."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, quote, urlsplit

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from tests.support.agent import SERVER_COMMAND, Agent, server_env
from tests.support.chromium import PersonChromium
from tests.support.site import Site

from bench.bench_live import descendants
from browser_mcp.config import Settings

# ---- what the server runs with, and the limits -----------------------------------------------------------

# Short element and navigation timeouts keep the many failing calls short; the budget is the default one.
SERVER_ARGS = tuple(
    ["--action-timeout", "2", "--navigation-timeout", "10", "--live-port", "0", "--log-level", "WARNING"]
)
DEFAULT_SETTINGS = Settings.model_construct()  # the defaults, which the bench leaves as they are
SLOW_CALL_S = 30.0  # a call that takes longer is counted
ABANDON_S = 60.0  # the client gives up on a call (and cancels it) after this long
STUCK_PROBE_S = 15.0  # after an abandoned call, a cheap call must answer within this, or the server restarts
RECOVERY_TARGET_S = 5.0
RSS_GROWTH_TARGET_MB = 20.0
HUGE = 100_000  # characters of a huge string argument
UPLOAD_FILE = "report.txt"  # the one file in the fuzzed server's --upload-dir
UNICODE_TEXTS = ("ü😀 שלום 中文 \u200b\u200d e\u0301", "a\u0000b", "\ufeff𝔘𝔫𝔦𝔠𝔬𝔡𝔢\u202e")

# The tools that wait for time to pass or for the person: their waits are kept to a second (the longest
# they accept would make the fuzz a test of patience). Any other value is generated from the schema.
WAIT_PARAMETERS = frozenset({"timeout", "timeout_s", "seconds"})
WAIT_CAP_S = 1.0

# Secrets the person types into tests/pages/secrets.html (the card fields are in its two iframes).
PASSWORD = "Quokka-hunter2-pw"
NEW_PASSWORD = "Wombat-new-pw-8841"
OTP = "739214"
BACKUP_CODE = "502918"
CARD = "4111 1111 1111 1111"
CVC = "0731"
OTHER_CARD = "5555555555554444"
OTHER_CVC = "0962"
SECRETS = (PASSWORD, NEW_PASSWORD, OTP, BACKUP_CODE, CARD, CARD.replace(" ", ""), OTHER_CARD)
SHORT_SECRETS = (CVC, OTHER_CVC)  # only as numbers of their own

# Schemes no tab may ever show (about: other than about:blank too), whatever the agent asks.
REFUSED_SCHEMES = frozenset(
    {"file", "chrome", "devtools", "javascript", "data", "view-source", "chrome-extension"}
)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---- the local sites: the pages, the refused origin, a redirector -----------------------------------------


class Redirector:
    """An HTTP server on its own origin that answers every request with a 302 to its `?to=`."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target = parse_qs(urlsplit(self.path).query).get("to", ["/"])[0]
                self.send_response(302)
                self.send_header("location", target)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Sites:
    site: Site  # the pages the agent may open
    refused: Site  # the same pages on an origin the server is started to refuse (--blocked-origins)
    redirector: Redirector

    @property
    def refused_origin(self) -> str:
        return self.refused.base

    def ways_out(self, auto: str | None = None) -> str:
        query = f"?to={quote(self.refused.base, safe='')}&via={quote(self.redirector.base, safe='')}"
        return self.site.url("/ways_out.html" + query + (f"&auto={auto}" if auto else ""))

    def stop(self) -> None:
        for server in (self.site, self.refused):
            server.stop()
        self.redirector.stop()


@asynccontextmanager
async def local_sites() -> AsyncIterator[Sites]:
    sites = Sites(Site().start(), Site().start(), Redirector())
    for server in (sites.site.server, sites.refused.server):
        # A tab closed while the slow page loads breaks its connection: expected here, not worth a traceback.
        server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    try:
        yield sites
    finally:
        sites.stop()


def blocked_args(sites: Sites) -> tuple[str, ...]:
    host = urlsplit(sites.refused_origin).netloc
    return ("--blocked-origins", host)


# ---- browser-mcp over stdio, its process ------------------------------------------------------------------


def server_pids() -> set[int]:
    """Our browser-mcp processes (children of this process, or of a process it started)."""
    found = set()
    for pid in descendants(os.getpid()):
        with suppress(OSError):
            if b"browser_mcp" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(pid)
    return found


def alive(pid: int) -> bool:
    """Whether the process runs (an unknown one, -1, is taken to: the transport still tells a crash)."""
    if pid < 0:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@dataclass
class Server:
    agent: Agent
    pid: int
    log: Path


@asynccontextmanager
async def stdio_server(cdp_url: str, log: Path, *args: str) -> AsyncIterator[Server]:
    """browser-mcp over stdio attached to `cdp_url`, its stderr in `log` (appended)."""
    before = server_pids()
    params = StdioServerParameters(
        command=SERVER_COMMAND[0],
        args=[*SERVER_COMMAND[1:], "--cdp-url", cdp_url, *SERVER_ARGS, *args],
        env=server_env(),
    )
    with log.open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog), read_timeout_seconds=ABANDON_S) as client:
            started = server_pids() - before
            yield Server(Agent(client), max(started) if started else -1, log)


class Rig(NamedTuple):
    sites: Sites
    chromium: PersonChromium
    server: Server


@asynccontextmanager
async def rig(*args: str) -> AsyncIterator[Rig]:
    """The local sites, a headless Chromium of the person's own and browser-mcp attached to it over stdio
    (with `args`; its log in a scratch directory)."""
    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as scratch:
        async with local_sites() as sites:
            chromium = PersonChromium().start()
            try:
                async with stdio_server(chromium.cdp_url, Path(scratch) / "server.log", *args) as server:
                    yield Rig(sites, chromium, server)
            finally:
                chromium.stop()


def log_tail(log: Path, lines: int = 6) -> str:
    with suppress(OSError):
        tail = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-lines:]
        return " | ".join(line[:200] for line in tail)
    return ""
