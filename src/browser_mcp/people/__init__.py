"""The person's side of the shared browser: what they did, waiting for them, showing the agent, handing over."""

from browser_mcp.people.cobrowsing import CoBrowsing
from browser_mcp.people.intent import AgentIntent

__all__ = ["AgentIntent", "CoBrowsing"]
