"""What co-browsing costs an action: the person-aware checks when the person is idle, and the overlay.

Run from the repository root: `.venv/bin/python -m bench.bench_cobrowsing`.
One headless Chromium; browser-mcp attached with --cdp-url in three set-ups, one after the other (two
servers on one browser would each take the other's clicks for a person's): person checks off
(`--person-policy ignore`), on (the default `wait`, nobody typing), and on with the overlay drawn for
`--overlay-ms`. Each set-up clicks the same button. There is no raw Playwright click alongside: to the
server, another connection's clicks on the page are a person's, and the checks would (rightly) wait.
A missed target exits with status 1, after the table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass

from tests.support.agent import stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.site import Site

from bench.timing import Failures, Run, Target, Unavailable, checked, enter, ms, print_targets, time_rounds

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


async def run(iterations: int, warmup: int, overlay_ms: int, failures: Failures) -> list[Run]:
    site = Site().start()
    chromium = PersonChromium().start()
    home = site.url("/index.html")
    runs: list[Run] = []
    try:
        for setup in set_ups(overlay_ms):
            print(f"  measuring {setup.name} ...", file=sys.stderr, flush=True)
            async with AsyncExitStack() as stack:
                agent = await enter(
                    stack,
                    stdio_agent("--cdp-url", chromium.cdp_url, *setup.args),
                    "browser-mcp " + " ".join(setup.args),
                )
                await checked(agent, "navigate", url=home)()
                click = Run(setup.name, checked(agent, "click", selector="#count"))
                await time_rounds([click], iterations, warmup, failures)
                runs.append(click)
    finally:
        chromium.stop()
        site.stop()
    return runs


def table(runs: list[Run]) -> str:
    lines = ["| set-up | click median ms | p95 ms | n |", "|---|---:|---:|---:|"]
    lines += [f"| {r.label} | {ms(r.stats.median)} | {ms(r.stats.p95)} | {r.stats.n} |" for r in runs]
    return "\n".join(lines)


def findings(runs: list[Run], overlay_ms: int) -> list[Target]:
    off, on, overlay = (r.stats for r in runs)
    checks = on.median - off.median
    drawn = overlay.median - on.median - overlay_ms
    return [
        Target.check(
            checks < PERSON_CHECKS_TARGET_MS,
            f"person-aware checks with an idle person add {ms(checks)} ms median to a click "
            f"(target < {PERSON_CHECKS_TARGET_MS:.0f} ms; click median {ms(off.median)} ms without them, "
            f"{ms(on.median)} ms with them)",
        ),
        Target(
            "info",
            f"the overlay adds {ms(overlay.median - on.median)} ms median to a click: it is on screen for up "
            f"to {overlay_ms} ms before the click, drawing included ({drawn:+.1f} ms against exactly "
            f"{overlay_ms} ms)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=40, help="timed clicks per set-up")
    parser.add_argument("--warmup", type=int, default=5, help="untimed clicks per set-up first")
    parser.add_argument("--overlay-ms", type=int, default=400, help="the overlay's time on screen")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failures = Failures()
    try:
        runs = asyncio.run(run(args.iterations, args.warmup, args.overlay_ms, failures))
    except Unavailable as exc:
        print(f"[NOT met] nothing measured: {exc}")
        return 1
    print(
        f"browser-mcp over stdio, attached with --cdp-url; {args.iterations} timed clicks per set-up "
        f"after {args.warmup} warm-ups; total {time.perf_counter() - started:.0f} s.\n"
    )
    print(table(runs))
    status = print_targets("Findings", findings(runs, args.overlay_ms))
    failures.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
