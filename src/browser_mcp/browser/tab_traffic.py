"""What each tab logs, fetches and downloads, heard on the tab's own CDP session (page_watch's), not from
Playwright.

Playwright's console and request events hand the client an object per console argument (a JSHandle) and
a Request and a Response per request, and its connection keeps each one until thousands more have come:
browsing for an hour grew the server by tens of MB. From CDP we keep only what replies use: the text of
each message and the ids of the requests that may still change the page.

A frame from another site runs in a process of its own, which the tab's session does not hear: its
requests (a payment form asking its server) and console lines come from a session of its own
(follow_frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

from browser_mcp.browser.tab_state import Download, TabState

log = logging.getLogger(__name__)

# Requests that mean "the page is still reacting"; images, fonts and media do not count.
_SETTLE_RESOURCE_TYPES = frozenset({"Document", "Fetch", "XHR"})
_PREVIEW_ITEMS = 5


async def follow_traffic(cdp: CDPSession, state: TabState, *, frame: bool = False) -> None:
    """Keep `state`'s console lines and in-flight requests from the tab's CDP session, or (`frame`) from the
    session of one of its frames that runs in a process of its own.

    On the tab's session Runtime is already on (page_watch): messages logged before this call are not
    reported (as before the server attached). On a frame's, turning it on reports what the frame's document
    has logged so far too (its session comes a moment after the document starts).
    """

    def on_request(event: dict[str, Any]) -> None:
        if event.get("type") in _SETTLE_RESOURCE_TYPES:
            state.requests.started(str(event.get("requestId")))
        tab_document = (
            not frame and event.get("type") == "Document" and event.get("frameId") == state.target_id
        )
        state.heard.began(
            event, state.document, tab_document=tab_document, times_off=state.requests.times_off
        )

    def on_response(event: dict[str, Any]) -> None:
        state.requests.answered_now(str(event.get("requestId")))
        state.heard.answered(event)

    def on_finished(event: dict[str, Any]) -> None:
        state.requests.ended(str(event.get("requestId")))
        state.heard.finished(event)

    def on_failed(event: dict[str, Any]) -> None:
        state.requests.ended(str(event.get("requestId")))
        state.heard.failed(event)

    def on_console(event: dict[str, Any]) -> None:
        args = event.get("args") or []
        text = " ".join(remote_text(arg) for arg in args if isinstance(arg, dict))
        state.add_console(_level(str(event.get("type", "log"))), text, _location(event.get("stackTrace")))

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.loadingFailed", on_failed)
    cdp.on("Runtime.consoleAPICalled", on_console)
    if frame:
        await cdp.send("Runtime.enable")
    await state.requests.add_session(cdp)


def follow_downloads(cdp: CDPSession, state: TabState) -> None:
    """Keep `state`'s downloads from the tab's CDP session (Page is on: page_watch)."""

    def on_begin(event: dict[str, Any]) -> None:
        name = str(event.get("suggestedFilename") or "")
        state.downloads.append(Download(str(event.get("guid")), name, str(event.get("url", ""))))
        state.download_began.set()

    def on_progress(event: dict[str, Any]) -> None:
        for download in state.downloads:
            if download.guid == event.get("guid"):
                download.state = str(event.get("state", download.state))
                download.received_bytes = int(event.get("receivedBytes") or download.received_bytes)

    cdp.on("Page.downloadWillBegin", on_begin)
    cdp.on("Page.downloadProgress", on_progress)


def follow_navigations(cdp: CDPSession, state: TabState, frame_id: str) -> None:
    """Keep `state`'s navigations the page asks for, from the tab's CDP session (Page is on: page_watch);
    the main frame's (`frame_id`) only. Its commit is Playwright's framenavigated (see Tabs)."""

    def on_requested(event: dict[str, Any]) -> None:
        if event.get("frameId") == frame_id and event.get("disposition") in (None, "currentTab"):
            state.navigations_requested += 1
            state.navigation_pending, state.navigation_loading = True, False
            state.navigation_news.set()

    def on_loading(event: dict[str, Any]) -> None:
        if event.get("frameId") == frame_id and state.navigation_pending:
            state.navigation_loading = True

    def on_stopped(event: dict[str, Any]) -> None:
        # Not shown (no content, a download) or shown and loaded: either way nothing more to wait for.
        if event.get("frameId") == frame_id and state.navigation_loading:
            state.navigation_pending = state.navigation_loading = False
            state.navigation_news.set()

    cdp.on("Page.frameRequestedNavigation", on_requested)
    cdp.on("Page.frameStartedLoading", on_loading)
    cdp.on("Page.frameStoppedLoading", on_stopped)


def follow_frames(page: Page, state: TabState) -> None:
    """Keep `state`'s console lines and in-flight requests from the page's frames that run in processes of
    their own too (frames from other sites): each new document of a frame gets a session if it has a target
    of its own."""
    sessions: dict[Frame, CDPSession] = {}
    tasks: set[asyncio.Task[None]] = set()
    one_at_a_time = asyncio.Lock()  # a frame's documents follow each other: so do their sessions

    async def follow(frame: Frame) -> None:
        async with one_at_a_time:
            # The earlier document's session goes first: the new one reports what the new document logged
            # so far, which the old one (same process) might report too.
            await forget_now(frame)
            if frame.is_detached() or frame == page.main_frame or not _elsewhere(frame.url, page.url):
                return
            try:
                cdp = await page.context.new_cdp_session(frame)
            except PlaywrightError:
                return  # in its parent's process: the tab's own session hears it
            sessions[frame] = cdp
            try:
                await follow_traffic(cdp, state, frame=True)
            except PlaywrightError as exc:  # gone again meanwhile
                log.debug("Nothing heard from a frame of %s: %s", page.url, exc)

    async def forget(frame: Frame) -> None:
        async with one_at_a_time:
            await forget_now(frame)

    async def forget_now(frame: Frame) -> None:
        old = sessions.pop(frame, None)
        if old is not None:
            state.requests.remove_session(old)
            await _detach(old)

    def start(work: Any) -> None:
        task = asyncio.ensure_future(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    page.on("framenavigated", lambda frame: start(follow(frame)))
    page.on("framedetached", lambda frame: start(forget(frame)))
    for frame in page.frames:
        start(follow(frame))


def _elsewhere(frame_url: str, page_url: str) -> bool:
    """May the frame run in a process of its own? Only a web page of another origin can (about:blank,
    srcdoc and same-origin frames share their parent's): the others cost no round trip to ask."""
    frame_origin, page_origin = urlsplit(frame_url), urlsplit(page_url)
    return frame_origin.scheme in ("http", "https") and (
        (frame_origin.scheme, frame_origin.netloc) != (page_origin.scheme, page_origin.netloc)
    )


async def _detach(cdp: CDPSession) -> None:
    with contextlib.suppress(PlaywrightError):
        await cdp.detach()


def remote_text(value: dict[str, Any]) -> str:
    """A console argument as the console shows it: strings bare, objects by their preview or class."""
    kind = value.get("type")
    if kind == "string":
        return str(value.get("value", ""))
    if kind == "undefined":
        return "undefined"
    if "unserializableValue" in value:
        return str(value["unserializableValue"])
    if kind in ("number", "boolean"):
        return json.dumps(value.get("value"))
    if value.get("subtype") == "null":
        return "null"
    preview = value.get("preview")
    if isinstance(preview, dict) and kind == "object" and value.get("subtype") not in ("error", "node"):
        return _preview_text(preview)
    return str(value.get("description", kind))


def _preview_text(preview: dict[str, Any]) -> str:
    properties = [item for item in preview.get("properties", []) if isinstance(item, dict)]
    array = preview.get("subtype") == "array"
    shown = [
        (_property_value(item) if array else f"{item.get('name')}: {_property_value(item)}")
        for item in properties[:_PREVIEW_ITEMS]
    ]
    if preview.get("overflow") or len(properties) > _PREVIEW_ITEMS:
        shown.append("…")
    inside = ", ".join(shown)
    return f"[{inside}]" if array else f"{{{inside}}}"


def _property_value(item: dict[str, Any]) -> str:
    value = str(item.get("value", item.get("type", "")))
    return f"'{value}'" if item.get("type") == "string" else value


def _level(kind: str) -> str:
    """CDP's console call types are Playwright's; a failed console.assert counts as an error."""
    return "error" if kind == "assert" else kind


def _location(stack: object) -> str:
    frames = stack.get("callFrames") if isinstance(stack, dict) else None
    if not frames or not isinstance(frames[0], dict):
        return ""
    top = frames[0]
    return f"{top.get('url', '')}:{top.get('lineNumber', '')}"
