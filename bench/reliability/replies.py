"""Reading replies; the failures found in them, with reproductions."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mcp.types import TextContent
from tests.support.agent import Reply

from bench.reliability.calls import non_null, number_bounds
from bench.reliability.common import DEFAULT_SETTINGS, REFUSED_SCHEMES, SECRETS, SHORT_SECRETS
from browser_mcp.tools.reply import reply_budget as server_reply_budget

# ---- reading replies ------------------------------------------------------------------------------------

# How a reply tells that the URL policy stopped something (the evidence that the fuzz tried the ways out).
REFUSAL = re.compile(r"\brefused\b|\bblocked\b|\bstopped before\b", re.IGNORECASE)
_TOOL_PREFIX = re.compile(r"^Error executing tool [\w-]+:? ?")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s*File \".*\", line \d+", re.MULTILINE)
_RAW_LIBRARY = re.compile(r"^Call log:|={5,}|^\s+at .*\(.*:\d+:\d+\)$", re.MULTILINE)


def reply_text(reply: Reply) -> str:
    return "\n".join(part.text for part in reply.raw.content if isinstance(part, TextContent))


def sentence_problem(text: str) -> str | None:
    """Why an error reply is not a sentence the model can act on (None: it is one).

    Not one: nothing but the SDK's "Error executing tool X" (what any exception other than a ToolError
    becomes), a traceback, a raw Playwright error (its call log), or fewer than three words. A pydantic
    validation error names the argument and says what is wrong in words: it counts as a sentence.
    """
    body = _TOOL_PREFIX.sub("", text.strip(), count=1)
    body = "\n".join(line for line in body.splitlines() if not line.startswith("Note: ")).strip()
    if not body:
        return "empty (no detail)"
    if _TRACEBACK.search(body):
        return "a traceback"
    if _RAW_LIBRARY.search(body):
        return "a raw library error"
    if len(re.findall(r"[A-Za-z]{2,}", body)) < 3:
        return "not a sentence"
    return None


def leaked_secrets(text: str) -> list[str]:
    found = [secret for secret in SECRETS if secret in text]
    found += [short for short in SHORT_SECRETS if re.search(rf"(?<![\d,.]){short}(?![\d,])", text)]
    return found


def reply_budget(arguments: dict[str, Any], schema: dict[str, Any]) -> int:
    """The budget of a reply, as the server reckons it: the call's own max_chars when the tool's schema
    accepts the value, else the default snapshot budget (the bench passes no --snapshot-max-chars)."""
    wanted = arguments.get("max_chars")
    prop = schema.get("properties", {}).get("max_chars")
    own: dict[str, Any] = {}
    if isinstance(wanted, int) and not isinstance(wanted, bool) and prop is not None:
        bounds = number_bounds(non_null(prop, schema))
        if bounds.low <= wanted <= bounds.high:
            own["max_chars"] = wanted
    return server_reply_budget(DEFAULT_SETTINGS, own)


def is_refused_url(url: str, refused_origin: str) -> bool:
    """A tab showing this URL has landed where the server must never let the agent go."""
    if url == refused_origin or url.startswith(refused_origin + "/"):
        return True
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    return scheme in REFUSED_SCHEMES or (scheme == "about" and url != "about:blank")


def shorten(value: Any, limit: int = 60) -> str:
    """An argument as a reproduction shows it: long strings by their start and length."""
    if isinstance(value, str):
        if len(value) > limit:
            return f"{value[:20]!r}...({len(value):,} chars)"
        return repr(value)
    if isinstance(value, list):
        items = ", ".join(shorten(item, limit) for item in value[:4])
        return f"[{items}{', ...' if len(value) > 4 else ''}]" + (
            f"({len(value)} items)" if len(value) > 4 else ""
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {shorten(item, limit)}" for key, item in value.items()) + "}"
    return repr(value)


def call_text(tool: str, arguments: dict[str, Any]) -> str:
    return f"{tool}(" + ", ".join(f"{key}={shorten(value)}" for key, value in arguments.items()) + ")"


def excerpt(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[:limit]}... ({len(text):,} chars)"


# ---- the failures found, with reproductions --------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    call: str  # the call, its long arguments shortened
    where: str  # the tabs' URLs before it
    what: str  # the reply or the failure, shortened

    def line(self) -> str:
        return f"{self.call} on {self.where}: {self.what}"


@dataclass
class Findings:
    """Failures by kind: how many, and the first few as reproductions."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[Finding]] = field(default_factory=dict)
    keep: int = 3

    def add(self, kind: str, finding: Finding) -> None:
        self.counts[kind] += 1
        examples = self.examples.setdefault(kind, [])
        if len(examples) < self.keep:
            examples.append(finding)

    def lines(self) -> list[str]:
        lines = []
        for kind, count in self.counts.items():
            lines.append(f"- {kind} (x{count}):")
            lines += [f"  - {example.line()}" for example in self.examples.get(kind, [])]
        return lines

    def print(self, title: str) -> None:
        if self.counts:
            print(f"\n{title}:", *self.lines(), sep="\n")
