"""What the agent is about to do, as the person should see it and as the waiting policy needs it."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Locator


@dataclass(frozen=True)
class AgentIntent:
    tool: str  # click, type, press_key...
    label: str  # for the person: "click button \"Book now\""
    locator: Locator | None = None  # the element it acts on, if any (where the overlay points)
    text: str | None = None  # what a type/fill leaves in the field: checked after the call
    instant: bool = False  # sets a value at once (fill, select): done in less than a frame
    point: tuple[float, float] | None = None  # where it acts, when not on an element (CSS pixels)
