"""Part 4: concurrent HTTP clients."""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field

from tests.support.agent import HttpServer, http_agent
from tests.support.chromium import PersonChromium

from bench.reliability.calls import mixed_calls
from bench.reliability.common import SERVER_ARGS, local_sites
from bench.reliability.replies import Finding, Findings, call_text, excerpt
from bench.timing import Stats, Target, ms


@dataclass
class HttpResult:
    clients: int = 0
    calls: int = 0
    failures: int = 0
    seconds: float = 0.0  # the calls, from the first to the last
    times: Stats = field(default_factory=Stats)
    findings: Findings = field(default_factory=Findings)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else math.nan

    def row(self) -> str:
        return (
            f"| http | {self.clients} Streamable HTTP clients x {self.calls // max(self.clients, 1)} mixed calls, "
            f"at once | {self.failures} failures; {self.per_second:.1f} calls/s; median {ms(self.times.median)} ms, "
            f"p95 {ms(self.times.p95)} ms | {self.seconds:.0f} s |"
        )

    def targets(self) -> list[Target]:
        return [
            Target.check(
                self.failures == 0 and self.calls > 0,
                f"http: {self.clients} x {self.calls // max(self.clients, 1)} calls, {self.failures} failures (target 0)",
            ),
            Target("info", f"http: {self.per_second:.1f} calls/s over {self.clients} clients"),
        ]


async def http_load(clients: int, calls_each: int, seed: int = 1) -> HttpResult:
    """Part 4: `clients` MCP clients over Streamable HTTP, each making `calls_each` calls at once."""
    result = HttpResult(clients=clients)
    async with local_sites() as sites:
        chromium = PersonChromium().start()
        server = HttpServer("--cdp-url", chromium.cdp_url, *SERVER_ARGS).start()
        try:
            calls = mixed_calls(sites.site)
            async with http_agent(server.url) as first:
                await first.call("navigate", url=sites.site.url("/form.html"))

            async def client(index: int) -> None:
                rng = random.Random(seed * 1000 + index)
                async with http_agent(server.url) as agent:
                    for _ in range(calls_each):
                        tool, arguments = rng.choice(calls)
                        begun = time.monotonic()
                        try:
                            reply = await agent.call(tool, **arguments)
                        except Exception as exc:
                            result.failures += 1
                            result.findings.add(
                                "failed call",
                                Finding(
                                    call_text(tool, arguments),
                                    f"client {index}",
                                    f"{type(exc).__name__}: {exc}",
                                ),
                            )
                            continue
                        result.calls += 1
                        result.times.samples.append((time.monotonic() - begun) * 1000)
                        if reply.is_error:
                            result.failures += 1
                            result.findings.add(
                                "error reply",
                                Finding(call_text(tool, arguments), f"client {index}", excerpt(reply.text)),
                            )

            started = time.monotonic()
            await asyncio.gather(*(client(index) for index in range(clients)))
            result.seconds = time.monotonic() - started
        finally:
            server.stop()
            chromium.stop()
    return result
