"""Part 1: the fuzz."""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED
from playwright.async_api import async_playwright
from tests.support.agent import Reply
from tests.support.chromium import PersonChromium
from tests.support.person import Person

from bench.reliability.calls import SELECTORS, Generator, Pools, Tool, generate, site_urls
from bench.reliability.common import (
    ABANDON_S,
    SLOW_CALL_S,
    STUCK_PROBE_S,
    UPLOAD_FILE,
    Server,
    Sites,
    alive,
    blocked_args,
    local_sites,
    log_tail,
    progress,
    stdio_server,
)
from bench.reliability.replies import (
    REFUSAL,
    Finding,
    Findings,
    call_text,
    excerpt,
    leaked_secrets,
    reply_budget,
    reply_text,
    sentence_problem,
)
from bench.reliability.watcher import Watcher, person_on
from bench.timing import Stats, Target, ms

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
        server_args = ("--upload-dir", str(uploads), "--allow-evaluate")
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
