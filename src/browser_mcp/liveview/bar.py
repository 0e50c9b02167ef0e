"""What the live view's bar shows: the tabs, the address, what the agent did and is doing, its question."""

from __future__ import annotations

from typing import Any

from browser_mcp.browser.session import BrowserSession
from browser_mcp.liveview.access import Mode
from browser_mcp.liveview.stream import TabStream
from browser_mcp.people import CoBrowsing

AGENT_LINES = 8


def bar_state(session: BrowserSession, people: CoBrowsing, stream: TabStream, mode: Mode) -> dict[str, Any]:
    shown = stream.page if stream.page is not None and not stream.page.is_closed() else None
    tabs = []
    for page in session.pages() if session.is_connected() else []:
        label = session.tabs.known_label(page)
        tabs.append({"id": label.name, "title": label.title, "url": label.url, "current": page is shown})
    current = session.tabs.known_label(shown) if shown is not None else None
    agent = [entry for entry in people.activity.entries if entry.who == "agent"][-AGENT_LINES:]
    prompt = people.prompt
    return {
        "type": "state",
        "mode": mode,
        "connected": shown is not None,
        "tab": current.name if current else None,
        "tabs": tabs,
        "url": current.url if current else "",
        "title": current.title if current else "",
        "agent": [{"text": entry.text, "at": entry.at} for entry in agent],
        "acting": session.windows.acting,
        "ask": (
            {"id": prompt.id, "message": prompt.spec.message, "buttons": list(prompt.spec.buttons)}
            if prompt is not None
            else None
        ),
    }
