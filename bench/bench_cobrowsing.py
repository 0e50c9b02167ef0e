"""What co-browsing costs an action: the person-aware checks when the person is idle, and the overlay.

Run from the repository root: `.venv/bin/python -m bench.bench_cobrowsing`.
One headless Chromium; browser-mcp attached with --cdp-url in three set-ups, one after the other (two
servers on one browser would each take the other's clicks for a person's): person checks off
(`--person-policy ignore`), on (the default `wait`, nobody typing), and on with the overlay drawn for
`--overlay-ms`. Each set-up clicks the same button. There is no raw Playwright click alongside: to the
server, another connection's clicks on the page are a person's, and the checks would (rightly) wait.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass

from tests.support.agent import stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.site import Site

from bench.bench_tools import Case, Row, checked, measure, print_failures, table

PERSON_CHECKS_TARGET_MS = 5.0


@dataclass(frozen=True)
class SetUp:
    name: str
    args: tuple[str, ...]


def set_ups(overlay_ms: int) -> list[SetUp]:
    return [
        SetUp(
            "click, person checks off (--person-policy ignore)",
            ("--person-policy", "ignore", "--overlay-ms", "0"),
        ),
        SetUp("click, person checks on, person idle", ("--overlay-ms", "0")),
        SetUp(f"click, checks on + overlay ({overlay_ms} ms)", ("--overlay-ms", str(overlay_ms))),
    ]


async def run(iterations: int, warmup: int, overlay_ms: int, failures: list[str]) -> list[Row]:
    site = Site().start()
    chromium = PersonChromium().start()
    home = site.url("/index.html")
    rows: list[Row] = []
    try:
        for setup in set_ups(overlay_ms):
            print(f"  measuring {setup.name} ...", file=sys.stderr, flush=True)
            async with stdio_agent("--cdp-url", chromium.cdp_url, *setup.args) as agent:
                await checked(agent, "navigate", url=home)()
                click = checked(agent, "click", selector="#count")
                rows.append(
                    await measure(Case(setup.name, "-", home, click, None), iterations, warmup, failures)
                )
    finally:
        chromium.stop()
        site.stop()
    return rows


def findings(rows: list[Row], overlay_ms: int) -> list[str]:
    off, on, overlay = rows
    checks = on.mcp.median - off.mcp.median
    drawn = overlay.mcp.median - on.mcp.median - overlay_ms
    verdict = "met" if checks < PERSON_CHECKS_TARGET_MS else "NOT met"
    return [
        f"[{verdict}] person-aware checks with an idle person add {checks:.1f} ms median to a click "
        f"(target < {PERSON_CHECKS_TARGET_MS:.0f} ms; click median {off.mcp.median:.1f} ms without them, "
        f"{on.mcp.median:.1f} ms with them)",
        f"[info] the overlay adds {overlay.mcp.median - on.mcp.median:.1f} ms median to a click: it is on "
        f"screen for up to {overlay_ms} ms before the click, drawing included ({drawn:+.1f} ms against "
        f"exactly {overlay_ms} ms)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=40, help="timed clicks per set-up")
    parser.add_argument("--warmup", type=int, default=5, help="untimed clicks per set-up first")
    parser.add_argument("--overlay-ms", type=int, default=400, help="the overlay's time on screen")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failures: list[str] = []
    rows = asyncio.run(run(args.iterations, args.warmup, args.overlay_ms, failures))
    print(
        f"browser-mcp over stdio, attached with --cdp-url; {args.iterations} timed clicks per set-up "
        f"after {args.warmup} warm-ups; total {time.perf_counter() - started:.0f} s.\n"
    )
    print(table(rows))
    print("\nFindings:")
    for line in findings(rows, args.overlay_ms):
        print(f"- {line}")
    print_failures(failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
