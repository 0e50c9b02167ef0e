"""Reachability on large pages: how many of the links, buttons and fields of a page browser-mcp shows within
two calls, each reply within 16,000 characters; beside it, the size of the peers' single snapshot reply.

Run from the repository root: `.venv/bin/python -m bench.bench_reach`.
Two pages: Rust's std::Vec docs page (bench/setup_docs.sh; a generated page of the same size stands in when
rust-doc cannot be had) and a generated docs page with a 500-link sidebar (bench/pages.py). For each page:

- every interactive element with a ref in browser-mcp's full snapshot (read in parts of 200,000 characters
  with `snapshot(max_chars=..., offset=...)`);
- call 1, `snapshot()`, and each second call that its reply names: every `snapshot(...)` with literal
  arguments (`snapshot(ref="e12")`, `snapshot(offset=15943)`; `snapshot(ref="e12") then offset=15990, 31950`
  names `snapshot(ref="e12", offset=15990)` and so on), each made right after call 1;
- the elements shown with their ref by call 1 or by one of those second calls, and the largest reply.

Target: all of them, with every reply <= 16,000 characters. Playwright MCP's `browser_snapshot` and Chrome
DevTools MCP's `take_snapshot` return the whole page in one reply: their sizes are `[info]`.
A missed target, or a server that cannot be measured, exits with status 1 after the whole report.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from tests.support.agent import Agent

from bench.pages import SIDEBAR_LINKS, SIDEBAR_PATH, BenchSite, LargePage, docs_root
from bench.servers import (
    INTERACTIVE_ROLES,
    OURS,
    PEER_SIDES,
    Browser,
    BrowserMcp,
    DevToolsMcp,
    Peer,
    aria_interactive_refs,
    bench_browser,
    ours_agent,
    peer_agent,
    peer_versions,
    peers,
    progress,
)
from bench.timing import CALL_ERRORS, Target, Unavailable, enter, print_targets, text_of

REPLY_LIMIT = 16_000  # characters per reply (issue 10)
FULL_PART = 200_000  # characters per part when reading the full snapshot (browser-mcp's largest budget)
MAX_PARTS = 50
SHOWN_CALLS = 4  # second calls listed in the report

# `snapshot(ref="e12")`, `snapshot(offset=15943)`, and `snapshot(ref="e12") then offset=15990, 31950`
# (or `snapshot(ref="e12", offset=0), then offset=15990, 31950`).
_NAMED_CALL = re.compile(r"snapshot\(([^()]*)\)((?:,?\s*then\s+offset=\d+(?:,\s*\d+)*)?)")
_ARGUMENT = re.compile(r"""(\w+)\s*=\s*("[^"]*"|'[^']*'|[^,\s)]+)""")
_LITERAL_REF = re.compile(r"^(?:f\d+)?e\d+$")
_CUT = re.compile(r"characters ([\d,]+)-([\d,]+) of ([\d,]+)")
_NEXT_PART = re.compile(r"snapshot\(offset=(\d+)")
# Chrome DevTools MCP's lines: `uid=1_3 link "Rooms" url=...`.
_DEVTOOLS_LINE = re.compile(r"^\s*uid=(\S+) ([\w-]+)\b", re.MULTILINE)


@dataclass
class Reach:
    page: str
    interactive: dict[str, str] = field(default_factory=dict)  # ref -> role, browser-mcp's full snapshot
    first: set[str] = field(default_factory=set)  # shown by call 1
    reached: set[str] = field(default_factory=set)  # shown by call 1 or a second call it names
    second_calls: list[str] = field(default_factory=list)
    largest_reply: int = 0
    peer_replies: dict[str, tuple[int, int]] = field(default_factory=dict)  # side -> (chars, interactive)
    problems: list[str] = field(default_factory=list)


def named_calls(reply: str) -> list[dict[str, Any]]:
    """The snapshot calls a reply names, with literal arguments only (not `snapshot(ref=eN)`)."""
    calls: list[dict[str, Any]] = []
    for found in _NAMED_CALL.finditer(reply):
        arguments: dict[str, Any] = {}
        literal = True
        for name, raw in _ARGUMENT.findall(found.group(1)):
            value = raw.strip("\"'")
            if name == "ref" and _LITERAL_REF.match(value):
                arguments[name] = value
            elif name in ("offset", "depth", "max_chars") and value.isdigit():
                arguments[name] = int(value)
            elif name not in ("ref", "offset", "depth", "max_chars") and raw[0] in "\"'":
                arguments[name] = value
            else:
                literal = False
        if not literal or not arguments:
            continue
        offsets = [int(part) for part in re.findall(r"\d+", found.group(2))]
        for offset in [None, *offsets]:
            call = dict(arguments) if offset is None else {**arguments, "offset": offset}
            if call not in calls:
                calls.append(call)
    return calls


def show_call(arguments: dict[str, Any]) -> str:
    return "snapshot(" + ", ".join(f"{key}={value!r}" for key, value in arguments.items()) + ")"


async def full_snapshot(agent: Agent) -> tuple[str, str | None]:
    """browser-mcp's whole snapshot, read in parts; why not, when its replies cannot be followed."""
    parts: list[str] = []
    offset = 0
    for _ in range(MAX_PARTS):
        # The offset is given even when 0: a snapshot in parts, not a first reply shaped to the budget.
        reply = await text_of(agent, "snapshot", max_chars=FULL_PART, offset=offset)
        parts.append(reply)
        cut = _CUT.search(reply)
        if cut is not None:
            end, total = (int(cut.group(index).replace(",", "")) for index in (2, 3))
            if end >= total:
                return "\n".join(parts), None
        else:  # no "[Cut: ...]" note: the next part, if the reply names one
            later = [int(found) for found in _NEXT_PART.findall(reply) if int(found) > offset]
            if not later:
                return "\n".join(parts), None
            end = min(later)
        if end <= offset:
            return "\n".join(parts), f"the reply at offset {offset} did not move on"
        offset = end
    return "\n".join(parts), f"more than {MAX_PARTS} parts of {FULL_PART:,} characters"


async def measure_ours(agent: Agent, browser: Browser, url: str, reach: Reach) -> None:
    ours = BrowserMcp()
    await ours.navigate(agent, url)
    if browser.page is not None:
        await browser.page.wait_for_load_state("load")
    first = await ours.snapshot(agent)
    reach.largest_reply = len(first)
    reach.first = set(aria_interactive_refs(first))
    reach.reached = set(reach.first)
    for arguments in named_calls(first):
        reach.second_calls.append(show_call(arguments))
        try:
            reply = await text_of(agent, "snapshot", **arguments)
        except CALL_ERRORS as exc:
            reach.problems.append(f"{show_call(arguments)} failed: {exc}")
            continue
        reach.largest_reply = max(reach.largest_reply, len(reply))
        reach.reached |= set(aria_interactive_refs(reply))
    whole, problem = await full_snapshot(agent)
    if problem is not None:
        reach.problems.append(f"the full snapshot could not be read: {problem}")
    reach.interactive = aria_interactive_refs(whole)
    unknown = reach.reached - reach.interactive.keys()
    if unknown:
        reach.problems.append(
            f"{len(unknown):,} elements shown by the two calls are missing from the full snapshot read in parts "
            f"(e.g. {', '.join(sorted(unknown)[:3])}): the full count is short"
        )


def devtools_interactive(text: str) -> int:
    return sum(1 for _, role in _DEVTOOLS_LINE.findall(text) if role in INTERACTIVE_ROLES)


async def measure_peer(peer: Peer, browser: Browser, pages: list[tuple[str, Reach]]) -> None:
    problem: str | None = None
    async with peer_agent(peer, browser.cdp_url) as (agent, _):
        try:
            await peer.attach(agent)
            for url, reach in pages:
                await peer.navigate(agent, url)
                if browser.page is not None:
                    await browser.page.wait_for_load_state("load")
                reply = await peer.snapshot(agent)
                count = (
                    devtools_interactive(reply)
                    if isinstance(peer, DevToolsMcp)
                    else len(aria_interactive_refs(reply))
                )
                reach.peer_replies[peer.name] = (len(reply), count)
        except CALL_ERRORS as exc:
            problem = f"{peer.name} failed: {exc}"
    if problem is not None:  # raised out here: inside, the client's task group would wrap it in a group
        raise Unavailable(problem)


async def run() -> tuple[list[Reach], LargePage, str, dict[str, str]]:
    docs, why = docs_root()
    site = BenchSite(docs)
    site.start()
    large = site.large_page(why)
    pages = [
        (site.url(large.path), Reach(f"{large.name}")),
        (site.url(SIDEBAR_PATH), Reach(f"generated docs, {SIDEBAR_LINKS}-link sidebar")),
    ]
    unavailable: dict[str, str] = {}
    try:
        async with bench_browser() as browser:
            progress(f"{OURS} ...")
            try:
                async with (
                    AsyncExitStack() as stack
                ):  # nothing is raised inside: the task group would wrap it
                    agent = await enter(stack, ours_agent("stdio", browser.cdp_url), OURS)
                    for url, reach in pages:
                        try:
                            await measure_ours(agent, browser, url, reach)
                        except CALL_ERRORS as exc:
                            reach.problems.append(f"{OURS} failed: {exc}")
            except Unavailable as exc:
                unavailable[OURS] = str(exc)
            for peer in PEERS:
                progress(f"{peer.name} ...")
                try:
                    await measure_peer(peer, browser, pages)
                except Unavailable as exc:
                    unavailable[peer.name] = str(exc)
            browser_name = browser.name
    finally:
        site.stop()
    return [reach for _, reach in pages], large, browser_name, unavailable


PEERS: list[Peer] = peers()


# The report


def share(part: int, whole: int) -> str:
    return f"{part:,} ({100 * part / whole:.1f}%)" if whole else f"{part:,}"


def table(reaches: list[Reach]) -> str:
    lines = [
        "| page | interactive elements (browser-mcp, full snapshot) | shown by call 1 | reachable in <= 2 calls "
        "| second calls named | largest reply, chars | "
        + " | ".join(f"{side}: 1 reply, chars (elements)" for side in PEER_SIDES)
        + " |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for reach in reaches:
        total = len(reach.interactive)
        reached = len(reach.reached & reach.interactive.keys())
        first = len(reach.first & reach.interactive.keys())
        peers_cells = [
            f"{reach.peer_replies[side][0]:,} ({reach.peer_replies[side][1]:,})"
            if side in reach.peer_replies
            else "-"
            for side in PEER_SIDES
        ]
        lines.append(
            f"| {reach.page} | {total:,} | {share(first, total)} | {share(reached, total)} | "
            f"{len(reach.second_calls)} | {reach.largest_reply:,} | " + " | ".join(peers_cells) + " |"
        )
    return "\n".join(lines)


def named(reach: Reach) -> str:
    """The second calls, in short: how many, of which kinds, the first few."""
    calls = reach.second_calls
    if not calls:
        return "none"
    parts = sum(1 for call in calls if "ref=" in call and "offset=" in call)
    whole = sum(1 for call in calls if "ref=" in call and "offset=" not in call)
    example = "; ".join(calls[:SHOWN_CALLS]) + ("; ..." if len(calls) > SHOWN_CALLS else "")
    return (
        f"{len(calls)} ({whole} sections whole, {parts} parts of sections, {len(calls) - whole - parts} "
        f"of the page), e.g. {example}"
    )


def targets(reaches: list[Reach], large: LargePage, unavailable: dict[str, str]) -> list[Target]:
    verdicts = [Target("NOT met", f"{name} was not measured: {why}") for name, why in unavailable.items()]
    if large.generated:
        verdicts.append(
            Target("info", f"the std::Vec page could not be had ({large.why}): {large.name} instead")
        )
    for reach in reaches:
        for problem in reach.problems:
            verdicts.append(Target("NOT met", f"{reach.page}: {problem}"))
        if OURS in unavailable:
            continue
        total = len(reach.interactive)
        reached = len(reach.reached & reach.interactive.keys())
        verdicts.append(
            Target.check(
                total > 0 and reached == total and reach.largest_reply <= REPLY_LIMIT,
                f"{reach.page}: every link, button and field reachable in <= 2 calls, each reply <= "
                f"{REPLY_LIMIT:,} characters: {share(reached, total)} of {total:,} reachable, largest reply "
                f"{reach.largest_reply:,} characters",
            )
        )
        missing = Counter(role for ref, role in reach.interactive.items() if ref not in reach.reached)
        if missing:
            listed = ", ".join(f"{role} {count:,}" for role, count in missing.most_common())
            verdicts.append(Target("info", f"{reach.page}: not reachable in 2 calls: {listed}"))
        verdicts.append(
            Target("info", f"{reach.page}: second calls named by the first reply: {named(reach)}")
        )
        for side in PEER_SIDES:
            if side in reach.peer_replies:
                chars, count = reach.peer_replies[side]
                verdicts.append(
                    Target(
                        "info",
                        f"{reach.page}: {side} shows {count:,} interactive elements in one reply of {chars:,} characters",
                    )
                )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    started = time.perf_counter()
    reaches, large, browser_name, unavailable = asyncio.run(run())
    print(
        f"browser-mcp over stdio (its defaults: a {REPLY_LIMIT:,}-character budget; attached with --cdp-url); "
        f"peers over stdio: {peer_versions(PEERS)}; {browser_name} headless; one server at a time; "
        f"{os.cpu_count()} cores; total {time.perf_counter() - started:.0f} s.\n"
    )
    print(table(reaches))
    print(
        "\ninteractive elements: links, buttons, textboxes, searchboxes, comboboxes, checkboxes, radios, sliders, "
        "tabs, menu items and the like, with a ref; call 1: snapshot(); reachable: shown with its ref by call 1 or by one second call the first "
        "reply names; the peers' cells: their one snapshot reply (and the interactive elements it shows)"
    )
    status = print_targets("Targets", targets(reaches, large, unavailable))
    return status


if __name__ == "__main__":
    sys.exit(main())
