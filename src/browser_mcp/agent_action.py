"""What observers of the agent (the activity log, neko's chat) are told after each action it took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from browser_mcp.browser.tabs import TabLabel


@dataclass(frozen=True)
class AgentAction:
    tool: str  # "click"
    kind: Literal["acts", "destructive"]
    summary: str  # what the reply said it did: 'Clicked button "Send" [e12].'
    target: str | None  # what it acted on: 'button "Send" [e12]', a URL, a key; None for no one thing
    tab: TabLabel | None  # the tab it acted on
