"""Downloads: one line for each file a tab began downloading since the last reply (after a click on a
"Download" link, or a navigation to a file), so the agent knows its action worked. The browser saves the
file in its own downloads folder, as it would for the person; no tool reads it."""

from __future__ import annotations

from playwright.async_api import Page

from browser_mcp.browser.tab_state import Download
from browser_mcp.browser.tabs import Tabs
from browser_mcp.text import clip_argument, human_size

_URL_CHARS = 200


def download_lines(tabs: Tabs, pages: list[Page], current: Page | None) -> list[str]:
    """The lines for the downloads no reply has named yet (each is named once)."""
    lines = []
    for page in pages:
        if page.is_closed():
            continue
        for download in tabs.state(page).downloads:
            if not download.told:
                download.told = True
                where = "" if page is current else f" in {tabs.known_label(page).short()}"
                lines.append(_line(download, where))
    return lines


def _line(download: Download, where: str) -> str:
    name = f"'{clip_argument(download.filename)}'" if download.filename else "a file"
    source = f" from {clip_argument(download.url, _URL_CHARS)}" if download.url else ""
    if download.state == "canceled":
        return f"A download of {name}{source}{where} was cancelled."
    folder = "the browser's downloads folder (no tool here can open it)"
    if download.state == "completed":
        return f"Downloaded {name} ({human_size(download.received_bytes)}){source}{where} into {folder}."
    return f"A download began{where}: {name}{source}, saved by the browser in {folder}."
