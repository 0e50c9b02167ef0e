"""The agent's side: a real MCP client talking to a real browser-mcp process (stdio or HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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
    """browser-mcp --transport http as a child process."""

    def __init__(self, *args: str, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.args = ["--transport", "http", "--port", str(self.port), *args]
        self.env = server_env(env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def start(self, timeout_s: float = 20) -> HttpServer:
        self.process = subprocess.Popen(
            [*SERVER_COMMAND, *self.args], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:  # wait for the port to accept connections
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"browser-mcp exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("browser-mcp HTTP server did not start")

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
