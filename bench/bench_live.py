"""The live view: how soon a viewer's click shows, how smooth an animation looks, what viewers cost the server.

Run from the repository root: `.venv/bin/python -m bench.bench_live [--samples 40] [--soak-s 60] [--fps-s 5]`.
One headless Chromium (--window-size=1280,800) with a CDP port and one local site; browser-mcp over HTTP,
attached with --cdp-url, --overlay-ms 0. The viewer is a second Chromium that opens the live view's page
as a person would and clicks its picture. Measured, one after the other:

1. Input to frame: the viewer clicks the picture of a button that toggles the page's background; from the
   viewer page's mousedown to the drawing (on its canvas) of the first frame with the new background, both
   read with performance.now() in the viewer page. Next to it, the floor: a raw Playwright connection
   (`connect_over_cdp(no_defaults=True)`) casts the same tab with the live view's settings and clicks
   the button itself; from before `page.mouse.click` to the arrival of the first frame with the new colour.
   The two sides alternate in rounds, each with warm-up clicks, and never cast at the same time.
2. Frames per second on a page running a CSS animation (live.html#spin): frames drawn by the viewer,
   and frames the raw screencast delivers.
3. The server's RSS for --soak-s while the page animates, one viewer watches and another is stalled
   (a raw WebSocket that reads two frames, then neither reads nor acknowledges).
4. The server's CPU while one viewer watches a still page, and while nobody watches.

The server is the browser-mcp process (the targets) and, reported beside it, its Playwright driver (the
node process it starts, through which every frame passes). A missed target exits with status 1, after
everything is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import websockets
from playwright.async_api import Browser, Page, Playwright, ScreencastFrame, async_playwright
from tests.support.agent import Agent, HttpServer, http_agent
from tests.support.chromium import PersonChromium
from tests.support.live import Viewer, viewer_browser
from tests.support.site import Site

from bench.servers import chromium_version
from bench.timing import (
    CALL_ERRORS,
    Failures,
    Stats,
    Target,
    Unavailable,
    enter,
    leaf_messages,
    ms,
    print_targets,
    split,
    text_of,
)
from browser_mcp.liveview.stream import DEFAULT_QUALITY, MAX_SIZE

LATENCY_MEDIAN_MS = 150.0
LATENCY_P95_MS = 250.0
FPS_TARGET = 20.0
RSS_GROWTH_MIB = 10.0
CPU_PERCENT = 2.0

LIVE_LINE = r"Live view: (\S+)"
ROUNDS = 2  # latency rounds: live view, then raw, twice, so that a change in load falls on both
WARMUP_CLICKS = 3  # per side and round: the first clicks of a fresh viewer or cast are slower
PAUSE_S = 0.1  # between clicks: the page and the cast are still again before the next one
WAIT_MS = 5_000  # a frame that has not come by then is a failed sample
SOAK_WARMUP_S = 5.0
CPU_S = 10.0
SETTLE_S = 2.0  # after a viewer comes or goes, before CPU is counted
TOGGLE_PATH = "/bench-toggle.html"
SPIN_PATH = "/live.html#spin"

# Each click turns the background white <-> green. The button looks the same hovered, pressed and focused,
# so the background is the only thing a click changes on screen.
TOGGLE_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Live bench</title>
<style>
  html, body { margin: 0; height: 100%; }
  body { background: #ffffff; font: 18px system-ui, sans-serif; }
  body.on { background: #00c000; }
  #toggle { position: absolute; left: 40px; top: 40px; width: 240px; height: 80px; appearance: none;
            border: 2px solid #000; border-radius: 0; background: #dddddd; color: #000; font: inherit;
            outline: none; }
</style></head>
<body><button id="toggle" type="button">Toggle</button>
<script>
  document.getElementById('toggle').addEventListener('click', () => document.body.classList.toggle('on'));
</script>
</body></html>
"""

# The colour of the background at the picture's bottom-left corner, away from the button. JPEG shifts
# colours a little: "green" and "white" are ranges.
PIXEL = 10
COLOUR_JS = (
    "(d) => (d[1] > 150 && d[0] < 80 && d[2] < 80) ? 'green' "
    ": (d[0] > 200 && d[1] > 200 && d[2] > 200) ? 'white' : 'other'"
)

# In the viewer page: wrap the canvas's drawImage (the live view draws each frame with it) so that the
# frame that first shows the wanted colour is timed as it is drawn, on the same clock as the mousedown.
PROBE_JS = f"""() => {{
  const canvas = document.getElementById('screen');
  const ctx = canvas.getContext('2d');
  const colour = {COLOUR_JS};
  const bench = window.__bench = {{
    want: null, down: null, drawn: null,
    shows: () => colour(ctx.getImageData({PIXEL}, canvas.height - {PIXEL}, 1, 1).data),
    arm(want) {{ this.want = want; this.down = null; this.drawn = null; }},
  }};
  const drawImage = ctx.drawImage.bind(ctx);
  ctx.drawImage = (...args) => {{
    drawImage(...args);
    const at = performance.now();  // before the pixel is read back
    if (bench.down !== null && bench.drawn === null && bench.shows() === bench.want) bench.drawn = at;
  }};
  window.addEventListener('mousedown', () => {{
    if (bench.want !== null && bench.down === null) bench.down = performance.now();
  }}, true);
}}"""

# In a page of the viewer's browser: the colour a raw screencast frame shows, decoded after it arrived.
DECODE_JS = f"""async (b64) => {{
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], {{ type: 'image/jpeg' }}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  return ({COLOUR_JS})(ctx.getImageData({PIXEL}, bitmap.height - {PIXEL}, 1, 1).data);
}}"""


def other(colour: str) -> str:
    return "white" if colour == "green" else "green"


# ---- the server process, from /proc -------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return math.nan


def cpu_seconds(pid: int) -> float:
    try:
        # After "(command)": field 3 (state) is the first; utime and stime are fields 14 and 15.
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes `pid` started, theirs too (the server's Playwright driver)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found: list[int] = []
    wanted = {pid}
    while True:
        more = [child for child, parent in parents.items() if parent in wanted and child not in found]
        if not more:
            return found
        found += more
        wanted = set(more)


@dataclass(frozen=True)
class Usage:
    """RSS (MiB) or CPU seconds of the server and of its driver (the sum over its descendants)."""

    server: float
    driver: float


def rss_now(pid: int) -> Usage:
    return Usage(rss_mib(pid), sum(rss_mib(child) for child in descendants(pid)))


def cpu_now(pid: int) -> Usage:
    return Usage(cpu_seconds(pid), sum(cpu_seconds(child) for child in descendants(pid)))


# ---- results --------------------------------------------------------------------------------------------


@dataclass
class Results:
    live: Stats = field(default_factory=Stats)
    raw: Stats = field(default_factory=Stats)
    fps_live: float = math.nan
    fps_raw: float = math.nan
    rss: list[Usage] = field(default_factory=list)
    soak_fps: float = math.nan  # drawn by the normal viewer while the other was stalled
    stalled_open: bool | None = None
    cpu_watched: Usage = Usage(math.nan, math.nan)  # % of one core
    cpu_idle: Usage = Usage(math.nan, math.nan)
    missing: dict[str, str] = field(default_factory=dict)  # measurement -> why it was not measured


# ---- the set-up ------------------------------------------------------------------------------------------


class BenchSite(Site):
    """The tests' site, plus the toggle page (served from here: tests/pages belongs to the tests)."""

    def __init__(self) -> None:
        super().__init__()
        self._dynamic[TOGGLE_PATH] = lambda _query: (200, "text/html; charset=utf-8", TOGGLE_PAGE)


@asynccontextmanager
async def person_chromium() -> AsyncIterator[PersonChromium]:
    chromium = PersonChromium()
    try:
        yield await asyncio.to_thread(chromium.start)
    finally:
        chromium.stop()


@asynccontextmanager
async def live_server(cdp_url: str) -> AsyncIterator[HttpServer]:
    server = HttpServer("--cdp-url", cdp_url, "--overlay-ms", "0")
    try:
        await asyncio.to_thread(server.start)
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def launched(start: Awaitable[Browser]) -> AsyncIterator[Browser]:
    browser = await start
    try:
        yield browser
    finally:
        await browser.close()  # the viewer's browser ends; a CDP connection only disconnects


@dataclass
class Rig:
    site: Site
    cdp_url: str
    server: HttpServer
    agent: Agent
    live_url: str
    viewers: Browser
    page: Page  # the shared tab, over the raw connection
    decoder: Page  # a page of the viewer's browser that decodes raw frames

    @property
    def pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

    async def navigate(self, path: str) -> None:
        await text_of(self.agent, "navigate", url=self.site.url(path))

    async def open_viewer(self) -> Viewer:
        viewer = await Viewer.open(self.viewers, self.live_url)
        await viewer.sees_frames()
        return viewer

    async def toggled_on(self) -> bool:
        return bool(await self.page.evaluate("document.body.classList.contains('on')"))

    async def button(self) -> tuple[float, float]:
        box = await self.page.locator("#toggle").bounding_box()
        if box is None:
            raise AssertionError("the toggle button is not on the page")
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def set_up(stack: AsyncExitStack, site: Site, pw: Playwright) -> Rig:
    chromium = await enter(stack, person_chromium(), "Chromium")
    server = await enter(stack, live_server(chromium.cdp_url), "browser-mcp --transport http")
    try:
        live_url = (await asyncio.to_thread(server.log_line, LIVE_LINE)).group(1)
    except AssertionError:
        raise Unavailable("browser-mcp printed no 'Live view: <url>' line") from None
    agent = await enter(stack, http_agent(server.url), "the MCP client (Streamable HTTP)")
    try:
        await text_of(agent, "navigate", url=site.url(TOGGLE_PATH))
    except CALL_ERRORS as exc:
        raise Unavailable(f"browser-mcp could not open the test page: {leaf_messages(exc)[0]}") from None
    viewers = await enter(stack, launched(viewer_browser(pw)), "the viewer's Chromium")
    raw = await enter(
        stack,
        launched(pw.chromium.connect_over_cdp(chromium.cdp_url, no_defaults=True)),
        "a raw Playwright connection",
    )
    page = next((p for c in raw.contexts for p in c.pages if p.url.endswith(TOGGLE_PATH)), None)
    if page is None:
        raise Unavailable("the raw Playwright connection does not see the shared tab")
    decoder = await (await viewers.new_context()).new_page()
    return Rig(site, chromium.cdp_url, server, agent, live_url, viewers, page, decoder)


# ---- 1. input to frame -------------------------------------------------------------------------------


Click = Callable[[str], Awaitable[float]]  # click the button, wanting that colour next; the ms it took


async def viewer_click(viewer: Viewer, point: tuple[float, float], want: str) -> float:
    page = viewer.page
    # The picture shows the page as it is: the previous click's frame has been drawn.
    await page.wait_for_function(
        "(c) => window.__bench.shows() === c", arg=other(want), polling="raf", timeout=WAIT_MS
    )
    await page.evaluate("(want) => window.__bench.arm(want)", want)
    await viewer.click(*point)
    await page.wait_for_function("() => window.__bench.drawn !== null", polling="raf", timeout=WAIT_MS)
    return float(await page.evaluate("window.__bench.drawn - window.__bench.down"))


class RawCast:
    """A raw Playwright screencast of the shared tab: each frame with the moment it arrived."""

    def __init__(self, page: Page, decoder: Page) -> None:
        self.page = page
        self.decoder = decoder
        self.frames: list[tuple[float, bytes]] = []
        self.count = 0
        self.arrived = asyncio.Event()

    def on_frame(self, frame: ScreencastFrame) -> None:
        self.frames.append((time.perf_counter(), frame["data"]))
        self.count += 1
        self.arrived.set()

    async def start(self) -> None:
        # The live view's own settings: the same JPEG quality and size.
        await self.page.screencast.start(on_frame=self.on_frame, quality=DEFAULT_QUALITY, size=MAX_SIZE)

    async def stop(self) -> None:
        await self.page.screencast.stop()

    async def colour(self, jpeg: bytes) -> str:
        return str(await self.decoder.evaluate(DECODE_JS, base64.b64encode(jpeg).decode()))

    async def click(self, point: tuple[float, float], want: str) -> float:
        self.frames.clear()
        start = time.perf_counter()
        await self.page.mouse.click(*point)
        seen = 0
        async with asyncio.timeout(WAIT_MS / 1000):
            while True:
                while seen < len(self.frames):
                    at, jpeg = self.frames[seen]
                    seen += 1
                    if await self.colour(jpeg) == want:  # decoded after the fact: not in the time
                        return (at - start) * 1000
                self.arrived.clear()
                await self.arrived.wait()


async def clicks(rig: Rig, click: Click, count: int, stats: Stats, label: str, failures: Failures) -> None:
    for i in range(WARMUP_CLICKS + count):
        want = "white" if await rig.toggled_on() else "green"
        try:
            elapsed = await click(want)
        except CALL_ERRORS as exc:
            failures.add(label, exc)
            continue
        if i >= WARMUP_CLICKS:
            stats.samples.append(elapsed)
        await asyncio.sleep(PAUSE_S)


async def measure_latency(rig: Rig, samples: int, results: Results, failures: Failures) -> None:
    await rig.navigate(TOGGLE_PATH)
    point = await rig.button()
    for count in split(samples, ROUNDS):
        viewer = await rig.open_viewer()
        try:
            await viewer.page.evaluate(PROBE_JS)
            await clicks(
                rig,
                partial(viewer_click, viewer, point),
                count,
                results.live,
                "click (live view)",
                failures,
            )
        finally:
            await viewer.close()  # the last viewer gone, the server stops its cast: one cast at a time
        cast = RawCast(rig.page, rig.decoder)
        await cast.start()
        try:
            await clicks(
                rig,
                partial(cast.click, point),
                count,
                results.raw,
                "click (raw Playwright)",
                failures,
            )
        finally:
            await cast.stop()


# ---- 2. frames per second -------------------------------------------------------------------------------


async def drawn_rate(viewer: Viewer, seconds: float) -> float:
    """Frames the viewer drew per second over `seconds`, on the viewer page's clock."""
    read = "[window.liveView.framesDrawn, performance.now()]"
    frames_0, at_0 = await viewer.page.evaluate(read)
    await asyncio.sleep(seconds)
    frames_1, at_1 = await viewer.page.evaluate(read)
    return float(frames_1 - frames_0) / (float(at_1 - at_0) / 1000)


async def measure_fps(rig: Rig, seconds: float, results: Results) -> None:
    await rig.navigate(SPIN_PATH)
    viewer = await rig.open_viewer()
    try:
        await asyncio.sleep(1)  # past the first frames
        results.fps_live = await drawn_rate(viewer, seconds)
    finally:
        await viewer.close()
    cast = RawCast(rig.page, rig.decoder)
    await cast.start()
    try:
        await asyncio.sleep(1)
        cast.frames.clear()  # only counted, not kept
        count_0, at_0 = cast.count, time.perf_counter()
        await asyncio.sleep(seconds)
        results.fps_raw = (cast.count - count_0) / (time.perf_counter() - at_0)
        cast.frames.clear()
    finally:
        await cast.stop()


# ---- 3. memory with a stalled viewer -------------------------------------------------------------------


async def measure_soak(rig: Rig, seconds: float, results: Results) -> None:
    await rig.navigate(SPIN_PATH)
    base = rig.live_url.rstrip("/")
    socket_url = base.replace("http://", "ws://", 1) + "/live/ws"
    viewer = await rig.open_viewer()
    try:
        async with websockets.connect(socket_url, origin=websockets.Origin(base)) as stalled:
            frames = 0
            async with asyncio.timeout(WAIT_MS / 1000):
                while frames < 2:
                    if isinstance(await stalled.recv(), bytes):
                        frames += 1
            # From here on it neither reads nor acknowledges: a frozen tab.
            await asyncio.sleep(SOAK_WARMUP_S)
            read = "[window.liveView.framesDrawn, performance.now()]"
            frames_0, at_0 = await viewer.page.evaluate(read)
            start = time.monotonic()
            for second in range(math.ceil(seconds) + 1):
                await asyncio.sleep(max(0.0, start + min(second, seconds) - time.monotonic()))
                results.rss.append(rss_now(rig.pid))
            frames_1, at_1 = await viewer.page.evaluate(read)
            results.soak_fps = float(frames_1 - frames_0) / (float(at_1 - at_0) / 1000)
            results.stalled_open = stalled.state is websockets.State.OPEN
    finally:
        await viewer.close()


# ---- 4. CPU -----------------------------------------------------------------------------------------------


async def cpu_percent(pid: int, seconds: float) -> Usage:
    before, at = cpu_now(pid), time.monotonic()
    await asyncio.sleep(seconds)
    after, wall = cpu_now(pid), time.monotonic() - at
    return Usage((after.server - before.server) / wall * 100, (after.driver - before.driver) / wall * 100)


async def measure_cpu(rig: Rig, results: Results) -> None:
    await rig.navigate(TOGGLE_PATH)  # still: no animation, no caret
    viewer = await rig.open_viewer()
    try:
        await asyncio.sleep(SETTLE_S)
        results.cpu_watched = await cpu_percent(rig.pid, CPU_S)
    finally:
        await viewer.close()
    await asyncio.sleep(SETTLE_S)
    results.cpu_idle = await cpu_percent(rig.pid, CPU_S)


# ---- the run ---------------------------------------------------------------------------------------------

# What a measurement that fails half-way raises (besides a failed call): a wait that never held, the socket.
PHASE_ERRORS: tuple[type[BaseException], ...] = (
    *CALL_ERRORS,
    AssertionError,
    websockets.WebSocketException,
)


async def phase(name: str, work: Awaitable[None], results: Results) -> None:
    print(f"  measuring {name} ...", file=sys.stderr, flush=True)
    try:
        await work
    except PHASE_ERRORS as exc:
        results.missing[name] = "; ".join(dict.fromkeys(leaf_messages(exc)))[:300]


async def run(samples: int, soak_s: float, fps_s: float, failures: Failures) -> tuple[Results, str]:
    results = Results()
    site = BenchSite().start()
    try:
        async with AsyncExitStack() as stack:
            pw = await enter(stack, async_playwright(), "Playwright")
            rig = await set_up(stack, site, pw)
            name = chromium_version(rig.cdp_url)
            await phase("latency", measure_latency(rig, samples, results, failures), results)
            await phase("fps", measure_fps(rig, fps_s, results), results)
            await phase("soak", measure_soak(rig, soak_s, results), results)
            await phase("cpu", measure_cpu(rig, results), results)
    finally:
        site.stop()
    return results, name


# ---- the report ------------------------------------------------------------------------------------------


def num(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def latency_table(results: Results, samples: int, fps_s: float) -> str:
    live, raw = results.live, results.raw
    lines = [
        "| measurement | live view (viewer's canvas) | raw Playwright screencast | target |",
        "|---|---:|---:|---|",
        f"| click to frame, median ms | {ms(live.median)} | {ms(raw.median)} | <= {LATENCY_MEDIAN_MS:.0f} |",
        f"| click to frame, p95 ms | {ms(live.p95)} | {ms(raw.p95)} | <= {LATENCY_P95_MS:.0f} |",
        f"| clicks timed (of {samples}) | {live.n} | {raw.n} | |",
        f"| frames per second, CSS animation, over {fps_s:g} s | {num(results.fps_live)} "
        f"| {num(results.fps_raw)} | >= {FPS_TARGET:.0f} |",
    ]
    return "\n".join(lines)


def resources_table(results: Results, soak_s: float) -> str:
    rss = results.rss
    first, last = (rss[0], rss[-1]) if rss else (Usage(math.nan, math.nan), Usage(math.nan, math.nan))

    def span(values: list[float]) -> str:
        return f"{min(values):.1f} / {max(values):.1f}" if values else "-"

    servers, drivers = [u.server for u in rss], [u.driver for u in rss]
    watched, idle = results.cpu_watched, results.cpu_idle
    lines = [
        "| server | browser-mcp process | its Playwright driver (node) | target |",
        "|---|---:|---:|---|",
        f"| RSS after {SOAK_WARMUP_S:g} s warm-up, MiB | {num(first.server)} | {num(first.driver)} | |",
        f"| RSS {soak_s:g} s later, MiB | {num(last.server)} | {num(last.driver)} | |",
        f"| RSS growth, MiB | {num(last.server - first.server)} | {num(last.driver - first.driver)} "
        f"| <= {RSS_GROWTH_MIB:.0f} (browser-mcp) |",
        f"| RSS min / max over the soak, MiB | {span(servers)} | {span(drivers)} | |",
        f"| CPU, still page, one viewer, % of one core | {num(watched.server)} | {num(watched.driver)} "
        f"| <= {CPU_PERCENT:.0f} (browser-mcp) |",
        f"| CPU, still page, nobody watching, % of one core | {num(idle.server)} | {num(idle.driver)} | |",
    ]
    return "\n".join(lines)


def not_measured(results: Results, name: str, what: str) -> list[Target]:
    why = results.missing.get(name)
    return [Target("NOT met", f"{what} not measured: {why}")] if why is not None else []


def targets(results: Results, soak_s: float) -> list[Target]:
    live, raw = results.live, results.raw
    found = not_measured(results, "latency", "input to frame")
    if live.n:
        found += [
            Target.check(
                live.median <= LATENCY_MEDIAN_MS,
                f"a viewer's click shows on its canvas in {ms(live.median)} ms median "
                f"(target <= {LATENCY_MEDIAN_MS:.0f} ms, n={live.n})",
            ),
            Target.check(
                live.p95 <= LATENCY_P95_MS,
                f"a viewer's click shows on its canvas in {ms(live.p95)} ms p95 (target <= {LATENCY_P95_MS:.0f} ms)",
            ),
        ]
    elif "latency" not in results.missing:
        found.append(Target("NOT met", "input to frame: no click of the viewer was timed"))
    if raw.n:
        found.append(
            Target(
                "info",
                f"the floor, a raw Playwright screencast of the same tab: {ms(raw.median)} ms median, "
                f"{ms(raw.p95)} ms p95 from `page.mouse.click` to the frame's arrival (not decoded or drawn); "
                f"the live view adds {ms(live.median - raw.median)} ms median (the input over the socket and "
                "through the server, the frame through the server, its decoding and drawing in the viewer)",
            )
        )
    found += not_measured(results, "fps", "frames per second")
    if not math.isnan(results.fps_live):
        found.append(
            Target.check(
                results.fps_live >= FPS_TARGET,
                f"the viewer draws {num(results.fps_live)} frames per second of a CSS animation "
                f"(target >= {FPS_TARGET:.0f}; a raw screencast gets {num(results.fps_raw)})",
            )
        )
    found += not_measured(results, "soak", "RSS with a stalled viewer")
    if results.rss:
        first, last = results.rss[0], results.rss[-1]
        found += [
            Target.check(
                last.server - first.server <= RSS_GROWTH_MIB,
                f"browser-mcp's RSS grew {num(last.server - first.server)} MiB in {soak_s:g} s with a "
                f"stalled viewer, an animated page and a second viewer (target <= {RSS_GROWTH_MIB:.0f} MiB; "
                f"{num(first.server)} -> {num(last.server)} MiB)",
            ),
            Target(
                "info",
                f"meanwhile its Playwright driver's RSS went {num(first.driver)} -> {num(last.driver)} MiB, "
                f"the other viewer drew {num(results.soak_fps)} frames per second, and the stalled viewer "
                f"was {'still' if results.stalled_open else 'no longer'} connected at the end",
            ),
        ]
    found += not_measured(results, "cpu", "CPU")
    watched, idle = results.cpu_watched, results.cpu_idle
    if not math.isnan(watched.server):
        found += [
            Target.check(
                watched.server <= CPU_PERCENT,
                f"browser-mcp uses {num(watched.server)} % of one core while one viewer watches a still page "
                f"(target <= {CPU_PERCENT:.0f} %; its Playwright driver {num(watched.driver)} %)",
            ),
            Target(
                "info",
                f"with nobody watching: {num(idle.server)} % (its driver {num(idle.driver)} %)",
            ),
        ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=40, help="timed clicks per side (live view, raw)")
    parser.add_argument("--soak-s", type=float, default=60.0, help="how long RSS is watched")
    parser.add_argument("--fps-s", type=float, default=5.0, help="how long frames are counted")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failures = Failures()
    try:
        results, browser_name = asyncio.run(run(max(1, args.samples), args.soak_s, args.fps_s, failures))
    except Unavailable as exc:
        print(f"[NOT met] nothing measured: {exc}")
        return 1
    print(
        f"browser-mcp over Streamable HTTP (--cdp-url, --overlay-ms 0), its live view watched by a second "
        f"Chromium; {browser_name} headless, 1280x800; {args.samples} timed clicks per side in "
        f"{len(split(max(1, args.samples), ROUNDS))} rounds after {WARMUP_CLICKS} warm-ups each; "
        f"{os.cpu_count()} cores; total {time.perf_counter() - started:.0f} s.\n"
    )
    print(latency_table(results, args.samples, args.fps_s))
    print()
    print(resources_table(results, args.soak_s))
    status = print_targets("Targets", targets(results, args.soak_s))
    failures.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
