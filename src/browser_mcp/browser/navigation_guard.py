"""The URL policy on every page load the agent causes, not only on the URL it passes to navigate: HTTP
redirects, script redirects, meta refreshes, links, form posts and popups its actions lead to.

The browser pauses every document request (one Fetch interception for the whole browser, so a popup's
first request is caught too) and the request goes on only once the policy allows it: a refused one never
leaves the browser, and the tab shows Chromium's "blocked" page. Which loads are the agent's: those that
start while it acts, and every load in a tab it drove there (its navigation, or a popup its action
opened) until the person acts in that tab. With scope "browser" (a kiosk), every load is checked.

Only the origin rules need this (--allowed-origins, --blocked-origins): Chromium itself never lets a web
page open file://, chrome:// or a data: URL in a tab. Frames inside a page are not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

from browser_mcp.browser.action_windows import ActionWindows
from browser_mcp.browser.url_policy import UrlPolicy

log = logging.getLogger(__name__)

Scope = Literal["agent", "browser"]

_DOCUMENTS = {"patterns": [{"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]}
_KEPT = 32  # refusals remembered until a reply tells them
_FRAMES_KEPT = 1024  # frame ids known not to be tabs


@dataclass(frozen=True)
class Refusal:
    """A page load the policy stopped."""

    url: str
    reason: str  # the policy's sentence: "Refused to open URL: ..."
    target_id: str  # the tab it was stopped in
    redirect: bool  # the server of the page before redirected there
    popup: bool  # a new tab's first page
    at: float

    def sentence(self) -> str:
        how = "a redirect" if self.redirect else "a new tab" if self.popup else "a page load"
        return f"{how.capitalize()} was stopped before it left the browser. {self.reason}"


class NavigationGuard:
    def __init__(self, policy: UrlPolicy, scope: Scope, windows: ActionWindows) -> None:
        self.policy = policy
        self.scope = scope
        self.windows = windows
        self.refusals: deque[Refusal] = deque(maxlen=_KEPT)  # not told yet
        self._cdp: CDPSession | None = None
        self._driven: set[str] = set()  # tabs (target ids) whose loads count as the agent's
        self._tabs: set[str] = set()  # target ids known to be tabs
        self._frames: deque[str] = deque(maxlen=_FRAMES_KEPT)  # frame ids known not to be tabs
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def needed(self) -> bool:
        return self.policy.restricts_origins

    async def start(self, cdp: CDPSession | None) -> None:
        """Watch the page loads of the browser behind `cdp` (a browser-wide session)."""
        self._cdp = None
        self._driven.clear()
        self._tabs.clear()
        self._frames.clear()
        if not self.needed:
            return
        if cdp is None:
            log.warning("No browser-wide CDP session: only the URLs passed to navigate are checked.")
            return
        cdp.on("Fetch.requestPaused", self._on_paused)
        try:
            await cdp.send("Fetch.enable", _DOCUMENTS)
        except PlaywrightError as exc:
            log.warning(
                "Cannot check page loads against the URL policy (%s): only the URLs passed to "
                "navigate are checked.",
                exc,
            )
            return
        self._cdp = cdp

    def person_acted(self, target_id: str) -> None:
        """The person acted in this tab: what it loads from now on is theirs (scope "agent")."""
        self._driven.discard(target_id)

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._decide(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide(self, event: dict[str, Any]) -> None:
        cdp = self._cdp
        if cdp is None:
            return
        request_id = event["requestId"]
        refusal: Refusal | None = None
        try:
            refusal = await self._refusal(event)
        except Exception:  # never leave a page load hanging
            log.exception("could not check a page load against the URL policy")
        with contextlib.suppress(PlaywrightError):
            if refusal is None:
                await cdp.send("Fetch.continueRequest", {"requestId": request_id})
                return
            # Noted first: the failed load's error may reach a waiting call before this send returns.
            self.refusals.append(refusal)
            log.info("%s", refusal.reason)
            await cdp.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"})

    async def _refusal(self, event: dict[str, Any]) -> Refusal | None:
        """The refusal if this load must be stopped, else None (and who drives the tab is noted)."""
        url = str(event.get("request", {}).get("url", ""))
        frame = str(event.get("frameId", ""))
        tab, opener = await self._tab_of(frame)
        if tab is None:
            return None  # a frame inside a page
        # The agent's: it is acting, or it drove this tab (or the tab that opened this one) here.
        drives = self.windows.acting or (opener is not None and opener in self._driven)
        reason = self.policy.refusal(url)
        if reason is None:
            if drives:
                self._driven.add(tab)
            return None
        if self.scope == "agent" and not (drives or tab in self._driven):
            return None
        redirect = bool(event.get("redirectedRequestId"))
        return Refusal(url, reason, tab, redirect, opener is not None, time.time())

    async def _tab_of(self, frame: str) -> tuple[str | None, str | None]:
        """(the tab whose main frame `frame` is, or None for a frame inside a page; the tab that opened
        it if it is a new tab)."""
        if frame in self._tabs:
            return frame, None
        if not frame or frame in self._frames or self._cdp is None:
            return None, None
        try:
            info = (await self._cdp.send("Target.getTargetInfo", {"targetId": frame}))["targetInfo"]
        except PlaywrightError:  # not a target: a frame inside a page
            self._frames.append(frame)
            return None, None
        if info.get("type") != "page":
            self._frames.append(frame)
            return None, None
        self._tabs.add(frame)
        opener = info.get("openerId")
        return frame, str(opener) if opener else None

    def untold(self, target_id: str | None = None) -> list[Refusal]:
        """The refusals no reply has told yet (each is told once); with `target_id`, that tab's only."""
        told = [refusal for refusal in self.refusals if target_id in (None, refusal.target_id)]
        self.refusals = deque((refusal for refusal in self.refusals if refusal not in told), maxlen=_KEPT)
        return told

    def stopped_in(self, target_id: str) -> bool:
        """A load in this tab (not a new tab's first) was stopped, and no reply has said so yet."""
        return any(refusal.target_id == target_id and not refusal.popup for refusal in self.refusals)
