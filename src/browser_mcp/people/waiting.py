"""Waiting for the person: before an input action, let a busy person finish (policy wait|fail|ignore).

"Busy" means the person pressed a key, clicked or turned the wheel in the last --person-quiet-ms (as
the tabs report it, see person_events), or holds control in neko when that counts. After a type or
fill, the field is read back (`read_back`, by the type tool itself, or at the end of the call): the reply
says so when it does not hold what the agent typed (the person typed into it at the same moment, or the
page changed it) or when the agent's text replaced the person's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from browser_mcp.browser.fields import INPUT_FORMATS
from browser_mcp.config import Settings
from browser_mcp.errors import Problem
from browser_mcp.neko import NekoLink
from browser_mcp.people.activity import ActivityLog, describe
from browser_mcp.people.intent import AgentIntent
from browser_mcp.people.person_script import FIELD_JS, VALUE_CHARS
from browser_mcp.progress import with_progress
from browser_mcp.text import shorten

_NEKO_POLL_S = 0.5  # neko's API says who holds control, not when that changes: ask again this often
_FIELD_READ_MS = 1000


@dataclass(frozen=True)
class Busy:
    doing: str  # "typed in 'Passenger name' 0.4 s ago", "holds control in neko"
    clears_in_s: float  # when to look again
    in_neko: bool = False


@dataclass(frozen=True)
class FieldCheck:
    """A field the agent typed into, and what was in it before."""

    locator: Locator
    text: str
    before: str
    typed_by_person: bool  # the person had typed what was in it


@dataclass(frozen=True)
class FieldReading:
    """What a field the agent typed into holds after the action."""

    holds_text: bool
    sentence: str = ""  # when it does not: "'Notes' now holds 'ab', not the text you typed: <why>."


class PersonWaiting:
    def __init__(self, activity: ActivityLog, settings: Settings, neko: NekoLink | None) -> None:
        self.activity = activity
        self.settings = settings
        self.neko = neko
        self._checks: list[FieldCheck] = []
        self._lines: list[str] = []
        self._call_began_at_seq = 0  # the log's state when the current call began

    async def before_input(self, ctx: Context[Any, Any] | None, page: Page, intent: AgentIntent) -> None:
        """Return when the agent may act; raise Problem if the person stays busy (or policy=fail)."""
        policy = self.settings.person_policy
        busy = await self._busy() if policy != "ignore" else None
        if busy is not None:
            if policy == "fail":
                raise Problem(_busy_error(busy, None))
            started = time.monotonic()
            wait_s = self.settings.person_wait_s
            doing = "holds control in neko" if busy.in_neko else "is using the page"
            message = f"the person {doing}; waiting for them"
            if ctx is not None:  # at once, then every second: the client sees why the call takes long
                with contextlib.suppress(Exception):
                    await ctx.report_progress(0, wait_s, message)
            busy = await with_progress(ctx, self._until_quiet(started + wait_s), message, wait_s)
            if busy is not None:
                raise Problem(_busy_error(busy, wait_s))
            meanwhile = describe(self.activity.untold())
            self.activity.mark_told()
            they = f"; meanwhile they {meanwhile}" if meanwhile else ""
            self._lines.append(
                f"Waited {time.monotonic() - started:.1f} s for the person to finish first{they}."
            )
        if intent.text is not None and intent.locator is not None:
            await self._remember_field(page, intent.locator, intent.text)

    async def _busy(self) -> Busy | None:
        quiet_s = self.settings.person_quiet_ms / 1000
        ago = max(0.0, time.time() - self.activity.last_person_input_at)
        if ago < quiet_s:
            return Busy(f"{self.activity.last_person_input} {ago:.1f} s ago", quiet_s - ago)
        if self.neko is not None and await self.neko.control_counts_as_busy():
            return Busy("holds control in neko", _NEKO_POLL_S, in_neko=True)
        return None

    async def _until_quiet(self, deadline: float) -> Busy | None:
        """None once the person has been quiet long enough; what they are doing if time runs out."""
        while True:
            busy = await self._busy()
            remaining = deadline - time.monotonic()
            if busy is None or remaining <= 0:
                return busy
            # A timer, not a guess: the person is quiet enough at that moment unless they act again.
            await asyncio.sleep(min(busy.clears_in_s + 0.01, remaining))

    # ---- typing into a field the person typed into ----------------------------------------------

    async def _remember_field(self, page: Page, locator: Locator, text: str) -> None:
        if not self._person_typed_during_call(page):
            # The usual case: nothing to read before (a round trip that waits a frame, ~10 ms).
            self._checks.append(FieldCheck(locator, text, "", typed_by_person=False))
            return
        try:
            name, _, before, *_ = await _read_field(locator)
        except Exception:
            return  # not there (yet): the action reports what is wrong with the element
        # Typed there during this call (the agent could not know): earlier typing was in a reply.
        typed_by_person = bool(before) and any(
            entry.who == "person"
            and entry.kind == "type"
            and entry.subject == name
            and entry.page is page
            and entry.seq > self._call_began_at_seq
            for entry in self.activity.entries
        )
        self._checks.append(FieldCheck(locator, text, str(before), typed_by_person))

    def _person_typed_during_call(self, page: Page) -> bool:
        return any(
            entry.who == "person" and entry.kind == "type" and entry.page is page
            for entry in self.activity.entries
            if entry.seq > self._call_began_at_seq
        )

    def call_begins(self) -> None:
        self._call_began_at_seq = self.activity.last_seq
        self._checks.clear()  # left by a call that failed before its end
        self._lines.clear()

    async def read_back(self) -> list[FieldReading]:
        """Read the fields typed into during this call, now and once: the caller's reply can then say
        what they hold. A line about the person's text the agent's replaced goes to the closing lines."""
        checks, self._checks = self._checks, []
        readings: list[FieldReading] = []
        for check in checks:
            with contextlib.suppress(Exception):  # the page moved on (navigated): nothing to check
                readings.append(await self._read_back(check))
        return readings

    async def _read_back(self, check: FieldCheck) -> FieldReading:
        if not check.typed_by_person and _flat(await _value_of(check.locator)) == _flat(check.text):
            return FieldReading(holds_text=True)  # it holds what the agent typed: one quick round trip
        name, secret, value, input_type, max_length = await _read_field(check.locator)
        if check.typed_by_person and _flat(check.before) != _flat(check.text):
            self._lines.append(
                f"Your text replaced {_shown(check.before, secret)}, which the person had typed in '{name}'."
            )
        if _flat(value) == _flat(check.text):
            return FieldReading(holds_text=True)
        if self._person_typed_during_call(check.locator.page):
            why = (
                "the person may have typed in it at the same moment (or the page changed it). Check the "
                "field before going on; ask_user if in doubt."
            )
        elif input_type in INPUT_FORMATS:  # the browser keeps nothing else in it
            why = f"it takes {INPUT_FORMATS[input_type]}."
        elif 0 <= max_length < len(check.text) and len(value) == max_length:
            why = f"it takes at most {max_length} characters (the page's limit)."
        else:
            why = (
                "the page changed it (a length limit, a format or a script). Check the field before going on."
            )
        return FieldReading(
            False, f"'{name}' now holds {_shown(value, secret)}, not the text you typed: {why}"
        )

    async def closing_lines(self) -> list[str]:
        """After the call: how long it waited, and fields that do not hold what the agent typed (those
        the call's reply has not told already)."""
        unread = [reading.sentence for reading in await self.read_back() if not reading.holds_text]
        lines, self._lines = self._lines, []
        return [*lines, *unread]


async def field_holds(locator: Locator, text: str) -> str | None:
    """None if the field holds `text`; else what it holds, as a reply may show it (never a password)."""
    if _flat(await _value_of(locator)) == _flat(text):
        return None
    _, secret, value, *_ = await _read_field(locator)
    return _shown(value, secret)


async def _read_field(locator: Locator) -> tuple[str, bool, str, str, int]:
    """(name, secret, value, type, maxlength) of the field: what a person calls it, whether its value is a
    secret, the type of an <input>, the most characters it takes (-1: no limit)."""
    name, secret, value, input_type, max_length = await locator.evaluate(FIELD_JS, timeout=_FIELD_READ_MS)
    return str(name), bool(secret), str(value), str(input_type), int(max_length)


async def _value_of(locator: Locator) -> str:
    """The field's value. Locator.input_value answers at once; Locator.evaluate waits a frame first."""
    try:
        return await locator.input_value(timeout=_FIELD_READ_MS)
    except PlaywrightError:  # not an input, textarea or select (e.g. contenteditable)
        return (await _read_field(locator))[2]


def _busy_error(busy: Busy, waited_s: float | None) -> str:
    """Why the agent may not act now. `waited_s`: how long it waited (None: the policy is fail)."""
    still = "still " if waited_s is not None else ""
    after = f" after {waited_s:g} s of waiting" if waited_s is not None else ""
    if busy.in_neko:
        return (
            f"The person {still}holds control in neko (the shared screen){after}, and that counts as busy: "
            "try again in a moment, or ask_user to ask them to release control."
        )
    return f"The person is {still}using the page{after} ({busy.doing}); try again in a moment or ask_user."


def _shown(value: str, secret: bool) -> str:
    if secret:
        return "a password (not shown)"
    return f"'{shorten(value, VALUE_CHARS)}'" if value else "nothing"


def _flat(text: str) -> str:
    return " ".join(text.split())
