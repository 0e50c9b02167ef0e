"""The agent's side: a real MCP client talking to a real browser-mcp process (stdio or HTTP)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, ImageContent, TextContent

from tests.support.chromium import free_port

SERVER_COMMAND = [sys.executable, "-m", "browser_mcp"]


@dataclass
class Reply:
    """One tool result, as the model would read it."""

    raw: CallToolResult

    @property
    def is_error(self) -> bool:
        return bool(self.raw.is_error)

    @property
    def text(self) -> str:
        return "\n".join(part.text for part in self.raw.content if isinstance(part, TextContent))

    @property
    def images(self) -> list[ImageContent]:
        return [part for part in self.raw.content if isinstance(part, ImageContent)]

    def __repr__(self) -> str:
        return f"Reply(is_error={self.is_error}, text={self.text!r})"


class Agent:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def call(self, tool: str, **arguments: Any) -> Reply:
        return Reply(await self.client.call_tool(tool, arguments))

    async def ok(self, tool: str, **arguments: Any) -> str:
        """Call a tool that must succeed; return its text."""
        reply = await self.call(tool, **arguments)
        assert not reply.is_error, f"{tool}({arguments}) failed: {reply.text}"
        return reply.text

    async def fails(self, tool: str, **arguments: Any) -> str:
        """Call a tool that must fail with a tool error; return the error text."""
        reply = await self.call(tool, **arguments)
        assert reply.is_error, f"{tool}({arguments}) should have failed but replied: {reply.text}"
        return reply.text


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BROWSER_MCP_")}
    env.update(extra or {})
    return env


@asynccontextmanager
async def stdio_agent(*args: str, env: dict[str, str] | None = None) -> AsyncIterator[Agent]:
    params = StdioServerParameters(
        command=SERVER_COMMAND[0], args=[*SERVER_COMMAND[1:], *args], env=server_env(env)
    )
    async with Client(params) as client:
        yield Agent(client)


class HttpServer:
    """browser-mcp --transport http as a child process; its log lines are kept (and the pipe drained)."""

    def __init__(self, *args: str, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.args = ["--transport", "http", "--port", str(self.port), *args]
        self.env = server_env(env)
        self.process: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._line_added = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 20) -> HttpServer:
        self.process = subprocess.Popen(
            [*SERVER_COMMAND, *self.args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read_log, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:  # wait for the port to accept connections
            if self.process.poll() is not None:
                self.process.wait()
                raise RuntimeError(f"browser-mcp exited: {''.join(self.lines)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("browser-mcp HTTP server did not start")

    def _read_log(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            with self._line_added:
                self.lines.append(line)
                self._line_added.notify_all()

    def log_line(self, pattern: str, timeout_s: float = 10) -> re.Match[str]:
        """The first log line matching `pattern` (waits for it)."""
        found: list[re.Match[str]] = []

        def seen() -> bool:
            found[:] = [m for m in (re.search(pattern, line) for line in self.lines) if m][:1]
            return bool(found)

        with self._line_added:
            if not self._line_added.wait_for(seen, timeout_s):
                raise AssertionError(f"no log line matches {pattern!r}: {''.join(self.lines)[-2000:]}")
        return found[0]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@asynccontextmanager
async def http_agent(
    url: str, *, token: str | None = None, mode: Literal["legacy", "auto"] = "auto"
) -> AsyncIterator[Agent]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60)) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield Agent(client)
