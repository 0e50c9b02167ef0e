"""What an action changed on the page, told the way the model reads pages: the lines of the AI snapshot
that appeared or changed, and what is no longer shown, so that the model needs no new snapshot to learn
whether its click worked (a status line, an error under a field, a menu that opened).

The page is compared with the last snapshot of the same document the model saw (or one taken just before
the action when there is none). Pages too big to walk in a few milliseconds are left out: the model can
still ask for a snapshot.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from browser_mcp.browser.session import BrowserSession
from browser_mcp.browser.snapshot import Snapshot, looked_ahead, remember, take_snapshot
from browser_mcp.browser.tab_state import PageView, TabState
from browser_mcp.text import REF_PATTERN, shorten

log = logging.getLogger(__name__)

CHANGES_MAX_CHARS = 1_500
_GONE_CHARS = 100  # each element that went, in the "No longer shown" line
# Bigger pages take tens of ms or more to walk: no snapshot around each action on them.
_MAX_ELEMENTS = 4_000
_MAX_SEEN_CHARS = 150_000
_COUNT_ELEMENTS_JS = "document.getElementsByTagName('*').length"
_SNAPSHOT_TIMEOUT_S = 2.0
# How long the reply waits for a page at work to show what came of it.
IN_PROGRESS_CAP_S = 2.0
# "Checking…", "Saving changes...", "Loading results…": an -ing word then an ellipsis; "Please wait";
# "Loading" (a spinner's name).
_AT_WORK = re.compile(r"^(?:loading|please wait\b.{0,30}|[a-z]+ing\b.{0,40}?\s*(?:…|\.\.\.))$", re.IGNORECASE)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
# After an answer in a dialog that then went, with nothing new shown yet, how long the reply waits for what
# it leads to.
CONFIRMED_WAIT_S = 0.8
_GONE_HEAD = "No longer shown:"
_DIALOG = re.compile(r"^- (?:alertdialog|dialog)\b")
# Buttons that only close a dialog: nothing to wait for after them.
_DISMISSAL = re.compile(r"^(?:cancel|close|no\b.*|not now|dismiss|back|×|✕|x)$", re.IGNORECASE)
_BUSY = "busy: "  # a sign of work that is no text on the page but an element marked busy (aria-busy)

_INDENT = re.compile(r"^( *)")
_REF = re.compile(rf"\[ref=({REF_PATTERN})\]")
# Focus moves with every click and key: not news.
_FOCUS_MARK = " [active]"
# An element that shows nothing ("- status" before it has text): neither news when it appears nor when it goes.
_EMPTY = re.compile(r"^- [\w-]+$")
_FOCUSED_FIELD = re.compile(r"^- (?:textbox|searchbox|combobox|spinbutton|slider)\b.*\[active\]")
# A container holding nothing else worth naming ("generic [ref=e3]:") is not a useful "in ..." context.
# The text a line shows after its role, name and marks: "- text: 0:13", "- timer [ref=e4]: 0:13".
_LINE_TEXT = re.compile(r'^\s*- (?:text|[\w-]+(?: "(?:[^"\\]|\\.)*")?(?: \[[^\]]*\])*): (.+)$')
_SHORT_LINE = 60  # a line this short holding a restless text shows little else
_PARENT_LINE_END = re.compile(r"\]:$")  # "- link "Cart" [ref=e5] [cursor=pointer]:"
_BARE_CONTAINER = re.compile(r"^- (?:generic|group|list|listitem|none|presentation)(?: \[[^\]]*\])*:?$")


@dataclass(frozen=True)
class _Line:
    text: str  # as the snapshot has it
    depth: int
    ref: str | None

    @property
    def key(self) -> str:
        """What is compared: the line without focus marks."""
        return self.text.replace(_FOCUS_MARK, "")

    def shows(self, texts: Collection[str]) -> bool:
        """The line's own text is one of `texts`, or a short line holds one (a clock's "0:13 / 3:45")."""
        found = _LINE_TEXT.match(self.text)
        if not found or not texts:
            return False
        own = " ".join(found.group(1).strip('"').split())
        return any(
            own == text or (len(own) <= _SHORT_LINE and len(text) >= 2 and text in own) for text in texts
        )

    @property
    def empty(self) -> bool:
        return self.ref is None and bool(_EMPTY.match(self.key.strip()))


async def note_before_action(session: BrowserSession, page: Page, timeout_s: float) -> None:
    """Make sure the tab has a view of its current document to compare with after the action."""
    state = session.tabs.state(page)
    await looked_ahead(state)
    if _seen_now(state) is not None:
        return
    snapshot = await _view(session, page, timeout_s, None, if_changed=False)
    if snapshot is not None:
        remember(state, snapshot)


async def changes_after_action(
    session: BrowserSession,
    page: Page,
    timeout_s: float,
    *,
    acted_on: Collection[str] = (),
    pressed: str | None = None,
    sets_value: bool = False,
    shown_by_dom: bool = False,
) -> str | None:
    """The "page now shows" part of the reply, or None when nothing changed (or the page is too big).

    `sets_value`: the action set the value of fields (typed, chose), `acted_on` (refs) if named by ref, else
    the focused one: their own change is the action itself, not news. `pressed`: the ref of the element a
    click pressed (an answer in a dialog is followed by what it leads to).
    `shown_by_dom`: what the action can change shows in the DOM (a fill; not a click, whose checkbox or
    :focus-within menu may change with no DOM change): no DOM change, no snapshot.
    """
    state = session.tabs.state(page)
    before = _seen_now(state)
    if before is not None and len(before.text) > _MAX_SEEN_CHARS:
        return None
    snapshot = await _view(session, page, timeout_s, before, if_changed=shown_by_dom)
    if snapshot is None:
        if before is not None:
            before.set_by_agent.update(acted_on)
        return None
    remember(state, snapshot)

    def describe(snapshot: Snapshot) -> str | None:
        if before is None or snapshot.document != before.document:  # a new document: how it begins
            return describe_new_page(snapshot.text)
        return describe_changes(
            before.text,
            snapshot.text,
            acted_on={*acted_on, *before.set_by_agent},
            focused_field_set=sets_value and not acted_on,
            restless=snapshot.changes.restless if snapshot.changes else (),
        )

    def at_work(shows: str | None, snapshot: Snapshot) -> str | None:
        """The sign of work the page now shows (see work_sign), or what it newly marks busy ("busy: ...")."""
        sign = work_sign(shows) if shows is not None else None
        if sign is None:
            busy = _newly_busy(before, snapshot)
            sign = None if busy is None else _BUSY + busy
        return sign

    shows = describe(snapshot)
    only_gone = shows is None or shows.startswith(_GONE_HEAD)
    if only_gone and pressed is not None and before is not None and snapshot.document == before.document:
        confirmed = confirmed_in_dialog(before.text, snapshot.text, pressed)
        if confirmed and await _changes_within(state, min(CONFIRMED_WAIT_S, timeout_s)):
            # What the answer leads to often shows a moment after the dialog goes (its closing animation,
            # then a toast "Draft deleted"), when no request of the action's was there to wait for: one
            # more look.
            later = await _view(session, page, timeout_s, _seen_now(state), if_changed=False)
            if later is not None:
                remember(state, later)
                snapshot, shows = later, describe(later)
    # A page at work ("Checking…", a progress bar, a list marked busy) shows its result a moment later, often
    # from a timer no request waits for: the reply waits for the page to change again, and tells the result.
    loop = asyncio.get_running_loop()
    began = loop.time()
    deadline = began + min(IN_PROGRESS_CAP_S, timeout_s)
    sign = at_work(shows, snapshot)
    while sign is not None:
        left = deadline - loop.time()
        changed = left > 0 and await _changes_within(state, left)
        # At the cap, one last look if the page changed in ways that do not end the wait (its styles).
        later = await _view(session, page, timeout_s, _seen_now(state), if_changed=not changed)
        if later is None:
            break
        remember(state, later)
        shows = describe(later)
        sign = at_work(shows, later)
        if not changed:
            break
    if sign is not None:
        still = _still_at_work(sign, loop.time() - began)
        shows = still if shows is None else f"{shows}\n{still}"
    return shows


def confirmed_in_dialog(before: str, after: str, pressed: str) -> bool:
    """The action pressed (ref) a button in a dialog that is gone now, and not one that only dismisses it."""
    lines = _lines(before)
    parents = _parents(lines)
    now = {line.ref for line in _lines(after)}
    for index, line in enumerate(lines):
        if line.ref != pressed:
            continue
        name = _QUOTED.search(line.text)
        if name is not None and _DISMISSAL.match(name.group(1)):
            return False
        parent = parents[index]
        while parent is not None:
            holder = lines[parent]
            if _DIALOG.match(holder.text.strip()) and holder.ref not in now:
                return True
            parent = parents[parent]
    return False


def _newly_busy(before: PageView | None, snapshot: Snapshot) -> str | None:
    """The name of what the page marks busy (aria-busy) in `snapshot` and did not in `before` ("" if it has
    none); None if nothing."""
    if snapshot.changes is None:
        return None
    known = before.changes.busy if before is not None and before.changes is not None else ()
    return next((name for name in snapshot.changes.busy if name not in known), None)


def work_sign(shows: str) -> str | None:
    """The first sign of work going on in what the page now shows (a progress bar, "Checking…", "Saving
    changes...", "Please wait"): its text, "" for a progress bar; None if there is none."""
    for line in shows.split("\n"):
        if line.startswith(_GONE_HEAD):
            continue
        stripped = line.strip()
        if stripped.startswith("- progressbar"):
            return ""
        texts: list[str] = [*_QUOTED.findall(stripped)]
        own = _LINE_TEXT.match(stripped)
        if own:
            texts.append(own.group(1).strip('"'))
        for text in texts:
            if _AT_WORK.match(text.strip()):
                return text.strip()
    return None


def _still_at_work(sign: str, waited_s: float) -> str:
    """What to do about a page still at work when the reply stops waiting for it."""
    still = f"The page is still at work after {waited_s:.1f} s"
    if sign.startswith(_BUSY):
        busy = sign.removeprefix(_BUSY)
        what = json.dumps(busy, ensure_ascii=False) if busy else "a part of it"
        return f"{still} ({what} marked busy): a snapshot in a moment shows what comes of it."
    if not sign:
        return f"{still} (a progress bar): a snapshot in a moment shows what comes of it."
    return f"{still}: wait_for(text_gone={json.dumps(sign, ensure_ascii=False)}) waits for what comes of it."


async def _changes_within(state: TabState, timeout_s: float) -> bool:
    watch = state.watch
    if watch is None:
        return False
    try:
        return await watch.next_change(timeout_s)
    except (PlaywrightError, TimeoutError, RuntimeError):  # the document went: the next view says so
        return True


def _seen_now(state: TabState) -> PageView | None:
    """The last full view of the tab's current document, if any."""
    if state.seen is None or state.seen.document != state.document:
        return None
    return state.seen


async def _view(
    session: BrowserSession, page: Page, timeout_s: float, before: PageView | None, *, if_changed: bool
) -> Snapshot | None:
    """A snapshot of the page, unless it is not worth one: with no view `before`, a page too big to walk
    in a few ms; (`if_changed`) a page that has not changed since `before`.
    None too when the page could not be read (it navigated on, closed): the action is done all the same."""
    try:
        return await asyncio.wait_for(_view_or_fail(session, page, before, if_changed=if_changed), timeout_s)
    except (PlaywrightError, TimeoutError, RuntimeError) as exc:
        log.debug("No view of the page around the action: %r", exc)
        return None


async def _view_or_fail(
    session: BrowserSession, page: Page, before: PageView | None, *, if_changed: bool
) -> Snapshot | None:
    state = session.tabs.state(page)
    watch = state.watch
    if page.is_closed() or state.dialog is not None or watch is None:
        return None
    if before is None:
        elements = await watch.evaluate(_COUNT_ELEMENTS_JS)
        if not isinstance(elements, int) or elements > _MAX_ELEMENTS:
            return None
    elif if_changed and before.changes is not None:
        now = await watch.changes()
        # Input events are the action's own (a fill): only a DOM change shows something new.
        if now is not None and now.mutations == before.changes.mutations:
            return None
    return await take_snapshot(session, page, timeout_s=_SNAPSHOT_TIMEOUT_S)


def describe_changes(
    before: str,
    after: str,
    *,
    acted_on: Collection[str] = (),
    focused_field_set: bool = False,
    restless: Collection[str] = (),
    max_chars: int = CHANGES_MAX_CHARS,
) -> str | None:
    """What `after` shows that `before` did not, and what it no longer shows; None if nothing.

    The action's own change is left out: the elements `acted_on` (refs), and with `focused_field_set` the
    field that has the focus after it (typing into a field named by a selector). So is what shows the
    `restless` texts, of elements that change by themselves (a clock, a video's time).
    """
    old, new = _lines(before), _lines(after)
    matcher = difflib.SequenceMatcher(
        None, [line.key for line in old], [line.key for line in new], autojunk=False
    )
    own = {*acted_on, *(_focused_fields(new) if focused_field_set else ())}
    quiet = _subtree_indexes(new, own)
    quiet_old = _subtree_indexes(old, own)
    added: list[int] = []
    went: dict[int, int] = {}  # each element that went (its old line) -> how many went inside it
    parents = _parents(old)
    still_there = {line.ref for line in new if line.ref}  # an element moved elsewhere has not gone
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        added.extend(
            j for j in range(j1, j2) if j not in quiet and not new[j].empty and not new[j].shows(restless)
        )
        # A line back as it was but for its ref (a button renamed while it worked, then back) did not go.
        new_keys = {_REF.sub("", new[j].key).strip() for j in range(j1, j2)}
        # As many lines in as out: each is the one before it, changed. A list that shrank lost items.
        one_for_one = i2 - i1 == j2 - j1
        for i in range(i1, i2):
            line = old[i]
            if (
                line.empty
                or i in quiet_old
                or (line.ref is not None and line.ref in still_there)
                or _REF.sub("", line.key).strip() in new_keys
                or (one_for_one and _renamed(line, new, j1 + (i - i1), j2))
            ):
                continue
            if line.ref is None and line.key.strip().startswith("- /"):
                continue  # a property line (/url) of an element that went: the element says it
            holder = _gone_holder(i, parents, went)
            if holder is None:
                went[i] = 0
            else:  # a closed dialog's content: the dialog says it
                went[holder] += 1
    gone = [_summary(old[i]) + _held(inside) for i, inside in went.items()]
    if not added and not gone:
        return None
    return _within(_block(new, added), gone, max_chars)


def describe_new_page(after: str, max_chars: int = CHANGES_MAX_CHARS) -> str:
    """How a new document begins: its main landmark if it has one, else the top of the page."""
    lines = _lines(after)
    start = next((i for i, line in enumerate(lines) if line.key.lstrip().startswith("- main")), 0)
    part = _subtree(lines, start) if start else lines
    head = "The page now shows (its main part):" if start else "The page now shows:"
    return _fit(head, _dedent([line.text for line in part]), [], max_chars, partial=len(part) < len(lines))


def _parents(lines: Sequence[_Line]) -> list[int | None]:
    """The index of each line's parent line (None at the top)."""
    parents: list[int | None] = []
    open_lines: list[int] = []
    for index, line in enumerate(lines):
        while open_lines and lines[open_lines[-1]].depth >= line.depth:
            open_lines.pop()
        parents.append(open_lines[-1] if open_lines else None)
        open_lines.append(index)
    return parents


def _gone_holder(index: int, parents: Sequence[int | None], went: Collection[int]) -> int | None:
    """The element that went and held the line at `index`, if one did."""
    parent = parents[index]
    while parent is not None:
        if parent in went:
            return parent
        parent = parents[parent]
    return None


def _held(inside: int) -> str:
    if not inside:
        return ""
    return " and the element in it" if inside == 1 else f" and the {inside} elements in it"


def _lines(text: str) -> list[_Line]:
    lines = []
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        indent = _INDENT.match(raw)
        ref = _REF.search(raw)
        lines.append(_Line(raw, len(indent.group(1)) if indent else 0, ref.group(1) if ref else None))
    return lines


def _subtree(lines: Sequence[_Line], start: int) -> list[_Line]:
    end = start + 1
    while end < len(lines) and lines[end].depth > lines[start].depth:
        end += 1
    return list(lines[start:end])


def _renamed(line: _Line, new: Sequence[_Line], j: int, j_end: int) -> bool:
    """The line in the same place of the changed block is the same kind of element: it changed (a button
    that renamed itself gets a new ref), it did not go."""
    if j >= j_end or new[j].empty:  # an error that was cleared: its text went
        return False
    return new[j].depth == line.depth and _role(new[j]) == _role(line)


def _role(line: _Line) -> str:
    return line.key.strip().removeprefix("- ").split(" ", 1)[0].rstrip(":")


def _focused_fields(lines: Sequence[_Line]) -> set[str]:
    return {line.ref for line in lines if line.ref and _FOCUSED_FIELD.match(line.text.strip())}


def _subtree_indexes(lines: Sequence[_Line], refs: Collection[str]) -> set[int]:
    if not refs:
        return set()
    found: set[int] = set()
    for i, line in enumerate(lines):
        if line.ref in refs:
            found.update(range(i, i + len(_subtree(lines, i))))
    return found


def _block(lines: Sequence[_Line], indexes: Sequence[int]) -> list[str]:
    """Changed lines, each run under the element it is in (when that element says something)."""
    out: list[str] = []
    run: list[int] = []
    last_context: str | None = None
    for index in [*indexes, -1]:
        # A run ends at a gap, or where it climbs out of the element its first line is in.
        if run and (index != run[-1] + 1 or lines[index].depth < lines[run[0]].depth):
            context = _parent(lines, run[0])
            body = _no_empty_parents(_dedent([lines[i].text for i in run]))
            if context and context != last_context:
                out.append(f"in {context}:")
            indent = "  " if context else ""
            out.extend(indent + line for line in body)
            last_context = context
            run = []
        if index >= 0:
            run.append(index)
    return out


def _parent(lines: Sequence[_Line], index: int) -> str | None:
    """The nearest enclosing line that names something, without its leading dash and colon."""
    depth = lines[index].depth
    for i in range(index - 1, -1, -1):
        line = lines[i]
        if line.depth < depth:
            text = line.key.strip()
            if not _BARE_CONTAINER.match(text):
                return text.removeprefix("- ").rstrip(":")
            depth = line.depth
    return None


def _summary(line: _Line) -> str:
    return shorten(line.key.strip().removeprefix("- ").rstrip(":"), _GONE_CHARS)


def _no_empty_parents(texts: Sequence[str]) -> list[str]:
    """An element line ending in ":" with none of its lines shown under it (a link whose /url did not
    change) loses the colon: nothing is left out below it."""
    out = list(texts)
    for i, text in enumerate(out):
        below = out[i + 1] if i + 1 < len(out) else ""
        if _PARENT_LINE_END.search(text) and _indent_of(below) <= _indent_of(text):
            out[i] = text[:-1]
    return out


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" ")) if text else -1


def _dedent(texts: Sequence[str]) -> list[str]:
    cut = min((len(text) - len(text.lstrip(" ")) for text in texts), default=0)
    return [text[cut:] for text in texts]


def _within(shown: list[str], gone: list[str], max_chars: int) -> str:
    return _fit("The page now shows:" if shown else "", shown, gone, max_chars, partial=False)


def _fit(head: str, shown: list[str], gone: list[str], max_chars: int, *, partial: bool) -> str:
    """Whole lines only, within `max_chars`; if anything is left out, how to see it is said."""
    out: list[str] = [head] if head else []
    used = len(head)
    left_out = 0
    for line in shown:
        if used + len(line) + 1 > max_chars - 120:
            left_out += 1
            continue
        out.append(line)
        used += len(line) + 1
    if gone:
        names = "; ".join(gone)
        room = max(0, max_chars - 120 - used)
        if len(names) > room:
            names = names[: max(0, room - 1)].rsplit("; ", 1)[0] + "; …"
        out.append(f"{_GONE_HEAD} {names}")
        used += len(out[-1]) + 1
    if left_out or partial:
        out.append("[Not all of it fits here: snapshot() shows the whole page.]")
    return "\n".join(out)
