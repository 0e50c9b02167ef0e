"""From what the tabs report to the activity log, and from the log to the first line of each reply.

Every tab runs PERSON_SCRIPT (clicks, typing, keys, scrolling, new documents). A report is the
agent's if the page stamped it inside one of the agent's action windows (plus a small slack), else
the person's. Tab switches, new and closed tabs and answered dialogs are found between two calls (tab_changes.py) and
come in as TabChanges at the start of the next call, or at the end of the call they happened during.
"""

from __future__ import annotations

from typing import TypeVar

from playwright.async_api import Page

from browser_mcp.agent_action import AgentAction
from browser_mcp.browser.action_windows import AFTER_SLACK_MS, WHEEL_SLACK_MS, ActionWindows, now_ms
from browser_mcp.browser.page_watch import PageEvent
from browser_mcp.browser.session import BrowserSession
from browser_mcp.people.activity import (
    CLAUSE_CHARS,
    LIVE_VIEW,
    ActivityEntry,
    ActivityLog,
    describe,
    news_line,
    with_text,
)
from browser_mcp.people.tab_changes import TabChange
from browser_mcp.people.waiting import PersonWaiting
from browser_mcp.text import shorten

# Scrolling counts as the person's only right after their own wheel, key or click on that tab: the
# page scrolls by itself too (anchors, scripts), and the agent's wheel scrolls on after its window.
_SCROLL_AFTER_INPUT_MS = 1500.0
_AGENT_TEXT_CHARS = 160
_URL_CHARS = 100
_INPUT_WHAT = {"key": "pressed a key", "click": "clicked", "wheel": "scrolled"}
# Navigations the page's own code asks for (CDP's reasons); a link or a form is the click's or the key's.
_PAGE_INITIATED = frozenset({"scriptInitiated", "metaTagRefresh", "httpHeaderRefresh", "reload"})
_CAUSED_BY_INPUT_MS = 2000.0  # a script that moves on this soon after the person's input answers it
# A tab the agent brought to front (or that came to front as it closed another) may say so this long
# after its call: the browser tells the page once it has drawn it, later on a busy machine.
_FRONTED_BY_AGENT_MS = 1500.0

_V = TypeVar("_V")  # what is known of a tab


class PersonEvents:
    def __init__(
        self,
        session: BrowserSession,
        activity: ActivityLog,
        waiting: PersonWaiting,
        viewer_input: ActionWindows,
    ) -> None:
        self.session = session
        self.activity = activity
        self.waiting = waiting
        self.viewer_input = viewer_input
        self._input_at: dict[Page, float] = {}  # the person's latest input per tab (ms)
        self._visible_at: dict[Page, float] = {}  # when each tab last came to front (ms)
        self._shown: dict[Page, bool] = {}  # whether each tab said it is visible, in its latest report
        self._fronted_by_agent: dict[Page, float] = {}  # tabs the agent's call may bring to front, until (ms)

    def take_over(self, pages: dict[Page, Page]) -> None:
        """The same tabs as new Page objects (the browser attached afresh): what is known of each follows
        it; what the new tab reported meanwhile stays."""
        for known in (self._input_at, self._visible_at, self._fronted_by_agent):
            _follow(known, pages)
        _follow(self._shown, pages)

    # ---- reports from the tabs ------------------------------------------------------------------

    def on_page_event(self, page: Page, event: PageEvent) -> None:
        if event.kind == "visibility":
            shown = event.data.get("visibility") == "visible"
            # Reported again when only its focus changes (a blur as the person goes to another tab).
            came_to_front = shown and self._shown.get(page) is not True
            # Back to front: a new tab may start hidden and come to front as it opens, which is no switch.
            switched = came_to_front and page in self._visible_at
            self._shown[page] = shown
            if came_to_front:
                self._visible_at[page] = event.at
            fronted_by_agent = self._fronted_by_agent.pop(page, 0.0) >= event.at
            if (
                switched
                and not fronted_by_agent
                and not self.session.windows.covers(event.at, AFTER_SLACK_MS)
            ):
                # Told as it happens: a switch away and back between two calls leaves no other trace.
                label = self.session.tabs.known_label(page)
                self._log(page, event.at, f"switched to {label}", "switch")
            return
        if not event.kind.startswith("seen_"):
            return
        at = float(event.data.get("started") or event.at)
        # The agent's wheel reaches the page through the compositor, a moment after its call returned.
        after = WHEEL_SLACK_MS if event.data.get("what") == "wheel" else AFTER_SLACK_MS
        if self.session.windows.covers(at, after):
            return
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(page, at, event.data)

    def _on_seen_input(self, page: Page, at: float, data: dict[str, object]) -> None:
        what = str(data.get("what", ""))
        field = str(data.get("field") or "")
        self._input_at[page] = max(at, self._input_at.get(page, 0.0))
        self.session.guard.person_acted(self.session.tabs.state(page).target_id)  # the tab is theirs now
        described = (
            (f"typed in '{field}'" if field else "typed") if what == "type" else _INPUT_WHAT.get(what, what)
        )
        self.activity.person_input(at / 1000, described)
        key = str(data.get("key") or "")
        if key:
            where = f" in '{field}'" if field else ""
            self._log(page, at, f"pressed {key}{where}", "key")

    def _on_seen_typed(self, page: Page, at: float, data: dict[str, object]) -> None:
        field = str(data.get("field") or "a field")
        if data.get("secret"):
            text = f"typed in '{field}' (a password: value not shown)"
        elif data.get("empty"):
            text = f"cleared '{field}'"
        else:
            text = f"typed '{data.get('value', '')}' in '{field}'"
        self._log(page, at, text, "type", subject=field, coalesce=True)

    def _on_seen_chose(self, page: Page, at: float, data: dict[str, object]) -> None:
        field = str(data.get("field") or "a field")
        if "checked" in data:
            verb = (
                ("checked" if data.get("checked") else "unchecked")
                if data.get("role") == "checkbox"
                else "chose"
            )
            text = f"{verb} '{field}'"
        else:
            text = f"chose '{data.get('value', '')}' in '{field}'"
        self._log(page, at, text, "choose", subject=field, coalesce=True)

    def _on_seen_click(self, page: Page, at: float, data: dict[str, object]) -> None:
        role, name = str(data.get("role") or ""), str(data.get("name") or "")
        target = f'{role} "{name}"' if role and name else (role or f"'{name}'")
        self._log(page, at, f"clicked {target}", "click")

    def _on_seen_scroll(self, page: Page, at: float, data: dict[str, object]) -> None:
        if at - self._input_at.get(page, 0.0) > _SCROLL_AFTER_INPUT_MS:
            return
        self._log(page, at, f"scrolled the page ({data.get('percent', 0)}% down)", "scroll", coalesce=True)

    def _on_seen_document(self, page: Page, at: float, data: dict[str, object]) -> None:
        url = str(data.get("url", ""))
        if not url.startswith(("http:", "https:", "file:")):
            return  # about:blank of a new tab, Chromium's own pages
        if self._page_moved_on(page, at):
            return  # nobody's doing: the reply says where the tab is now, as a change of the tab
        how = str(data.get("how", "navigate"))
        verb = {"back_forward": "went back/forward to", "reload": "reloaded"}.get(how, "navigated to")
        self._log(page, at, f"{verb} {shorten(url, _URL_CHARS)}", "navigate")

    def _page_moved_on(self, page: Page, at_ms: float) -> bool:
        """The page's own script or refresh opened this document, not in answer to the person's input (a
        redirect after a notice, a page that reloads itself)."""
        watch = self.session.tabs.state(page).watch
        if watch is None or watch.navigation_reason not in _PAGE_INITIATED:
            return False
        return not self._answers_input(page, at_ms)

    def _page_opened(self, change: TabChange) -> bool:
        """A tab a page opened by itself (its script's window.open, not in answer to the person's input; a
        click of the agent's whose popup came after its reply)."""
        if change.opener is None or change.page is None:
            return False  # the person's own new tab (ctrl+t, a bookmark)
        return not self._answers_input(change.opener, self._visible_at.get(change.page, now_ms()))

    def _answers_input(self, page: Page, at_ms: float) -> bool:
        """Whether something the page did at `at_ms` came soon enough after the person's input there to be
        its answer (their click ran the script)."""
        return at_ms - self._input_at.get(page, 0.0) <= _CAUSED_BY_INPUT_MS

    def _log(
        self, page: Page, at_ms: float, text: str, kind: str, *, subject: str = "", coalesce: bool = False
    ) -> None:
        self.activity.add(
            "person",
            text,
            self._tab_label(page),
            at_ms / 1000,
            kind=kind,
            subject=subject,
            page=page,
            coalesce=coalesce,
            via=self._via(at_ms),
        )

    def _via(self, at_ms: float) -> str:
        return LIVE_VIEW if self.viewer_input.covers(at_ms, WHEEL_SLACK_MS) else ""

    def _tab_label(self, page: Page) -> str:
        return "" if page.is_closed() else self.session.tabs.known_label(page).short()

    # ---- the agent's side -------------------------------------------------------------------------

    def agent_brings_to_front(self, pages: list[Page]) -> None:
        """The agent's call brings one of `pages` to front (it selected one, or closed the one in front): its
        report of coming to front is the agent's doing, even when it comes after the call."""
        until = now_ms() + _FRONTED_BY_AGENT_MS
        self._fronted_by_agent = {
            page: at for page, at in self._fronted_by_agent.items() if not page.is_closed()
        }
        self._fronted_by_agent.update(dict.fromkeys(pages, until))

    def on_agent_action(self, action: AgentAction) -> None:
        tab = action.tab.short() if action.tab is not None else ""
        self.activity.add("agent", shorten(action.summary, _AGENT_TEXT_CHARS), tab, kind=action.tool)

    # ---- the reply's first line and last lines ----------------------------------------------------

    def opening_notes(self, changes: list[TabChange]) -> list[str]:
        """One line of what the person did since the last call (their tab changes included), then
        the tab changes that need a sentence of their own."""
        self.waiting.call_begins()
        known = (*self._input_at, *self._visible_at, *self._shown)
        for gone in [page for page in known if page.is_closed()]:
            for per_tab in (self._input_at, self._visible_at, self._shown):
                per_tab.pop(gone, None)
        notes: list[str] = []
        news = self.activity.untold()
        for change in changes:
            if change.kind in ("opened_in_front", "opened_behind") and self._page_opened(change):
                notes.append(change.note())  # nobody's doing: a change of the tabs, said as such
                continue
            if change.kind in ("switched", "opened_in_front", "opened_behind"):
                now = change.kind != "opened_behind"
                # A switch to it told as it happened: the same news, once (a new tab opened behind
                # and then switched to is said as opened in front).
                switch = next(
                    (e for e in reversed(news) if e.kind == "switch" and e.page is change.page), None
                )
                if switch is not None:
                    news.remove(switch)
                entry = (
                    switch
                    if change.kind == "switched" and switch is not None
                    else self._log_tab_change(change)
                )
                # The line names the tab and its URL: its navigations need no clause of their own.
                news = [e for e in news if not (e.kind == "navigate" and e.page is change.page)]
                where = f"{shorten(entry.text, CLAUSE_CHARS - 20)}, where you now act"
                news.append(with_text(entry, where) if now else entry)
            elif change.kind == "navigated":
                if not any(e.kind == "navigate" and e.page is change.page for e in news):
                    notes.append(change.note())
            else:
                notes.append(change.note())
                self.log_changes([change])  # in the log for `activity`; the note says it in this reply
        self.activity.mark_told()
        if not news:
            return notes
        news.sort(key=lambda entry: entry.at)
        return [news_line(describe(news)), *notes]

    def _log_tab_change(self, change: TabChange) -> ActivityEntry:
        at = self._visible_at.get(change.page, now_ms()) if change.page is not None else now_ms()
        did = change.person_did()
        if change.kind == "opened_behind" and change.page in self._visible_at:
            did = f"opened {change.tab}"  # in front, then they went back to another tab (said apart)
        return self.activity.add(
            "person", did, "", at / 1000, kind="tab", page=change.page, via=self._via(at)
        )

    def log_changes(self, changes: list[TabChange]) -> None:
        """Closed tabs and answered dialogs that were the person's, for `activity`."""
        for change in changes:
            if change.kind in ("closed", "dialog_answered"):
                self.activity.add("person", change.person_did(), kind=change.kind, told=True)


def _follow(known: dict[Page, _V], pages: dict[Page, Page]) -> None:
    """Move what is known of each tab before to the same tab now, unless the tab now reported it anew."""
    for before, now in pages.items():
        if before in known:
            known.setdefault(now, known.pop(before))
