"""What the benchmarks share: timed MCP calls, their statistics and rounds, failed calls, verdicts, start-up
failures."""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from mcp.shared.exceptions import MCPError
from playwright.async_api import Error as PlaywrightError
from tests.support.agent import Agent

Op = Callable[[], Awaitable[object]]
T = TypeVar("T")


class ToolFailed(Exception):
    """An MCP call replied with an error."""


class Unavailable(Exception):
    """A server could not start or attach: reported under the table, never a crash."""


# What a failed call raises: a tool error, a raw Playwright error, the client giving up on the server.
CALL_ERRORS: tuple[type[BaseException], ...] = (ToolFailed, PlaywrightError, MCPError, TimeoutError, OSError)


@dataclass
class Stats:
    samples: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile."""
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Run:
    """One side of a measurement: the call that is timed, and what must happen untimed before each."""

    label: str  # names the side in the list of failed calls: "click (Playwright MCP)"
    op: Op
    prepare: Op | None = None
    stats: Stats = field(default_factory=Stats)


class Failures:
    """Failed calls, left out of the timings and listed under the table (the same failure once, counted)."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def add(self, label: str, exc: BaseException) -> None:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        self._seen[f"{label}: {first_line}"] += 1

    def print(self) -> None:
        if not self._seen:
            return
        print(f"\nFailed calls ({sum(self._seen.values())}, left out of the timings):")
        for text, count in self._seen.items():
            print(f"- {text}" + (f" (x{count})" if count > 1 else ""))


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


def cell(stats: Stats | None, iterations: int) -> str:
    """A table cell: median / p95, "(n=...)" when calls failed, "failed" when none worked, "-": no such call."""
    if stats is None:
        return "-"
    if stats.n == 0:
        return "failed"
    text = f"{ms(stats.median)} / {ms(stats.p95)}"
    return text if stats.n >= iterations else f"{text} (n={stats.n})"


def split(iterations: int, rounds: int) -> list[int]:
    """Timed runs per round: as even as can be, no empty round."""
    counts = [iterations // rounds + (1 if i < iterations % rounds else 0) for i in range(rounds)]
    return [count for count in counts if count > 0]


# One server's share of a round, given the round's index: raises Unavailable when it cannot be measured.
Phase = Callable[[int], Awaitable[None]]


async def rotate_rounds(phases: Sequence[tuple[str, Phase]], rounds: int, results: Results) -> None:
    """Every phase in every round, one at a time, in an order that rotates from round to round.

    Each phase starts its server afresh, so that a change in the machine's load spreads over all of them
    instead of falling on whichever came last. A server that cannot be measured is not tried again.
    """
    for index in range(rounds):
        first = index % len(phases)
        for name, phase in [*phases[first:], *phases[:first]]:
            if name in results.unavailable:
                continue
            print(f"round {index + 1}/{rounds}: {name}", file=sys.stderr, flush=True)
            try:
                await phase(index)
            except Unavailable as exc:
                results.unavailable[name] = str(exc)


async def time_rounds(runs: Sequence[Run], iterations: int, warmup: int, failures: Failures) -> None:
    """Warm up, then time the runs in turns: each run follows one of every other side, so noise hits all.

    A failed call is listed, not timed (timing it would time the error path).
    """
    for i in range(warmup + iterations):
        for run in runs:
            try:
                if run.prepare is not None:
                    await run.prepare()
                start = time.perf_counter()
                await run.op()
                elapsed = (time.perf_counter() - start) * 1000
            except CALL_ERRORS as exc:
                failures.add(run.label, exc)
                continue
            if i >= warmup:
                run.stats.samples.append(elapsed)


def checked(agent: Agent, tool: str, **arguments: Any) -> Op:
    """An MCP tool call that must succeed (a failing tool would time the error path)."""

    async def call() -> None:
        await text_of(agent, tool, **arguments)

    return call


async def text_of(agent: Agent, tool: str, **arguments: Any) -> str:
    """Call a tool that must succeed; return the text of its reply."""
    reply = await agent.call(tool, **arguments)
    if reply.is_error:
        raise ToolFailed(f"{tool}({arguments}) failed: {' '.join(reply.text.split())[:300]}")
    return reply.text


def list_tools(agent: Agent) -> Op:
    """One tools/list round trip: no browser work (the client's cache is bypassed, so it is a real one)."""

    async def call() -> None:
        await agent.client.list_tools(cache_mode="bypass")

    return call


Verdict = Literal["met", "NOT met", "info"]


@dataclass(frozen=True)
class Target:
    verdict: Verdict
    text: str

    @classmethod
    def check(cls, met: bool, text: str) -> Target:
        return cls("met" if met else "NOT met", text)


def print_targets(title: str, targets: Sequence[Target]) -> int:
    """Print the verdicts; the exit status: 1 when a target was missed, else 0."""
    print(f"\n{title}:")
    for target in targets:
        print(f"- [{target.verdict}] {target.text}")
    return 1 if any(target.verdict == "NOT met" for target in targets) else 0


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def leaf_messages(exc: BaseException) -> list[str]:
    """The messages at the bottom of an exception (group): what actually went wrong."""
    if isinstance(exc, BaseExceptionGroup):
        return [message for inner in exc.exceptions for message in leaf_messages(inner)]
    text = str(exc).strip()
    return [f"{type(exc).__name__}: {text}" if text else type(exc).__name__]


def log_tail(log: Path | None, lines: int = 8) -> str:
    if log is None or not log.exists():
        return ""
    tail = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-lines:]
    return "\n    ".join(["its stderr ended with:", *tail]) if tail else ""


async def enter(
    stack: AsyncExitStack, server: AbstractAsyncContextManager[T], name: str, log: Path | None = None
) -> T:
    """Start a server (enter its context) or raise Unavailable with why, in a sentence."""
    try:
        return await stack.enter_async_context(server)
    except Exception as exc:  # any way of failing to start is reported the same way
        reasons = "; ".join(dict.fromkeys(leaf_messages(exc)))
        tail = log_tail(log)
        raise Unavailable(f"{name} could not start: {reasons}" + (f"\n    {tail}" if tail else "")) from None
