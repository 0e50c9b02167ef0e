"""Part 3: the person closes the agent's tab during a slow call."""

from __future__ import annotations

import asyncio
import math
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright
from tests.support.agent import Agent, Reply
from tests.support.person import Person
from tests.support.site import Site

from bench.reliability.common import progress, rig
from bench.reliability.replies import Finding, Findings, call_text, excerpt, reply_text, sentence_problem
from bench.reliability.watcher import person_on
from bench.timing import Stats, Target


@dataclass
class TabCloseResult:
    closes: int = 0
    hangs: int = 0
    worked_after: int = 0
    without_sentence: int = 0
    times: Stats = field(default_factory=Stats)  # seconds from the close to the reply
    seconds: float = 0.0
    findings: Findings = field(default_factory=Findings)

    def row(self) -> str:
        worst = max(self.times.samples, default=math.nan)
        return (
            f"| tab closes | the person closed the agent's tab during a slow call {self.closes} times | "
            f"{self.hangs} hangs; reply after the close: median {self.times.median:.2f} s, max {worst:.2f} s; "
            f"{self.worked_after}/{self.closes} next calls worked | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        return [
            Target.check(
                self.hangs == 0 and self.closes > 0,
                f"tab closes: {self.hangs} hangs in {self.closes} (target 0)",
            ),
            Target.check(
                self.worked_after == self.closes and self.without_sentence == 0,
                f"tab closes: {self.worked_after}/{self.closes} next calls worked; {self.without_sentence} errors "
                "without a sentence",
            ),
        ]


# The slow calls, with how long each may take in all (its own timeout, and a margin for the machine).
SLOW_CALLS: list[tuple[str, dict[str, Any], float]] = [
    ("navigate", {"url": "/slow?s=4"}, 10 + 5),  # --navigation-timeout 10
    ("wait_for", {"text": "Never shown anywhere", "timeout": 4}, 4 + 5),
    ("wait_for", {"seconds": 3}, 3 + 5),
]


async def tab_closes(count: int) -> TabCloseResult:
    """Part 3: a second connection closes the agent's tab while a slow call runs on it."""
    result = TabCloseResult()
    started = time.monotonic()
    async with (
        rig() as (sites, chromium, server),
        async_playwright() as playwright,
        person_on(playwright, chromium.cdp_url) as person,
    ):
        await server.agent.call("navigate", url=sites.site.url("/form.html"))
        for index in range(count):
            await close_during_call(
                server.agent, person, sites.site, SLOW_CALLS[index % len(SLOW_CALLS)], result
            )
            progress(f"  tab closes: {index + 1}/{count}")
    result.seconds = time.monotonic() - started
    return result


async def close_during_call(
    agent: Agent, person: Person, site: Site, slow: tuple[str, dict[str, Any], float], result: TabCloseResult
) -> None:
    tool, arguments, limit = slow
    if "url" in arguments:
        arguments = {**arguments, "url": site.url(arguments["url"])}
    tab = await person.open_tab(site.url("/index.html"))  # in front: the agent's tab from now on
    await agent.call("snapshot")  # the agent looks at it (and so acts on it)
    begun = asyncio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        begun.set()

    call = asyncio.ensure_future(
        agent.client.call_tool(tool, arguments, read_timeout_seconds=limit, progress_callback=on_progress)
    )
    if tool == "navigate":
        with suppress(PlaywrightError):
            await tab.wait_for_event("request", lambda request: "/slow" in request.url, timeout=limit * 1000)
    else:
        with suppress(TimeoutError):
            await asyncio.wait_for(begun.wait(), limit)
    closed = time.monotonic()
    with suppress(PlaywrightError):
        await tab.close()
    result.closes += 1
    what = call_text(tool, arguments)
    try:
        raw = await asyncio.wait_for(call, limit + 5)
    except Exception as exc:  # the client gave up: the call hung
        result.hangs += 1
        result.findings.add(
            "hang", Finding(what, "the tab closed", f"{type(exc).__name__}: {excerpt(str(exc))}")
        )
        return
    result.times.samples.append(time.monotonic() - closed)
    reply = Reply(raw)
    if reply.is_error and (problem := sentence_problem(reply_text(reply))) is not None:
        result.without_sentence += 1
        result.findings.add(
            "no sentence", Finding(what, "the tab closed", f"{problem}: {excerpt(reply.text)}")
        )
    after = await agent.call("navigate", url=site.url("/form.html"))
    if after.is_error:
        result.findings.add(
            "the next call failed", Finding("navigate('/form.html')", "after the close", excerpt(after.text))
        )
    else:
        result.worked_after += 1
