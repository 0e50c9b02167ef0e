"""A scripted OpenAI-compatible chat model on 127.0.0.1, so a real OpenCode runs with no internet.

It answers `POST /v1/chat/completions` (`stream: true`) with server-sent events, as OpenAI does.
Each request that offers tools goes to a script, which reads the conversation so far and returns
the next step: a tool call or a final text. Requests without tools (OpenCode's session-title
request) get a plain title. The fake keeps every request, so a test can check what reached the model.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    """The model asks the client to run `name` with `arguments`."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """A tool's result as the model received it (a `tool` message) and the call it answers."""

    call: ToolCall
    text: str


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion request, as the client sent it."""

    body: dict[str, Any]

    @property
    def tool_names(self) -> list[str]:
        return [tool["function"]["name"] for tool in self.body.get("tools") or []]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def tool_results(self) -> list[ToolResult]:
        """Every tool result in the conversation so far, oldest first, with the call it answers."""
        calls: dict[str, ToolCall] = {}
        results: list[ToolResult] = []
        for message in self.messages:
            for call in message.get("tool_calls") or []:
                function = call["function"]
                calls[call["id"]] = ToolCall(function["name"], json.loads(function["arguments"] or "{}"))
            if message.get("role") == "tool":
                results.append(ToolResult(calls[message["tool_call_id"]], _text_of(message["content"])))
        return results

    def tool_named(self, suffix: str) -> str:
        """The offered tool whose name ends with `_<suffix>` or `__<suffix>` (the client adds the
        server's name in its own way), e.g. 'browser_navigate' for suffix 'navigate'."""
        found = [name for name in self.tool_names if name == suffix or name.endswith("_" + suffix)]
        assert len(found) == 1, f"expected one tool named like {suffix!r}, offered: {self.tool_names}"
        return found[0]


Step = ToolCall | str
Script = Callable[[ChatRequest], Step]


class FakeLLM:
    """The model server. `script(request)` picks each step of a request that offers tools."""

    def __init__(self, script: Script, *, title: str = "Browser session") -> None:
        self.script = script
        self.title = title
        self.requests: list[ChatRequest] = []
        self.errors: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    @property
    def tool_requests(self) -> list[ChatRequest]:
        return [request for request in self.requests if request.tool_names]

    @property
    def tool_results(self) -> list[ToolResult]:
        """Every tool result that reached the model (the last request carries the whole conversation)."""
        requests = self.tool_requests
        return requests[-1].tool_results if requests else []

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next_step(self, request: ChatRequest) -> Step:
        with self._lock:
            self.requests.append(request)
        if not request.tool_names:
            return self.title
        try:
            return self.script(request)
        except Exception as exc:  # the test reads `errors`; the client gets a plain answer and stops
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return f"The script failed: {exc}"

    def _chunks(self, step: Step) -> Iterator[dict[str, Any]]:
        """The SSE payloads of one streamed answer: the step, its finish reason, then usage."""
        completion_id = f"chatcmpl-{next(self._ids)}"

        def envelope(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
            return {"id": completion_id, "object": "chat.completion.chunk", "choices": choices, **extra}

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            return envelope([{"index": 0, "delta": delta, "finish_reason": finish}])

        if isinstance(step, ToolCall):
            call = {
                "index": 0,
                "id": f"call_{next(self._ids)}",
                "type": "function",
                "function": {"name": step.name, "arguments": json.dumps(step.arguments)},
            }
            yield chunk({"role": "assistant", "content": None, "tool_calls": [call]}, None)
            yield chunk({}, "tool_calls")
        else:
            yield chunk({"role": "assistant", "content": step}, None)
            yield chunk({}, "stop")
        yield envelope([], usage={"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self.send_error(404)
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
                step = fake._next_step(ChatRequest(body))
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                for payload in fake._chunks(step):
                    self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _text_of(content: Any) -> str:
    """A message's text: OpenAI content is a string or a list of parts."""
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content or [] if isinstance(part, dict))
