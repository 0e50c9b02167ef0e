"""A tool is a record: its name, what it is (read-only, acts on the page, destructive), what it needs
(a page, no open dialog) and a short handler. `tool(...)` makes the record from the handler, whose
parameters after `call` are the tool's parameters as the model sees them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from mcp.types import ToolAnnotations

if TYPE_CHECKING:
    pass

Handler = Callable[..., Awaitable[None]]  # async (call: ToolCall, **parameters) -> None


class Kind(Enum):
    READ_ONLY = "read-only"  # looks, changes nothing
    ACTS = "acts"  # changes the page, destroys nothing of the person's
    DESTRUCTIVE = "destructive"  # may submit, delete, lose the person's input


class NeedsPage(Enum):
    NO = "no"  # tabs, activity: works with no tab at all
    YES = "yes"  # acts on the person's tab; fails if the browser has none
    CREATE = "create"  # navigate: opens a tab if the browser has none


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    kind: Kind
    handler: Handler
    needs_page: NeedsPage = NeedsPage.YES
    blocked_by_dialog: bool = True  # refused while a dialog blocks the page
    # Tell what the call caused (tabs opened, the tab in front changed); an open dialog is told anyway.
    reports_effects: bool = True
    # Read-only tools may run at once on the tab the events say the person sees (see frame.py).
    speculative: bool = False
    idempotent: bool = False
    # Which setting bounds its waits, for the "after N s" of a timeout sentence.
    timeout: Literal["action", "navigation"] | None = None
    # The name of the setting that must be on for the server to offer the tool at all (evaluate).
    offered_when: str | None = None
    # The call may begin by attaching to the browser afresh when that is due (see BrowserSession.renew):
    # one that leaves the tab's document anyway, so no ref the model holds for it is lost.
    renews_attachment: bool = False

    def annotations(self) -> ToolAnnotations:
        read_only = self.kind is Kind.READ_ONLY
        return ToolAnnotations(
            title=self.title,
            read_only_hint=read_only,
            destructive_hint=self.kind is Kind.DESTRUCTIVE,
            idempotent_hint=None if read_only else self.idempotent,
            open_world_hint=not read_only,
        )


def tool(
    name: str,
    *,
    title: str,
    description: str,
    kind: Kind,
    **traits: Any,
) -> Callable[[Callable[..., Awaitable[None]]], ToolSpec]:
    """Declare a tool: `@tool("click", title=..., description=..., kind=Kind.DESTRUCTIVE)` over its handler."""

    def declare(handler: Callable[..., Awaitable[None]]) -> ToolSpec:
        return ToolSpec(name, title, description, kind, handler, **traits)

    return declare


def names(specs: list[ToolSpec], *kinds: Kind) -> frozenset[str]:
    return frozenset(spec.name for spec in specs if spec.kind in kinds)
