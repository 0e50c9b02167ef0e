"""The servers the benchmarks compare, and the browser they share.

browser-mcp (over stdio or Streamable HTTP, attached with --cdp-url) and the two peers pinned in
package.json, each started over stdio and attached to the same headless Chromium: Playwright MCP
(`--cdp-endpoint`) and Chrome DevTools MCP (`--browserUrl`). Each acts by the refs (uids) of its own
snapshots; the methods here are each server's own tool for the same step.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import urllib.request
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from playwright.async_api import Page, async_playwright
from tests.support.agent import Agent, HttpServer, http_agent, stdio_agent
from tests.support.chromium import PersonChromium

from bench.timing import Results, ToolFailed, Unavailable, cell, enter, ms, text_of

Transport = Literal["stdio", "http"]

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# The columns.
OURS = "browser-mcp"
RAW = "raw Playwright"
PLAYWRIGHT_MCP = "Playwright MCP"
DEVTOOLS_MCP = "Chrome DevTools MCP"
PEER_SIDES = (PLAYWRIGHT_MCP, DEVTOOLS_MCP)

# The roles a model acts on: what "every link, button and field" counts.
INTERACTIVE_ROLES = frozenset(
    {
        "link",
        "button",
        "textbox",
        "searchbox",
        "combobox",
        "listbox",
        "checkbox",
        "radio",
        "switch",
        "slider",
        "spinbutton",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "tab",
        "treeitem",
    }
)


def overhead_ms(results: Results, row: str) -> float:
    """browser-mcp's median minus the raw call's."""
    return results.median(row, OURS) - results.median(row, RAW)


def sides_table(results: Results, rows: Sequence[tuple[str, int]], heading: str) -> str:
    """Median / p95 per row (with the timed runs it was meant to have) and side, and our overhead."""
    sides = (OURS, RAW, *PEER_SIDES)
    lines = [
        f"| {heading} | " + " | ".join(sides[:2]) + " | overhead (median) | " + " | ".join(sides[2:]) + " |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, iterations in rows:
        if name not in results.rows:
            continue
        cells = [cell(results.stats(name, side), iterations) for side in sides]
        over = ms(overhead_ms(results, name))
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {over} | {cells[2]} | {cells[3]} |")
    return "\n".join(lines)


def find(pattern: str, text: str, what: str) -> str:
    """The first group of the first match, or ToolFailed (the snapshot lacks what the bench needs)."""
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        raise ToolFailed(f"no {what} in the snapshot")
    return found.group(1)


def aria_ref(text: str, role: str, name: str) -> str:
    """The ref of `role "name"` in an AI aria snapshot (Playwright's YAML: browser-mcp, Playwright MCP)."""
    return find(rf'- {role} "{name}"[^\n]*?\[ref=(\w+)\]', text, f"{role} {name}")


_ARIA_LINE = re.compile(r'^\s*- ([\w-]+)(?: "(?:[^"\\]|\\.)*")?[^\n]*?\[ref=(\w+)\]', re.MULTILINE)


def aria_interactive_refs(text: str) -> dict[str, str]:
    """ref -> role of every interactive element with a ref in an AI aria snapshot."""
    return {ref: role for role, ref in _ARIA_LINE.findall(text) if role in INTERACTIVE_ROLES}


class Server:
    """One server's tools for the steps the benchmarks take."""

    name: str

    async def attach(self, agent: Agent) -> None:
        """Whatever the calls need to know first."""

    async def navigate(self, agent: Agent, url: str) -> str:
        raise NotImplementedError

    async def snapshot(self, agent: Agent) -> str:
        raise NotImplementedError

    def ref_in(self, snapshot: str, role: str, name: str) -> str:
        return aria_ref(snapshot, role, name)

    async def ref(self, agent: Agent, role: str, name: str) -> str:
        """The ref of an element in a snapshot taken now."""
        return self.ref_in(await self.snapshot(agent), role, name)

    async def click(self, agent: Agent, ref: str, element: str) -> str:
        raise NotImplementedError

    async def type(self, agent: Agent, ref: str, element: str, text: str) -> str:
        raise NotImplementedError

    async def select(self, agent: Agent, ref: str, element: str, label: str) -> str:
        raise NotImplementedError


class BrowserMcp(Server):
    name = OURS

    async def navigate(self, agent: Agent, url: str) -> str:
        return await text_of(agent, "navigate", url=url)

    async def snapshot(self, agent: Agent) -> str:
        return await text_of(agent, "snapshot")

    async def click(self, agent: Agent, ref: str, element: str) -> str:
        return await text_of(agent, "click", ref=ref)

    async def type(self, agent: Agent, ref: str, element: str, text: str) -> str:
        return await text_of(agent, "type", ref=ref, text=text)

    async def select(self, agent: Agent, ref: str, element: str, label: str) -> str:
        return await text_of(agent, "select_option", ref=ref, values=[label])


class Peer(Server):
    package: str  # under node_modules
    command: str  # under node_modules/.bin

    def args(self, cdp_url: str, out_dir: Path) -> list[str]:
        raise NotImplementedError

    @property
    def version(self) -> str:
        try:
            manifest = json.loads((NODE_MODULES / self.package / "package.json").read_text())
        except (OSError, ValueError):
            return "?"
        return str(manifest.get("version", "?"))


class PlaywrightMcp(Peer):
    name = PLAYWRIGHT_MCP
    package = "@playwright/mcp"
    command = "playwright-mcp"

    def args(self, cdp_url: str, out_dir: Path) -> list[str]:
        # Its snapshot and screenshot files go to a scratch directory.
        return ["--cdp-endpoint", cdp_url, "--output-dir", str(out_dir)]

    async def navigate(self, agent: Agent, url: str) -> str:
        return await text_of(agent, "browser_navigate", url=url)

    async def snapshot(self, agent: Agent) -> str:
        return await text_of(agent, "browser_snapshot")

    async def click(self, agent: Agent, ref: str, element: str) -> str:
        return await text_of(agent, "browser_click", target=ref, element=element)

    async def type(self, agent: Agent, ref: str, element: str, text: str) -> str:
        return await text_of(agent, "browser_type", target=ref, element=element, text=text)

    async def select(self, agent: Agent, ref: str, element: str, label: str) -> str:
        return await text_of(agent, "browser_select_option", target=ref, element=element, values=[label])


# Where Playwright MCP's reply says it wrote the page's snapshot: "- [Snapshot](../../tmp/x/page-....yml)".
SNAPSHOT_FILE = re.compile(r"\[Snapshot\]\(([^)\s]+\.ya?ml)\)")


class DevToolsMcp(Peer):
    name = DEVTOOLS_MCP
    package = "chrome-devtools-mcp"
    command = "chrome-devtools-mcp"

    def __init__(self) -> None:
        self.page_id = 0

    def args(self, cdp_url: str, out_dir: Path) -> list[str]:
        # No usage statistics or CrUX look-ups: nothing leaves the machine.
        return ["--browserUrl", cdp_url, "--no-usage-statistics", "--no-performance-crux"]

    async def attach(self, agent: Agent) -> None:
        pages = await text_of(agent, "list_pages")
        self.page_id = int(find(r"^(\d+): .*\[selected\]", pages, "selected page"))

    async def navigate(self, agent: Agent, url: str) -> str:
        return await text_of(agent, "navigate_page", pageId=self.page_id, type="url", url=url)

    async def snapshot(self, agent: Agent) -> str:
        return await text_of(agent, "take_snapshot", pageId=self.page_id)

    def ref_in(self, snapshot: str, role: str, name: str) -> str:
        return find(rf'uid=(\S+) {role} "{name}"', snapshot, f"{role} {name}")

    async def click(self, agent: Agent, ref: str, element: str) -> str:
        return await text_of(agent, "click", pageId=self.page_id, uid=ref)

    async def type(self, agent: Agent, ref: str, element: str, text: str) -> str:
        return await text_of(agent, "fill", pageId=self.page_id, uid=ref, value=text)

    async def select(self, agent: Agent, ref: str, element: str, label: str) -> str:
        # Its `fill` chooses the option of a <select> by its text; it has no select tool.
        return await text_of(agent, "fill", pageId=self.page_id, uid=ref, value=label)


def peers() -> list[Peer]:
    return [PlaywrightMcp(), DevToolsMcp()]


def peer_versions(servers: list[Peer]) -> str:
    return ", ".join(f"{peer.name} {peer.version}" for peer in servers)


@asynccontextmanager
async def ours_agent(transport: Transport, cdp_url: str, *args: str) -> AsyncIterator[Agent]:
    if transport == "stdio":
        async with stdio_agent("--cdp-url", cdp_url, *args) as agent:
            yield agent
        return
    server = HttpServer("--cdp-url", cdp_url, *args).start()
    try:
        async with http_agent(server.url) as agent:
            yield agent
    finally:
        server.stop()


@asynccontextmanager
async def peer_agent(peer: Peer, cdp_url: str) -> AsyncIterator[tuple[Agent, Path]]:
    """The peer started over stdio (Unavailable, with why, if it cannot start); and its scratch directory.

    Raise nothing inside: the client's task group would wrap it in an exception group.
    """
    binary = NODE_MODULES / ".bin" / peer.command
    if not binary.exists():
        raise Unavailable(
            f"{peer.name} is not installed ({binary.relative_to(ROOT)} is missing): run scripts/setup.sh "
            "(npm install of package.json)"
        )
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as scratch:
        log = Path(scratch) / "stderr.log"
        out_dir = Path(scratch) / "out"
        out_dir.mkdir()
        params = StdioServerParameters(command=str(binary), args=peer.args(cdp_url, out_dir), cwd=scratch)
        with log.open("w") as errlog:
            async with AsyncExitStack() as stack:
                client = Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60)
                agent = Agent(await enter(stack, client, peer.name, log))
                yield agent, out_dir


def chromium_version(cdp_url: str) -> str:
    try:
        with urllib.request.urlopen(f"{cdp_url}/json/version", timeout=5) as response:
            return str(json.load(response).get("Browser", "?"))
    except (OSError, ValueError):
        return "?"


@dataclass(frozen=True)
class Browser:
    cdp_url: str
    name: str  # "HeadlessChrome/..."
    page: Page | None  # a raw Playwright connection's view of the one tab the servers act on


@asynccontextmanager
async def bench_browser() -> AsyncIterator[Browser]:
    """A headless Chromium with a CDP port, and a raw Playwright connection to its one tab."""
    chromium = PersonChromium().start()
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(chromium.cdp_url, no_defaults=True)
            try:
                page = next(iter(browser.contexts[0].pages), None) if browser.contexts else None
                yield Browser(chromium.cdp_url, chromium_version(chromium.cdp_url), page)
            finally:
                await browser.close()  # over CDP: disconnects only
    finally:
        chromium.stop()


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
