"""A private X display (Xvfb) for headed browsers and X input tools (xdotool) in tests."""

from __future__ import annotations

import os
import select
import subprocess
import tempfile
import time
from types import TracebackType

SCREEN = "1280x800x24"


class XvfbDisplay:
    """Xvfb on a free display number that it picks itself: with -displayfd it writes that number
    once it accepts clients, so readiness is an event, not a guess."""

    def __init__(self, screen: str = SCREEN) -> None:
        self.screen = screen
        self.number: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        """The display as DISPLAY= and --display= want it, e.g. ':3'."""
        if self.number is None:
            raise RuntimeError("Xvfb is not running")
        return f":{self.number}"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment whose X clients draw on this display."""
        return {**(os.environ if base is None else base), "DISPLAY": self.name}

    def start(self, timeout_s: float = 15) -> XvfbDisplay:
        with tempfile.TemporaryFile() as log:  # what Xvfb says, for the error if it does not start
            read_end, write_end = os.pipe()
            try:
                self.process = subprocess.Popen(
                    ["Xvfb", "-displayfd", str(write_end), "-screen", "0", self.screen, "-nolisten", "tcp"],
                    pass_fds=(write_end,),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a Ctrl+C meant for pytest does not reach it first
                )
            finally:
                os.close(write_end)  # Xvfb holds the only write end: EOF means it exited
            try:
                self.number = int(_read_line(read_end, timeout_s))
            except (OSError, ValueError) as exc:
                self.stop()
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"Xvfb did not start: {exc}\n{output}") from exc
            finally:
                os.close(read_end)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # Xvfb removes its lock file and socket on SIGTERM
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.number = None

    def __enter__(self) -> XvfbDisplay:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _read_line(fd: int, timeout_s: float) -> str:
    """One line from a pipe, waiting at most timeout_s in total."""
    deadline = time.monotonic() + timeout_s
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise OSError(f"no display number within {timeout_s} s")
        chunk = os.read(fd, 64)
        if not chunk:
            raise OSError("Xvfb exited before it was ready")
        data += chunk
    return data.decode().strip()
