"""Each reply is short: what changed before the call, what the call did, what it caused."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcp.server.mcpserver import Image


@dataclass
class Reply:
    notes: list[str] = field(default_factory=list)  # what changed since the last call
    lines: list[str] = field(default_factory=list)  # what the call did or found
    effects: list[str] = field(default_factory=list)  # what it caused, or what happened meanwhile
    images: list[Image] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def say(self, text: str) -> None:
        self.lines.append(text)

    def effect(self, text: str) -> None:
        if text not in self.effects:
            self.effects.append(text)

    def add(self, other: Reply) -> None:
        self.lines.extend(other.lines)
        for effect in other.effects:
            self.effect(effect)
        self.images.extend(other.images)

    def text(self) -> str:
        return "\n".join([*self._notes(), *self.lines, *self.effects])

    def content(self) -> str | list[object]:
        """What the tool returns: its text, then its images if any."""
        return [self.text(), *self.images] if self.images else self.text()

    def with_error(self, message: str) -> str:
        """An error that still carries the notes and effects, so the model learns what changed."""
        effects = [effect for effect in self.effects if effect not in message]
        return "\n".join([*self._notes(), message, *effects])

    def _notes(self) -> list[str]:
        return [f"Note: {note}" for note in self.notes]
