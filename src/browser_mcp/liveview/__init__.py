"""The live view: a web page that shows the person's tab live and plays their input into it."""

from browser_mcp.liveview.app import LiveView
from browser_mcp.liveview.serving import WS_MAX_BYTES, bind, serve_live_view, with_live_view

__all__ = ["WS_MAX_BYTES", "LiveView", "bind", "serve_live_view", "with_live_view"]
