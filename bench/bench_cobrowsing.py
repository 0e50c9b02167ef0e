"""What co-browsing costs an action: the person-aware checks when the person is idle, and the overlay.

Run from the repository root: `.venv/bin/python -m bench.bench_cobrowsing`.
One headless Chromium; browser-mcp attached with --cdp-url in four set-ups, one after the other (two
servers on one browser would each take the other's clicks for a person's): person checks off
(`--person-policy ignore`, no overlay), on (the default `wait`, nobody typing, no overlay), on with the
overlay as by default (drawn as the click starts, fading after it), and with the overlay shown
`--overlay-lead-ms` before each click (a demo). Each set-up clicks the same button. There is no raw Playwright click alongside: to the
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
OVERLAY_TARGET_MS = 5.0  # nothing done for the person's sake may make the agent wait


@dataclass(frozen=True)
class SetUp:
    name: str
    args: tuple[str, ...]


def set_ups(lead_ms: int) -> list[SetUp]:
    return [
        SetUp(
            "click, person checks off (--person-policy ignore), no overlay",
            ("--person-policy", "ignore", "--overlay-ms", "0"),
        ),
        SetUp("click, person checks on, person idle, no overlay", ("--overlay-ms", "0")),
        SetUp("click, checks on + overlay (the defaults)", ()),
        SetUp(f"click, checks on + overlay shown {lead_ms} ms before", ("--overlay-lead-ms", str(lead_ms))),
    ]


async def run(iterations: int, warmup: int, lead_ms: int, failures: Failures) -> list[Run]:
    site = Site().start()
    chromium = PersonChromium().start()
    home = site.url("/index.html")
    runs: list[Run] = []
    try:
        for setup in set_ups(lead_ms):
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


def findings(runs: list[Run], lead_ms: int) -> list[Target]:
    off, on, overlay, lead = (r.stats for r in runs)
    checks = on.median - off.median
    drawn = overlay.median - on.median
    return [
        Target.check(
            checks < PERSON_CHECKS_TARGET_MS,
            f"person-aware checks with an idle person add {ms(checks)} ms median to a click "
            f"(target < {PERSON_CHECKS_TARGET_MS:.0f} ms; click median {ms(off.median)} ms without them, "
            f"{ms(on.median)} ms with them)",
        ),
        Target.check(
            drawn < OVERLAY_TARGET_MS,
            f"the overlay, as by default, adds {ms(drawn)} ms median to a click (target < "
            f"{OVERLAY_TARGET_MS:.0f} ms: it is drawn alongside the click and fades after it; "
            f"{ms(overlay.median)} ms with it, {ms(on.median)} ms without)",
        ),
        Target(
            "info",
            f"shown {lead_ms} ms before each click (--overlay-lead-ms, for demos), it adds "
            f"{ms(lead.median - on.median)} ms median ({lead.median - on.median - lead_ms:+.1f} ms against "
            f"exactly {lead_ms} ms)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=40, help="timed clicks per set-up")
    parser.add_argument("--warmup", type=int, default=5, help="untimed clicks per set-up first")
    parser.add_argument(
        "--overlay-lead-ms", type=int, default=400, help="the lead time of the last set-up (a demo's)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failures = Failures()
    try:
        runs = asyncio.run(run(args.iterations, args.warmup, args.overlay_lead_ms, failures))
    except Unavailable as exc:
        print(f"[NOT met] nothing measured: {exc}")
        return 1
    print(
        f"browser-mcp over stdio, attached with --cdp-url; {args.iterations} timed clicks per set-up "
        f"after {args.warmup} warm-ups; total {time.perf_counter() - started:.0f} s.\n"
    )
    print(table(runs))
    status = print_targets("Findings", findings(runs, args.overlay_lead_ms))
    failures.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
