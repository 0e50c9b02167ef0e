"""A task for the model: book a room on tests/pages/booking.html with each server's own tools, counting the
calls and the characters returned to the model until the result ("Confirmation number BK-4821") is known.

Run from the repository root: `.venv/bin/python -m bench.bench_task [--runs 5]`.
One headless Chromium with a CDP port and the tests' local site; one server at a time: browser-mcp (its
defaults, attached with --cdp-url), Playwright MCP and Chrome DevTools MCP (pinned in package.json), each
acting by the refs (uids) of its own snapshots. The calls, as a model would make them:

1. navigate to the page; a snapshot, unless the navigation's reply already shows the form with refs;
2. type the guest's name and email, choose the nights and the room, click "Book now";
3. if the click's reply does not hold "BK-4821" (the page shows it about 0.1 s after the click), the call
   the server needs to learn it, after a pause for the model's turn: browser-mcp `snapshot`, Chrome DevTools
   MCP `take_snapshot`, Playwright MCP reads the snapshot file its click reply names (`browser_snapshot`
   when it names none), again while the result is not there.

Characters: the text of every reply, plus the size of a file the model reads. Targets for browser-mcp: the
result known from the click's reply, and at most half of Playwright MCP's characters. A missed target, or a
server that cannot be measured, exits with status 1 after the whole report.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.agent import Agent
from tests.support.site import Site

from bench.servers import (
    DEVTOOLS_MCP,
    OURS,
    PLAYWRIGHT_MCP,
    SNAPSHOT_FILE,
    BrowserMcp,
    Peer,
    PlaywrightMcp,
    Server,
    bench_browser,
    ours_agent,
    peer_agent,
    peer_versions,
    peers,
    progress,
)
from bench.timing import CALL_ERRORS, Target, ToolFailed, Unavailable, enter, ms, print_targets

RESULT = "BK-4821"
PAGE = "/booking.html"
SHARE_OF_PLAYWRIGHT_MCP = 0.5  # browser-mcp's characters, at most half of Playwright MCP's (issue 10)
MODEL_TURN_S = 0.5  # before an extra call: a model's turn takes at least this long (not timed)
MAX_EXTRA_CALLS = 3

GUEST = "Ada Lovelace"
EMAIL = "ada@example.com"
NIGHTS = "2"
ROOM = "Double (120 EUR)"


@dataclass(frozen=True)
class Call:
    tool: str
    chars: int


@dataclass
class Booking:
    """One run of the task by one server."""

    calls: list[Call] = field(default_factory=list)
    from_click: bool = False  # the click's reply held the result
    known: bool = False  # the result was known in the end
    seconds: float = 0.0  # the calls' time, without the pauses for the model's turn

    @property
    def chars(self) -> int:
        return sum(call.chars for call in self.calls)

    @property
    def extra_calls(self) -> int:
        after = [index for index, call in enumerate(self.calls) if call.tool.endswith("click")]
        return len(self.calls) - after[-1] - 1 if after else 0


@dataclass
class Outcome:
    server: str
    runs: list[Booking] = field(default_factory=list)
    unavailable: str = ""
    failures: list[str] = field(default_factory=list)


async def read_result(
    server: Server, agent: Agent, click_reply: str, workdir: Path | None
) -> tuple[str, str]:
    """The extra call that tells the model the result: (what it is called, what it returns)."""
    if isinstance(server, PlaywrightMcp):
        named = SNAPSHOT_FILE.search(click_reply)
        if named is not None and workdir is not None:
            file = workdir / named.group(1)
            try:
                return "read snapshot file", file.read_text()
            except OSError as exc:
                raise ToolFailed(f"the snapshot file its reply names cannot be read: {exc}") from None
        return "browser_snapshot", await server.snapshot(agent)
    if isinstance(server, BrowserMcp):
        return "snapshot", await server.snapshot(agent)
    return "take_snapshot", await server.snapshot(agent)


async def book(server: Server, agent: Agent, url: str, workdir: Path | None) -> Booking:
    booking = Booking()
    spent = 0.0

    async def call(tool: str, step: Callable[[], Awaitable[str]]) -> str:
        nonlocal spent
        started = time.perf_counter()
        text = await step()
        spent += time.perf_counter() - started
        booking.calls.append(Call(tool, len(text)))
        return text

    page = await call("navigate", lambda: server.navigate(agent, url))
    try:
        server.ref_in(page, "textbox", "Guest name")
    except ToolFailed:  # the navigation's reply does not show the form
        page = await call("snapshot", lambda: server.snapshot(agent))
    guest = server.ref_in(page, "textbox", "Guest name")
    email = server.ref_in(page, "textbox", "Email")
    nights = server.ref_in(page, "combobox", "Nights")
    room = server.ref_in(page, "combobox", "Room")
    button = server.ref_in(page, "button", "Book now")
    await call("type", lambda: server.type(agent, guest, "Guest name textbox", GUEST))
    await call("type", lambda: server.type(agent, email, "Email textbox", EMAIL))
    await call("select", lambda: server.select(agent, nights, "Nights combobox", NIGHTS))
    await call("select", lambda: server.select(agent, room, "Room combobox", ROOM))
    reply = await call("click", lambda: server.click(agent, button, "Book now button"))
    booking.from_click = booking.known = RESULT in reply
    names_file = reply  # the first extra call may read the file the click's reply names; later ones look anew
    for _ in range(MAX_EXTRA_CALLS):
        if booking.known:
            break
        await asyncio.sleep(MODEL_TURN_S)
        started = time.perf_counter()
        tool, text = await read_result(server, agent, names_file, workdir)
        spent += time.perf_counter() - started
        booking.calls.append(Call(tool, len(text)))
        booking.known = RESULT in text
        names_file = ""
    booking.seconds = spent
    return booking


async def runs_of(
    server: Server, agent: Agent, url: str, workdir: Path | None, count: int, outcome: Outcome
) -> None:
    try:
        await server.attach(agent)
    except CALL_ERRORS as exc:
        outcome.unavailable = f"{server.name} started but could not attach to the browser: {exc}"
        return
    for index in range(count + 1):  # the first run warms up, untimed and not counted
        try:
            booking = await book(server, agent, url, workdir)
        except CALL_ERRORS as exc:
            outcome.failures.append(f"run {index}: {(str(exc).strip().splitlines() or [repr(exc)])[0]}")
            continue
        if index > 0:
            outcome.runs.append(booking)


async def run(count: int) -> tuple[list[Outcome], str]:
    site = Site().start()
    url = site.url(PAGE)
    outcomes: list[Outcome] = []
    try:
        async with bench_browser() as browser:
            ours = BrowserMcp()
            outcome = Outcome(OURS)
            outcomes.append(outcome)
            progress(f"{OURS} ...")
            try:
                async with (
                    AsyncExitStack() as stack
                ):  # nothing is raised inside: the task group would wrap it
                    agent = await enter(stack, ours_agent("stdio", browser.cdp_url), OURS)
                    await runs_of(ours, agent, url, None, count, outcome)
            except Unavailable as exc:
                outcome.unavailable = str(exc)
            for peer in PEERS:
                outcome = Outcome(peer.name)
                outcomes.append(outcome)
                progress(f"{peer.name} ...")
                try:
                    async with peer_agent(peer, browser.cdp_url) as (agent, out_dir):
                        # Its replies name files relative to its working directory, out_dir's parent.
                        await runs_of(peer, agent, url, out_dir.parent, count, outcome)
                except Unavailable as exc:
                    outcome.unavailable = str(exc)
            browser_name = browser.name
    finally:
        site.stop()
    return outcomes, browser_name


PEERS: list[Peer] = peers()


# The report


def spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| server | calls until the result is known | characters returned | result in the click's reply "
        "| extra calls | time per run, median ms |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for outcome in outcomes:
        runs = outcome.runs
        if not runs:
            lines.append(f"| {outcome.server} | failed | - | - | - | - |")
            continue
        in_click = (
            "yes"
            if all(run.from_click for run in runs)
            else ("no" if not any(run.from_click for run in runs) else "sometimes")
        )
        known = "" if all(run.known for run in runs) else " (result never seen)"
        seconds = statistics.median(run.seconds for run in runs) * 1000
        lines.append(
            f"| {outcome.server} | {spread([len(run.calls) for run in runs])}{known} | "
            f"{spread([run.chars for run in runs])} | {in_click} | {spread([run.extra_calls for run in runs])} | "
            f"{ms(seconds)} |"
        )
    return "\n".join(lines)


def median_chars(outcome: Outcome) -> float:
    return statistics.median(run.chars for run in outcome.runs)


def targets(outcomes: list[Outcome]) -> list[Target]:
    verdicts: list[Target] = []
    by_name = {outcome.server: outcome for outcome in outcomes}
    for outcome in outcomes:
        if outcome.unavailable:
            verdicts.append(Target("NOT met", f"{outcome.server} was not measured: {outcome.unavailable}"))
        for failure in outcome.failures:
            verdicts.append(
                Target(
                    "NOT met" if outcome.server == OURS else "info",
                    f"{outcome.server} failed a run: {failure}",
                )
            )
    ours, playwright = by_name[OURS], by_name[PLAYWRIGHT_MCP]
    if ours.runs:
        verdicts.append(
            Target.check(
                all(run.from_click for run in ours.runs),
                f"{OURS}: the result known from the click's reply, with no extra call "
                f"({spread([run.extra_calls for run in ours.runs])} extra)",
            )
        )
        if not all(run.known for run in ours.runs):
            verdicts.append(Target("NOT met", f"{OURS}: the result was never seen in some runs"))
    if ours.runs and playwright.runs:
        mine, theirs = median_chars(ours), median_chars(playwright)
        verdicts.append(
            Target.check(
                mine <= SHARE_OF_PLAYWRIGHT_MCP * theirs,
                f"{OURS}: {mine:,.0f} characters returned <= {SHARE_OF_PLAYWRIGHT_MCP:.0%} of {PLAYWRIGHT_MCP}'s "
                f"{theirs:,.0f} ({mine / theirs:.0%})",
            )
        )
    for outcome in outcomes:
        if outcome.runs:
            last = outcome.runs[-1]
            listed = ", ".join(f"{call.tool} {call.chars:,}" for call in last.calls)
            verdicts.append(Target("info", f"{outcome.server}, characters per call: {listed}"))
    devtools = by_name.get(DEVTOOLS_MCP)
    if devtools is not None and devtools.runs and ours.runs:
        verdicts.append(
            Target(
                "info",
                f"{DEVTOOLS_MCP}: {median_chars(devtools):,.0f} characters ({OURS}: {median_chars(ours):,.0f})",
            )
        )
    times = "; ".join(
        f"{outcome.server} {ms(statistics.median(run.seconds for run in outcome.runs) * 1000)} ms"
        for outcome in outcomes
        if outcome.runs
    )
    verdicts.append(Target("info", f"time per run (the calls only), median: {times}"))
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="counted runs per server (after one warm-up run)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    outcomes, browser_name = asyncio.run(run(max(1, args.runs)))
    print(
        f"browser-mcp over stdio (its defaults; attached with --cdp-url); peers over stdio: "
        f"{peer_versions(PEERS)}; {browser_name} headless; one server at a time; {args.runs} runs per server "
        f"after one warm-up run; {os.cpu_count()} cores; total {time.perf_counter() - started:.0f} s.\n"
    )
    print(table(outcomes))
    print(
        "\ncalls: navigate, a snapshot unless the navigation's reply shows the form, 2 x type, 2 x select, click, "
        f"then whatever the server needs to learn the result ({MODEL_TURN_S} s after the previous reply); "
        "characters: the text of every reply plus any file read; a range: the runs differed"
    )
    return print_targets("Targets", targets(outcomes))


if __name__ == "__main__":
    sys.exit(main())
