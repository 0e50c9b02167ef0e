"""What the server remembers about each tab: its dialog, console, refs, in-flight requests and downloads."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

from playwright.async_api import Dialog

from browser_mcp.browser.form_refusals import FormRefusals
from browser_mcp.browser.network_list import HeardLog
from browser_mcp.browser.page_watch import PageChanges, TabWatch
from browser_mcp.browser.tab_requests import TabRequests

CONSOLE_LIMIT = 500
DOWNLOADS_LIMIT = 20


@dataclass(frozen=True)
class ConsoleEntry:
    at: float
    level: str
    text: str
    location: str


@dataclass
class Download:
    """A file the browser downloads from the tab (to its own downloads folder, as for the person)."""

    guid: str
    filename: str
    url: str
    state: str = "inProgress"  # then "completed" or "canceled", as CDP says it
    received_bytes: int = 0
    told: bool = False  # a reply has named it


@dataclass
class PageView:
    document: int  # TabState.document when it was taken
    text: str  # the snapshot text
    # Elements whose values the agent set since (typed, chose): their change is not news.
    set_by_agent: set[str] = field(default_factory=set)
    changes: PageChanges | None = None  # the page's counts of its changes when it was taken (None: unknown)
    taken_at: float = field(default_factory=time.monotonic)


@dataclass
class TabState:
    id: int  # stable while the server runs: replies call the tab "t<id>"
    console: deque[ConsoleEntry] = field(default_factory=lambda: deque(maxlen=CONSOLE_LIMIT))
    dialog: Dialog | None = None
    dialog_from_agent: bool = False  # opened while the agent was acting, so the agent should answer it
    refs: dict[str, str] = field(default_factory=dict)  # ref -> 'button "Send"', from the snapshots
    title: str = ""
    title_document: int = -2  # the document whose own report gave `title` (see `document`)
    # Pushed by the tab itself (see page_watch); None until its first event.
    visibility: str | None = None
    focused: bool = False
    target_id: str = ""
    watch: TabWatch | None = None  # the tab's event channel and our isolated world in it
    main_frame_navigations: int = 0
    # Navigations the page asked for in this tab (a link, a form sent, a script), and whether the latest
    # is still on its way (neither shown nor given up: a 204, a download): an action that caused one waits
    # for it, as Playwright's click does (its keyboard does not).
    navigations_requested: int = 0
    navigation_pending: bool = False
    navigation_loading: bool = False  # the pending one has begun to load (its end is then its outcome)
    navigation_news: asyncio.Event = field(default_factory=asyncio.Event)
    # The last full view of a document the model got (a snapshot, or one taken around an action): what
    # the next action's "page now shows" is compared with.
    seen: PageView | None = None
    looking_ahead: asyncio.Task[None] | None = None  # a snapshot taken after the agent's navigation
    looking_ahead_began: bool = False  # it is walking the page (else still waiting for the load)
    requests: TabRequests = field(default_factory=TabRequests)  # in flight, while the agent acts
    heard: HeardLog = field(
        default_factory=HeardLog
    )  # the requests heard (while the agent acted), for the list
    downloads: deque[Download] = field(default_factory=lambda: deque(maxlen=DOWNLOADS_LIMIT))
    download_began: asyncio.Event = field(default_factory=asyncio.Event)
    form_refusals: FormRefusals = field(default_factory=FormRefusals)  # forms the browser did not send

    async def untold_download(self, timeout_s: float) -> bool:
        """Whether a download no reply has named is there, waiting up to `timeout_s` for one to begin."""
        if any(not download.told for download in self.downloads):
            return True
        self.download_began.clear()
        try:
            await asyncio.wait_for(self.download_began.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    @property
    def document(self) -> int:
        """Which document the tab shows (-1: not known yet). A same-document navigation keeps it."""
        return self.watch.documents if self.watch is not None else -1

    def add_console(self, level: str, text: str, location: str = "") -> None:
        self.console.append(ConsoleEntry(time.time(), level, text, location))
