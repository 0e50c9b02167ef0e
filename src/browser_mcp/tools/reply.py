"""Each reply is short: what changed before the call, what the call did, what it caused.

Every reply also stays within a budget (`reply_budget`): the snapshot budget in force, or the call's
own `max_chars`. The tools keep well within it (arguments quoted back are clipped, big content is cut
where it knows how to say what is left). Here, last, every whole copy of a long argument is clipped
(a sentence that quotes what the model passed), and `within_budget` cuts what is still too long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Image

from browser_mcp.config import Settings
from browser_mcp.text import without_long_arguments

# The smallest `max_chars` any tool accepts: a smaller one is refused by the tool's schema, and the
# refusal is measured against the budget in force.
MIN_OWN_BUDGET = 1_000
# Where the text is cut, a whole line is kept if one ends this close to the limit.
_LINE_SLACK = 2_000


def reply_budget(settings: Settings, arguments: Mapping[str, Any]) -> int:
    """The most characters a call's reply may have: its own `max_chars` if it passes one (and the tool
    accepts it), else the snapshot budget in force (`--snapshot-max-chars`, 16,000 by default)."""
    own = arguments.get("max_chars")
    if isinstance(own, int) and not isinstance(own, bool) and own >= MIN_OWN_BUDGET:
        return own
    return settings.snapshot_max_chars


def within_budget(text: str, budget: int) -> str:
    """`text` if it fits in `budget` characters, else its start and a line that says it was cut."""
    if len(text) <= budget:
        return text
    marker = f"\n[Reply cut to its budget of {budget:,} characters: {len(text):,} in all.]"
    room = max(0, budget - len(marker))
    line_end = text.rfind("\n", max(0, room - _LINE_SLACK), room)
    kept = text[:line_end] if line_end > 0 else text[:room]
    return kept + marker


@dataclass
class Reply:
    notes: list[str] = field(default_factory=list)  # what changed since the last call
    lines: list[str] = field(default_factory=list)  # what the call did or found
    effects: list[str] = field(default_factory=list)  # what it caused, or what happened meanwhile
    images: list[Image] = field(default_factory=list)
    budget: int | None = None  # the most characters the text may have (None: not bounded)
    arguments: list[str] = field(default_factory=list)  # the call's texts: never quoted back whole

    def note(self, text: str) -> None:
        self.notes.append(text)

    def say(self, text: str) -> None:
        self.lines.append(text)

    def effect(self, text: str) -> None:
        if text not in self.effects:
            self.effects.append(text)

    def add(self, other: Reply) -> None:
        self.notes.extend(note for note in other.notes if note not in self.notes)
        self.lines.extend(other.lines)
        for effect in other.effects:
            self.effect(effect)
        self.images.extend(other.images)

    def text(self) -> str:
        return self._bounded("\n".join([*self._notes(), *self.lines, *self.effects]))

    def content(self) -> str | list[object]:
        """What the tool returns: its text, then its images if any."""
        return [self.text(), *self.images] if self.images else self.text()

    def with_error(self, message: str, prefix_chars: int = 0) -> str:
        """An error that still carries the notes and effects, so the model learns what changed.

        `prefix_chars`: what the MCP server writes before it ("Error executing tool click: ")."""
        effects = [effect for effect in self.effects if effect not in message]
        return self._bounded("\n".join([*self._notes(), message, *effects]), prefix_chars)

    def _notes(self) -> list[str]:
        return [f"Note: {note}" for note in self.notes]

    def _bounded(self, text: str, prefix_chars: int = 0) -> str:
        text = without_long_arguments(text, self.arguments)
        return text if self.budget is None else within_budget(text, self.budget - prefix_chars)
