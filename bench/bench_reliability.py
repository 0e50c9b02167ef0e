"""Reliability of browser-mcp: schema-derived fuzz of every tool, browser restarts, tabs closed mid-call,
concurrent HTTP clients, and the server's memory over a soak.

Run from the repository root: `.venv/bin/python -m bench.bench_reliability` (`--short` for a quick pass,
`--parts fuzz,http` for some parts; the counts are options). Each part starts its own headless Chromium
(with a CDP port) and its own browser-mcp attached with --cdp-url, on a local site on 127.0.0.1:

1. fuzz: the tools as a real MCP client lists them; calls generated from each tool's inputSchema, valid
   and not (wrong types, missing or extra fields, empty, 100 KB strings, unicode, numbers out of range,
   junk refs, refs from real snapshots, URLs of every scheme, an origin the server refuses), on local
   pages that include a checkout whose secrets a person typed. Each reply is checked: a sentence when it
   is an error, within its budget, no secret; the server still running; no tab on a refused origin (a
   second, raw Playwright connection watches every tab).
2. restarts: the browser killed and started again; the next calls must work within 5 s.
3. tab closes: the person closes the agent's tab while a slow call runs; the call must return.
4. http: concurrent Streamable HTTP clients, mixed calls; none may fail.
5. soak: mixed calls for minutes; the server's RSS (from /proc) may grow by at most 20 MB.

It prints a Markdown table, then the targets; status 1 when one is missed. tests/test_reliability.py runs
the same code with small counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp.types import TextContent
from mcp_types import CONNECTION_CLOSED
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, Playwright, async_playwright
from tests.support.agent import SERVER_COMMAND, Agent, HttpServer, Reply, http_agent, server_env
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import PAGES, Site

from bench.bench_live import descendants, rss_mib
from bench.timing import Stats, Target, ms, print_targets
from browser_mcp.config import Settings
from browser_mcp.tools.reply import reply_budget as server_reply_budget

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


def log_tail(log: Path, lines: int = 6) -> str:
    with suppress(OSError):
        tail = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-lines:]
        return " | ".join(line[:200] for line in tail)
    return ""


# ---- reading replies ------------------------------------------------------------------------------------

# How a reply tells that the URL policy stopped something (the evidence that the fuzz tried the ways out).
REFUSAL = re.compile(r"\brefused\b|\bblocked\b|\bstopped before\b", re.IGNORECASE)
_TOOL_PREFIX = re.compile(r"^Error executing tool [\w-]+:? ?")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s*File \".*\", line \d+", re.MULTILINE)
_RAW_LIBRARY = re.compile(r"^Call log:|={5,}|^\s+at .*\(.*:\d+:\d+\)$", re.MULTILINE)


def reply_text(reply: Reply) -> str:
    return "\n".join(part.text for part in reply.raw.content if isinstance(part, TextContent))


def sentence_problem(text: str) -> str | None:
    """Why an error reply is not a sentence the model can act on (None: it is one).

    Not one: nothing but the SDK's "Error executing tool X" (what any exception other than a ToolError
    becomes), a traceback, a raw Playwright error (its call log), or fewer than three words. A pydantic
    validation error names the argument and says what is wrong in words: it counts as a sentence.
    """
    body = _TOOL_PREFIX.sub("", text.strip(), count=1)
    body = "\n".join(line for line in body.splitlines() if not line.startswith("Note: ")).strip()
    if not body:
        return "empty (no detail)"
    if _TRACEBACK.search(body):
        return "a traceback"
    if _RAW_LIBRARY.search(body):
        return "a raw library error"
    if len(re.findall(r"[A-Za-z]{2,}", body)) < 3:
        return "not a sentence"
    return None


def leaked_secrets(text: str) -> list[str]:
    found = [secret for secret in SECRETS if secret in text]
    found += [short for short in SHORT_SECRETS if re.search(rf"(?<![\d,.]){short}(?![\d,])", text)]
    return found


def reply_budget(arguments: dict[str, Any], schema: dict[str, Any]) -> int:
    """The budget of a reply, as the server reckons it: the call's own max_chars when the tool's schema
    accepts the value, else the default snapshot budget (the bench passes no --snapshot-max-chars)."""
    wanted = arguments.get("max_chars")
    prop = schema.get("properties", {}).get("max_chars")
    own: dict[str, Any] = {}
    if isinstance(wanted, int) and not isinstance(wanted, bool) and prop is not None:
        bounds = _number_bounds(_non_null(prop, schema))
        if bounds.low <= wanted <= bounds.high:
            own["max_chars"] = wanted
    return server_reply_budget(DEFAULT_SETTINGS, own)


def is_refused_url(url: str, refused_origin: str) -> bool:
    """A tab showing this URL has landed where the server must never let the agent go."""
    if url == refused_origin or url.startswith(refused_origin + "/"):
        return True
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    return scheme in REFUSED_SCHEMES or (scheme == "about" and url != "about:blank")


def shorten(value: Any, limit: int = 60) -> str:
    """An argument as a reproduction shows it: long strings by their start and length."""
    if isinstance(value, str):
        if len(value) > limit:
            return f"{value[:20]!r}...({len(value):,} chars)"
        return repr(value)
    if isinstance(value, list):
        items = ", ".join(shorten(item, limit) for item in value[:4])
        return f"[{items}{', ...' if len(value) > 4 else ''}]" + (
            f"({len(value)} items)" if len(value) > 4 else ""
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {shorten(item, limit)}" for key, item in value.items()) + "}"
    return repr(value)


def call_text(tool: str, arguments: dict[str, Any]) -> str:
    return f"{tool}(" + ", ".join(f"{key}={shorten(value)}" for key, value in arguments.items()) + ")"


def excerpt(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[:limit]}... ({len(text):,} chars)"


# ---- generating calls from a tool's inputSchema ----------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float
    integer: bool


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return resolved
    return schema


def _non_null(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The schema without its `null` alternative (pydantic's `X | None`)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        for option in options:
            if option.get("type") != "null":
                return _resolve(option, root)
    return _resolve(schema, root)


def _nullable(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in schema.get("anyOf", []))


def _number_bounds(schema: dict[str, Any]) -> Bounds:
    integer = schema.get("type") == "integer"
    low = schema.get("minimum", schema.get("exclusiveMinimum", -1e9))
    high = schema.get("maximum", schema.get("exclusiveMaximum", 1e9))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        low += 1 if integer else 0.1
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        high -= 1 if integer else 0.1
    return Bounds(float(low), float(high), integer)


@dataclass
class Pools:
    """Values a model might send, by what the parameter is for."""

    urls: list[str]
    selectors: list[str]
    refs: list[str] = field(default_factory=list)  # from real snapshots, the newest last
    junk_refs: list[str] = field(
        default_factory=lambda: [
            "e0",
            "e99999",
            "f9e1",
            "",
            " e1 ",
            "ref=e2",
            "E5",
            "e-1",
            "e1e1",
            "[ref=e3]",
        ]
    )
    texts: list[str] = field(
        default_factory=lambda: [
            "Ada Lovelace",
            "",
            " ",
            "hello\nworld",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%s%s%n{0}{{7*7}}",
            "Book now",
            "Clicked",
            "Submitted",
            *UNICODE_TEXTS,
            "x" * HUGE,
            "é" * HUGE,
        ]
    )
    keys: list[str] = field(
        default_factory=lambda: [
            "Enter",
            "Tab",
            "Escape",
            "a",
            "Control+A",
            "Shift+Tab",
            "ArrowDown",
            "PageDown",
            "Backspace",
            "Alt+ArrowLeft",
            "",
            "NotAKey",
            "Control+",
            "++",
            "ü😀",
            "k" * HUGE,
        ]
    )
    options: list[str] = field(
        default_factory=lambda: ["Paris", "par", "Berlin", "Double (120 EUR)", "double", "2", "7", "nope", ""]
    )
    form_values: list[str] = field(
        default_factory=lambda: ["Ada", "true", "false", "Paris", "5", "", "x" * HUGE]
    )
    tab_ids: list[str] = field(default_factory=lambda: ["t1", "t2", "t3", "T1", " 2 ", "t99", "0"])
    paths: list[str] = field(
        default_factory=lambda: [
            UPLOAD_FILE,
            "/etc/passwd",
            "../../../../etc/passwd",
            f"../{UPLOAD_FILE}",
            "~/.ssh/id_rsa",
            "/proc/self/environ",
            "no-such-file.pdf",
            "",
            ".",
            "ü😀.txt",
            "p" * HUGE,
        ]
    )


# Pages of the other tools and checks, fuzzed when they are there.
OTHER_PAGES = (
    "upload.html",
    "drag.html",
    "typing_truth.html",
    "human-login.html",
    "human-recaptcha.html",
    "leave.html",
)


def site_urls(sites: Sites) -> list[str]:
    site, refused = sites.site, sites.refused
    port = urlsplit(site.base).port
    return [
        *(
            site.url(page)
            for page in ("/index.html", "/form.html", "/booking.html", "/secrets.html", "/two.html")
        ),
        *(site.url(page) for page in ("/secrets.html", "/booking.html", "/form.html")),  # more often
        *(site.url(f"/{page}") for page in OTHER_PAGES if (PAGES / page).exists()),
        site.url("/dialog-on-load.html"),
        site.url("/changes.html"),
        site.url("/slow?s=1"),
        site.url("/status?code=500"),
        site.url("/no-such-page.html"),
        site.url("/big"),
        sites.ways_out(),
        sites.ways_out(),
        sites.ways_out("script"),
        sites.ways_out("meta"),
        sites.ways_out("replace"),
        f"{sites.redirector.base}/?to={quote(refused.url('/index.html'), safe='')}",
        f"127.0.0.1:{port}/form.html",
        f"http://localhost:{port}/index.html",
        refused.url("/index.html"),
        refused.url("/secrets.html"),
        refused.base,
        "file:///etc/passwd",
        "file:///",
        "chrome://version",
        "chrome://settings",
        "devtools://devtools/bundled/inspector.html",
        "javascript:alert(1)",
        "JavaScript:void(0)",
        "data:text/html,<h1>data</h1>",
        "about:blank",
        "about:config",
        f"view-source:{site.url('/index.html')}",
        "http://127.0.0.1:1/",
        "",
        " ",
        "%%%",
        site.url("/ü😀?q=שלום"),
        site.url("/?" + "a" * HUGE),
    ]


SELECTORS = [
    "#name",
    "#count",
    "#guest",
    "#email",
    "#nights",
    "#room",
    "#book",
    "#password",
    "#city",
    "button",
    "a",
    "input",
    "text=Book now",
    'role=button[name="Book now"]',
    "#card",
    "#no-such-element",
    "div[[[",
    "",
    " ",
    "xpath=//h1",
    "#out-link",
    "#out-blank",
    "#out-redirect",
    "#out-script",
    "#out-popup",
    "#out-meta",
    "#out-get-submit",
    "#out-post-submit",
    "s" * HUGE,
]


class Generator:
    """Arguments for one tool, valid or not, derived from its inputSchema."""

    def __init__(self, rng: random.Random, pools: Pools) -> None:
        self.rng = rng
        self.pools = pools

    # -- valid values --

    def valid(self, name: str, schema: dict[str, Any], root: dict[str, Any]) -> Any:
        if _nullable(schema) and self.rng.random() < 0.1:
            return None
        inner = _non_null(schema, root)
        kind = inner.get("type")
        if "enum" in inner:
            return self.rng.choice(inner["enum"])
        if kind in ("integer", "number"):
            return self._number(name, inner)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "array":
            return self._array(name, inner, root)
        if kind == "object" or "properties" in inner:
            return self.arguments(inner, root, wanted=self.optional_share())
        return self._string(name, inner)

    def optional_share(self) -> float:
        return self.rng.choice([0.0, 0.3, 0.6, 1.0])

    def _number(self, name: str, schema: dict[str, Any]) -> float | int:
        bounds = _number_bounds(schema)
        if name in WAIT_PARAMETERS:  # a second at most, or the least it accepts
            value = max(bounds.low, min(WAIT_CAP_S, bounds.high))
            return int(value) if bounds.integer else value
        low, high = max(bounds.low, -1000), min(bounds.high, 1_000_000)
        choice = self.rng.choice(["low", "high", "between", "between"])
        value = low if choice == "low" else high if choice == "high" else self.rng.uniform(low, high)
        return int(value) if bounds.integer else round(value, 2)

    def _array(self, name: str, schema: dict[str, Any], root: dict[str, Any]) -> list[Any]:
        low, high = schema.get("minItems", 0), min(schema.get("maxItems", 4), 4)
        items = _resolve(schema.get("items", {}), root)
        item_name = "option" if name == "values" else name
        return [self.valid(item_name, items, root) for _ in range(self.rng.randint(low, max(low, high)))]

    def _string(self, name: str, schema: dict[str, Any]) -> str:
        pools = self.pools
        if name == "url":
            value = self.rng.choice(pools.urls)
        elif name == "ref" or name.endswith("_ref"):
            real = pools.refs[-30:]
            value = (
                self.rng.choice(real)
                if real and self.rng.random() < 0.75
                else self.rng.choice(pools.junk_refs)
            )
        elif name in ("path", "paths"):
            value = self.rng.choice(pools.paths)
        elif name == "selector" or name.endswith("_selector"):
            value = self.rng.choice(SELECTORS)
        elif name == "key":
            value = self.rng.choice(pools.keys)
        elif name == "tab":
            value = self.rng.choice(pools.tab_ids)
        elif name == "option":
            value = self.rng.choice(pools.options)
        elif name == "value":
            value = self.rng.choice(pools.form_values)
        elif name == "revoke":
            value = self.rng.choice(["all", "L1", "nope"])
        else:
            value = self.rng.choice(pools.texts)
        high, low = schema.get("maxLength"), schema.get("minLength", 0)
        if high is not None:
            value = value[:high]
        if len(value) < low:
            value = (value + "word" * low)[: max(low, 1)]
        return value

    def arguments(self, schema: dict[str, Any], root: dict[str, Any], wanted: float) -> dict[str, Any]:
        """The required properties, each optional one with probability `wanted`, and the waits always."""
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        chosen = [
            name
            for name in properties
            if name in required or name in WAIT_PARAMETERS or self.rng.random() < wanted
        ]
        return {name: self.valid(name, properties[name], root) for name in chosen}

    # -- invalid values --

    def wrong_type(self, schema: dict[str, Any], root: dict[str, Any]) -> Any:
        kind = _non_null(schema, root).get("type")
        candidates: list[Any] = [12345, -1.5, True, ["a", 1], {"nested": {"deep": [None]}}, "text"]
        if not _nullable(schema):
            candidates.append(None)
        wrong: dict[str, type | tuple[type, ...]] = {
            "string": str,
            "integer": int,
            "number": (int, float),
            "boolean": bool,
            "array": list,
        }
        keep = wrong.get(str(kind))
        return self.rng.choice([value for value in candidates if keep is None or not isinstance(value, keep)])

    def out_of_range(self, name: str, schema: dict[str, Any], root: dict[str, Any]) -> Any:
        inner = _non_null(schema, root)
        kind = inner.get("type")
        if kind in ("integer", "number"):
            bounds = _number_bounds(inner)
            return self.rng.choice(
                [bounds.low - 1, bounds.high + 1, -1, -(10**9), 10**18, 2**63, 1e308, 0.5, 0]
            )
        if kind == "array":
            items = _resolve(inner.get("items", {}), root)
            return self.rng.choice([[], [self.valid(name, items, root) for _ in range(200)]])
        if kind == "string" and "maxLength" in inner:
            return "y" * (int(inner["maxLength"]) + 1)
        return self.rng.choice(["", "z" * HUGE, "\u202e\u0000ü😀" * 1000, -1])


# Three valid calls for each of the others.
VARIANTS = ("valid",) * 3 + ("missing", "wrong type", "extra", "empty", "out of range", "huge", "unicode")


@dataclass(frozen=True)
class Tool:
    name: str
    schema: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.schema.get("properties", {})
        return properties


def generate(tool: Tool, generator: Generator) -> tuple[str, dict[str, Any]]:
    """One call of `tool`: (its variant, its arguments). A variant the tool leaves no room for (nothing
    required to leave out, no string to make huge) is a valid call."""
    rng, schema, properties = generator.rng, tool.schema, tool.properties
    variant = rng.choice(VARIANTS)
    arguments = generator.arguments(schema, schema, wanted=generator.optional_share())
    names = list(properties)
    strings = [name for name in names if _non_null(properties[name], schema).get("type") == "string"]
    required = [name for name in schema.get("required", []) if name in arguments]
    if variant == "missing" and required:
        del arguments[rng.choice(required)]
    elif variant == "wrong type" and names:
        name = rng.choice(names)
        arguments[name] = generator.wrong_type(properties[name], schema)
    elif variant == "extra":
        arguments[rng.choice(["bogus", "__proto__", "url ", "REF", "ü"])] = rng.choice([1, "x", None, [1]])
    elif variant == "empty":
        arguments = {}
    elif variant == "out of range" and names:
        name = rng.choice(names)
        arguments[name] = generator.out_of_range(name, properties[name], schema)
    elif variant in ("huge", "unicode") and strings:
        name = rng.choice(strings)
        arguments[name] = "h" * HUGE if variant == "huge" else rng.choice(UNICODE_TEXTS) * 50
    elif variant != "valid":
        variant = "valid"
    return variant, arguments


# ---- the person's view: a raw Playwright connection to the same browser ----------------------------------


class Watcher:
    """Every tab's main-frame navigations (any landing on a refused URL), and the secrets typed in."""

    def __init__(self, person: Person, refused_origin: str) -> None:
        self.person = person
        self.refused_origin = refused_origin
        self.landings: list[str] = []  # the refused URLs, as tabs landed there
        self.planted = 0  # checkout pages the person typed their secrets into
        self._on_refused: set[Page] = set()
        for page in person.context.pages:
            self._watch(page)
        person.context.on("page", self._watch)

    def _watch(self, page: Page) -> None:
        def navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                self._seen(page, frame.url)

        page.on("framenavigated", navigated)
        self._seen(page, page.url)

    def _seen(self, page: Page, url: str) -> None:
        if is_refused_url(url, self.refused_origin):
            if page not in self._on_refused:
                self._on_refused.add(page)
                self.landings.append(url)
        else:
            self._on_refused.discard(page)

    def check_tabs(self) -> None:
        """After each call: every tab's URL, as the connection knows it now."""
        for page in self.person.context.pages:
            if not page.is_closed():
                self._seen(page, page.url)

    async def plant_secrets(self) -> None:
        """The person types their secrets into any checkout page that does not have them yet."""
        for page in list(self.person.context.pages):
            if page.is_closed() or urlsplit(page.url).path != "/secrets.html":
                continue
            with suppress(PlaywrightError):
                if await page.evaluate("window.benchPlanted === true"):
                    continue
                await page.locator("#name").fill("Ada Lovelace", timeout=2000)
                await page.locator("#password").fill(PASSWORD, timeout=2000)
                await page.locator("#new-password").fill(NEW_PASSWORD, timeout=2000)
                await page.locator("#otp").fill(OTP, timeout=2000)
                await page.locator("#backup").fill(BACKUP_CODE, timeout=2000)
                same, other = page.frame_locator("#same"), page.frame_locator("#other")
                await same.locator("#card").fill(CARD, timeout=2000)
                await same.locator("#cvc").fill(CVC, timeout=2000)
                await other.locator("#card").fill(OTHER_CARD, timeout=2000)
                await other.locator("#cvc").fill(OTHER_CVC, timeout=2000)
                await page.evaluate("window.benchPlanted = true")
                self.planted += 1

    async def keep_tabs(self, most: int = 4) -> None:
        """The person closes tabs beyond `most` (the fuzz opens tabs; the newest go first)."""
        pages = [page for page in self.person.context.pages if not page.is_closed()]
        for page in pages[most:]:
            with suppress(PlaywrightError):
                await page.close()


@asynccontextmanager
async def person_on(playwright: Playwright, cdp_url: str) -> AsyncIterator[Person]:
    person = await Person.attach(playwright, cdp_url)
    try:
        yield person
    finally:
        if person.browser.is_connected():
            await person.detach()


# ---- part 1: the fuzz -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    call: str  # the call, its long arguments shortened
    where: str  # the tabs' URLs before it
    what: str  # the reply or the failure, shortened

    def line(self) -> str:
        return f"{self.call} on {self.where}: {self.what}"


@dataclass
class Findings:
    """Failures by kind: how many, and the first few as reproductions."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[Finding]] = field(default_factory=dict)
    keep: int = 3

    def add(self, kind: str, finding: Finding) -> None:
        self.counts[kind] += 1
        examples = self.examples.setdefault(kind, [])
        if len(examples) < self.keep:
            examples.append(finding)

    def lines(self) -> list[str]:
        lines = []
        for kind, count in self.counts.items():
            lines.append(f"- {kind} (x{count}):")
            lines += [f"  - {example.line()}" for example in self.examples.get(kind, [])]
        return lines

    def print(self, title: str) -> None:
        if self.counts:
            print(f"\n{title}:", *self.lines(), sep="\n")


# The kinds of failure the fuzz counts.
CRASH = "crash: the server exited or the transport broke"
NO_SENTENCE = "error without a sentence"
OVER_BUDGET = "reply over its budget"
SLOW = "call over 30 s"
ABANDONED = "no reply within 60 s (abandoned)"
LEAK = "secret value in a reply"
LANDING = "tab on a refused URL"
UNEXPECTED = "unexpected failure (the frame's fallback for a bug)"


@dataclass
class FuzzResult:
    calls: int = 0
    seed: int = 0
    tools: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    by_tool: Counter[str] = field(default_factory=Counter)
    errors: int = 0  # tool errors with a sentence: the expected answer to most invalid calls
    variants: Counter[str] = field(default_factory=Counter)  # calls by kind: valid, missing, ..., setup
    refusals: int = 0  # replies that tell of a URL refused or a navigation stopped (the policy at work)
    planted: int = 0  # checkout pages the person typed their secrets into
    largest_reply: int = 0
    largest_call: str = ""
    seconds: float = 0.0
    times: Stats = field(default_factory=Stats)
    findings: Findings = field(default_factory=Findings)

    def count(self, kind: str) -> int:
        return self.findings.counts[kind]

    def row(self) -> str:
        counts = ", ".join(
            f"{self.count(kind)} {label}"
            for kind, label in (
                (CRASH, "crashes"),
                (NO_SENTENCE, "errors without a sentence"),
                (OVER_BUDGET, "over budget"),
                (SLOW, "over 30 s"),
                (LEAK, "secrets"),
                (LANDING, "refused landings"),
            )
        )
        return (
            f"| fuzz | {self.calls:,} calls of {len(self.tools)} tools (seed {self.seed}), {self.errors:,} tool "
            f"errors | {counts}; largest reply {self.largest_reply:,} chars; median {ms(self.times.median)} ms, "
            f"p95 {ms(self.times.p95)} ms | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        done = f"over {self.calls:,} fuzz calls"
        return [
            Target.check(self.count(CRASH) == 0, f"fuzz: {self.count(CRASH)} crashes {done} (target 0)"),
            Target.check(
                self.count(NO_SENTENCE) == 0,
                f"fuzz: {self.count(NO_SENTENCE)} errors without a sentence (target 0)",
            ),
            Target.check(
                self.count(OVER_BUDGET) == 0,
                f"fuzz: {self.count(OVER_BUDGET)} replies over their budget (target 0; the largest "
                f"{self.largest_reply:,} chars, from {excerpt(self.largest_call, 120)})",
            ),
            Target.check(
                self.count(SLOW) == 0,
                f"fuzz: {self.count(SLOW)} calls over {SLOW_CALL_S:.0f} s, {self.count(ABANDONED)} of them "
                f"abandoned at {ABANDON_S:.0f} s (target 0)",
            ),
            Target.check(
                self.count(LANDING) == 0,
                f"fuzz: {self.count(LANDING)} landings on a refused origin or scheme (target 0)",
            ),
            Target.check(
                self.count(LEAK) == 0,
                f"fuzz: {self.count(LEAK)} password or card values in a reply (target 0)",
            ),
            Target("info", f"fuzz: {self.count(UNEXPECTED)} replies from the frame's fallback for a bug"),
            Target(
                "info",
                f"fuzz: calls by kind: {', '.join(f'{kind} {count:,}' for kind, count in self.variants.most_common())}; "
                f"{self.refusals:,} replies told of a URL refused or stopped; the person's secrets typed into "
                f"{self.planted} checkout pages",
            ),
        ]


@dataclass(frozen=True)
class FuzzOptions:
    calls: int = 10_000
    seed: int = 1
    reset_every: int = 25  # a navigation to a local page and a snapshot (refs for the next calls)


MAX_SERVER_STARTS = 20  # a server that crashes this often is not fuzzed further

# ask_user shows the person a prompt and waits for them: it is fuzzed with its timeout_s at 1 s (every
# call then costs a second). No tool is left out; a tool named here would be, with its reason.
LEFT_OUT: dict[str, str] = {}


class Fuzz:
    def __init__(self, sites: Sites, person: Person, options: FuzzOptions, result: FuzzResult) -> None:
        self.sites = sites
        self.options = options
        self.result = result
        self.watcher = Watcher(person, sites.refused_origin)
        self.rng = random.Random(options.seed)
        self.pools = Pools(urls=site_urls(sites), selectors=SELECTORS)
        self.generator = Generator(self.rng, self.pools)
        self.reset_pages = [sites.site.url(page) for page in ("/secrets.html", "/booking.html", "/form.html")]
        self.reset_pages += [sites.ways_out(), sites.site.url("/index.html")]
        self.landings_reported = 0
        self.resets = 0
        self.dialog_open = False

    def where(self) -> str:
        urls = [page.url for page in self.watcher.person.context.pages if not page.is_closed()]
        return ", ".join(excerpt(url, 80) for url in urls) or "no tab"

    async def call(
        self, server: Server, tool: Tool, arguments: dict[str, Any], variant: str = "setup"
    ) -> bool:
        """One call, checked. False: the server crashed (or is stuck) and must be started again."""
        result = self.result
        where = self.where()
        what = call_text(tool.name, arguments)
        started = time.monotonic()
        try:
            raw = await server.agent.client.call_tool(tool.name, arguments, read_timeout_seconds=ABANDON_S)
        except Exception as exc:  # the transport, the client giving up, or a JSON-RPC error
            elapsed = time.monotonic() - started
            result.calls += 1
            result.by_tool[tool.name] += 1
            failure = f"{type(exc).__name__}: {excerpt(str(exc))}"
            if elapsed >= ABANDON_S - 1:
                result.findings.add(SLOW, Finding(what, where, failure))
                result.findings.add(ABANDONED, Finding(what, where, failure))
                return await self.responsive(server, Finding(what, where, failure))
            if isinstance(exc, MCPError) and exc.code != CONNECTION_CLOSED and alive(server.pid):
                # An error answer instead of a tool result: the model reads no sentence of ours.
                result.findings.add(NO_SENTENCE, Finding(what, where, f"a JSON-RPC error: {failure}"))
                return True
            result.findings.add(CRASH, Finding(what, where, f"{failure}; {log_tail(server.log)}"))
            return False
        elapsed = time.monotonic() - started
        result.calls += 1
        result.by_tool[tool.name] += 1
        result.times.samples.append(elapsed * 1000)
        reply = Reply(raw)
        text = reply_text(reply)
        self.dialog_open = "dialog is open" in text
        if REFUSAL.search(text):
            result.refusals += 1
        result.variants[variant] += 1
        self.check(tool, arguments, reply.is_error, text, elapsed, where)
        self.pools.refs += re.findall(r"\[ref=((?:f\d+)?e\d+)\]", text)[-40:]
        del self.pools.refs[:-200]
        await self.watcher.plant_secrets()
        if not alive(server.pid):
            result.findings.add(CRASH, Finding(what, where, f"exited; {log_tail(server.log)}"))
            return False
        return True

    def check(
        self, tool: Tool, arguments: dict[str, Any], is_error: bool, text: str, elapsed: float, where: str
    ) -> None:
        result, findings = self.result, self.result.findings
        what = call_text(tool.name, arguments)
        if len(text) > result.largest_reply:
            result.largest_reply, result.largest_call = len(text), what
        if is_error:
            problem = sentence_problem(text)
            if problem is not None:
                findings.add(NO_SENTENCE, Finding(what, where, f"{problem}: {excerpt(text)}"))
            else:
                result.errors += 1
            if "failed unexpectedly (" in text:
                findings.add(UNEXPECTED, Finding(what, where, excerpt(text)))
        budget = reply_budget(arguments, tool.schema)
        if len(text) > budget:
            findings.add(
                OVER_BUDGET, Finding(what, where, f"{len(text):,} > {budget:,} chars: {excerpt(text, 100)}")
            )
        if elapsed > SLOW_CALL_S:
            findings.add(SLOW, Finding(what, where, f"{elapsed:.1f} s: {excerpt(text, 100)}"))
        leaked = leaked_secrets(text)
        if leaked:
            findings.add(LEAK, Finding(what, where, f"{', '.join(leaked)} in: {excerpt(text)}"))
        # Landings seen by the navigation events (during this call, or late from the one before) and by
        # the tabs' URLs now.
        self.watcher.check_tabs()
        for url in self.watcher.landings[self.landings_reported :]:
            findings.add(LANDING, Finding(what, where, f"a tab landed on {excerpt(url, 100)}"))
        self.landings_reported = len(self.watcher.landings)

    async def responsive(self, server: Server, finding: Finding) -> bool:
        """After an abandoned call: does the server still answer a cheap call? (False: restart it.)"""
        try:
            await server.agent.client.call_tool("activity", {"limit": 1}, read_timeout_seconds=STUCK_PROBE_S)
        except Exception:
            self.result.findings.add(
                CRASH, Finding(finding.call, finding.where, "stuck: it answered nothing after")
            )
            return False
        return True

    async def reset(self, server: Server) -> bool:
        """Back to a local page (each in turn, the checkout first), with fresh refs; the person closes
        surplus tabs; a dialog left open is dismissed first."""
        await self.watcher.keep_tabs()
        page = self.reset_pages[self.resets % len(self.reset_pages)]
        self.resets += 1
        steps: list[tuple[str, dict[str, Any]]] = [("navigate", {"url": page}), ("snapshot", {})]
        if self.dialog_open:
            steps.insert(0, ("handle_dialog", {"accept": False}))
        for name, arguments in steps:
            if not await self.call(server, Tool(name, {"type": "object", "properties": {}}), arguments):
                return False
        return True

    async def session(self, server: Server, tools: list[Tool], deadline: int) -> bool:
        """Calls until `deadline` calls are done (True) or the server crashed (False)."""
        if not await self.reset(server):
            return False
        while self.result.calls < deadline:
            if self.result.calls % self.options.reset_every == 0 and not await self.reset(server):
                return False
            tool = self.rng.choice(tools)
            variant, arguments = generate(tool, self.generator)
            if not await self.call(server, tool, arguments, variant):
                return False
            if self.result.calls % 500 == 0:
                progress(f"  fuzz: {self.result.calls:,} calls")
        return True


async def fuzz(options: FuzzOptions) -> FuzzResult:
    """Part 1: schema-derived calls of every tool, each reply checked."""
    result = FuzzResult(seed=options.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as scratch:
        log = Path(scratch) / "server.log"
        uploads = Path(scratch) / "uploads"
        uploads.mkdir()
        (uploads / UPLOAD_FILE).write_text("a file the page may have\n")
        server_args = ("--upload-dir", str(uploads))
        async with local_sites() as sites, async_playwright() as playwright:
            chromium = PersonChromium().start()
            try:
                async with person_on(playwright, chromium.cdp_url) as person:
                    runner = Fuzz(sites, person, options, result)
                    starts = 0
                    while result.calls < options.calls and starts < MAX_SERVER_STARTS:
                        starts += 1
                        finished = False
                        try:
                            async with stdio_server(
                                chromium.cdp_url, log, *server_args, *blocked_args(sites)
                            ) as server:
                                listed = await server.agent.client.list_tools()
                                tools = [
                                    Tool(tool.name, dict(tool.input_schema))
                                    for tool in listed.tools
                                    if tool.name not in LEFT_OUT
                                ]
                                result.tools = [tool.name for tool in tools]
                                finished = await runner.session(server, tools, options.calls)
                        except Exception as exc:  # the client's task group, as a crashed server closes
                            if finished:
                                raise
                            progress(
                                f"  fuzz: the server went away ({type(exc).__name__}); starting it again"
                            )
                        if not finished:
                            progress(f"  fuzz: restarting the server after call {result.calls}")
            finally:
                chromium.stop()
    result.left_out = dict(LEFT_OUT)
    result.planted = runner.watcher.planted
    result.seconds = time.monotonic() - started
    return result


# ---- part 2: the browser killed and started again ---------------------------------------------------------


@dataclass
class RestartResult:
    restarts: int = 0
    recovered: int = 0  # within RECOVERY_TARGET_S
    times: Stats = field(default_factory=Stats)  # seconds from the browser back to the calls working
    calls_while_down: int = 0
    down_without_sentence: int = 0
    seconds: float = 0.0
    findings: Findings = field(default_factory=Findings)

    def row(self) -> str:
        worst = max(self.times.samples, default=math.nan)
        return (
            f"| restarts | browser killed and started again {self.restarts} times | {self.recovered}/"
            f"{self.restarts} recovered within {RECOVERY_TARGET_S:.0f} s (median {self.times.median:.2f} s, "
            f"max {worst:.2f} s); {self.calls_while_down - self.down_without_sentence}/{self.calls_while_down} "
            f"calls while it was down answered with a sentence | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        return [
            Target.check(
                self.recovered == self.restarts and self.restarts > 0,
                f"restarts: {self.recovered}/{self.restarts} recovered within {RECOVERY_TARGET_S:.0f} s",
            ),
            Target.check(
                self.down_without_sentence == 0,
                f"restarts: {self.down_without_sentence} calls while the browser was down without a sentence (target 0)",
            ),
        ]


async def restarts(count: int) -> RestartResult:
    """Part 2: kill the browser, call while it is down, start it again; the next calls must work."""
    result = RestartResult()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as scratch:
        log = Path(scratch) / "server.log"
        async with local_sites() as sites:
            chromium = PersonChromium().start()
            try:
                async with stdio_server(chromium.cdp_url, log) as server:
                    agent = server.agent
                    await agent.call("navigate", url=sites.site.url("/form.html"))
                    for index in range(count):
                        chromium.kill()
                        down = await agent.call("snapshot")
                        result.calls_while_down += 1
                        problem = sentence_problem(reply_text(down)) if down.is_error else "it succeeded"
                        if problem is not None:
                            result.down_without_sentence += 1
                            result.findings.add(
                                "call while the browser was down",
                                Finding("snapshot()", "no browser", f"{problem}: {excerpt(down.text)}"),
                            )
                        chromium.start()
                        back = time.monotonic()
                        recovered = await recover(agent, sites.site, index, result.findings)
                        result.restarts += 1
                        if recovered:
                            elapsed = time.monotonic() - back
                            result.times.samples.append(elapsed)
                            result.recovered += elapsed <= RECOVERY_TARGET_S
                        progress(f"  restarts: {index + 1}/{count}")
            finally:
                chromium.stop()
    result.seconds = time.monotonic() - started
    return result


async def recover(agent: Agent, site: Site, index: int, findings: Findings) -> bool:
    """The agent's next calls after the browser came back: a navigation and a snapshot of it."""
    page, title = ("/form.html", "'Form'") if index % 2 else ("/index.html", "'Home'")
    deadline = time.monotonic() + RECOVERY_TARGET_S * 2
    while time.monotonic() < deadline:
        navigated = await agent.call("navigate", url=site.url(page))
        if not navigated.is_error and title in navigated.text:
            snapshot = await agent.call("snapshot")
            if not snapshot.is_error and "[ref=" in snapshot.text:
                return True
            findings.add(
                "snapshot after a restart", Finding("snapshot()", site.url(page), excerpt(snapshot.text))
            )
        else:
            findings.add(
                "navigate after a restart",
                Finding(f"navigate({page!r})", "restarted browser", excerpt(navigated.text)),
            )
    return False


# ---- part 3: the person closes the agent's tab during a slow call ----------------------------------------


@dataclass
class TabCloseResult:
    closes: int = 0
    hangs: int = 0
    worked_after: int = 0
    without_sentence: int = 0
    times: Stats = field(default_factory=Stats)  # seconds from the close to the reply
    seconds: float = 0.0
    findings: Findings = field(default_factory=Findings)

    def row(self) -> str:
        worst = max(self.times.samples, default=math.nan)
        return (
            f"| tab closes | the person closed the agent's tab during a slow call {self.closes} times | "
            f"{self.hangs} hangs; reply after the close: median {self.times.median:.2f} s, max {worst:.2f} s; "
            f"{self.worked_after}/{self.closes} next calls worked | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        return [
            Target.check(
                self.hangs == 0 and self.closes > 0,
                f"tab closes: {self.hangs} hangs in {self.closes} (target 0)",
            ),
            Target.check(
                self.worked_after == self.closes and self.without_sentence == 0,
                f"tab closes: {self.worked_after}/{self.closes} next calls worked; {self.without_sentence} errors "
                "without a sentence",
            ),
        ]


# The slow calls, with how long each may take in all (its own timeout, and a margin for the machine).
SLOW_CALLS: list[tuple[str, dict[str, Any], float]] = [
    ("navigate", {"url": "/slow?s=4"}, 10 + 5),  # --navigation-timeout 10
    ("wait_for", {"text": "Never shown anywhere", "timeout": 4}, 4 + 5),
    ("wait_for", {"seconds": 3}, 3 + 5),
]


async def tab_closes(count: int) -> TabCloseResult:
    """Part 3: a second connection closes the agent's tab while a slow call runs on it."""
    result = TabCloseResult()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as scratch:
        log = Path(scratch) / "server.log"
        async with local_sites() as sites, async_playwright() as playwright:
            chromium = PersonChromium().start()
            try:
                async with (
                    person_on(playwright, chromium.cdp_url) as person,
                    stdio_server(chromium.cdp_url, log) as server,
                ):
                    await server.agent.call("navigate", url=sites.site.url("/form.html"))
                    for index in range(count):
                        await close_during_call(
                            server.agent, person, sites.site, SLOW_CALLS[index % len(SLOW_CALLS)], result
                        )
                        progress(f"  tab closes: {index + 1}/{count}")
            finally:
                chromium.stop()
    result.seconds = time.monotonic() - started
    return result


async def close_during_call(
    agent: Agent, person: Person, site: Site, slow: tuple[str, dict[str, Any], float], result: TabCloseResult
) -> None:
    tool, arguments, limit = slow
    if "url" in arguments:
        arguments = {**arguments, "url": site.url(arguments["url"])}
    tab = await person.open_tab(site.url("/index.html"))  # in front: the agent's tab from now on
    await agent.call("snapshot")  # the agent looks at it (and so acts on it)
    begun = asyncio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        begun.set()

    call = asyncio.ensure_future(
        agent.client.call_tool(tool, arguments, read_timeout_seconds=limit, progress_callback=on_progress)
    )
    if tool == "navigate":
        with suppress(PlaywrightError):
            await tab.wait_for_event("request", lambda request: "/slow" in request.url, timeout=limit * 1000)
    else:
        with suppress(TimeoutError):
            await asyncio.wait_for(begun.wait(), limit)
    closed = time.monotonic()
    with suppress(PlaywrightError):
        await tab.close()
    result.closes += 1
    what = call_text(tool, arguments)
    try:
        raw = await asyncio.wait_for(call, limit + 5)
    except Exception as exc:  # the client gave up: the call hung
        result.hangs += 1
        result.findings.add(
            "hang", Finding(what, "the tab closed", f"{type(exc).__name__}: {excerpt(str(exc))}")
        )
        return
    result.times.samples.append(time.monotonic() - closed)
    reply = Reply(raw)
    if reply.is_error and (problem := sentence_problem(reply_text(reply))) is not None:
        result.without_sentence += 1
        result.findings.add(
            "no sentence", Finding(what, "the tab closed", f"{problem}: {excerpt(reply.text)}")
        )
    after = await agent.call("navigate", url=site.url("/form.html"))
    if after.is_error:
        result.findings.add(
            "the next call failed", Finding("navigate('/form.html')", "after the close", excerpt(after.text))
        )
    else:
        result.worked_after += 1


# ---- part 4: concurrent HTTP clients ---------------------------------------------------------------------


@dataclass
class HttpResult:
    clients: int = 0
    calls: int = 0
    failures: int = 0
    seconds: float = 0.0  # the calls, from the first to the last
    times: Stats = field(default_factory=Stats)
    findings: Findings = field(default_factory=Findings)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else math.nan

    def row(self) -> str:
        return (
            f"| http | {self.clients} Streamable HTTP clients x {self.calls // max(self.clients, 1)} mixed calls, "
            f"at once | {self.failures} failures; {self.per_second:.1f} calls/s; median {ms(self.times.median)} ms, "
            f"p95 {ms(self.times.p95)} ms | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        return [
            Target.check(
                self.failures == 0 and self.calls > 0,
                f"http: {self.clients} x {self.calls // max(self.clients, 1)} calls, {self.failures} failures (target 0)",
            ),
            Target("info", f"http: {self.per_second:.1f} calls/s over {self.clients} clients"),
        ]


def mixed_calls(site: Site) -> list[tuple[str, dict[str, Any]]]:
    """Read-only and acting calls that all work on form.html, whatever order they come in."""
    form = site.url("/form.html")
    return [
        ("snapshot", {}),
        ("snapshot", {"search": "Paris"}),
        ("tabs", {"action": "list"}),
        ("console_messages", {"level": "all"}),
        ("activity", {"limit": 5}),
        ("screenshot", {"format": "jpeg"}),
        ("type", {"selector": "#name", "text": "Ada Lovelace"}),
        ("select_option", {"selector": "#city", "values": ["Paris"]}),
        ("click", {"selector": "#search"}),
        ("hover", {"selector": "#name"}),
        ("scroll", {"direction": "down", "amount": 200}),
        ("press_key", {"key": "Tab"}),
        ("navigate", {"url": form}),
    ]


async def http_load(clients: int, calls_each: int, seed: int = 1) -> HttpResult:
    """Part 4: `clients` MCP clients over Streamable HTTP, each making `calls_each` calls at once."""
    result = HttpResult(clients=clients)
    async with local_sites() as sites:
        chromium = PersonChromium().start()
        server = HttpServer("--cdp-url", chromium.cdp_url, *SERVER_ARGS).start()
        try:
            calls = mixed_calls(sites.site)
            async with http_agent(server.url) as first:
                await first.call("navigate", url=sites.site.url("/form.html"))

            async def client(index: int) -> None:
                rng = random.Random(seed * 1000 + index)
                async with http_agent(server.url) as agent:
                    for _ in range(calls_each):
                        tool, arguments = rng.choice(calls)
                        begun = time.monotonic()
                        try:
                            reply = await agent.call(tool, **arguments)
                        except Exception as exc:
                            result.failures += 1
                            result.findings.add(
                                "failed call",
                                Finding(
                                    call_text(tool, arguments),
                                    f"client {index}",
                                    f"{type(exc).__name__}: {exc}",
                                ),
                            )
                            continue
                        result.calls += 1
                        result.times.samples.append((time.monotonic() - begun) * 1000)
                        if reply.is_error:
                            result.failures += 1
                            result.findings.add(
                                "error reply",
                                Finding(call_text(tool, arguments), f"client {index}", excerpt(reply.text)),
                            )

            started = time.monotonic()
            await asyncio.gather(*(client(index) for index in range(clients)))
            result.seconds = time.monotonic() - started
        finally:
            server.stop()
            chromium.stop()
    return result


# ---- part 5: the server's memory over a soak -------------------------------------------------------------


@dataclass
class SoakResult:
    seconds: float = 0.0
    calls: int = 0
    navigations: int = 0  # new documents: what the growth follows (Playwright keeps ~11 KB for each)
    warmup_navigations: int = 0
    failures: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds in, RSS MB) after the warm-up
    first_mb: float = math.nan  # before the warm-up
    driver_mb: tuple[float, float] = (math.nan, math.nan)  # the Playwright driver's, start and end
    findings: Findings = field(default_factory=Findings)

    @property
    def start_mb(self) -> float:
        return self.samples[0][1] if self.samples else math.nan

    @property
    def end_mb(self) -> float:
        return self.samples[-1][1] if self.samples else math.nan

    @property
    def max_mb(self) -> float:
        return max((mb for _, mb in self.samples), default=math.nan)

    @property
    def growth_mb(self) -> float:
        return self.end_mb - self.start_mb

    def row(self) -> str:
        return (
            f"| soak | mixed calls for {self.seconds / 60:.1f} min ({self.calls:,} calls, {self.failures} failed) | "
            f"server RSS {self.start_mb:.1f} -> {self.end_mb:.1f} MB (max {self.max_mb:.1f}; {self.first_mb:.1f} "
            f"before the warm-up): growth {self.growth_mb:+.1f} MB | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        growth = self.growth_mb
        driver = self.driver_mb
        return [
            Target.check(
                not math.isnan(growth) and growth <= RSS_GROWTH_TARGET_MB,
                f"soak: server RSS grew {growth:+.1f} MB over {self.seconds / 60:.1f} min (target <= "
                f"{RSS_GROWTH_TARGET_MB:.0f} MB)",
            ),
            Target(
                "info",
                f"soak: {self.failures} failed calls of {self.calls:,}, {self.navigations:,} of them navigations "
                f"({growth * 1000 / max(self.navigations - self.warmup_navigations, 1):+.1f} MB per 1,000 after the warm-up); the Playwright driver (node) "
                f"{driver[0]:.1f} -> {driver[1]:.1f} MB",
            ),
        ]


def rss_mb(pid: int) -> float:
    return rss_mib(pid) * 1024 * 1024 / 1e6


def driver_mb(pid: int) -> float:
    return sum(rss_mb(child) for child in descendants(pid))


async def soak_call(agent: Agent, tool: str, arguments: dict[str, Any], result: SoakResult) -> None:
    try:
        reply = await agent.call(tool, **arguments)
        failure = excerpt(reply.text) if reply.is_error else None
    except Exception as exc:
        failure = f"{type(exc).__name__}: {excerpt(str(exc))}"
    result.calls += 1
    result.navigations += tool == "navigate"
    if failure is not None:
        result.failures += 1
        result.findings.add("failed call", Finding(call_text(tool, arguments), "", failure))


async def soak(seconds: float, sample_s: float = 5.0, seed: int = 1) -> SoakResult:
    """Part 5: mixed calls for `seconds`; the server's RSS sampled from /proc after a warm-up (10%, >= 5 s)."""
    result = SoakResult()
    rng = random.Random(seed)
    warmup = max(5.0, seconds * 0.1)
    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as scratch:
        log = Path(scratch) / "server.log"
        async with local_sites() as sites:
            chromium = PersonChromium().start()
            try:
                async with stdio_server(chromium.cdp_url, log) as server:
                    pid, agent = server.pid, server.agent
                    result.first_mb = rss_mb(pid)
                    pages = [
                        sites.site.url(page)
                        for page in ("/index.html", "/booking.html", "/secrets.html", "/busy?images=40")
                    ]
                    calls = mixed_calls(sites.site)
                    form = sites.site.url("/form.html")
                    await agent.call("navigate", url=form)
                    started = time.monotonic()
                    next_sample = started + warmup
                    while (now := time.monotonic()) < started + warmup + seconds:
                        if now >= next_sample:
                            if not result.samples:
                                result.driver_mb = (driver_mb(pid), math.nan)
                                result.warmup_navigations = result.navigations
                            result.samples.append((now - started, rss_mb(pid)))
                            next_sample = now + sample_s
                        # Now and then a visit elsewhere (with a look at it), then back to the form, where
                        # the mixed calls all work.
                        if rng.random() < 0.1:
                            steps = [
                                ("navigate", {"url": rng.choice(pages)}),
                                ("snapshot", {}),
                                ("navigate", {"url": form}),
                            ]
                        else:
                            steps = [rng.choice(calls)]
                        for tool, arguments in steps:
                            await soak_call(agent, tool, arguments, result)
                    result.samples.append((time.monotonic() - started, rss_mb(pid)))
                    result.driver_mb = (result.driver_mb[0], driver_mb(pid))
                    result.seconds = time.monotonic() - started - warmup
            finally:
                chromium.stop()
    return result


# ---- the report --------------------------------------------------------------------------------------------

PARTS = ("fuzz", "restarts", "tab-closes", "http", "soak")


@dataclass
class Report:
    fuzz: FuzzResult | None = None
    restarts: RestartResult | None = None
    tab_closes: TabCloseResult | None = None
    http: HttpResult | None = None
    soak: SoakResult | None = None

    def parts(self) -> list[FuzzResult | RestartResult | TabCloseResult | HttpResult | SoakResult]:
        return [
            part
            for part in (self.fuzz, self.restarts, self.tab_closes, self.http, self.soak)
            if part is not None
        ]

    def table(self) -> str:
        lines = ["| part | what was done | result | time |", "|---|---|---|---:|"]
        return "\n".join([*lines, *(part.row() for part in self.parts())])

    def targets(self) -> list[Target]:
        return [target for part in self.parts() for target in part.targets()]


async def run(args: argparse.Namespace) -> Report:
    report = Report()
    parts = set(args.parts)
    if "fuzz" in parts:
        progress(f"fuzz: {args.fuzz_calls:,} calls, seed {args.seed}")
        report.fuzz = await fuzz(FuzzOptions(calls=args.fuzz_calls, seed=args.seed))
    if "restarts" in parts:
        progress(f"restarts: {args.restarts}")
        report.restarts = await restarts(args.restarts)
    if "tab-closes" in parts:
        progress(f"tab closes: {args.tab_closes}")
        report.tab_closes = await tab_closes(args.tab_closes)
    if "http" in parts:
        progress(f"http: {args.http_clients} clients x {args.http_calls} calls")
        report.http = await http_load(args.http_clients, args.http_calls, args.seed)
    if "soak" in parts:
        progress(f"soak: {args.soak_minutes:g} min")
        report.soak = await soak(
            args.soak_minutes * 60, sample_s=5.0 if args.soak_minutes >= 1 else 1.0, seed=args.seed
        )
    return report


SHORT = {
    "fuzz_calls": 300,
    "restarts": 3,
    "tab_closes": 3,
    "http_clients": 2,
    "http_calls": 25,
    "soak_minutes": 1 / 3,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--parts",
        type=lambda text: [part.strip() for part in text.split(",") if part.strip()],
        default=list(PARTS),
        help=f"comma-separated, of {','.join(PARTS)} (default: all)",
    )
    parser.add_argument("--short", action="store_true", help="small counts, as the test suite runs them")
    parser.add_argument("--fuzz-calls", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1, help="of the fuzz's choices (and the mixed calls')")
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--tab-closes", type=int, default=20)
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--http-calls", type=int, default=250, help="per client")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    args = parser.parse_args(argv)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))} (choose from {', '.join(PARTS)})")
    if args.short:
        for name, value in SHORT.items():
            setattr(args, name, value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    report = asyncio.run(run(args))
    print(
        f"browser-mcp attached with --cdp-url to a headless Chromium ({' '.join(SERVER_ARGS)}); one part at a time, "
        f"each with its own browser and server; {os.cpu_count()} cores; total {time.monotonic() - started:.0f} s.\n"
    )
    print(report.table())
    status = print_targets("Targets", report.targets())
    for part, title in (
        (report.fuzz, "Fuzz failures, with reproductions (the first 3 of each kind)"),
        (report.restarts, "Restart failures"),
        (report.tab_closes, "Tab-close failures"),
        (report.http, "HTTP failures"),
        (report.soak, "Soak failures"),
    ):
        if part is not None:
            part.findings.print(title)
    if report.fuzz is not None:
        print(f"\nFuzz calls per tool: {json.dumps(dict(sorted(report.fuzz.by_tool.items())))}")
    return status


if __name__ == "__main__":
    sys.exit(main())
