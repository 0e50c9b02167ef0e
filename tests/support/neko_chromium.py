"""Chromium started the way neko's chromium image starts it, with the deploy/neko files mounted in.

neko's supervisord runs Debian's /usr/bin/chromium wrapper with the flags in its supervisord.conf;
the wrapper sources every file in /etc/chromium.d/, and Chromium reads its managed policy from
/etc/chromium/policies/managed/. Here that image is rebuilt in a private mount namespace: a private
/etc/chromium holding neko's policy and a private /etc/chromium.d holding Debian's files stand in for
the image's, and our files are bind-mounted over them as compose mounts them. Other browsers on this
machine keep seeing the machine's own /etc.
"""

from __future__ import annotations

import collections
import configparser
import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from tests.support.chromium import free_port

ROOT = Path(__file__).resolve().parents[2]
NEKO_REFERENCE = ROOT / "tests" / "reference" / "neko"
NEKO_SUPERVISORD_CONF = NEKO_REFERENCE / "chromium-supervisord.conf"
NEKO_POLICY = NEKO_REFERENCE / "chromium-policies.json"
RECIPE = ROOT / "deploy" / "neko"
RECIPE_POLICY = RECIPE / "policies.json"
RECIPE_FLAGS = RECIPE / "chromium.d" / "browser-mcp"
RECIPE_PORT = 9222

POLICY_IN_IMAGE = "/etc/chromium/policies/managed/policies.json"
FLAGS_IN_IMAGE = f"/etc/chromium.d/{RECIPE_FLAGS.name}"
_DEVTOOLS = re.compile(r"DevTools listening on ws://")

# Runs as root of the private mount namespace: first the image's /etc, then the compose mounts.
_MOUNT_AND_RUN = f"""
set -eu
image_etc_chromium=$1 image_etc_chromium_d=$2 policy=$3 flags=$4
shift 4
mount --bind "$image_etc_chromium" /etc/chromium
mount --bind "$image_etc_chromium_d" /etc/chromium.d
if [ -n "$policy" ]; then mount -o bind,ro "$policy" {POLICY_IN_IMAGE}; fi
mount -o bind,ro "$flags" {FLAGS_IN_IMAGE}
exec "$@"
"""


def neko_command(display: str, profile: Path, conf: Path = NEKO_SUPERVISORD_CONF) -> list[str]:
    """The command of [program:chromium] in neko's supervisord.conf, on this display and profile."""
    parser = configparser.RawConfigParser()  # %(ENV_X)s is supervisord's syntax: leave it alone
    parser.read(conf)
    command = parser.get("program:chromium", "command").replace("%(ENV_DISPLAY)s", display)
    assert "%(" not in command, f"unexpected supervisord variable in {command!r}"
    return [
        f"--user-data-dir={profile}" if arg.startswith("--user-data-dir=") else arg
        for arg in shlex.split(command)
    ]


def flags_for_port(flags: str, port: int) -> str:
    """The recipe's chromium.d file with its port (9222) replaced, so tests can run side by side."""
    assert f"--remote-debugging-port={RECIPE_PORT}" in flags
    return flags.replace(str(RECIPE_PORT), str(port))


def _private_mount_namespace() -> list[str]:
    command = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        command.append("--map-root-user")  # mounting needs root; a user namespace grants it
    return command


class NekoChromium:
    """Debian Chromium, headed on `display`, exactly as neko runs it; the CDP port comes only from
    the recipe's chromium.d file. `policy=None` keeps neko's own policy (DevTools disabled)."""

    def __init__(self, display: str, *, policy: Path | None, flags: Path = RECIPE_FLAGS) -> None:
        self.display = display
        self.policy = policy
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="neko-chromium-"))
        self.flags_text = flags_for_port(flags.read_text(), self.port)
        self.process: subprocess.Popen[str] | None = None
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self._ready = threading.Event()

    @property
    def cdp_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        return neko_command(self.display, self.workdir / "profile")

    def _image_files(self) -> tuple[Path, Path, Path]:
        """Private copies of what the neko image has in /etc, and the flags file to mount."""
        etc_chromium = self.workdir / "etc-chromium"
        shutil.copytree("/etc/chromium", etc_chromium, ignore=shutil.ignore_patterns("policies"))
        managed = etc_chromium / "policies" / "managed"
        managed.mkdir(parents=True)
        shutil.copyfile(NEKO_POLICY, managed / "policies.json")
        etc_chromium_d = self.workdir / "etc-chromium.d"
        shutil.copytree("/etc/chromium.d", etc_chromium_d)
        (etc_chromium_d / RECIPE_FLAGS.name).touch()  # the mount point, as docker creates it
        flags = self.workdir / RECIPE_FLAGS.name
        flags.write_text(self.flags_text)
        return etc_chromium, etc_chromium_d, flags

    def start(self, timeout_s: float = 30) -> NekoChromium:
        etc_chromium, etc_chromium_d, flags = self._image_files()
        home = self.workdir / "home"  # supervisord sets HOME to the neko user's home
        home.mkdir()
        mounts = [str(etc_chromium), str(etc_chromium_d), str(self.policy or ""), str(flags)]
        self.process = subprocess.Popen(
            [*_private_mount_namespace(), "sh", "-c", _MOUNT_AND_RUN, "neko-mounts", *mounts, *self.command],
            env={**os.environ, "HOME": str(home), "DISPLAY": self.display},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # as supervisord's redirect_stderr
            text=True,
            start_new_session=True,  # its own process group: stop() ends every process Chromium started
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        if not self._ready.wait(timeout_s) or self.process.poll() is not None:
            self.stop()
            tail = "".join(self.output)
            raise RuntimeError(f"Chromium did not open its DevTools port within {timeout_s} s:\n{tail}")
        return self

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:  # keep draining so Chromium never blocks on a full pipe
            self.output.append(line)
            if _DEVTOOLS.search(line):
                self._ready.set()
        self._ready.set()  # exited: start() sees it at once instead of waiting out its timeout

    def stop(self) -> None:
        if self.process is not None:
            group = self.process.pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            self.process.wait(10)
            _wait_until_group_is_gone(group)  # then the mount namespace and its mounts are gone too
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> NekoChromium:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def live_processes_in_group(group: int) -> list[int]:
    """Processes of a process group that still run (zombies waiting for their reaper do not)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # After "pid (comm)": state ppid pgrp ...; comm may contain spaces and parentheses.
        state, _parent, process_group = stat.rsplit(")", 1)[1].split()[:3]
        if int(process_group) == group and state not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def _wait_until_group_is_gone(group: int, timeout_s: float = 10) -> None:
    # SIGKILL is delivered asynchronously and no event says the last process died: poll, bounded.
    deadline = time.monotonic() + timeout_s
    while live := live_processes_in_group(group):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes {live} of Chromium's group {group} survived SIGKILL")
        time.sleep(0.02)
