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
import os
import sys
import time
from dataclasses import dataclass

from bench.reliability.common import SERVER_ARGS, progress
from bench.reliability.fuzz import FuzzOptions, FuzzResult, fuzz
from bench.reliability.http_load import HttpResult, http_load
from bench.reliability.restarts import RestartResult, restarts
from bench.reliability.soak import SoakResult, soak
from bench.reliability.tab_closes import TabCloseResult, tab_closes
from bench.timing import Target, print_targets

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
