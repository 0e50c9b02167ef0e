"""Launching the embedded Chromium as a process with a CDP port that other tools can attach to."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import re
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from browser_mcp.config import Settings
from browser_mcp.errors import Problem

log = logging.getLogger(__name__)

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")
_STARTUP_TIMEOUT_S = 20.0

# Quiet, offline-friendly defaults; no sandbox only when we must (root).
_BASE_FLAGS = (
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--password-store=basic",
    "--window-size=1280,800",
)


@dataclass
class LaunchedBrowser:
    process: asyncio.subprocess.Process
    cdp_url: str
    port: int
    temp_profile: str | None
    headless: bool = True
    _drain: asyncio.Task[None] | None = field(default=None, repr=False)

    def is_running(self) -> bool:
        return self.process.returncode is None

    async def terminate(self) -> None:
        if self.is_running():
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        if self._drain:
            self._drain.cancel()
        if self.temp_profile:
            shutil.rmtree(self.temp_profile, ignore_errors=True)


def find_browser(settings: Settings, playwright_chromium_path: str | None) -> str:
    if settings.browser_path:
        if not Path(settings.browser_path).exists():
            raise Problem(f"--browser-path {settings.browser_path} does not exist.")
        return settings.browser_path
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if playwright_chromium_path and Path(playwright_chromium_path).exists():
        return playwright_chromium_path
    raise Problem(
        "No Chromium found to launch: install one (apt-get install chromium, or "
        "`playwright install chromium`), pass --browser-path, or attach with --cdp-url."
    )


def _die_with_parent() -> None:
    """Linux: let the kernel stop Chromium if this server is killed without cleaning up."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def build_flags(settings: Settings, port: int, profile: str, headless: bool) -> list[str]:
    flags = [*_BASE_FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}"]
    if headless:
        flags.append("--headless=new")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")
    flags.append("about:blank")
    return flags


async def launch_chromium(settings: Settings, executable: str, port: int) -> LaunchedBrowser:
    headless = settings.headless
    if not headless and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        log.warning("--headed was asked for but there is no DISPLAY; starting Chromium headless")
        headless = True
    temp_profile = None if settings.user_data_dir else tempfile.mkdtemp(prefix="browser-mcp-profile-")
    profile = settings.user_data_dir or temp_profile or ""
    process = await asyncio.create_subprocess_exec(
        executable,
        *build_flags(settings, port, profile, headless),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_die_with_parent if os.name == "posix" else None,
    )
    assert process.stderr is not None
    try:
        ws_url = await asyncio.wait_for(_read_devtools_url(process.stderr), _STARTUP_TIMEOUT_S)
    except (TimeoutError, EOFError) as exc:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        if temp_profile:
            shutil.rmtree(temp_profile, ignore_errors=True)
        raise Problem(
            f"Chromium ({executable}) did not start: it printed no DevTools address"
            + (" before exiting." if isinstance(exc, EOFError) else f" within {_STARTUP_TIMEOUT_S:g} s.")
            + " Check the executable, or attach to a running browser with --cdp-url."
        ) from exc
    actual_port = int(ws_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    launched = LaunchedBrowser(
        process, f"http://127.0.0.1:{actual_port}", actual_port, temp_profile, headless
    )
    launched._drain = asyncio.create_task(_drain(process.stderr))
    log.info("Embedded Chromium started (pid %s); CDP at %s", process.pid, launched.cdp_url)
    return launched


async def _read_devtools_url(stream: asyncio.StreamReader) -> str:
    while True:
        line = await stream.readline()
        if not line:
            raise EOFError
        match = _DEVTOOLS_LINE.search(line.decode(errors="replace"))
        if match:
            return match.group(1)


async def _drain(stream: asyncio.StreamReader) -> None:
    """Keep reading Chromium's stderr so it never blocks on a full pipe."""
    while await stream.readline():
        pass
