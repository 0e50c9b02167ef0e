"""Honest MCP tool annotations, named by what the tool does to the person's browser."""

from __future__ import annotations

from mcp.types import ToolAnnotations


def read_only(title: str) -> ToolAnnotations:
    return ToolAnnotations(title=title, read_only_hint=True, destructive_hint=False, open_world_hint=False)


def acts_on_page(title: str, *, idempotent: bool = False) -> ToolAnnotations:
    """Changes the page (may submit forms to the open web), destroys nothing of the person's."""
    return ToolAnnotations(
        title=title,
        read_only_hint=False,
        destructive_hint=False,
        idempotent_hint=idempotent,
        open_world_hint=True,
    )


def destructive(title: str) -> ToolAnnotations:
    return ToolAnnotations(
        title=title, read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True
    )
