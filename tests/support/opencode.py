"""The real OpenCode (node_modules/.bin/opencode), run in an isolated home against a fake model.

Every command is bounded by a timeout. OpenCode's own log (under the isolated XDG data dir) is
appended to every failure message, since `opencode run` often says only "Unexpected server error".
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpx2

from tests.support.agent import server_env

REPO = Path(__file__).resolve().parents[2]
OPENCODE = REPO / "node_modules" / ".bin" / "opencode"
EXAMPLE = REPO / "opencode.json.example"
MODEL = "fake/m1"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STATUS_LINE = re.compile(r"^[^\w]*[✓✗○]\s+(\S+)\s+(\S+)", re.MULTILINE)


def example_config() -> dict[str, Any]:
    """opencode.json.example as a newcomer copies it."""
    config: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return config


def fake_model(base_url: str) -> dict[str, Any]:
    """The config keys that make the fake chat model at `base_url` OpenCode's only model."""
    model = {
        "name": "M1",
        "tool_call": True,
        "attachment": True,
        "modalities": {"input": ["text", "image"], "output": ["text"]},
        "limit": {"context": 100000, "output": 4096},
    }
    provider = {
        "npm": "@ai-sdk/openai-compatible",  # bundled with OpenCode: nothing to download
        "name": "Fake",
        "options": {"baseURL": base_url, "apiKey": "dummy"},
        "models": {"m1": model},
    }
    return {"model": MODEL, "small_model": MODEL, "provider": {"fake": provider}}


@dataclass
class Run:
    """What `opencode run --format json` printed: one JSON event per line."""

    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    log_tail: str  # OpenCode's own log: the only place its errors are explained

    @property
    def tool_uses(self) -> list[dict[str, Any]]:
        """Each tool call's part: {"tool": name, "state": {"status", "input", "output" | "error"}}."""
        return [event["part"] for event in self.events if event.get("type") == "tool_use"]

    @property
    def session_id(self) -> str:
        return str(self.events[0]["sessionID"])

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("type") == "error"]


class OpenCode:
    """OpenCode with its own HOME and XDG dirs under `root`, started in `root/project`, whose
    opencode.json is `config`. Nothing from the user's own OpenCode set-up is read."""

    def __init__(self, root: Path, config: dict[str, Any], env: dict[str, str] | None = None) -> None:
        self.root = root
        self.project = root / "project"
        self.project.mkdir(parents=True)
        (self.project / "opencode.json").write_text(json.dumps(config, indent=2))
        homes = {
            name: root / name.lower()
            for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
        }
        for path in homes.values():
            path.mkdir()
        inherited = {key: value for key, value in server_env().items() if not key.startswith("OPENCODE_")}
        self.env = {
            **inherited,
            **{name: str(path) for name, path in homes.items()},
            # OpenCode takes its project directory from $PWD, not from the process's cwd.
            "PWD": str(self.project),
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            **(env or {}),
        }
        self.logs = homes["XDG_DATA_HOME"] / "opencode" / "log"

    def log_tail(self, lines: int = 40) -> str:
        text = "\n".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("*.log")))
        return "\n".join(text.splitlines()[-lines:])

    async def _command(self, *args: str, timeout_s: float) -> subprocess.CompletedProcess[bytes]:
        with anyio.fail_after(timeout_s):  # cancelling run_process kills OpenCode
            return await anyio.run_process(
                [str(OPENCODE), *args], cwd=self.project, env=self.env, check=False
            )

    async def run(self, prompt: str, *args: str, timeout_s: float = 60) -> Run:
        """`opencode run --format json -m fake/m1 PROMPT`: one agent turn, to its final answer."""
        done = await self._command("run", "--format", "json", "-m", MODEL, *args, prompt, timeout_s=timeout_s)
        stdout = done.stdout.decode()
        events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        return Run(done.returncode, events, done.stderr.decode(), self.log_tail())

    async def mcp_list(self, timeout_s: float = 40) -> dict[str, str]:
        """`opencode mcp list` as {server name: status}. Its exit code is 0 even when a server
        failed, so the status is read from its text."""
        done = await self._command("mcp", "list", timeout_s=timeout_s)
        text = _ANSI.sub("", done.stdout.decode() + done.stderr.decode())
        statuses = dict(_STATUS_LINE.findall(text))
        assert statuses, f"no server in `opencode mcp list`:\n{text}\n{self.log_tail()}"
        return statuses

    async def resolved_config(self, timeout_s: float = 30) -> dict[str, Any]:
        """`opencode debug config`: the configuration as OpenCode understood it."""
        done = await self._command("debug", "config", timeout_s=timeout_s)
        assert done.returncode == 0, done.stderr.decode() + self.log_tail()
        config: dict[str, Any] = json.loads(done.stdout)
        return config

    @asynccontextmanager
    async def serve(self, password: str, timeout_s: float = 30) -> AsyncIterator[OpenCodeServer]:
        """`opencode serve` on a free port with a password, as a person runs it behind a web UI."""
        env = {**self.env, "OPENCODE_SERVER_PASSWORD": password}
        command = [str(OPENCODE), "serve", "--hostname", "127.0.0.1", "--port", "0"]
        stderr = (self.root / "serve.stderr").open("wb")
        process = await anyio.open_process(command, cwd=self.project, env=env, stderr=stderr)
        try:
            assert process.stdout is not None
            with anyio.fail_after(timeout_s):  # its first line says where it listens
                first_line = await _read_line(process.stdout)
            found = re.search(r"listening on (http://\S+)", first_line)
            assert found, f"opencode serve said {first_line!r}\n{self.log_tail()}"
            yield OpenCodeServer(found.group(1), ("opencode", password))
        finally:
            process.terminate()
            with anyio.move_on_after(10):
                await process.wait()
            if process.returncode is None:
                process.kill()
                await process.wait()
            await process.aclose()
            stderr.close()


@dataclass
class OpenCodeServer:
    url: str
    auth: tuple[str, str]

    async def mcp_status(self) -> dict[str, Any]:
        """GET /mcp: {server name: {"status": ...}} for every MCP server OpenCode knows."""
        async with httpx2.AsyncClient(auth=self.auth, timeout=httpx2.Timeout(40)) as http:
            response = await http.get(self.url + "/mcp")
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        return status

    async def messages(self, session_id: str) -> list[dict[str, Any]]:
        """The session's messages, as OpenCode's web UI shows them."""
        async with httpx2.AsyncClient(auth=self.auth, timeout=httpx2.Timeout(20)) as http:
            response = await http.get(f"{self.url}/session/{session_id}/message")
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return messages

    async def last_answer(self, session_id: str) -> str:
        """The text of the session's last assistant message."""
        answers = [m for m in await self.messages(session_id) if m["info"]["role"] == "assistant"]
        assert answers, "no answer in the session"
        return "".join(part.get("text", "") for part in answers[-1]["parts"] if part["type"] == "text")

    async def tool_uses(self, session_id: str) -> list[dict[str, Any]]:
        """Each tool call's part, as in Run.tool_uses (which `run --attach` may print only in part)."""
        return [
            part for m in await self.messages(session_id) for part in m["parts"] if part["type"] == "tool"
        ]


async def _read_line(stream: anyio.abc.ByteReceiveStream) -> str:
    line = b""
    while b"\n" not in line:
        line += await stream.receive()
    return line.decode().splitlines()[0]


def with_entry(config: dict[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    """A copy of `config` whose mcp entry `name` has `changes` applied (the rest kept as it is)."""
    changed = copy.deepcopy(config)
    changed["mcp"][name].update(changes)
    return changed
