"""The optional client of neko's API (--neko-url): who holds control, screen size, chat lines."""

from browser_mcp.neko.client import ControlStatus, Identity, NekoClient, NekoError, ScreenSize
from browser_mcp.neko.link import NekoLink

__all__ = ["ControlStatus", "Identity", "NekoClient", "NekoError", "NekoLink", "ScreenSize"]
