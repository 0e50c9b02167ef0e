"""The person's browser: a real Chromium with a CDP port, which the tests can kill and restart."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

_DEVTOOLS = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_executable() -> str:
    path = (
        os.environ.get("BROWSER_MCP_BROWSER_PATH")
        or shutil.which("chromium")
        or shutil.which("google-chrome")
    )
    if not path:
        raise RuntimeError("No Chromium found: run scripts/setup.sh (it installs Debian's chromium).")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PersonChromium:
    """Chromium as a person (or neko) runs it: its own profile, remote debugging on a fixed port."""

    def __init__(
        self, *, headless: bool = True, extra_flags: list[str] | None = None, display: str | None = None
    ) -> None:
        self.port = free_port()
        self.profile = Path(tempfile.mkdtemp(prefix="person-chromium-"))
        self.headless = headless
        self.display = display  # headed on this X display (e.g. Xvfb's), where xdotool can reach it
        self.extra_flags = extra_flags or []
        self.process: subprocess.Popen[str] | None = None
        self.downloads = self.profile / "Downloads"  # where the person's browser saves downloads

    @property
    def cdp_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PersonChromium:
        flags = [
            f"--remote-debugging-port={self.port}",
            f"--user-data-dir={self.profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,800",
            *self.extra_flags,
        ]
        if self.headless:
            flags.append("--headless=new")
        else:
            flags += ["--window-position=0,0", "--disable-gpu"]
        env = {**os.environ, "DISPLAY": self.display} if self.display else None
        if os.geteuid() == 0:
            flags.append("--no-sandbox")
        preferences = self.profile / "Default" / "Preferences"
        if not preferences.exists():  # downloads go into the profile, removed with it
            preferences.parent.mkdir(parents=True, exist_ok=True)
            download = {"default_directory": str(self.downloads), "prompt_for_download": False}
            preferences.write_text(json.dumps({"download": download}))
        self.process = subprocess.Popen(
            [chromium_executable(), *flags, "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stderr is not None
        for line in self.process.stderr:  # blocks until Chromium says where DevTools listen
            if _DEVTOOLS.search(line):
                break
        else:
            raise RuntimeError("Chromium exited before it opened its DevTools port")
        # Keep draining stderr so Chromium never blocks on a full pipe.
        stream = self.process.stderr
        import threading

        threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> None:
        """Like neko's supervisord: the browser comes back on the same port and profile."""
        self.kill()
        self.start()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
