"""Per-action latency of browser-mcp, next to the raw Playwright call it makes and to two peer MCP servers.

Run from the repository root: `.venv/bin/python -m bench.bench_tools [--transport http]`.
One headless Chromium with a CDP port and one local site; one server at a time acts on the browser (to
browser-mcp, another client's input on the page is a person's, which it would wait for):

- browser-mcp (its defaults) attached with --cdp-url, and a raw Playwright connection to the same tab
  (`connect_over_cdp(no_defaults=True)`) making the call the tool makes. Reading calls alternate with
  ours so that noise hits both; input calls (click, type) run in blocks, ours first, then the raw ones,
  then a pause longer than --person-quiet-ms. A bare MCPServer whose one tool only calls aria_snapshot
  (bench/floor_server.py, stdio only) is timed next to the snapshot: the floor of the MCP SDK itself.
- browser-mcp again with --overlay-ms 0, for the input actions only: what they cost without the overlay.
- Playwright MCP (npm @playwright/mcp) over stdio, attached with --cdp-endpoint.
- Chrome DevTools MCP (npm chrome-devtools-mcp) over stdio, attached with --browserUrl.

The timed runs are spread over rounds; each round starts every server afresh, in an order that rotates,
so that a change in the machine's load falls on all of them. The peers are pinned in package.json
(scripts/setup.sh installs them) and act on elements by the refs (uids) of their own snapshots.
A missed target, or a server that cannot be measured, exits with status 1 after the whole report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from playwright.async_api import Page, async_playwright
from tests.support.agent import Agent, HttpServer, http_agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.site import Site

from bench.timing import (
    CALL_ERRORS,
    Failures,
    Op,
    Run,
    Stats,
    Target,
    ToolFailed,
    Unavailable,
    checked,
    enter,
    list_tools,
    ms,
    print_targets,
    text_of,
    time_rounds,
)

Transport = Literal["stdio", "http"]

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# Targets from the project plan.
SNAPSHOT_OVERHEAD_TARGET_MS = 3.0  # median, what our layer adds over a bare MCPServer doing the raw call
CLICK_SHARE_OF_PLAYWRIGHT_MCP = 0.5  # "well under Playwright MCP's click": at most half its median

# Another connection's input is a person's to browser-mcp, which waits --person-quiet-ms (1.5 s by
# default) after it: the raw input calls are followed by a longer pause before ours act again.
PERSON_QUIET_S = 2.0

# The columns.
OURS = "browser-mcp"
RAW = "raw Playwright"
PLAYWRIGHT_MCP = "Playwright MCP"
DEVTOOLS_MCP = "Chrome DevTools MCP"
PEER_SIDES = (PLAYWRIGHT_MCP, DEVTOOLS_MCP)

# The rows.
LIST_TOOLS = "(list_tools: no browser)"
NAVIGATE = "navigate"
SNAPSHOT = "snapshot"
FLOOR = "snapshot, bare MCPServer (SDK floor)"
CLICK = "click"
TYPE = "type"
SCREENSHOT = "screenshot (jpeg)"
TABS = "tabs (list)"
NO_OVERLAY = ", browser-mcp --overlay-ms 0"

TEXT = "Ada Lovelace, 10 Downing St"


@dataclass(frozen=True)
class Action:
    name: str
    path: str  # the page every side acts on
    is_input: bool = False


# The calls each side makes are in ours_and_raw and in the peers' run_for (a table in bench/README.md).
ACTIONS = [
    Action(LIST_TOOLS, "/index.html"),
    Action(NAVIGATE, "/index.html"),
    Action(SNAPSHOT, "/index.html"),
    Action(FLOOR, "/index.html"),
    Action(CLICK, "/index.html", is_input=True),
    Action(TYPE, "/form.html", is_input=True),
    Action(SCREENSHOT, "/index.html"),
    Action(TABS, "/index.html"),
]


@dataclass
class Results:
    """Row name -> side -> its timings; and the servers that could not be measured, with why."""

    rows: dict[str, dict[str, Stats]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def add(self, row: str, side: str, stats: Stats) -> None:
        """Add one round's timings (none, when the round could not time this side)."""
        self.rows.setdefault(row, {}).setdefault(side, Stats()).samples.extend(stats.samples)

    def stats(self, row: str, side: str) -> Stats | None:
        return self.rows.get(row, {}).get(side)

    def median(self, row: str, side: str) -> float:
        stats = self.stats(row, side)
        return stats.median if stats is not None else math.nan

    def overhead(self, row: str) -> float:
        return self.median(row, OURS) - self.median(row, RAW)


# browser-mcp and the raw calls


def ours_and_raw(action: Action, agent: Agent, page: Page, site: Site) -> tuple[Op, Op | None]:
    url = site.url(action.path)

    async def tab_titles() -> list[str]:
        return [await tab.title() for tab in page.context.pages]

    ops: dict[str, tuple[Op, Op | None]] = {
        LIST_TOOLS: (list_tools(agent), None),
        NAVIGATE: (
            checked(agent, "navigate", url=url),
            lambda: page.goto(url, wait_until="domcontentloaded"),
        ),
        SNAPSHOT: (checked(agent, "snapshot"), lambda: page.aria_snapshot(mode="ai")),
        CLICK: (checked(agent, "click", selector="#count"), lambda: page.locator("#count").click()),
        TYPE: (checked(agent, "type", selector="#name", text=TEXT), lambda: page.locator("#name").fill(TEXT)),
        SCREENSHOT: (
            checked(agent, "screenshot", format="jpeg"),
            lambda: page.screenshot(type="jpeg", quality=80),
        ),
        TABS: (checked(agent, "tabs", action="list"), tab_titles),
    }
    return ops[action.name]


@asynccontextmanager
async def ours_agent(transport: Transport, cdp_url: str, *args: str) -> AsyncIterator[Agent]:
    if transport == "stdio":
        async with stdio_agent("--cdp-url", cdp_url, *args) as agent:
            yield agent
        return
    server = HttpServer("--cdp-url", cdp_url, *args).start()
    try:
        async with http_agent(server.url) as agent:
            yield agent
    finally:
        server.stop()


@asynccontextmanager
async def floor_agent(cdp_url: str) -> AsyncIterator[Agent]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "bench.floor_server", cdp_url])
    async with Client(params) as client:
        yield Agent(client)


async def measure_ours(
    transport: Transport,
    server_args: Sequence[str],
    actions: Sequence[Action],
    suffix: str,
    browser_page: tuple[str, Page | None],
    site: Site,
    runs: tuple[int, int, Failures],
    results: Results,
) -> None:
    """Time browser-mcp (and the floor, over stdio with the defaults) next to the raw calls."""
    cdp_url, page = browser_page
    iterations, warmup, failures = runs
    if page is None:
        raise Unavailable("the raw Playwright connection found no tab")
    # Nothing is raised inside the servers' contexts: their task groups would wrap it in a group.
    async with AsyncExitStack() as stack:
        agent = await enter(
            stack, ours_agent(transport, cdp_url, *server_args), " ".join([OURS, *server_args])
        )
        floor = None
        if transport == "stdio" and any(action.name == FLOOR for action in actions):
            floor = await enter(stack, floor_agent(cdp_url), "the bare MCPServer (bench/floor_server.py)")
        for action in actions:
            if action.name == FLOOR and floor is None:
                continue
            row = action.name + suffix
            url = site.url(action.path)
            try:
                if page.url != url:
                    await checked(agent, "navigate", url=url)()
            except CALL_ERRORS as exc:
                failures.add(f"{row} ({OURS}, setting up)", exc)
                results.add(row, OURS, Stats())
                continue
            row = action.name + suffix
            print(f"  measuring {row} ...", file=sys.stderr, flush=True)
            if action.name == FLOOR:
                assert floor is not None
                ours = Run(f"{FLOOR} (bare MCPServer)", checked(floor, "snapshot"))
                raw_op: Op | None = lambda: page.aria_snapshot(mode="ai")  # noqa: E731
            else:
                ours_op, raw_op = ours_and_raw(action, agent, page, site)
                ours = Run(f"{row} ({OURS})", ours_op)
            raw = Run(f"{row} ({RAW})", raw_op) if raw_op is not None else None
            if raw is None:
                await time_rounds([ours], iterations, warmup, failures)
            elif action.is_input:
                await time_rounds([ours], iterations, warmup, failures)
                await time_rounds([raw], iterations, warmup, failures)
                await asyncio.sleep(PERSON_QUIET_S)  # browser-mcp's notion of a quiet person, not a sync
            else:
                await time_rounds([ours, raw], iterations, warmup, failures)
            results.add(row, OURS, ours.stats)
            if raw is not None:
                results.add(row, RAW, raw.stats)


# The peers


def _find(pattern: str, text: str, what: str) -> str:
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        raise ToolFailed(f"no {what} in the snapshot")
    return found.group(1)


class Peer:
    name: str
    package: str  # under node_modules
    command: str  # under node_modules/.bin

    def args(self, cdp_url: str, out_dir: Path) -> list[str]:
        raise NotImplementedError

    async def attach(self, agent: Agent) -> None:
        """Whatever the calls need to know first."""

    async def navigate(self, agent: Agent, url: str) -> None:
        raise NotImplementedError

    async def run_for(self, action: Action, agent: Agent, site: Site) -> Run | None:
        raise NotImplementedError

    @property
    def version(self) -> str:
        try:
            manifest = json.loads((NODE_MODULES / self.package / "package.json").read_text())
        except (OSError, ValueError):
            return "?"
        return str(manifest.get("version", "?"))


class PlaywrightMcp(Peer):
    name = PLAYWRIGHT_MCP
    package = "@playwright/mcp"
    command = "playwright-mcp"

    def args(self, cdp_url: str, out_dir: Path) -> list[str]:
        # Its snapshot and screenshot files go to a scratch directory.
        return ["--cdp-endpoint", cdp_url, "--output-dir", str(out_dir)]

    async def navigate(self, agent: Agent, url: str) -> None:
        await text_of(agent, "browser_navigate", url=url)

    async def ref(self, agent: Agent, role: str, name: str) -> str:
        snapshot = await text_of(agent, "browser_snapshot")
        return _find(rf'- {role} "{name}"[^\n]*?\[ref=(\w+)\]', snapshot, f"{role} {name}")

    async def run_for(self, action: Action, agent: Agent, site: Site) -> Run | None:
        label = f"{action.name} ({self.name})"
        if action.name == LIST_TOOLS:
            return Run(label, list_tools(agent))
        if action.name == NAVIGATE:
            return Run(label, checked(agent, "browser_navigate", url=site.url(action.path)))
        if action.name == SNAPSHOT:
            return Run(label, checked(agent, "browser_snapshot"))
        if action.name == CLICK:
            button: list[str] = []

            async def fresh_ref() -> None:
                button[:] = [await self.ref(agent, "button", r"(?:Click me|Clicked \d+ times)")]

            async def click() -> None:
                await text_of(agent, "browser_click", target=button[0], element="Click me button")

            return Run(label, click, prepare=fresh_ref)
        if action.name == TYPE:
            ref = await self.ref(agent, "textbox", "Passenger name")
            return Run(
                label,
                checked(agent, "browser_type", target=ref, element="Passenger name textbox", text=TEXT),
            )
        if action.name == SCREENSHOT:
            return Run(label, checked(agent, "browser_take_screenshot", type="jpeg"))
        if action.name == TABS:
            return Run(label, checked(agent, "browser_tabs", action="list"))
        return None


class DevToolsMcp(Peer):
    name = DEVTOOLS_MCP
    package = "chrome-devtools-mcp"
    command = "chrome-devtools-mcp"

    def __init__(self) -> None:
        self.page_id = 0

    def args(self, cdp_url: str, out_dir: Path) -> list[str]:
        # No usage statistics or CrUX look-ups: nothing leaves the machine.
        return ["--browserUrl", cdp_url, "--no-usage-statistics", "--no-performance-crux"]

    async def attach(self, agent: Agent) -> None:
        pages = await text_of(agent, "list_pages")
        self.page_id = int(_find(r"^(\d+): .*\[selected\]", pages, "selected page"))

    async def navigate(self, agent: Agent, url: str) -> None:
        await text_of(agent, "navigate_page", pageId=self.page_id, type="url", url=url)

    async def uid(self, agent: Agent, role: str, name: str) -> str:
        snapshot = await text_of(agent, "take_snapshot", pageId=self.page_id)
        return _find(rf'uid=(\S+) {role} "{name}"', snapshot, f"{role} {name}")

    async def run_for(self, action: Action, agent: Agent, site: Site) -> Run | None:
        label = f"{action.name} ({self.name})"
        page = self.page_id
        if action.name == LIST_TOOLS:
            return Run(label, list_tools(agent))
        if action.name == NAVIGATE:
            return Run(
                label, checked(agent, "navigate_page", pageId=page, type="url", url=site.url(action.path))
            )
        if action.name == SNAPSHOT:
            return Run(label, checked(agent, "take_snapshot", pageId=page))
        if action.name == CLICK:
            # The uid names the element, whatever its text becomes: it stays valid across the clicks.
            uid = await self.uid(agent, "button", "Click me")
            return Run(label, checked(agent, "click", pageId=page, uid=uid))
        if action.name == TYPE:
            uid = await self.uid(agent, "textbox", "Passenger name")
            return Run(label, checked(agent, "fill", pageId=page, uid=uid, value=TEXT))
        if action.name == SCREENSHOT:
            return Run(label, checked(agent, "take_screenshot", pageId=page, format="jpeg", quality=80))
        if action.name == TABS:
            return Run(label, checked(agent, "list_pages"))
        return None


PEERS: list[Peer] = [PlaywrightMcp(), DevToolsMcp()]


async def measure_peer(
    peer: Peer, cdp_url: str, site: Site, runs: tuple[int, int, Failures], results: Results
) -> None:
    binary = NODE_MODULES / ".bin" / peer.command
    if not binary.exists():
        raise Unavailable(
            f"{peer.name} is not installed ({binary.relative_to(ROOT)} is missing): run scripts/setup.sh "
            "(npm install of package.json)"
        )
    problem: str | None = None
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as scratch:
        log = Path(scratch) / "stderr.log"
        params = StdioServerParameters(command=str(binary), args=peer.args(cdp_url, Path(scratch)))
        with log.open("w") as errlog:
            async with AsyncExitStack() as stack:
                client = Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60)
                agent = Agent(await enter(stack, client, peer.name, log))
                problem = await measure_attached(peer, agent, site, runs, results)
    if problem is not None:  # raised out here: inside, the client's task group would wrap it in a group
        raise Unavailable(problem)


async def measure_attached(
    peer: Peer, agent: Agent, site: Site, runs: tuple[int, int, Failures], results: Results
) -> str | None:
    """Time every action the peer has; why not, when it cannot reach the browser."""
    iterations, warmup, failures = runs
    try:
        await peer.attach(agent)
    except CALL_ERRORS as exc:
        return f"{peer.name} started but could not attach to the browser: {exc}"
    for action in ACTIONS:
        try:
            await peer.navigate(agent, site.url(action.path))
            run = await peer.run_for(action, agent, site)
        except CALL_ERRORS as exc:
            failures.add(f"{action.name} ({peer.name}, setting up)", exc)
            results.add(action.name, peer.name, Stats())
            continue
        if run is None:
            continue
        print(f"  measuring {action.name} ({peer.name}) ...", file=sys.stderr, flush=True)
        await time_rounds([run], iterations, warmup, failures)
        results.add(action.name, peer.name, run.stats)
    return None


# One run


def chromium_version(cdp_url: str) -> str:
    try:
        with urllib.request.urlopen(f"{cdp_url}/json/version", timeout=5) as response:
            return str(json.load(response).get("Browser", "?"))
    except (OSError, ValueError):
        return "?"


def split(iterations: int, rounds: int) -> list[int]:
    """Timed runs per round: as even as can be, no empty round."""
    counts = [iterations // rounds + (1 if i < iterations % rounds else 0) for i in range(rounds)]
    return [count for count in counts if count > 0]


Measure = Callable[[tuple[int, int, Failures]], Awaitable[None]]


async def run(
    transport: Transport, iterations: int, warmup: int, rounds: int, failures: Failures
) -> tuple[Results, str]:
    """Every server in every round, one at a time, in an order that rotates from round to round.

    Each round starts each server afresh, so that a change in the machine's load spreads over all of them
    instead of falling on whichever came last.
    """
    results = Results()
    site = Site().start()
    chromium = PersonChromium().start()
    try:
        browser_name = chromium_version(chromium.cdp_url)
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(chromium.cdp_url, no_defaults=True)
            try:
                # The raw connection acts on the tab the servers act on (the only one).
                page = next(iter(browser.contexts[0].pages), None) if browser.contexts else None
                where = (chromium.cdp_url, page)
                inputs = [action for action in ACTIONS if action.is_input]

                def ours(args: tuple[str, ...], actions: list[Action], suffix: str) -> Measure:
                    return lambda runs: measure_ours(
                        transport, args, actions, suffix, where, site, runs, results
                    )

                def peer_phase(peer: Peer) -> Measure:
                    return lambda runs: measure_peer(peer, chromium.cdp_url, site, runs, results)

                phases: list[tuple[str, Measure]] = [
                    (OURS, ours((), ACTIONS, "")),
                    (f"{OURS} --overlay-ms 0", ours(("--overlay-ms", "0"), inputs, NO_OVERLAY)),
                    *((peer.name, peer_phase(peer)) for peer in PEERS),
                ]
                counts = split(iterations, rounds)
                for index, count in enumerate(counts):
                    first = index % len(phases)
                    for name, measure in phases[first:] + phases[:first]:
                        if name in results.unavailable:
                            continue
                        print(f"round {index + 1}/{len(counts)}: {name}", file=sys.stderr, flush=True)
                        try:
                            await measure((count, warmup, failures))
                        except Unavailable as exc:
                            results.unavailable[name] = str(exc)
            finally:
                await browser.close()  # over CDP: disconnects only
    finally:
        chromium.stop()
        site.stop()
    return results, browser_name


# The report


def _cell(stats: Stats | None, iterations: int) -> str:
    if stats is None:
        return "-"
    if stats.n == 0:
        return "failed"
    cell = f"{ms(stats.median)} / {ms(stats.p95)}"
    return cell if stats.n >= iterations else f"{cell} (n={stats.n})"


def row_names() -> list[str]:
    return [action.name for action in ACTIONS] + [
        action.name + NO_OVERLAY for action in ACTIONS if action.is_input
    ]


def table(results: Results, iterations: int) -> str:
    sides = (OURS, RAW, *PEER_SIDES)
    lines = [
        "| action | " + " | ".join(sides[:2]) + " | overhead (median) | " + " | ".join(sides[2:]) + " |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in row_names():
        if name not in results.rows:
            continue
        cells = [_cell(results.stats(name, side), iterations) for side in sides]
        lines.append(
            f"| {name} | {cells[0]} | {cells[1]} | {ms(results.overhead(name))} | {cells[2]} | {cells[3]} |"
        )
    return "\n".join(lines)


LEGEND = (
    "median / p95 in ms; overhead = browser-mcp's median - the raw call's; '-': the side has no such call; "
    "the calls compared: bench/README.md"
)


def targets(results: Results, transport: Transport) -> list[Target]:
    verdicts = [
        Target("NOT met", f"{name} was not measured: {why}") for name, why in results.unavailable.items()
    ]
    overhead = results.overhead(SNAPSHOT)
    floor = results.overhead(FLOOR)
    sentence = f"snapshot overhead over {transport} {ms(overhead)} ms median"
    if math.isnan(floor):
        verdicts.append(Target("NOT met", f"{sentence}; the bare MCPServer floor was not measured"))
    else:
        # The MCP SDK and the transport cost what they cost on this machine (the bare server that only
        # calls aria_snapshot, measured in this run): the target is for what our own layer adds.
        ours = overhead - floor
        verdicts.append(
            Target.check(
                ours <= SNAPSHOT_OVERHEAD_TARGET_MS,
                f"{sentence}, of which the MCP SDK + {transport} floor is {floor:.1f} ms: browser-mcp's own "
                f"layer adds {max(ours, 0.0):.1f} ms <= {SNAPSHOT_OVERHEAD_TARGET_MS:.0f} ms",
            )
        )
    click = results.median(CLICK, OURS)
    if PLAYWRIGHT_MCP not in results.unavailable:
        peer_click = results.median(CLICK, PLAYWRIGHT_MCP)
        limit = peer_click * CLICK_SHARE_OF_PLAYWRIGHT_MCP
        verdicts.append(
            Target.check(
                click <= limit,
                f"click median {ms(click)} ms <= {ms(limit)} ms: well under (at most half) Playwright MCP's "
                f"{ms(peer_click)} ms measured in this run",
            )
        )
    for peer in PEER_SIDES:
        if peer in results.unavailable:
            continue
        for action in ACTIONS:
            if action.name == FLOOR or results.stats(action.name, peer) is None:
                continue  # the peer has no such call
            ours_ms, peer_ms = results.median(action.name, OURS), results.median(action.name, peer)
            text = f"{action.name}: {OURS} {ms(ours_ms)} ms vs {peer} {ms(peer_ms)} ms median"
            if not (math.isnan(ours_ms) or math.isnan(peer_ms)):
                text += f" ({peer_ms / ours_ms:.1f}x)" if ours_ms < peer_ms else " (slower)"
            if peer == PLAYWRIGHT_MCP:  # the plan's target: faster than Playwright MCP at every action
                verdicts.append(Target.check(ours_ms < peer_ms, f"faster than {peer}: {text}"))
            else:
                verdicts.append(Target("info", text))
    for action in ACTIONS:
        row = action.name + NO_OVERLAY
        if action.is_input and row in results.rows:
            peers = ", ".join(f"{peer} {ms(results.median(action.name, peer))} ms" for peer in PEER_SIDES)
            verdicts.append(
                Target(
                    "info",
                    f"{action.name} without the overlay (--overlay-ms 0): {ms(results.median(row, OURS))} ms "
                    f"median, {ms(results.overhead(row))} ms over the raw call ({peers})",
                )
            )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="browser-mcp's")
    parser.add_argument("--iterations", type=int, default=50, help="timed runs per side and action, in all")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the timed runs are spread over")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per side and action, each round")
    args = parser.parse_args(argv)
    transport: Transport = args.transport
    started = time.perf_counter()
    failures = Failures()
    results, browser_name = asyncio.run(
        run(transport, args.iterations, args.warmup, max(1, args.rounds), failures)
    )
    peers = ", ".join(f"{peer.name} {peer.version}" for peer in PEERS)
    rounds = len(split(args.iterations, max(1, args.rounds)))
    print(
        f"browser-mcp over {transport} (its defaults; attached with --cdp-url), raw Playwright on the same tab; "
        f"peers over stdio: {peers}; {browser_name} headless; one server at a time; {args.iterations} timed "
        f"runs per side in {rounds} round{'s' if rounds != 1 else ''} (every server started afresh each round, "
        f"after {args.warmup} untimed runs per action); {os.cpu_count()} cores; total "
        f"{time.perf_counter() - started:.0f} s.\n"
    )
    print(table(results, args.iterations))
    print(f"\n{LEGEND}")
    status = print_targets("Targets", targets(results, transport))
    failures.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
