"""Snapshot time of browser-mcp next to raw Playwright and two peer MCP servers: right after a navigation,
and of a large docs page (Rust's std::Vec page).

Run from the repository root: `.venv/bin/python -m bench.bench_snapshot`.
One headless Chromium with a CDP port and one local site (bench/pages.py); one server at a time acts on the
browser; each round starts every server afresh, in an order that rotates. Two rows:

- the snapshot right after a navigation to a small page (tests/pages/form.html): each timed snapshot follows
  an untimed navigation made with the same side's own tool;
- the snapshot of the std::Vec docs page (bench/setup_docs.sh fetches Debian's rust-doc; a generated page of
  the same size stands in when it cannot): each timed snapshot follows an untimed navigation, and the
  page's load event, so that every side reads the same finished page.

browser-mcp replies with the part of the snapshot that fits its budget (what it returns is printed beside
the time, as are the others' reply sizes); the raw call is `page.aria_snapshot(mode='ai')` on the same tab.
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
)

# Targets from issue 10: no slower than Playwright MCP, measured in the same run.
SHARE_OF_PLAYWRIGHT_MCP = 1.0

SMALL_PATH = "/form.html"
AFTER_NAVIGATION = "snapshot right after a navigation (form.html)"


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    iterations: int  # in all, over the rounds
    warmup: int  # per round
    settle: bool  # wait for the page's load event after the navigation (untimed)
    counts: list[int] = field(default_factory=list)  # timed runs per round


@dataclass
class Plan:
    rows: list[Row]
    large: LargePage
    failures: Failures
    sizes: dict[str, int] = field(default_factory=dict)  # side -> characters of its large-page reply


def _sized(plan: Plan, row: Row, side: str, call: Callable[[], Awaitable[str]]) -> Callable[[], Awaitable[None]]:
    """The timed call; on the large page, the size of what it returned is kept."""

    async def op() -> None:
        text = await call()
        if row.path == plan.large.path:
            plan.sizes[side] = len(text)

    return op


def _navigation(go: Callable[[], Awaitable[object]], row: Row, browser: Browser) -> Callable[[], Awaitable[None]]:
    """The untimed navigation before each timed snapshot (and, if the row says so, the load event)."""

    async def prepare() -> None:
        await go()
        if row.settle and browser.page is not None:
            await browser.page.wait_for_load_state("load")

    return prepare


async def measure_ours(browser: Browser, site: BenchSite, plan: Plan, results: Results, round_index: int) -> None:
    """browser-mcp's snapshot and the raw call, alternating (so that noise hits both)."""
    page = browser.page
    if page is None:
        raise Unavailable("the raw Playwright connection found no tab")
    ours = BrowserMcp()
    async with AsyncExitStack() as stack:  # nothing is raised inside: the task group would wrap it
        agent = await enter(stack, ours_agent("stdio", browser.cdp_url), OURS)
        for row in plan.rows:
            count = row.counts[round_index] if round_index < len(row.counts) else 0
            if count == 0:
                continue
            url = site.url(row.path)
            progress(f"  measuring {row.name} ({OURS}, {RAW}) ...")

            async def our_snapshot(agent: Agent = agent) -> str:
                return await ours.snapshot(agent)

            async def raw_snapshot() -> str:
                assert page is not None
                return await page.aria_snapshot(mode="ai")

            async def our_navigation(agent: Agent = agent, url: str = url) -> str:
                return await ours.navigate(agent, url)

            async def raw_navigation(url: str = url) -> object:
                assert page is not None
                return await page.goto(url, wait_until="domcontentloaded")

            runs = [
                Run(f"{row.name} ({OURS})", _sized(plan, row, OURS, our_snapshot), _navigation(our_navigation, row, browser)),
                Run(f"{row.name} ({RAW})", _sized(plan, row, RAW, raw_snapshot), _navigation(raw_navigation, row, browser)),
            ]
            await _time(runs, count, row.warmup, plan.failures)
            results.add(row.name, OURS, runs[0].stats)
            results.add(row.name, RAW, runs[1].stats)


async def _time(runs: list[Run], iterations: int, warmup: int, failures: Failures) -> None:
    # time_rounds, imported late to keep the module's imports in one place for readers
    from bench.timing import time_rounds

    await time_rounds(runs, iterations, warmup, failures)


async def measure_peer(peer: Peer, browser: Browser, site: BenchSite, plan: Plan, results: Results, round_index: int) -> None:
    problem: str | None = None
    async with peer_agent(peer, browser.cdp_url) as (agent, _):
        problem = await measure_attached(peer, agent, browser, site, plan, results, round_index)
    if problem is not None:  # raised out here: inside, the client's task group would wrap it in a group
        raise Unavailable(problem)


async def measure_attached(
    peer: Peer, agent: Agent, browser: Browser, site: BenchSite, plan: Plan, results: Results, round_index: int
) -> str | None:
    try:
        await peer.attach(agent)
    except CALL_ERRORS as exc:
        return f"{peer.name} started but could not attach to the browser: {exc}"
    for row in plan.rows:
        count = row.counts[round_index] if round_index < len(row.counts) else 0
        if count == 0:
            continue
        url = site.url(row.path)
        progress(f"  measuring {row.name} ({peer.name}) ...")

        async def snapshot() -> str:
            return await peer.snapshot(agent)

        async def navigation(url: str = url) -> str:
            return await peer.navigate(agent, url)

        run = Run(f"{row.name} ({peer.name})", _sized(plan, row, peer.name, snapshot), _navigation(navigation, row, browser))
        await _time([run], count, row.warmup, plan.failures)
        results.add(row.name, peer.name, run.stats)
    return None
