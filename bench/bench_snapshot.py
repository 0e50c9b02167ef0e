"""Snapshot time of browser-mcp next to raw Playwright and two peer MCP servers: right after a navigation,
and of a large docs page (Rust's std::Vec page).

Run from the repository root: `.venv/bin/python -m bench.bench_snapshot`.
One headless Chromium with a CDP port and one local site (bench/pages.py); one server at a time acts on the
browser; each round starts every server afresh, in an order that rotates. Two rows:

- the snapshot right after a navigation to a small page (tests/pages/form.html): each timed snapshot follows
  an untimed navigation made with the same side's own tool;
- the snapshot of the std::Vec docs page (bench/setup_docs.sh fetches Debian's rust-doc; a generated page of
  the same size stands in when it cannot): each timed snapshot follows an untimed navigation and the page's
  load event, so that every side reads the same finished page.

browser-mcp replies with the part of the snapshot that fits its budget; the size of each side's reply on the
large page is printed beside the times. The raw call is `page.aria_snapshot(mode='ai')` on the same tab.
A missed target, or a server that cannot be measured, exits with status 1 after the whole report.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from tests.support.agent import Agent

from bench.pages import BenchSite, LargePage, docs_root
from bench.servers import (
    DEVTOOLS_MCP,
    OURS,
    PEER_SIDES,
    PLAYWRIGHT_MCP,
    RAW,
    Browser,
    BrowserMcp,
    Peer,
    bench_browser,
    ours_agent,
    overhead_ms,
    peer_agent,
    peer_versions,
    peers,
    progress,
    sides_table,
)
from bench.timing import (
    CALL_ERRORS,
    Failures,
    Phase,
    Results,
    Run,
    Stats,
    Target,
    Unavailable,
    enter,
    ms,
    print_targets,
    rotate_rounds,
    split,
    time_rounds,
)

# Targets from issue 10: no slower than Playwright MCP (median), measured in the same run.
SHARE_OF_PLAYWRIGHT_MCP = 1.0

AFTER_NAVIGATION = "snapshot right after a navigation (form.html)"
AFTER_THINKING = "snapshot 1 s after a navigation (form.html)"

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    counts: list[int]  # timed runs per round
    warmup: int  # untimed runs per side, each round
    settle: bool  # wait for the page's load event after the navigation (untimed)
    large: bool
    think_s: float = 0.0  # untimed pause after the navigation: a model's time to ask for the snapshot

    @property
    def iterations(self) -> int:
        return sum(self.counts)


@dataclass
class Plan:
    rows: list[Row]
    failures: Failures
    sizes: dict[str, int] = field(default_factory=dict)  # side -> characters of its large-page reply
    # The untimed navigations before the timed snapshots, timed apart (after the warm-up runs).
    navigations: Results = field(default_factory=Results)


def snapshot_run(plan: Plan, row: Row, side: str, snapshot: Call, navigate: Call, browser: Browser) -> Run:
    """A timed snapshot after an untimed navigation (and, if the row says so, the load event)."""

    done = 0

    async def prepare() -> None:
        nonlocal done
        started = time.perf_counter()
        await navigate()
        if row.settle and browser.page is not None:
            await browser.page.wait_for_load_state("load")
        if row.think_s:
            await asyncio.sleep(row.think_s)  # the model thinking, not a synchronisation
        done += 1
        if done > row.warmup:
            plan.navigations.add(row.name, side, Stats([(time.perf_counter() - started) * 1000]))

    async def op() -> None:
        reply = await snapshot()
        if row.large and isinstance(reply, str):
            plan.sizes[side] = len(reply)

    return Run(f"{row.name} ({side})", op, prepare)


async def measure_ours(browser: Browser, site: BenchSite, plan: Plan, results: Results, index: int) -> None:
    """browser-mcp's snapshot and the raw call, alternating (so that noise hits both)."""
    page = browser.page
    if page is None:
        raise Unavailable("the raw Playwright connection found no tab")
    ours = BrowserMcp()
    async with AsyncExitStack() as stack:  # nothing is raised inside: the task group would wrap it
        agent = await enter(stack, ours_agent("stdio", browser.cdp_url), OURS)
        for row in plan.rows:
            url = site.url(row.path)
            progress(f"  measuring {row.name} ({OURS}, {RAW}) ...")

            def ours_navigate(agent: Agent = agent, url: str = url) -> Awaitable[str]:
                return ours.navigate(agent, url)

            def raw_navigate(url: str = url) -> Awaitable[object]:
                return page.goto(url, wait_until="domcontentloaded")  # what browser-mcp's navigate waits for

            runs = [
                snapshot_run(plan, row, OURS, lambda: ours.snapshot(agent), ours_navigate, browser),
                snapshot_run(plan, row, RAW, lambda: page.aria_snapshot(mode="ai"), raw_navigate, browser),
            ]
            await time_rounds(runs, row.counts[index], row.warmup, plan.failures)
            results.add(row.name, OURS, runs[0].stats)
            results.add(row.name, RAW, runs[1].stats)


async def measure_peer(
    peer: Peer, browser: Browser, site: BenchSite, plan: Plan, results: Results, index: int
) -> None:
    problem: str | None = None
    async with peer_agent(peer, browser.cdp_url) as (agent, _):
        problem = await measure_attached(peer, agent, browser, site, plan, results, index)
    if problem is not None:  # raised out here: inside, the client's task group would wrap it in a group
        raise Unavailable(problem)


async def measure_attached(
    peer: Peer, agent: Agent, browser: Browser, site: BenchSite, plan: Plan, results: Results, index: int
) -> str | None:
    try:
        await peer.attach(agent)
    except CALL_ERRORS as exc:
        return f"{peer.name} started but could not attach to the browser: {exc}"
    for row in plan.rows:
        url = site.url(row.path)
        progress(f"  measuring {row.name} ({peer.name}) ...")

        def navigate(url: str = url) -> Awaitable[str]:
            return peer.navigate(agent, url)

        run = snapshot_run(plan, row, peer.name, lambda: peer.snapshot(agent), navigate, browser)
        await time_rounds([run], row.counts[index], row.warmup, plan.failures)
        results.add(row.name, peer.name, run.stats)
    return None


async def run(args: argparse.Namespace, failures: Failures) -> tuple[Results, Plan, LargePage, str]:
    docs, why = docs_root()
    site = BenchSite(docs)
    site.start()
    large = site.large_page(why)
    rounds = max(1, args.rounds)

    def per_round(iterations: int) -> list[int]:
        """Timed runs per round; a row with fewer runs than rounds has none in the last rounds."""
        counts = split(iterations, rounds)
        return counts + [0] * (rounds - len(counts))

    large_row = f"snapshot of the {large.name} page"
    plan = Plan(
        [
            Row(AFTER_NAVIGATION, "/form.html", per_round(args.iterations), args.warmup, False, False),
            Row(AFTER_THINKING, "/form.html", per_round(args.think_iterations), 1, False, False, think_s=1.0),
            Row(large_row, large.path, per_round(args.large_iterations), args.large_warmup, True, True),
        ],
        failures,
    )
    results = Results()
    try:
        async with bench_browser() as browser:

            def ours_phase(index: int) -> Awaitable[None]:
                return measure_ours(browser, site, active(plan, index), results, index)

            def peer_phase(peer: Peer) -> Phase:
                return lambda index: measure_peer(peer, browser, site, active(plan, index), results, index)

            phases: list[tuple[str, Phase]] = [
                (OURS, ours_phase),
                *((peer.name, peer_phase(peer)) for peer in PEERS),
            ]
            await rotate_rounds(phases, rounds, results)
            browser_name = browser.name
    finally:
        site.stop()
    return results, plan, large, browser_name


def active(plan: Plan, index: int) -> Plan:
    """The plan with only the rows that have timed runs in this round (sharing its failures and sizes)."""
    rows = [row for row in plan.rows if row.counts[index] > 0]
    return Plan(rows, plan.failures, plan.sizes, plan.navigations)


PEERS: list[Peer] = peers()


# The report


def ratio(results: Results, row: str, side: str) -> str:
    ours, theirs = results.median(row, OURS), results.median(row, side)
    if math.isnan(ours) or math.isnan(theirs) or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}x"


def targets(results: Results, plan: Plan, large: LargePage) -> list[Target]:
    verdicts = [
        Target("NOT met", f"{name} was not measured: {why}") for name, why in results.unavailable.items()
    ]
    if large.generated:
        verdicts.append(
            Target("info", f"the std::Vec page could not be had ({large.why}): {large.name} instead")
        )
    for row in plan.rows:
        ours, peer = results.median(row.name, OURS), results.median(row.name, PLAYWRIGHT_MCP)
        text = (
            f"{row.name}: {OURS} {ms(ours)} ms median <= {SHARE_OF_PLAYWRIGHT_MCP:.1f}x {PLAYWRIGHT_MCP}'s "
            f"{ms(peer)} ms ({ratio(results, row.name, PLAYWRIGHT_MCP)})"
        )
        if PLAYWRIGHT_MCP not in results.unavailable:
            verdicts.append(Target.check(ours <= peer * SHARE_OF_PLAYWRIGHT_MCP, text))
        verdicts.append(
            Target(
                "info",
                f"{row.name}: {OURS} {ms(ours)} ms, {ms(overhead_ms(results, row.name))} ms over the raw call "
                f"({ms(results.median(row.name, RAW))} ms); {DEVTOOLS_MCP} "
                f"{ms(results.median(row.name, DEVTOOLS_MCP))} ms ({ratio(results, row.name, DEVTOOLS_MCP)})",
            )
        )
    for row in plan.rows:
        both = []
        for side in (OURS, RAW, *PEER_SIDES):
            navigation, snapshot = plan.navigations.median(row.name, side), results.median(row.name, side)
            if not (math.isnan(navigation) or math.isnan(snapshot)):
                both.append(f"{side} {ms(navigation)} + {ms(snapshot)} = {ms(navigation + snapshot)}")
        load = " (and the load event)" if row.settle else ""
        verdicts.append(
            Target("info", f"{row.name}, navigation{load} then snapshot, medians in ms: {'; '.join(both)}")
        )
    if plan.sizes:
        sizes = "; ".join(
            f"{side} {plan.sizes[side]:,}" for side in (OURS, RAW, *PEER_SIDES) if side in plan.sizes
        )
        verdicts.append(
            Target(
                "info",
                f"reply sizes on the {large.name} page, characters: {sizes} "
                f"({OURS}: its budgeted first reply; {RAW}: the whole snapshot text)",
            )
        )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--iterations", type=int, default=30, help="timed snapshots per side after a navigation"
    )
    parser.add_argument(
        "--think-iterations", type=int, default=9, help="timed snapshots per side 1 s after a navigation"
    )
    parser.add_argument(
        "--large-iterations", type=int, default=6, help="timed snapshots per side, large page"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds the timed runs are spread over")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per side and round, small page")
    parser.add_argument(
        "--large-warmup", type=int, default=1, help="untimed runs per side and round, large page"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failures = Failures()
    results, plan, large, browser_name = asyncio.run(run(args, failures))
    rounds = max(1, args.rounds)
    print(
        f"browser-mcp over stdio (its defaults; attached with --cdp-url), raw Playwright on the same tab; peers "
        f"over stdio: {peer_versions(PEERS)}; {browser_name} headless; one server at a time; {rounds} "
        f"round{'s' if rounds != 1 else ''} (every server started afresh each round); timed runs per side: "
        f"{args.iterations} after a navigation, {args.large_iterations} on the large page "
        f"({large.path}, {large.html_bytes:,} bytes of HTML); {os.cpu_count()} cores; total "
        f"{time.perf_counter() - started:.0f} s.\n"
    )
    print(sides_table(results, [(row.name, row.iterations) for row in plan.rows], "snapshot"))
    print(
        "\nmedian / p95 in ms of the snapshot call alone (the navigation before it is not timed); overhead = "
        "browser-mcp's median - the raw call's"
    )
    status = print_targets("Targets", targets(results, plan, large))
    failures.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
