"""Part 2: the browser killed and started again."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from tests.support.agent import Agent
from tests.support.site import Site

from bench.reliability.common import RECOVERY_TARGET_S, progress, rig
from bench.reliability.replies import Finding, Findings, excerpt, reply_text, sentence_problem
from bench.timing import Stats, Target


@dataclass
class RestartResult:
    restarts: int = 0
    recovered: int = 0  # within RECOVERY_TARGET_S
    times: Stats = field(default_factory=Stats)  # seconds from the browser back to the calls working
    calls_while_down: int = 0
    down_without_sentence: int = 0
    seconds: float = 0.0
    findings: Findings = field(default_factory=Findings)

    def row(self) -> str:
        worst = max(self.times.samples, default=math.nan)
        return (
            f"| restarts | browser killed and started again {self.restarts} times | {self.recovered}/"
            f"{self.restarts} recovered within {RECOVERY_TARGET_S:.0f} s (median {self.times.median:.2f} s, "
            f"max {worst:.2f} s); {self.calls_while_down - self.down_without_sentence}/{self.calls_while_down} "
            f"calls while it was down answered with a sentence | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        return [
            Target.check(
                self.recovered == self.restarts and self.restarts > 0,
                f"restarts: {self.recovered}/{self.restarts} recovered within {RECOVERY_TARGET_S:.0f} s",
            ),
            Target.check(
                self.down_without_sentence == 0,
                f"restarts: {self.down_without_sentence} calls while the browser was down without a sentence (target 0)",
            ),
        ]


async def restarts(count: int) -> RestartResult:
    """Part 2: kill the browser, call while it is down, start it again; the next calls must work."""
    result = RestartResult()
    started = time.monotonic()
    async with rig() as (sites, chromium, server):
        agent = server.agent
        await agent.call("navigate", url=sites.site.url("/form.html"))
        for index in range(count):
            chromium.kill()
            down = await agent.call("snapshot")
            result.calls_while_down += 1
            problem = sentence_problem(reply_text(down)) if down.is_error else "it succeeded"
            if problem is not None:
                result.down_without_sentence += 1
                result.findings.add(
                    "call while the browser was down",
                    Finding("snapshot()", "no browser", f"{problem}: {excerpt(down.text)}"),
                )
            chromium.start()
            back = time.monotonic()
            recovered = await recover(agent, sites.site, index, result.findings)
            result.restarts += 1
            if recovered:
                elapsed = time.monotonic() - back
                result.times.samples.append(elapsed)
                result.recovered += elapsed <= RECOVERY_TARGET_S
            progress(f"  restarts: {index + 1}/{count}")
    result.seconds = time.monotonic() - started
    return result


async def recover(agent: Agent, site: Site, index: int, findings: Findings) -> bool:
    """The agent's next calls after the browser came back: a navigation and a snapshot of it."""
    page, title = ("/form.html", "'Form'") if index % 2 else ("/index.html", "'Home'")
    deadline = time.monotonic() + RECOVERY_TARGET_S * 2
    while time.monotonic() < deadline:
        navigated = await agent.call("navigate", url=site.url(page))
        if not navigated.is_error and title in navigated.text:
            snapshot = await agent.call("snapshot")
            if not snapshot.is_error and "[ref=" in snapshot.text:
                return True
            findings.add(
                "snapshot after a restart", Finding("snapshot()", site.url(page), excerpt(snapshot.text))
            )
        else:
            findings.add(
                "navigate after a restart",
                Finding(f"navigate({page!r})", "restarted browser", excerpt(navigated.text)),
            )
    return False
