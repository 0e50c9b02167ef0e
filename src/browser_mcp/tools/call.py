"""The frame around every tool: one call at a time, the person's tab, notes, effects, clear errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mcp.server.mcpserver import Context
from playwright.async_api import Dialog, Page
from playwright.async_api import Error as PlaywrightError

from browser_mcp.browser.call_news import TabChange
from browser_mcp.browser.session import BrowserSession, Checkpoint
from browser_mcp.errors import ToolError, explain, is_closed_error, with_article
from browser_mcp.response import Reply

log = logging.getLogger(__name__)


class NeedsPage(Enum):
    NO = "no"  # tabs, console: works with no tab at all
    YES = "yes"  # acts on the person's tab; fails if the browser has none
    CREATE = "create"  # navigate: opens a tab if the browser has none


@dataclass
class ToolCall:
    session: BrowserSession
    ctx: Context[Any, Any] | None
    reply: Reply = field(default_factory=Reply)
    current: Page | None = None
    pages: list[Page] = field(default_factory=list)
    targets_at_begin: int = 0

    @property
    def page(self) -> Page:
        if self.current is None or self.current.is_closed():
            raise ToolError("The browser has no open tab. Open one with navigate or tabs(action='new').")
        return self.current


Body = Callable[[ToolCall], Awaitable[None]]


def _tell_observers(session: BrowserSession, name: str, lines: list[str]) -> None:
    for observer in session.action_observers:
        try:
            observer(name, list(lines))
        except Exception:
            log.exception("an action observer failed")


async def run_tool(
    session: BrowserSession,
    ctx: Context[Any, Any] | None,
    name: str,
    body: Body,
    *,
    needs_page: NeedsPage = NeedsPage.YES,
    blocked_by_dialog: bool = True,
    report_effects: bool = True,
    speculative: bool = False,
) -> ToolCall:
    """Run `body` under the session lock; raise ToolError with a clear sentence on any failure.

    `speculative` (read-only bodies only): see _run_speculatively.
    """
    async with session.lock:
        call = ToolCall(session, ctx)
        try:
            if not (speculative and await _run_speculatively(call, body, needs_page, blocked_by_dialog)):
                await _begin(call, needs_page, blocked_by_dialog)
                await body(call)
            for line in await session.news.closing_lines():
                call.reply.effect(line)
            if report_effects:
                await _report_effects(call)
            else:
                await _report_dialog(call)
        except ToolError as exc:
            message = str(exc)
            if is_closed_error(exc.__cause__) and not await _browser_still_there(session):
                message = _gone(name)
            _end(call)
            raise ToolError(call.reply.with_error(message)) from exc
        except PlaywrightError as exc:
            message = _gone(name) if not await _browser_still_there(session) else str(explain(exc, name))
            _end(call)
            raise ToolError(call.reply.with_error(message)) from exc
        except Exception as exc:  # a bug of ours: still a sentence, and the server keeps running
            _end_quietly(call)
            log.exception("%s failed unexpectedly", name)
            raise ToolError(
                call.reply.with_error(
                    f"{name} failed unexpectedly ({type(exc).__name__}: {exc}). Try again, or take a snapshot."
                )
            ) from exc
        _end(call)
        _tell_observers(session, name, call.reply.lines)
        return call


async def _browser_still_there(session: BrowserSession) -> bool:
    return session.is_connected() and await session.browser_answers()


def _gone(name: str) -> str:
    return f"{name} failed: the browser went away during the call (closed or restarted). The next call reconnects."


async def _run_speculatively(
    call: ToolCall, body: Body, needs_page: NeedsPage, blocked_by_dialog: bool
) -> bool:
    """Run a read-only `body` on the tab whose events say the person sees it, with no round trip
    first; keep the result if the events still say so afterwards. False: run it the normal way.

    A tab's "hidden" event is sent before its reply to our body's request, so a switch that happened
    before this call is known by the time the body is done.
    """
    session = call.session
    guess = session.likely_person_tab(events_only=True)
    if guess is None:
        return False
    pages = session.pages()
    trial = ToolCall(session, call.ctx, current=guess, pages=pages)
    failure: Exception | None = None
    try:
        await body(trial)
    except Exception as exc:
        failure = exc
    if session.likely_person_tab(events_only=True) is not guess or set(session.pages()) != set(pages):
        return False
    await _begin(call, needs_page, blocked_by_dialog, known_current=guess)
    if failure is not None:
        raise failure
    call.reply.lines.extend(trial.reply.lines)
    for effect in trial.reply.effects:
        call.reply.effect(effect)
    return True


async def _begin(
    call: ToolCall, needs_page: NeedsPage, blocked_by_dialog: bool, known_current: Page | None = None
) -> None:
    session = call.session
    reconnected = await session.connect()
    await session.wait_for_new_tabs()  # a tab the person just opened, not yet reported
    call.targets_at_begin = session.targets_created
    before = session.checkpoint
    call.pages = session.pages()
    call.current = known_current or await session.person_tab(call.pages)
    if reconnected:
        call.reply.note(reconnected)
    else:
        changes = await changes_between_calls(session, before, call.pages, call.current)
        # The person's actions come first, in one line with the tab changes that were theirs.
        for note in session.news.opening_notes(changes):
            call.reply.note(note)
    if call.current is None and needs_page is NeedsPage.CREATE:
        call.current = await session.new_tab()
        call.pages = session.pages()
    if needs_page is not NeedsPage.NO:
        page = call.page
        dialog = session.tab(page).dialog
        if dialog is not None and blocked_by_dialog:
            raise ToolError(describe_dialog(dialog, from_agent=session.tab(page).dialog_from_agent))


async def changes_between_calls(
    session: BrowserSession, before: Checkpoint, pages: list[Page], current: Page | None
) -> list[TabChange]:
    changes: list[TabChange] = []
    for title, url in session.take_closed():
        changes.append(
            TabChange(
                "closed", f"Tab {_quote(title)}({url}) was closed.", f"closed tab {_quote(title)}({url})"
            )
        )
    for answered in session.take_answered_dialogs():
        changes.append(
            TabChange(
                "dialog_answered",
                f"The {answered} dialog was answered outside your calls (by the person).",
                f"answered the {answered} dialog",
            )
        )
    opened = [page for page in pages if page not in before.pages]
    if current is not None and before.current is not None and current is not before.current:
        view = await session.view(current, pages)
        if before.current.is_closed() or before.current not in pages:
            note = f"Your tab was closed; now acting on the tab in front: {view.label()}."
            changes.append(TabChange("tab_gone", note, page=current))
        elif current in opened:
            note = f"A new tab opened in front: {view.label()}; acting on it."
            changes.append(
                TabChange("opened_in_front", note, f"opened a new tab in front: {view.label()}", current)
            )
        else:
            note = f"The person switched tabs: now acting on {view.label()}."
            changes.append(TabChange("switched", note, f"switched to {view.label()}", current))
    elif current is not None and current is before.current and current.url != before.current_url:
        view = await session.view(current, pages)
        note = f"This tab navigated since your last call: now {_quote(view.title)}({view.url})."
        changes.append(TabChange("navigated", note, page=current))
    for page in opened:
        if page is not current:
            view = await session.view(page, pages)
            note = f"New tab in the background: {view.label()}."
            changes.append(TabChange("opened_behind", note, f"opened {view.label()} in the background", page))
    return changes


async def _report_effects(call: ToolCall) -> None:
    """What the call caused: new tabs, a tab that came to front, a URL change, an open dialog."""
    session = call.session
    if not session.is_connected():
        return
    pages = session.pages()
    acted_on = call.current
    unchanged = set(pages) == set(call.pages) and session.targets_created == call.targets_at_begin
    if unchanged and acted_on is not None and not acted_on.is_closed():
        # No tab opened or closed: the tab in front is still the one the call acted on.
        now: Page | None = acted_on
    else:
        now = await session.person_tab(pages) if pages else None
    for page in pages:
        if page not in call.pages:
            view = await session.view(page, pages)
            where = "it is in front, later calls act on it" if page is now else "in the background"
            call.reply.effect(f"Opened {view.label()}; {where}.")
    if acted_on is not None and now is not acted_on and now is not None and now in call.pages:
        view = await session.view(now, pages)
        call.reply.effect(f"The tab in front is now {view.label()}; later calls act on it.")
    call.current = now
    call.pages = pages
    await _report_dialog(call)


async def _report_dialog(call: ToolCall) -> None:
    for page in call.session.pages():
        dialog = call.session.tab(page).dialog
        if dialog is None:
            continue
        where = "" if page is call.current else f" on {(await call.session.view(page)).label()}"
        call.reply.effect(
            describe_dialog(dialog, from_agent=call.session.tab(page).dialog_from_agent, where=where)
        )


def describe_dialog(dialog: Dialog, *, from_agent: bool, where: str = "") -> str:
    """The sentence for an open dialog: the agent answers its own; the person's are left to them."""
    default = f" (default answer '{dialog.default_value}')" if dialog.type == "prompt" else ""
    opened = (
        f"{with_article(dialog.type).capitalize()} dialog is open{where}: '{dialog.message[:300]}'{default}. "
        "It blocks the page"
    )
    if from_agent:
        return f"{opened}: answer it with handle_dialog(accept=true|false)."
    return (
        f"{opened}; it opened outside your actions, so the person may be answering it. Wait (wait_for "
        "seconds=5) and retry, or answer it with handle_dialog if the person asked you to."
    )


def _end(call: ToolCall) -> None:
    session = call.session
    if session.is_connected():
        session.mark(session.pages(), call.current)


def _end_quietly(call: ToolCall) -> None:
    try:
        _end(call)
    except Exception:
        log.exception("could not record the tabs after a failed call")


def _quote(title: str) -> str:
    return f"'{title}' " if title else ""
