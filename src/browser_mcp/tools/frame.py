"""The frame around every tool call: one call at a time, the person's tab, what changed, one place
that turns failures into sentences, and the reply.

A call: take the lock; (re)connect; find the tab the person looks at and what changed since the last
call (the reply's notes); refuse if a dialog blocks the page; run the handler; tell what the call
caused and any open dialog; remember the tabs for the next call; tell the observers what the agent did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from playwright.async_api import Dialog, Page
from playwright.async_api import Error as PlaywrightError
from pydantic import BaseModel

from browser_mcp.agent_action import AgentAction
from browser_mcp.browser.patience import GaveUp
from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.tabs import Tabs
from browser_mcp.config import Settings
from browser_mcp.errors import Problem
from browser_mcp.liveview import LiveView
from browser_mcp.people import CoBrowsing
from browser_mcp.text import shorten, with_article
from browser_mcp.tools.downloads import download_lines
from browser_mcp.tools.explain import explain, is_closed_error
from browser_mcp.tools.needs_human import needs_human_line
from browser_mcp.tools.reply import Reply, reply_budget
from browser_mcp.tools.spec import Kind, NeedsPage, ToolSpec

log = logging.getLogger(__name__)

_SLOW_CALL_S = 30.0  # a call still running then is told in the log, with where it waits

_DIALOG_TEXT_CHARS = 300
_DETAIL_CHARS = 300  # of an unexpected failure's own text


@dataclass
class Runtime:
    """What every call works with: the browser, the person's side, who hears of the agent's actions."""

    session: BrowserSession
    people: CoBrowsing
    observers: list[Callable[[AgentAction], None]] = field(default_factory=list)
    live: LiveView | None = None  # the live view, when it is served


@dataclass
class ToolCall:
    runtime: Runtime
    spec: ToolSpec
    ctx: Context[Any, Any] | None
    reply: Reply = field(default_factory=Reply)
    current: Page | None = None  # the person's tab, where the call acts
    pages: list[Page] = field(default_factory=list)
    targets_at_begin: int = 0
    target: str | None = None  # what the call acts on ('button "Send" [e12]'): for errors and observers
    doing: str | None = None  # how an error names the action, if not "<tool> on <target>"
    partial: str = ""  # what was done before a failure, said after the error
    acted: bool = True  # False: an acting tool that did not act this time (tabs list)
    _commits: list[Callable[[], None]] = field(default_factory=list)

    @property
    def session(self) -> BrowserSession:
        return self.runtime.session

    @property
    def tabs(self) -> Tabs:
        return self.runtime.session.tabs

    @property
    def people(self) -> CoBrowsing:
        return self.runtime.people

    @property
    def settings(self) -> Settings:
        return self.runtime.session.settings

    @property
    def page(self) -> Page:
        if self.current is None or self.current.is_closed():
            raise Problem("The browser has no open tab. Open one with navigate or tabs(action='new').")
        return self.current

    async def attach_afresh(self) -> None:
        """Attach to the browser afresh now (see BrowserSession.renew); the call goes on with the same tabs
        as their new Page objects."""
        taken_over = await self.session.renew()
        self.people.take_over(taken_over)
        if self.current is not None:
            self.current = taken_over.get(self.current, self.current)
        self.pages = self.session.pages()
        self.targets_at_begin = self.tabs.targets_created

    def keep(self, commit: Callable[[], None]) -> None:
        """Run `commit` once the call's result is the one the model gets (not a discarded trial)."""
        self._commits.append(commit)

    def _commit(self) -> None:
        commits, self._commits = self._commits, []
        for commit in commits:
            commit()


async def run_call(
    runtime: Runtime, spec: ToolSpec, ctx: Context[Any, Any] | None, arguments: dict[str, Any]
) -> ToolCall:
    """Run one tool call; raise ToolError with a clear sentence on any failure."""
    task = asyncio.current_task()
    watchdog = asyncio.get_running_loop().call_later(_SLOW_CALL_S, _log_where_it_waits, spec.name, task)
    try:
        return await _run_locked(runtime, spec, ctx, arguments)
    finally:
        watchdog.cancel()


def _log_where_it_waits(name: str, task: asyncio.Task[Any] | None) -> None:
    """A call this slow is a bug (every wait is bounded well below): say where it waits, for its report."""
    log.warning("%s has run for %.0f s; it waits in:\n%s", name, _SLOW_CALL_S, "\n".join(_awaiting(task)))


def _awaiting(task: asyncio.Task[Any] | None) -> list[str]:
    """The chain of coroutines `task` is suspended in, outermost first (a task's own stack shows one)."""
    lines: list[str] = []
    awaited: Any = task.get_coro() if task is not None else None
    while awaited is not None and len(lines) < 60:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return lines


async def _run_locked(
    runtime: Runtime, spec: ToolSpec, ctx: Context[Any, Any] | None, arguments: dict[str, Any]
) -> ToolCall:
    session = runtime.session
    async with session.lock:
        call = ToolCall(runtime, spec, ctx)
        call.reply.budget = reply_budget(call.settings, arguments)
        call.reply.arguments = _strings_in(arguments)  # a sentence never quotes a 100 KB one whole
        try:
            if not (spec.speculative and await _speculate(call, arguments)):
                await _begin(call)
                await spec.handler(call, **arguments)
                call._commit()
            for line in await runtime.people.waiting.closing_lines():
                call.reply.effect(line)
            await _report_after(call)
        except Exception as exc:
            message = await _failure_sentence(call, exc)
            try:  # what the call caused before it failed (a tab it opened) is still news
                await _report_after(call)
            except Exception:
                log.debug("could not tell what a failed call changed", exc_info=True)
            _end(call)
            partial = f" {call.partial}" if call.partial else ""
            prefix = len(f"Error executing tool {spec.name}: ")  # what the MCP server writes before it
            raise ToolError(call.reply.with_error(message + partial, prefix)) from exc
        _end(call)
        _tell_observers(call)
        return call


async def _speculate(call: ToolCall, arguments: dict[str, Any]) -> bool:
    """Run a read-only handler on the tab whose events say the person sees it, with no round trip
    first; keep the result if the events still say so afterwards. False: run it the normal way.

    A tab's "hidden" event is sent before its reply to our handler's request, so a switch that happened
    before this call is known by the time the handler is done.
    """
    session, person_tab = call.session, call.people.person_tab
    if session.renewal_due(leaving_document=call.spec.renews_attachment):
        return False  # the tabs are about to be new Page objects (see _begin)
    guess = person_tab.likely(events_only=True)
    if guess is None:
        return False
    pages = session.pages()
    trial = ToolCall(call.runtime, call.spec, call.ctx, current=guess, pages=pages)
    failure: Exception | None = None
    try:
        await call.spec.handler(trial, **arguments)
    except Exception as exc:
        failure = exc
    if person_tab.likely(events_only=True) is not guess or set(session.pages()) != set(pages):
        return False  # thrown away: nothing it found is kept
    await _begin(call, known_current=guess)
    call.target = trial.target
    if failure is not None:
        raise failure
    trial._commit()
    call.reply.add(trial.reply)
    return True


async def _begin(call: ToolCall, known_current: Page | None = None) -> None:
    session, people, tabs = call.session, call.people, call.tabs
    if session.renewal_due(leaving_document=call.spec.renews_attachment):
        await call.attach_afresh()
    reconnected = await session.connect()
    if reconnected:
        people.person_tab.mark(session.pages(), None)
    await tabs.wait_for_new_tabs()  # a tab the person just opened, not yet reported
    call.targets_at_begin = tabs.targets_created
    before = people.person_tab.checkpoint
    call.pages = session.pages()
    call.current = known_current or await people.person_tab.find(call.pages)
    if (
        not reconnected
        and (call.current is None or call.current.is_closed())
        and not await session.still_there()
    ):
        # The browser went away just now: its tabs were reported closed before it was reported gone.
        reconnected = await session.connect()
        people.person_tab.mark(session.pages(), None)
        call.pages = session.pages()
        call.current = await people.person_tab.find(call.pages)
    if reconnected:
        call.reply.note(reconnected)
    else:
        changes = await people.changes.since(before, call.pages, call.current)
        # The person's actions come first, in one line with the tab changes that were theirs.
        for note in people.events.opening_notes(changes):
            call.reply.note(note)
    if call.current is None and call.spec.needs_page is NeedsPage.CREATE:
        call.current = await session.new_tab()
        call.pages = session.pages()
    if call.spec.needs_page is not NeedsPage.NO:
        state = tabs.state(call.page)
        if state.dialog is not None and call.spec.blocked_by_dialog:
            raise Problem(describe_dialog(state.dialog, from_agent=state.dialog_from_agent))


async def _report_after(call: ToolCall) -> None:
    """What happened during the call: tabs it opened, the tab in front now, tabs the person closed or
    dialogs they answered meanwhile, and any dialog still open."""
    people = call.people
    for refusal in call.session.guard.untold():  # loads the URL policy stopped, this call's or since
        call.reply.effect(refusal.sentence())
    if call.spec.reports_effects:
        now, changes = await people.changes.during(call.pages, call.current, call.targets_at_begin)
        call.current, call.pages = now, call.session.pages()
    else:
        changes = people.changes.meanwhile()
    for change in changes:
        call.reply.effect(change.note())
    people.events.log_changes(changes)
    for download in download_lines(call.tabs, call.session.pages(), call.current):
        call.reply.effect(download)
    for page in call.tabs.with_dialog():
        state = call.tabs.state(page)
        assert state.dialog is not None
        where = "" if page is call.current else f" on {await call.tabs.label(page)}"
        call.reply.effect(describe_dialog(state.dialog, from_agent=state.dialog_from_agent, where=where))
    if call.spec.kind is not Kind.READ_ONLY:  # a CAPTCHA or a sign-in form: a line pointing to ask_user
        line = await needs_human_line(call.session, call.current, live_view=call.runtime.live is not None)
        if line is not None:
            call.reply.effect(line)


async def _failure_sentence(call: ToolCall, exc: Exception) -> str:
    name, session = call.spec.name, call.session
    if isinstance(exc, Problem):
        if is_closed_error(exc.__cause__) and not await session.still_there():
            return _gone(name)
        return str(exc)
    what = call.doing or (f"{name} on {call.target}" if call.target else name)
    if isinstance(exc, GaveUp):
        return explain(exc.cause, what, exc.waited_s, page_still=True)
    if isinstance(exc, PlaywrightError):
        if not await session.still_there():
            return _gone(name)
        blocked = "net::ERR_BLOCKED_BY_CLIENT" in str(exc) and call.current is not None
        refused = session.guard.untold(call.tabs.state(call.page).target_id) if blocked else []
        if refused:  # the URL policy stopped the load: say that, not the browser's code for it
            said = " ".join(refusal.sentence() for refusal in refused)
            return f"{what} failed: {said[:1].lower()}{said[1:]}"
        return explain(exc, what, _timeout_s(call))
    # A bug of ours: still a sentence, and the server keeps running.
    log.error("%s failed unexpectedly", name, exc_info=exc)
    detail = shorten(str(exc), _DETAIL_CHARS)
    return f"{name} failed unexpectedly ({type(exc).__name__}: {detail}). Try again, or take a snapshot."


def _strings_in(value: object) -> list[str]:
    """Every text in a call's arguments, also inside lists and fields (fill_form's values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings_in(item)]
    return []


def _timeout_s(call: ToolCall) -> float | None:
    if call.spec.timeout == "action":
        return call.settings.action_timeout
    if call.spec.timeout == "navigation":
        return call.settings.navigation_timeout
    return None


def _gone(name: str) -> str:
    return f"{name} failed: the browser went away during the call (closed or restarted). The next call reconnects."


def _end(call: ToolCall) -> None:
    """Remember the tabs as this call leaves them, for the next call's notes; tell the person's side."""
    call.people.call_over()
    try:
        if call.session.is_connected():
            call.people.person_tab.mark(call.session.pages(), call.current)
    except Exception:
        log.exception("could not record the tabs after a call")


def _tell_observers(call: ToolCall) -> None:
    spec = call.spec
    if spec.kind is Kind.READ_ONLY or not call.acted or not call.reply.lines:
        return
    current = call.current
    tab = call.tabs.known_label(current) if current is not None and not current.is_closed() else None
    kind: Literal["acts", "destructive"] = "destructive" if spec.kind is Kind.DESTRUCTIVE else "acts"
    action = AgentAction(spec.name, kind, call.reply.lines[0], call.target, tab)
    for observer in call.runtime.observers:
        try:
            observer(action)
        except Exception:
            log.exception("an observer of the agent's actions failed")


def describe_dialog(dialog: Dialog, *, from_agent: bool, where: str = "") -> str:
    """The sentence for an open dialog: the agent answers its own; the person's are left to them."""
    default = f" (default answer '{dialog.default_value}')" if dialog.type == "prompt" else ""
    opened = (
        f"{with_article(dialog.type).capitalize()} dialog is open{where}: "
        f"'{dialog.message[:_DIALOG_TEXT_CHARS]}'{default}. It blocks the page"
    )
    if from_agent:
        return f"{opened}: answer it with handle_dialog(accept=true|false)."
    return (
        f"{opened}; it opened outside your actions, so the person may be answering it. Wait (wait_for "
        "seconds=5) and retry, or answer it with handle_dialog if the person asked you to."
    )
