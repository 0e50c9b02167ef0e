"""Each reply is short: what changed before the call, what the call did, what it caused."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Reply:
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def say(self, text: str) -> None:
        self.lines.append(text)

    def effect(self, text: str) -> None:
        if text not in self.effects:
            self.effects.append(text)

    def text(self) -> str:
        parts = []
        if self.notes:
            parts.append("\n".join(f"Note: {note}" for note in self.notes))
        parts.extend(self.lines)
        parts.extend(self.effects)
        return "\n".join(parts)

    def with_error(self, message: str) -> str:
        """An error message that still carries the notes, so the model learns what changed."""
        if not self.notes:
            return message
        return "\n".join([*(f"Note: {note}" for note in self.notes), message])
