"""The reliability bench (bench/bench_reliability.py) with small counts: the same code and the same targets.

A schema-derived fuzz of every tool (no crash, every error a sentence, every reply within its budget, no
secret, no tab on a refused origin), the browser restarted, the agent's tab closed mid-call, concurrent
HTTP clients, and a short soak of the server's memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from bench.reliability.common import rig
from bench.reliability.fuzz import FuzzOptions, fuzz
from bench.reliability.http_load import http_load
from bench.reliability.replies import Findings
from bench.reliability.restarts import restarts
from bench.reliability.soak import rss_mb, soak
from bench.reliability.tab_closes import tab_closes
from bench.timing import Target

pytestmark = pytest.mark.slow  # starts browsers and servers, and kills them


def assert_met(targets: Sequence[Target], row: str, findings: Findings) -> None:
    """Every target met; else the missed ones, and the failures with their reproductions."""
    missed = [target.text for target in targets if target.verdict == "NOT met"]
    assert not missed, "\n".join([row, *missed, *findings.lines()])


async def test_fuzzed_calls_never_crash_leak_or_escape() -> None:
    """200 calls generated from the tools' schemas, on the checkout (with the person's secrets), the booking
    and form pages and a page whose links, forms and scripts lead to a refused origin."""
    result = await fuzz(FuzzOptions(calls=200, seed=11))

    assert result.calls >= 200
    assert len(result.tools) >= 19, result.tools
    assert result.planted >= 1 and result.refusals >= 1  # the checks had something to find
    assert_met(result.targets(), result.row(), result.findings)


async def test_browser_restarts_are_recovered_within_5_s() -> None:
    result = await restarts(3)

    assert_met(result.targets(), result.row(), result.findings)


async def test_the_person_closing_the_agents_tab_mid_call_never_hangs_it() -> None:
    result = await tab_closes(3)

    assert_met(result.targets(), result.row(), result.findings)


async def test_concurrent_http_clients_all_succeed() -> None:
    result = await http_load(clients=2, calls_each=25)

    assert result.calls == 50
    assert_met(result.targets(), result.row(), result.findings)


async def test_server_memory_over_a_short_soak() -> None:
    result = await soak(10, sample_s=0.5)

    assert result.calls > 0 and len(result.samples) >= 5
    assert_met(result.targets(), result.row(), result.findings)


async def test_busy_pages_leave_nothing_behind_in_the_server() -> None:
    """Visiting pages with many images, fetches and console lines costs the server no memory per
    request: 40 visits of a page with 60 images (2,400 image requests, 200 fetches, 200 console lines
    with objects) grow it by less than what Playwright would keep of those requests (~25 MB)."""
    async with rig() as (sites, _, server):
        busy = sites.site.url("/busy?images=60")
        for _ in range(10):  # the server's own set-up settles first
            await server.agent.ok("navigate", url=busy)
        before = rss_mb(server.pid)
        for _ in range(40):
            await server.agent.ok("navigate", url=busy)
        growth = rss_mb(server.pid) - before
        assert "[log] fetched" in await server.agent.ok("console_messages")
    assert growth < 6.0, f"the server grew by {growth:.1f} MB over 40 visits"
