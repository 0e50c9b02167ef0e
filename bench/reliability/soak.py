"""Part 5: the server's memory over a soak."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.agent import Agent

from bench.bench_live import descendants, rss_mib
from bench.reliability.calls import mixed_calls
from bench.reliability.common import RSS_GROWTH_TARGET_MB, rig
from bench.reliability.replies import Finding, Findings, call_text, excerpt
from bench.timing import Target


@dataclass
class SoakResult:
    seconds: float = 0.0
    calls: int = 0
    navigations: int = 0  # new documents: what the growth follows (Playwright keeps ~11 KB for each)
    warmup_navigations: int = 0
    failures: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds in, RSS MB) after the warm-up
    first_mb: float = math.nan  # before the warm-up
    driver_mb: tuple[float, float] = (math.nan, math.nan)  # the Playwright driver's, start and end
    findings: Findings = field(default_factory=Findings)

    @property
    def start_mb(self) -> float:
        return self.samples[0][1] if self.samples else math.nan

    @property
    def end_mb(self) -> float:
        return self.samples[-1][1] if self.samples else math.nan

    @property
    def max_mb(self) -> float:
        return max((mb for _, mb in self.samples), default=math.nan)

    @property
    def growth_mb(self) -> float:
        return self.end_mb - self.start_mb

    def row(self) -> str:
        return (
            f"| soak | mixed calls for {self.seconds / 60:.1f} min ({self.calls:,} calls, {self.failures} failed) | "
            f"server RSS {self.start_mb:.1f} -> {self.end_mb:.1f} MB (max {self.max_mb:.1f}; {self.first_mb:.1f} "
            f"before the warm-up): growth {self.growth_mb:+.1f} MB | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        growth = self.growth_mb
        driver = self.driver_mb
        return [
            Target.check(
                not math.isnan(growth) and growth <= RSS_GROWTH_TARGET_MB,
                f"soak: server RSS grew {growth:+.1f} MB over {self.seconds / 60:.1f} min (target <= "
                f"{RSS_GROWTH_TARGET_MB:.0f} MB)",
            ),
            Target(
                "info",
                f"soak: {self.failures} failed calls of {self.calls:,}, {self.navigations:,} of them navigations "
                f"({growth * 1000 / max(self.navigations - self.warmup_navigations, 1):+.1f} MB per 1,000 after the warm-up); the Playwright driver (node) "
                f"{driver[0]:.1f} -> {driver[1]:.1f} MB",
            ),
        ]


def rss_mb(pid: int) -> float:
    return rss_mib(pid) * 1024 * 1024 / 1e6


def driver_mb(pid: int) -> float:
    return sum(rss_mb(child) for child in descendants(pid))


async def soak_call(agent: Agent, tool: str, arguments: dict[str, Any], result: SoakResult) -> None:
    try:
        reply = await agent.call(tool, **arguments)
        failure = excerpt(reply.text) if reply.is_error else None
    except Exception as exc:
        failure = f"{type(exc).__name__}: {excerpt(str(exc))}"
    result.calls += 1
    result.navigations += tool == "navigate"
    if failure is not None:
        result.failures += 1
        result.findings.add("failed call", Finding(call_text(tool, arguments), "", failure))


async def soak(seconds: float, sample_s: float = 5.0, seed: int = 1) -> SoakResult:
    """Part 5: mixed calls for `seconds`; the server's RSS sampled from /proc after a warm-up (10%, >= 5 s)."""
    result = SoakResult()
    rng = random.Random(seed)
    warmup = max(5.0, seconds * 0.1)
    async with rig() as (sites, _, server):
        pid, agent = server.pid, server.agent
        result.first_mb = rss_mb(pid)
        pages = [
            sites.site.url(page)
            for page in ("/index.html", "/booking.html", "/secrets.html", "/busy?images=40")
        ]
        calls = mixed_calls(sites.site)
        form = sites.site.url("/form.html")
        await agent.call("navigate", url=form)
        started = time.monotonic()
        next_sample = started + warmup
        while (now := time.monotonic()) < started + warmup + seconds:
            if now >= next_sample:
                if not result.samples:
                    result.driver_mb = (driver_mb(pid), math.nan)
                    result.warmup_navigations = result.navigations
                result.samples.append((now - started, rss_mb(pid)))
                next_sample = now + sample_s
            # Now and then a visit elsewhere (with a look at it), then back to the form, where
            # the mixed calls all work.
            if rng.random() < 0.1:
                steps = [
                    ("navigate", {"url": rng.choice(pages)}),
                    ("snapshot", {}),
                    ("navigate", {"url": form}),
                ]
            else:
                steps = [rng.choice(calls)]
            for tool, arguments in steps:
                await soak_call(agent, tool, arguments, result)
        result.samples.append((time.monotonic() - started, rss_mb(pid)))
        result.driver_mb = (result.driver_mb[0], driver_mb(pid))
        result.seconds = time.monotonic() - started - warmup
    return result
