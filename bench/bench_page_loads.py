"""What a server attached to the person's browser costs their own page loads (the scripts it puts in every
document of their tabs, the domains it listens to): browser-mcp next to the peers, and to no server at all.

Run from the repository root: `.venv/bin/python -m bench.bench_page_loads [--loads 8] [--rounds 3]`.
One headless Chromium. The person is a second Playwright connection (`connect_over_cdp(no_defaults=True)`)
that navigates its tab and reads the document's own Navigation Timing: DOM ready (domInteractive) and the
load event's end. Each round loads each page `--loads` times with no server attached, then with each
server attached in turn (started over stdio with its defaults, attached by one call that lists tabs, closed
before the next), so the sides alternate and the machine's drift falls on all of them. Pages: the std::Vec
docs page (bench/setup_docs.sh; a generated stand-in of its size when rust-doc cannot be had) and the
tests' form page. The peers are pinned in package.json (scripts/setup.sh installs them).
A missed target exits with status 1, after the table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from playwright.async_api import Page, async_playwright
from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium

from bench.pages import BenchSite, docs_root
from bench.servers import (
    OURS,
    PLAYWRIGHT_MCP,
    DevToolsMcp,
    Peer,
    PlaywrightMcp,
    peer_agent,
    peer_versions,
    peers,
)
from bench.timing import Stats, Target, leaf_messages, ms, print_targets

NO_SERVER = "no server"
# browser-mcp may cost the person's loads this much more than Playwright MCP does, as a share of the
# page's load with no server; or as much as the no-server side's own median moves from round to round in
# the run, when that is more (a small page's load here: a few ms, as much as both servers add).
SLACK = 0.05
_TIMING_JS = """() => {
  const entry = performance.getEntriesByType('navigation')[0];
  return [entry.domInteractive, entry.loadEventEnd];
}"""
Attach = Callable[[str], AbstractAsyncContextManager[None]]


@dataclass
class PageLoads:
    """DOM ready and load times of one page, per side."""

    name: str
    path: str
    ready: dict[str, Stats] = field(default_factory=dict)
    loaded: dict[str, Stats] = field(default_factory=dict)
    # Per side, per round: the round's own samples.
    ready_rounds: dict[str, list[Stats]] = field(default_factory=dict)
    loaded_rounds: dict[str, list[Stats]] = field(default_factory=dict)

    def begin_round(self, side: str) -> None:
        self.ready_rounds.setdefault(side, []).append(Stats())
        self.loaded_rounds.setdefault(side, []).append(Stats())

    def add(self, side: str, ready: float, loaded: float) -> None:
        self.ready.setdefault(side, Stats()).samples.append(ready)
        self.loaded.setdefault(side, Stats()).samples.append(loaded)
        self.ready_rounds[side][-1].samples.append(ready)
        self.loaded_rounds[side][-1].samples.append(loaded)


async def load(tab: Page, url: str, loads: PageLoads, side: str, times: int) -> None:
    loads.begin_round(side)
    for _ in range(times):
        await tab.goto(url, wait_until="load")
        # The load event's end is written just after the event: wait until it is there.
        await tab.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
        ready, loaded = await tab.evaluate(_TIMING_JS)
        loads.add(side, float(ready), float(loaded))


@asynccontextmanager
async def no_server(_: str) -> AsyncIterator[None]:
    yield


@asynccontextmanager
async def ours(cdp_url: str) -> AsyncIterator[None]:
    async with stdio_agent("--cdp-url", cdp_url) as agent:
        await agent.ok("tabs")  # attached: its scripts are in every new document now
        yield


def peer_side(peer: Peer) -> Attach:
    @asynccontextmanager
    async def attached(cdp_url: str) -> AsyncIterator[None]:
        async with peer_agent(peer, cdp_url) as (agent, _):
            await connect(peer, agent)
            yield

    return attached


async def connect(peer: Peer, agent: Agent) -> None:
    if isinstance(peer, PlaywrightMcp):
        await agent.ok("browser_tabs", action="list")
    elif isinstance(peer, DevToolsMcp):
        await peer.attach(agent)


async def run(times: int, rounds: int, sides: dict[str, Attach], skipped: dict[str, str]) -> list[PageLoads]:
    docs, why = docs_root()
    site = BenchSite(docs)
    site.start()
    large = site.large_page(why)
    pages = [PageLoads(large.name, large.path), PageLoads("the tests' form page", "/form.html")]
    browser = PersonChromium().start()
    try:
        async with async_playwright() as playwright:
            person = await playwright.chromium.connect_over_cdp(browser.cdp_url, no_defaults=True)
            context = person.contexts[0]
            tab = context.pages[0] if context.pages else await context.new_page()
            for page in pages:  # untimed: caches warm for every side alike
                await tab.goto(site.url(page.path), wait_until="load")
            for number in range(1, rounds + 1):
                print(f"round {number}/{rounds}", file=sys.stderr, flush=True)
                for side, attach in list(sides.items()):
                    try:
                        async with attach(browser.cdp_url):
                            for page in pages:
                                await load(tab, site.url(page.path), page, side, times)
                    except Exception as exc:  # a side that cannot start or attach is told, not a crash
                        skipped[side] = "; ".join(leaf_messages(exc))[:300]
                        del sides[side]
            await person.close()
    finally:
        browser.stop()
        site.stop()
    return pages


def report(pages: list[PageLoads], sides: list[str], skipped: dict[str, str], times: int, rounds: int) -> int:
    print(
        f"The person's own page loads with each server attached to their browser: {times * rounds} per side "
        f"({rounds} rounds of {times}, sides alternating); peers: {peer_versions(peers())}; median / p95 in "
        "ms from the navigation's start.\n"
    )
    print("| page | side | DOM ready | load event end |")
    print("|---|---|---:|---:|")
    for page in pages:
        for side in sides:
            ready, loaded = page.ready.get(side, Stats()), page.loaded.get(side, Stats())
            print(
                f"| {page.name} | {side} | {ms(ready.median)} / {ms(ready.p95)} | "
                f"{ms(loaded.median)} / {ms(loaded.p95)} |"
            )
    for side, why in skipped.items():
        print(f"\n{side} could not be measured: {why}")
    targets: list[Target] = []
    for page in pages:
        for what, stats, by_round in (
            ("DOM ready", page.ready, page.ready_rounds),
            ("load", page.loaded, page.loaded_rounds),
        ):
            bare = stats.get(NO_SERVER, Stats()).median
            ourselves = stats.get(OURS, Stats()).median
            peer = stats.get(PLAYWRIGHT_MCP, Stats()).median
            drift = spread([each.median for each in by_round.get(NO_SERVER, [])])
            slack = max(SLACK * bare, drift)
            targets.append(
                Target.check(
                    ourselves - bare <= peer - bare + slack,
                    f"{page.name}, {what}: browser-mcp adds {ms(ourselves - bare)} ms, Playwright MCP "
                    f"{ms(peer - bare)} ms (no server: {ms(bare)} ms, its median moving by {ms(drift)} ms "
                    f"from round to round; slack {ms(slack)} ms)",
                )
            )
    return print_targets("Targets", targets)


def spread(values: list[float]) -> float:
    return max(values) - min(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loads", type=int, default=8, help="loads of each page per side and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sides: dict[str, Attach] = {NO_SERVER: no_server, OURS: ours}
    sides.update({peer.name: peer_side(peer) for peer in peers()})
    order = list(sides)
    skipped: dict[str, str] = {}
    pages = asyncio.run(run(args.loads, args.rounds, sides, skipped))
    sys.exit(report(pages, order, skipped, args.loads, args.rounds))


if __name__ == "__main__":
    main()
