"""Browser-free unit tests of the pure parts: the sentences and text the model and the person read.

No Chromium, no subprocess, no network: Playwright's exception classes are built from message strings
shaped like the ones Playwright raises.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import cast

import pytest
from playwright.async_api import Error, Page, TimeoutError

from browser_mcp.browser import action_windows, tab_requests
from browser_mcp.browser.action_windows import (
    AFTER_SLACK_MS,
    BEFORE_SLACK_MS,
    WHEEL_SLACK_MS,
    ActionWindows,
    now_ms,
)
from browser_mcp.browser.editor_texts import add_editor_texts
from browser_mcp.browser.network_list import HEARD_LIMIT, HeardLog, hide_secret_parameters, page_requests
from browser_mcp.browser.outline import SnapshotPage, budget_note, cut_to_budget
from browser_mcp.browser.page_changes import (
    confirmed_in_dialog,
    describe_changes,
    describe_new_page,
    work_sign,
)
from browser_mcp.browser.tabs import TabLabel
from browser_mcp.neko.link import chat_line
from browser_mcp.people.activity import CLAUSE_CHARS, NEWS_CLAUSES, ActivityLog, describe, news_line
from browser_mcp.people.tab_changes import ChangeKind, TabChange
from browser_mcp.text import clean_ref, is_ref, quoted, shorten, with_article, without_refs
from browser_mcp.tools.explain import explain, is_closed_error
from browser_mcp.tools.reply import Reply

# --- explain: Playwright errors as sentences ---------------------------------------------------

CLICK = "click on button 'Send'"

COVERED = """Locator.click: Timeout 2000ms exceeded.
Call log:
  - waiting for locator("aria-ref=e12")
    - locator resolved to <button id="send">Send</button>
  - attempting click action
    2 × waiting for element to be visible, enabled and stable
      - element is visible, enabled and stable
      - scrolling into view if needed
      - done scrolling
      - <div class="overlay"></div> intercepts pointer events
    - retrying click action
"""

NOT_VISIBLE = """Locator.click: Timeout 2000ms exceeded.
Call log:
  - waiting for locator("aria-ref=e12")
    - locator resolved to <button id="send">Send</button>
  - attempting click action
    2 × waiting for element to be visible, enabled and stable
      - element is not visible
    - retrying click action
"""

DISABLED = """Locator.click: Timeout 2000ms exceeded.
Call log:
  - waiting for locator("aria-ref=e12")
    - locator resolved to <button disabled id="send">Send</button>
  - attempting click action
    2 × waiting for element to be visible, enabled and stable
      - element is not enabled
    - retrying click action
"""

NOT_FOUND = """Locator.click: Timeout 2000ms exceeded.
Call log:
  - waiting for locator("#missing")
"""

GOTO_TIMEOUT = """Page.goto: Timeout 30000ms exceeded.
Call log:
  - navigating to "http://slow.test/", waiting until "load"
"""

STRICT = """Locator.click: Error: strict mode violation: locator("button") resolved to 3 elements:
    1) <button>One</button> aka get_by_role("button", name="One")
    2) <button>Two</button> aka get_by_role("button", name="Two")
    3) <button>Three</button> aka get_by_role("button", name="Three")

Call log:
  - waiting for locator("button")
"""


def test_covered_element_names_the_blocker_and_what_to_do() -> None:
    """A click blocked by an overlay says so, names the overlay, the timeout, and to close it."""
    sentence = explain(TimeoutError(COVERED), CLICK, 2.0)
    assert sentence.startswith(f"{CLICK} failed after 2 s: the element is covered by another element")
    assert '<div class="overlay"></div> is on top of it' in sentence
    assert "Close the overlay" in sentence


def test_hidden_element_says_it_is_not_visible() -> None:
    """A click on a hidden element says it is not visible and to open what contains it."""
    sentence = explain(TimeoutError(NOT_VISIBLE), CLICK, 2.0)
    assert sentence.startswith(f"{CLICK} failed after 2 s: the element is not visible")
    assert "Open the menu or section" in sentence


def test_disabled_element_says_it_is_disabled() -> None:
    """A click on a disabled button says it is disabled and to fill what it needs."""
    sentence = explain(TimeoutError(DISABLED), CLICK, 2.0)
    assert sentence == f"{CLICK} failed after 2 s: the element is disabled. Fill what it needs first."


def test_nothing_matched_asks_for_a_new_snapshot() -> None:
    """A locator that never resolved says no element matched and to take a new snapshot."""
    sentence = explain(TimeoutError(NOT_FOUND), CLICK, 2.0)
    assert (
        sentence
        == f"{CLICK} failed after 2 s: no element matched. Take a new snapshot and use a ref from it."
    )


def test_navigation_timeout_says_the_page_did_not_finish_loading() -> None:
    """A goto that timed out says the page did not finish loading, after how long, and what to do."""
    sentence = explain(TimeoutError(GOTO_TIMEOUT), "navigate to http://slow.test/", 30.0)
    assert sentence.startswith("navigate to http://slow.test/ timed out after 30 s: the page did not finish")
    assert "snapshot" in sentence


def test_timeout_without_a_known_cause_still_says_timed_out() -> None:
    """A timeout whose call log says nothing known still names the action and the time."""
    sentence = explain(TimeoutError("Page.wait_for_function: Timeout 500ms exceeded."), "wait", 0.5)
    assert sentence.startswith("wait timed out after 0.5 s.")


def test_timeout_without_seconds_has_no_after() -> None:
    """With no timeout given, the sentence does not invent one."""
    sentence = explain(TimeoutError(NOT_FOUND), CLICK)
    assert sentence.startswith(f"{CLICK} failed: no element matched.")
    assert "after" not in sentence


def test_plain_error_with_timeout_exceeded_counts_as_a_timeout() -> None:
    """An Error (not TimeoutError) whose first line says 'Timeout ... exceeded' reads as a timeout."""
    sentence = explain(Error(NOT_FOUND), CLICK, 2.0)
    assert sentence.startswith(f"{CLICK} failed after 2 s: no element matched.")


def test_unresolvable_host_names_the_code_and_the_cause() -> None:
    """A DNS failure keeps Chromium's code and explains it in words."""
    error = Error(
        'Page.goto: net::ERR_NAME_NOT_RESOLVED at http://nope.invalid/\nCall log:\n  - navigating to "http://nope.invalid/", waiting until "load"\n'
    )
    sentence = explain(error, "navigate to http://nope.invalid/")
    assert sentence == (
        "navigate to http://nope.invalid/ failed: net::ERR_NAME_NOT_RESOLVED "
        "(the host name could not be resolved; check the URL)."
    )


def test_certificate_errors_share_one_hint() -> None:
    """Any net::ERR_CERT_* error says the certificate was rejected."""
    error = Error("Page.goto: net::ERR_CERT_AUTHORITY_INVALID at https://self-signed.test/")
    sentence = explain(error, "navigate")
    assert "net::ERR_CERT_AUTHORITY_INVALID (the site's TLS certificate was rejected)" in sentence


def test_net_error_codes_with_digits_are_kept_whole() -> None:
    """A Chromium error code with a digit in it (ERR_HTTP2_PROTOCOL_ERROR) reaches the model whole."""
    error = Error("Page.goto: net::ERR_HTTP2_PROTOCOL_ERROR at https://h2.test/")
    assert "net::ERR_HTTP2_PROTOCOL_ERROR" in explain(error, "navigate to https://h2.test/")


def test_unknown_key_names_the_key_and_valid_examples() -> None:
    """A misspelt key name is quoted back with examples of valid names."""
    sentence = explain(Error('Keyboard.press: Unknown key: "Entr"'), "press Entr")
    assert sentence.startswith("press Entr failed: 'Entr' is not a key name.")
    assert "Enter" in sentence and "Escape" in sentence


def test_strict_mode_violation_says_how_many_matched() -> None:
    """A selector matching several elements says how many and to use a ref instead."""
    sentence = explain(Error(STRICT), "click on 'button'")
    assert sentence.startswith("click on 'button' failed: the selector matches 3 elements.")
    assert "ref" in sentence


def test_closed_page_says_what_closed_and_to_call_tabs() -> None:
    """A page closed mid-call says the tab or browser closed and to call tabs."""
    sentence = explain(Error("Locator.click: Target page, context or browser has been closed"), CLICK)
    assert sentence.startswith(f"{CLICK} failed: the tab or the browser closed during the call.")
    assert "Call tabs" in sentence


def test_unknown_error_keeps_only_its_first_line_without_the_method() -> None:
    """Anything else is passed on as its first line, without Playwright's 'Class.method: ' prefix."""
    error = Error("Locator.set_checked: Clicking the checkbox did not change its state\nCall log:\n  - x")
    sentence = explain(error, "check 'Agree'")
    assert sentence == "check 'Agree' failed: Clicking the checkbox did not change its state"


@pytest.mark.parametrize(
    "message",
    [
        "Target page, context or browser has been closed",
        "Browser has been closed",
        "Page.goto: Target closed",
        "Connection closed: browser has disconnected",
    ],
)
def test_closed_errors_are_recognised(message: str) -> None:
    """Playwright's ways of saying the page or browser went away are all 'closed'."""
    assert is_closed_error(Error(message))


@pytest.mark.parametrize(
    "exc",
    [
        None,
        RuntimeError("Target page, context or browser has been closed"),
        Error("Page.goto: net::ERR_CONNECTION_CLOSED at http://x/"),
        TimeoutError(NOT_FOUND),
    ],
)
def test_other_errors_are_not_closed(exc: BaseException | None) -> None:
    """A site closing a connection, a timeout, or a non-Playwright error is not a closed browser."""
    assert not is_closed_error(exc)


# --- snapshot budget ---------------------------------------------------------------------------

SNAPSHOT = "".join(
    f'- listitem [ref=e{i}]:\n  - link "Item number {i}" [ref=e{i + 1000}]\n' for i in range(200)
)


def pages_of(text: str, max_chars: int) -> list[SnapshotPage]:
    """Page through `text` as a model would, each call from the previous part's end (bounded)."""
    parts = [cut_to_budget(text, 0, max_chars)]
    while parts[-1].end < len(text) and len(parts) < 100:
        parts.append(cut_to_budget(text, parts[-1].end, max_chars))
    return parts


def test_text_within_the_budget_comes_whole_with_no_note() -> None:
    """A snapshot that fits is returned whole and gets no cut note."""
    part = cut_to_budget('- heading "Hi" [ref=e1]\n', 0, 1000)
    assert (part.text, part.cut) == ('- heading "Hi" [ref=e1]\n', False)
    assert budget_note(part, None) == ""


def test_cut_ends_at_a_line_end_within_the_budget() -> None:
    """A cut part is within the budget and ends with a whole line (no line, no ref split)."""
    part = cut_to_budget(SNAPSHOT, 0, 1000)
    assert part.cut and 0 < len(part.text) <= 1000
    assert part.text.endswith("\n")
    assert set(part.text.splitlines()) <= set(SNAPSHOT.splitlines())


def test_paging_from_each_end_gives_the_whole_text_back() -> None:
    """Each part starts where the previous ended, and the parts joined are the whole snapshot."""
    parts = pages_of(SNAPSHOT, 1000)
    assert len(parts) > 2
    assert all(later.start == earlier.end for earlier, later in itertools.pairwise(parts))
    assert "".join(part.text for part in parts) == SNAPSHOT


def test_offset_inside_a_line_starts_at_that_line() -> None:
    """An offset in the middle of a line starts the part at the beginning of that line."""
    line_start = SNAPSHOT.index("- listitem [ref=e50]")
    part = cut_to_budget(SNAPSHOT, line_start + 7, 1000)
    assert part.start == line_start
    assert part.text.startswith("- listitem [ref=e50]:\n")


def test_offset_past_the_end_gives_nothing() -> None:
    """An offset past the end gives an empty part at the end of the text."""
    part = cut_to_budget(SNAPSHOT, len(SNAPSHOT) + 50, 1000)
    assert (part.text, part.start, part.end) == ("", len(SNAPSHOT), len(SNAPSHOT))


def test_paging_gets_past_a_line_longer_than_the_budget() -> None:
    """A line longer than the budget (a long paragraph, a data: URL) does not stop paging."""
    text = "- img [ref=e1]:\n  - /url: data:image/png;base64," + "A" * 3000 + '\n- button "Next" [ref=e2]\n'
    parts = pages_of(text, 1000)
    assert parts[-1].end == len(text)
    assert "".join(part.text for part in parts) == text


def test_budget_note_says_the_range_and_how_to_continue() -> None:
    """A first part's note gives the character range, the total and the offset to continue from."""
    part = cut_to_budget(SNAPSHOT, 0, 1000)
    note = budget_note(part, None)
    assert note == (
        f"[Part: characters 0-{part.end:,} of the {len(SNAPSHOT):,}-character snapshot. "
        f"Next: snapshot(offset={part.end}).]"
    )


def test_budget_note_names_the_ref_of_a_scoped_snapshot() -> None:
    """A cut snapshot of one section says which ref it is of, and names it in the next call."""
    note = budget_note(cut_to_budget(SNAPSHOT, 0, 1000), "e7")
    assert '-character snapshot of e7. Next: snapshot(ref="e7", offset=' in note


def test_budget_note_of_the_last_part_offers_no_more() -> None:
    """The last part still says its range but does not offer an offset past the end."""
    last = pages_of(SNAPSHOT, 1000)[-1]
    note = budget_note(last, None)
    assert (
        note
        == f"[The last part: characters {last.start:,}-{len(SNAPSHOT):,} of the {len(SNAPSHOT):,}-character snapshot.]"
    )
    assert "offset=" not in note


# --- agent windows -----------------------------------------------------------------------------


class FakeClock:
    """Stands in for action_windows.now_ms, to put window edges at known times."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(1_000_000.0)
    monkeypatch.setattr(action_windows, "now_ms", fake)
    return fake


def test_acting_while_a_window_is_open() -> None:
    """The agent counts as acting between begin and end, and not after."""
    windows = ActionWindows()
    assert not windows.acting
    windows.begin()
    assert windows.acting
    windows.end()
    assert not windows.acting


def test_nested_windows_end_with_the_outermost() -> None:
    """An inner begin/end does not end the outer window."""
    windows = ActionWindows()
    windows.begin()
    windows.begin()
    windows.end()
    assert windows.acting
    windows.end()
    assert not windows.acting


def test_an_unmatched_end_does_not_spoil_the_next_window() -> None:
    """An extra end is ignored: the next begin opens a window again."""
    windows = ActionWindows()
    windows.end()
    windows.begin()
    assert windows.acting and windows.covers(now_ms())


def test_open_window_covers_now_but_not_long_before() -> None:
    """While the agent acts, what the page stamps now is the agent's; ten seconds earlier is not."""
    windows = ActionWindows()
    before = now_ms()
    windows.begin()
    assert windows.covers(now_ms())
    assert not windows.covers(before - 10_000)


def test_closed_window_covers_its_inside_but_not_well_outside() -> None:
    """After the window ends, a moment inside it is covered; ten seconds before or after is not."""
    windows = ActionWindows()
    windows.begin()
    inside = now_ms()
    windows.end()
    assert windows.covers(inside)
    assert not windows.covers(inside - 10_000)
    assert not windows.covers(now_ms() + 10_000)


def test_window_edges_have_slack(clock: FakeClock) -> None:
    """Stamps just before the start or just after the end count, within the slack and no further."""
    windows = ActionWindows()
    windows.begin()
    start = clock.at
    clock.at += 100
    windows.end()
    end = clock.at
    assert windows.covers(start - BEFORE_SLACK_MS) and windows.covers(end + AFTER_SLACK_MS)
    assert not windows.covers(start - BEFORE_SLACK_MS - 1)
    assert not windows.covers(end + AFTER_SLACK_MS + 1)


def test_wheel_slack_reaches_further_after_the_end(clock: FakeClock) -> None:
    """A wheel event reported late after the window is the agent's only with the wheel slack."""
    windows = ActionWindows()
    windows.begin()
    clock.at += 50
    windows.end()
    late = clock.at + (AFTER_SLACK_MS + WHEEL_SLACK_MS) / 2
    assert not windows.covers(late)
    assert windows.covers(late, after_ms=WHEEL_SLACK_MS)


def test_nested_window_spans_from_outer_begin_to_outer_end(clock: FakeClock) -> None:
    """A stamp after an inner end but before the outer end is still the agent's."""
    windows = ActionWindows()
    windows.begin()
    clock.at += 10
    windows.begin()
    clock.at += 10
    windows.end()
    clock.at += 500
    between = clock.at
    clock.at += 500
    windows.end()
    assert windows.covers(between)


# --- the person's activity ---------------------------------------------------------------------


def test_news_line_wraps_the_description() -> None:
    """The reply's line about the person starts 'Since your last step the person:' and ends with a stop."""
    assert news_line("clicked 'Send'") == "Since your last step the person: clicked 'Send'."


def test_describe_names_a_few_actions_in_order() -> None:
    """A few actions are all named, in order, joined by semicolons."""
    log = ActivityLog()
    for at, text in enumerate(["clicked 'Search'", "typed in 'From'", "scrolled down"]):
        log.add("person", text, at=float(at))
    assert describe(log.untold()) == "clicked 'Search'; typed in 'From'; scrolled down"


def test_describe_names_the_latest_and_counts_the_rest() -> None:
    """Many actions: the latest are named and the earlier ones counted, so none goes missing."""
    log = ActivityLog()
    for at in range(10):
        log.add("person", f"clicked 'Button {at}'", at=float(at))
    clauses = describe(log.untold()).split("; ")
    assert len(clauses) == NEWS_CLAUSES
    counted = 10 - (NEWS_CLAUSES - 1)
    assert clauses[0] == f"{counted} earlier actions (see activity)"
    assert clauses[1:] == [f"clicked 'Button {at}'" for at in range(counted, 10)]


def test_keystrokes_in_one_field_are_one_entry() -> None:
    """Typing key by key in one field leaves one entry with the latest text."""
    log = ActivityLog()
    for typed in ["B", "Be", "Ber"]:
        log.add("person", f"typed '{typed}' in 'From'", kind="type", subject="from", coalesce=True)
    assert [entry.text for entry in log.untold()] == ["typed 'Ber' in 'From'"]


def test_typing_in_another_field_is_a_new_entry() -> None:
    """Moving to another field starts a new entry."""
    log = ActivityLog()
    log.add("person", "typed 'Bern' in 'From'", at=1.0, kind="type", subject="from", coalesce=True)
    log.add("person", "typed 'Z' in 'To'", at=2.0, kind="type", subject="to", coalesce=True)
    assert [entry.text for entry in log.untold()] == ["typed 'Bern' in 'From'", "typed 'Z' in 'To'"]


def test_untold_is_the_persons_news_oldest_first() -> None:
    """untold lists only the person's entries, oldest first even if reported out of order."""
    log = ActivityLog()
    log.add("person", "scrolled down", at=2.0)
    log.add("agent", "clicked 'Send'", at=3.0)
    log.add("person", "clicked 'Menu'", at=1.0)
    assert [entry.text for entry in log.untold()] == ["clicked 'Menu'", "scrolled down"]


def test_mark_told_keeps_news_from_being_told_twice() -> None:
    """After mark_told only what the person does next is news."""
    log = ActivityLog()
    log.add("person", "clicked 'Menu'", at=1.0)
    log.mark_told()
    assert log.untold() == []
    log.add("person", "clicked 'Help'", at=2.0)
    assert [entry.text for entry in log.untold()] == ["clicked 'Help'"]


def test_more_typing_after_mark_told_is_news_again() -> None:
    """Typing on in a field already told about is news again, with the field's latest text."""
    log = ActivityLog()
    log.add("person", "typed 'Be' in 'From'", kind="type", subject="from", coalesce=True)
    log.mark_told()
    log.add("person", "typed 'Bern' in 'From'", kind="type", subject="from", coalesce=True)
    assert [entry.text for entry in log.untold()] == ["typed 'Bern' in 'From'"]


def test_entries_logged_as_told_are_not_news() -> None:
    """An entry logged from a reply that already said it is not told again."""
    log = ActivityLog()
    log.add("person", "switched to tab t2", told=True)
    assert log.untold() == []


def test_actions_on_two_pages_name_their_tab() -> None:
    """When the person acted on two pages, each action says which tab it was on."""
    one, two = cast(Page, object()), cast(Page, object())
    log = ActivityLog()
    log.add("person", "clicked 'Search'", tab="tab t1 'One'", at=1.0, page=one)
    log.add("person", "typed in 'Name'", tab="tab t2 'Two'", at=2.0, page=two)
    assert describe(log.untold()) == "clicked 'Search' (on tab t1 'One'); typed in 'Name' (on tab t2 'Two')"


def test_actions_on_one_page_do_not_name_the_tab() -> None:
    """When all actions were on one page, no tab name is added."""
    page = cast(Page, object())
    log = ActivityLog()
    log.add("person", "clicked 'Search'", tab="tab t1 'One'", at=1.0, page=page)
    log.add("person", "scrolled down", tab="tab t1 'One'", at=2.0, page=page)
    assert describe(log.untold()) == "clicked 'Search'; scrolled down"


def test_long_clauses_are_shortened_to_one_line() -> None:
    """A long or multi-line action is one line of at most CLAUSE_CHARS, ending with an ellipsis."""
    log = ActivityLog()
    log.add("person", "typed '" + "word\n" * 100 + "' in 'Notes'")
    clause = describe(log.untold())
    assert len(clause) == CLAUSE_CHARS and clause.endswith("…") and "\n" not in clause


# --- neko chat lines ---------------------------------------------------------------------------


def test_chat_line_drops_refs() -> None:
    """Snapshot refs mean nothing to a person in neko's chat: they are removed."""
    assert chat_line("Clicked button 'Send' [e12] in frame [f1e3]") == "clicked button 'Send' in frame"


def test_chat_line_lowers_the_first_letter_but_not_of_an_acronym() -> None:
    """A sentence starts lower case after 'agent: '; an acronym keeps its capitals."""
    assert chat_line("Navigated to http://x/") == "navigated to http://x/"
    assert chat_line("URL opened") == "URL opened"


def test_chat_line_cuts_long_lines() -> None:
    """A long line is cut to 200 characters with an ellipsis."""
    line = chat_line("typed '" + "x" * 500 + "'")
    assert len(line) == 200 and line.endswith("…")


# --- tab changes -------------------------------------------------------------------------------

TWO = TabLabel(2, "Two", "http://x/two")
NAMED = "tab t2 'Two' (http://x/two)"


@pytest.mark.parametrize(
    ("change", "note"),
    [
        (TabChange("closed", TWO), "Tab t2 'Two' (http://x/two) was closed."),
        (
            TabChange("closed", TWO, during_call=True),
            "Tab t2 'Two' (http://x/two) was closed during this call.",
        ),
        (
            TabChange("dialog_answered", TWO, dialog="confirm 'Delete?'"),
            "The confirm 'Delete?' dialog was answered outside your calls (by the person).",
        ),
        (
            TabChange("dialog_answered", TWO, dialog="confirm 'Delete?'", during_call=True),
            "The confirm 'Delete?' dialog was answered during this call (by the person).",
        ),
        (TabChange("tab_gone", TWO), f"Your tab was closed; now acting on the tab in front: {NAMED}."),
        (TabChange("opened_in_front", TWO), f"A new tab opened in front: {NAMED}; acting on it."),
        (TabChange("switched", TWO), f"The person switched tabs: now acting on {NAMED}."),
        (TabChange("navigated", TWO), "This tab navigated since your last call: now 'Two' (http://x/two)."),
        (TabChange("opened_behind", TWO), f"New tab in the background: {NAMED}."),
        (TabChange("opened", TWO, in_front=True), f"Opened {NAMED}; it is in front, later calls act on it."),
        (TabChange("opened", TWO), f"Opened {NAMED}; in the background."),
        (TabChange("front_changed", TWO), f"The tab in front is now {NAMED}; later calls act on it."),
    ],
)
def test_tab_change_note(change: TabChange, note: str) -> None:
    """Each kind of change is one sentence naming the tab by id, title and URL."""
    assert change.note() == note


@pytest.mark.parametrize(
    ("kind", "did"),
    [
        ("closed", f"closed {NAMED}"),
        ("opened_in_front", f"opened a new tab in front: {NAMED}"),
        ("switched", f"switched to {NAMED}"),
        ("opened_behind", f"opened {NAMED} in the background"),
        ("tab_gone", ""),
        ("navigated", ""),
        ("opened", ""),
        ("front_changed", ""),
    ],
)
def test_tab_change_as_the_persons_action(kind: ChangeKind, did: str) -> None:
    """Changes the person made read as their action; ones that may be the agent's read as nothing."""
    assert TabChange(kind, TWO).person_did() == did


def test_answered_dialog_as_the_persons_action() -> None:
    """An answered dialog reads as the person answering it."""
    change = TabChange("dialog_answered", TWO, dialog="alert 'Saved'")
    assert change.person_did() == "answered the alert 'Saved' dialog"


@pytest.mark.parametrize(
    "render",
    [
        lambda change: change.note(),
        lambda change: change.person_did(),
    ],
)
def test_untitled_tab_has_no_empty_quotes(render: Callable[[TabChange], str]) -> None:
    """A tab with no title is named by id and URL, without ''."""
    sentence = render(TabChange("switched", TabLabel(3, "", "http://x/")))
    assert "tab t3 (http://x/)" in sentence and "''" not in sentence


# --- text helpers ------------------------------------------------------------------------------


def test_shorten_puts_text_on_one_line() -> None:
    """Runs of spaces and newlines become single spaces; short text is otherwise unchanged."""
    assert shorten("  Hello\n\n  world  ", 40) == "Hello world"


def test_shorten_cuts_to_the_limit_with_an_ellipsis() -> None:
    """Text over the limit is cut to exactly the limit, the last character an ellipsis."""
    assert shorten("abcdefghij", 5) == "abcd…"
    assert shorten("abcde", 5) == "abcde"


def test_quoted_title_or_nothing() -> None:
    """A title is quoted with a trailing space; no title gives nothing (no empty quotes)."""
    assert (quoted("Two"), quoted("")) == ("'Two' ", "")


def test_with_article() -> None:
    """'an' before a vowel, 'a' otherwise."""
    assert [with_article(word) for word in ["alert", "confirm", "Input"]] == [
        "an alert",
        "a confirm",
        "an Input",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e12", True),
        ("f1e3", True),
        ("e", False),
        ("12", False),
        ("button", False),
        ("e12x", False),
        ("ref=e12", False),
    ],
)
def test_is_ref(text: str, expected: bool) -> None:
    """Refs are e<digits> or f<digits>e<digits>, nothing else."""
    assert is_ref(text) is expected


@pytest.mark.parametrize("given", ["e12", "ref=e12", "[e12]", " e12 "])
def test_clean_ref(given: str) -> None:
    """The forms a model may write a ref in come down to the bare ref."""
    assert clean_ref(given) == "e12"


def test_clean_ref_takes_the_ref_as_written_in_a_snapshot() -> None:
    """'[ref=e12]', copied from a snapshot line, is the ref e12."""
    assert clean_ref("[ref=e12]") == "e12"


def test_without_refs() -> None:
    """Ref suffixes in every written form are removed, the rest of the text kept."""
    assert without_refs("button 'Send' [e12], link [ref=f1e3] and [note]") == "button 'Send', link and [note]"


# --- replies -----------------------------------------------------------------------------------


def test_reply_text_is_notes_then_lines_then_effects() -> None:
    """Notes (prefixed 'Note: ') come first, then what the call did, then what it caused."""
    reply = Reply()
    reply.effect("A dialog opened.")
    reply.say("Clicked 'Send'.")
    reply.note("The person switched tabs.")
    assert reply.text() == "Note: The person switched tabs.\nClicked 'Send'.\nA dialog opened."


def test_reply_effects_are_said_once() -> None:
    """The same effect reported twice is said once."""
    reply = Reply()
    reply.effect("A new tab opened.")
    reply.effect("A new tab opened.")
    assert reply.text() == "A new tab opened."


def test_added_reply_brings_its_lines_and_new_effects() -> None:
    """Adding a reply appends its lines and only the effects not already there."""
    reply = Reply(lines=["one"], effects=["A new tab opened."])
    reply.add(Reply(lines=["two"], effects=["A new tab opened.", "A dialog opened."]))
    assert reply.text() == "one\ntwo\nA new tab opened.\nA dialog opened."


def test_error_keeps_notes_and_effects() -> None:
    """An error still says what changed before and during the call, around the error message."""
    reply = Reply(notes=["The person switched tabs."], lines=["Clicked."], effects=["A dialog opened."])
    assert reply.with_error("click failed: boom") == (
        "Note: The person switched tabs.\nclick failed: boom\nA dialog opened."
    )


def test_error_does_not_repeat_an_effect_it_already_says() -> None:
    """An effect already inside the error message is not said again."""
    reply = Reply(effects=["A dialog opened.", "A new tab opened."])
    assert (
        reply.with_error("click failed. A dialog opened.")
        == "click failed. A dialog opened.\nA new tab opened."
    )


# ---- what the page now shows after an action ---------------------------------------------------

_FORM = """- main [ref=e1]:
  - heading "Book" [level=1] [ref=e2]
  - generic [ref=e3]:
    - textbox "Email" [ref=e4]
    - alert
    - combobox "Room" [ref=e5]:
      - option "Single" [selected]
      - option "Double"
    - button "Book now" [ref=e6]
  - status"""


def test_page_changes_tell_what_appeared_under_what() -> None:
    after = _FORM.replace("    - alert", "    - alert [ref=e7]: Enter an email address.").replace(
        "  - status", "  - status [ref=e8]: Not booked yet"
    )
    assert describe_changes(_FORM, after) == (
        "The page now shows:\n"
        "in main [ref=e1]:\n"  # the alert's own container names nothing: the next one up does
        "  - alert [ref=e7]: Enter an email address.\n"
        "  - status [ref=e8]: Not booked yet"
    )


def test_page_changes_leave_out_focus_and_the_agents_own_field() -> None:
    focused = _FORM.replace('button "Book now" [ref=e6]', 'button "Book now" [active] [ref=e6]')
    assert describe_changes(_FORM, focused) is None
    typed = _FORM.replace('textbox "Email" [ref=e4]', 'textbox "Email" [active] [ref=e4]: a@b.c')
    assert describe_changes(_FORM, typed, acted_on={"e4"}) is None
    assert describe_changes(_FORM, typed, focused_field_set=True) is None  # named by a selector
    chose = _FORM.replace('"Single" [selected]', '"Single"').replace('"Double"', '"Double" [selected]')
    assert describe_changes(_FORM, chose, acted_on={"e5"}) is None
    assert describe_changes(_FORM, typed) == (
        'The page now shows:\nin main [ref=e1]:\n  - textbox "Email" [active] [ref=e4]: a@b.c'
    )


def test_page_changes_say_what_went_and_a_rename_is_a_change() -> None:
    renamed = _FORM.replace('button "Book now" [ref=e6]', 'button "Booking…" [ref=e9]')
    assert (
        describe_changes(_FORM, renamed)
        == 'The page now shows:\nin main [ref=e1]:\n  - button "Booking…" [ref=e9]'
    )
    gone = _FORM.replace('  - heading "Book" [level=1] [ref=e2]\n', "")
    assert describe_changes(_FORM, gone) == 'No longer shown: heading "Book" [level=1] [ref=e2]'


def test_page_changes_leave_out_what_changes_by_itself() -> None:
    """A clock's and a video's time are not news; a chat's new line is, though its list keeps changing."""
    before = (
        '- banner [ref=e1]:\n  - text: "12:00:01 0:01 / 3:45"\n- log [ref=e2]:\n  - paragraph [ref=e3]: Hi'
    )
    after = (
        '- banner [ref=e1]:\n  - text: "12:00:09 0:09 / 3:45"\n- log [ref=e2]:\n  - paragraph [ref=e3]: Hi\n'
        "  - paragraph [ref=e4]: ok"
    )
    restless = ("12:00:09", "0:09 / 3:45", "Hiok")
    assert describe_changes(before, after, restless=restless) == (
        "The page now shows:\nin log [ref=e2]:\n  - paragraph [ref=e4]: ok"
    )
    assert "12:00:09" in (describe_changes(before, after) or "")


def test_page_changes_say_which_items_a_shorter_list_lost() -> None:
    """Suggestions narrowing as one types: the items that went are named, not taken for renamed ones."""
    before = '- listbox "Cities" [ref=e4]:\n  - option "Paris" [ref=e5]\n  - option "Parma" [ref=e6]'
    after = '- listbox "Cities" [ref=e4]:\n  - option "Prague" [ref=e7]'
    assert describe_changes(before, after) == (
        'The page now shows:\nin listbox "Cities" [ref=e4]:\n  - option "Prague" [ref=e7]\n'
        'No longer shown: option "Paris" [ref=e5]; option "Parma" [ref=e6]'
    )


def test_page_changes_name_what_went_by_the_element_that_held_it() -> None:
    """A dialog closed: it is named, with how much went with it, not each of its lines."""
    before = (
        '- button "Delete account" [ref=e10]\n- dialog "Delete account?" [ref=e30]:\n'
        '  - heading "Delete account?" [level=2] [ref=e31]\n  - paragraph [ref=e32]: This cannot be undone.\n'
        '  - group [ref=e35]:\n    - button "Cancel" [ref=e33]\n    - button "Delete" [ref=e34]\n'
        "- status [ref=e40]: Saved"
    )
    after = '- button "Delete account" [ref=e10]'
    assert describe_changes(before, after) == (
        'No longer shown: dialog "Delete account?" [ref=e30] and the 5 elements in it; status [ref=e40]: Saved'
    )


def test_page_changes_say_a_moved_element_is_in_its_new_place_not_gone() -> None:
    """A card dragged to another list is shown where it is now, and not said to be gone."""
    before = (
        '- heading "Todo" [level=2] [ref=e3]\n- list "Todo" [ref=e4]:\n  - listitem [ref=e5]: Write tests\n'
        '  - listitem [ref=e6]: Fix bug\n- heading "Done" [level=2] [ref=e7]\n- list "Done" [ref=e8]'
    )
    after = (
        '- heading "Todo" [level=2] [ref=e3]\n- list "Todo" [ref=e4]:\n  - listitem [ref=e6]: Fix bug\n'
        '- heading "Done" [level=2] [ref=e7]\n- list "Done" [ref=e8]:\n  - listitem [ref=e5]: Write tests'
    )
    assert describe_changes(before, after) == (
        'The page now shows:\n- list "Done" [ref=e8]:\n  - listitem [ref=e5]: Write tests'
    )


def test_page_changes_end_a_line_in_a_colon_only_when_lines_follow_under_it() -> None:
    """A link renamed, its /url the same: its line shows no colon with nothing under it."""
    before = '- navigation [ref=e2]:\n  - link "Cart (0)" [ref=e5]:\n    - /url: /cart'
    after = '- navigation [ref=e2]:\n  - link "Cart (1)" [ref=e9]:\n    - /url: /cart'
    assert describe_changes(before, after) == (
        'The page now shows:\nin navigation [ref=e2]:\n  - link "Cart (1)" [ref=e9]'
    )


def test_page_changes_stay_within_their_budget_in_whole_lines() -> None:
    many = _FORM + "".join(f'\n  - link "Result number {i}" [ref=e{100 + i}]' for i in range(300))
    told = describe_changes(_FORM, many)
    assert told is not None and len(told) <= 1_500
    assert told.endswith("[Not all of it fits here: snapshot() shows the whole page.]")
    assert all(line.startswith(("The page", "in ", "  - ", "[Not")) for line in told.split("\n")), told


def test_a_new_page_is_told_from_its_main_part() -> None:
    page = (
        '- banner [ref=e1]:\n  - link "Home" [ref=e2]\n'
        + _FORM.replace("\n", "\n")
        + "\n- contentinfo [ref=e9]"
    )
    told = describe_new_page(page)
    assert told.startswith("The page now shows (its main part):\n- main [ref=e1]:\n  - heading")
    assert told.endswith("[Not all of it fits here: snapshot() shows the whole page.]")
    assert 'link "Home"' not in told


@pytest.mark.parametrize(
    "shows",
    [
        "The page now shows:\n- status [ref=e7]: Checking…",
        'The page now shows:\n- button "Saving..." [disabled] [ref=e6]',
        "The page now shows:\nin main:\n  - paragraph [ref=e4]: Loading results...",
        'The page now shows:\n- generic:\n  - progressbar "Import"',
        "The page now shows:\n- text: Please wait",
        'The page now shows:\n- status "Loading" [ref=e9]',
    ],
)
def test_signs_of_a_page_at_work_are_recognised(shows: str) -> None:
    assert work_sign(shows) is not None


@pytest.mark.parametrize(
    "shows",
    [
        "The page now shows:\n- status [ref=e7]: Coupon applied",
        'The page now shows:\n- button "Save As…" [ref=e6]',  # opens a dialog: no work going on
        "The page now shows:\n- paragraph [ref=e4]: Read the whole story of how it all began and what came next…",
        "The page now shows:\n- alert [ref=e3]: Done\nNo longer shown: status: Checking…",
    ],
)
def test_other_texts_are_not_signs_of_work(shows: str) -> None:
    assert work_sign(shows) is None


def test_an_editors_own_text_goes_on_its_line_or_first_under_it() -> None:
    snapshot = "\n".join(
        [
            '- textbox "To" [ref=e3]',
            '- textbox "Body" [active] [ref=e4]',
            '- textbox "Notes" [ref=e5]:',
            "  - paragraph [ref=e6]: second line",
            '- textbox "Body" [ref=e7]',
        ]
    )
    written = [["Body", "Hi Bob"], ["Notes", "first: line"], ["Body", "P.S. call me"]]
    assert add_editor_texts(snapshot, written).split("\n") == [
        '- textbox "To" [ref=e3]',
        '- textbox "Body" [active] [ref=e4]: Hi Bob',
        '- textbox "Notes" [ref=e5]:',
        '  - text: "first: line"',
        "  - paragraph [ref=e6]: second line",
        '- textbox "Body" [ref=e7]: P.S. call me',
    ]
    assert add_editor_texts(snapshot, []) == snapshot


async def test_requests_are_heard_while_the_agent_acts_and_forgotten_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An action hears the tab's requests; a while after the last one, what was in flight is forgotten
    (it may have ended unheard) and a new action starts with nothing held against it."""
    monkeypatch.setattr(tab_requests, "LINGER_S", 0.05)
    requests = tab_requests.TabRequests()
    assert not requests.heard
    async with requests.hearing():
        assert requests.heard
        requests.started("r1")
        requests.started("r2")
        requests.answered_now("r2")
        requests.ended("r3")  # never heard begin: nothing to end
    assert requests.inflight == {"r1", "r2"} and requests.answered == {"r2"}
    async with requests.hearing():  # the next action comes in time: still heard, still known
        assert requests.inflight == {"r1", "r2"}
    requests.changed.clear()
    await asyncio.wait_for(requests.changed.wait(), 2)  # the linger ran out
    assert not requests.heard and not requests.inflight and not requests.answered


def test_an_answer_in_a_dialog_is_told_apart_from_closing_it() -> None:
    before = (
        "- main [ref=e2]:\n"
        '  - dialog "Delete?" [ref=e5]:\n'
        '    - button "Delete" [ref=e6]\n'
        '    - button "Cancel" [ref=e7]\n'
        '  - button "Save" [ref=e8]'
    )
    gone = '- main [ref=e2]:\n  - button "Save" [ref=e8]'
    assert confirmed_in_dialog(before, gone, "e6")
    assert not confirmed_in_dialog(before, gone, "e7")  # it only closes the dialog
    assert not confirmed_in_dialog(before, before, "e6")  # the dialog is still there
    assert not confirmed_in_dialog(before, gone, "e8")  # not in the dialog


# ---- network requests ----------------------------------------------------------------------------


def test_a_page_s_requests_take_what_was_heard_of_them() -> None:
    """The page's timing entries, in order, each completed by the request heard for its URL (method, the
    status the page could not see, the failure); heard only: still on its way, or from another site's
    frame; the navigation that led to the document completes its entry."""
    log = HeardLog()
    log.began(
        {"requestId": "1", "type": "Document", "request": {"url": "http://a/", "method": "POST"}},
        1,
        tab_document=True,
    )
    log.answered({"requestId": "1", "response": {"status": 200}})
    for request_id, url, method in (
        ("2", "http://a/api", "POST"),
        ("3", "http://b/x", "GET"),
        ("4", "http://a/slow", "GET"),
    ):
        log.began({"requestId": request_id, "type": "Fetch", "request": {"url": url, "method": method}}, 2)
    log.answered({"requestId": "2", "response": {"status": 500}})
    log.finished({"requestId": "2"})
    log.failed({"requestId": "3", "errorText": "net::ERR_CONNECTION_REFUSED"})
    timed = [
        ["http://a/", "navigation", 200, 40],
        ["http://a/logo.png", "img", 200, 3],
        ["http://a/api", "fetch", 500, 12],
        ["http://b/x", "fetch", 0, 1],
    ]

    lines = [request.line(80) for request in page_requests(timed, log.of_document(2), log.navigation)]

    assert lines == [
        "POST 200 document http://a/ 40 ms",
        "200 img http://a/logo.png 3 ms",
        "POST 500 fetch http://a/api 12 ms",
        "GET failed (net::ERR_CONNECTION_REFUSED) fetch http://b/x 1 ms",
        "GET pending fetch http://a/slow",
    ]
    assert [request.static for request in page_requests(timed, [], None)] == [False, True, False, False]


def test_secrets_in_a_url_s_query_are_hidden() -> None:
    url = "http://a/login?user=ann&password=hunter22&passengers=2&cc-number=4111111111111111&pin=#top"

    hidden = hide_secret_parameters(url)

    assert "hunter22" not in hidden and "4111" not in hidden, hidden
    assert "user=ann" in hidden and "passengers=2" in hidden, hidden
    assert hidden.endswith("&pin=#top"), hidden  # nothing typed: nothing to hide
    assert hide_secret_parameters("http://a/?q=1") == "http://a/?q=1"


def test_a_page_s_requests_are_all_heard_only_from_the_navigation_that_led_to_it_on() -> None:
    """The heard list stands for the page only when the navigation heard is the one the tab shows, hearing
    has not stopped since, and no request was let go."""
    log = HeardLog()
    log.began(
        {"requestId": "L1", "type": "Document", "request": {"url": "http://a/", "method": "GET"}},
        1,
        tab_document=True,
        times_off=3,
    )
    assert not log.whole(times_off=3, hearing=True)  # not shown yet
    log.committed("L1")
    assert log.whole(times_off=3, hearing=True)
    assert not log.whole(times_off=4, hearing=True) and not log.whole(times_off=3, hearing=False)
    log.committed("L2")  # the person went elsewhere, unheard
    assert not log.whole(times_off=3, hearing=True)
    log.committed("L1")
    for index in range(HEARD_LIMIT + 1):
        log.began({"requestId": str(index), "type": "Image", "request": {"url": f"http://a/{index}.png"}}, 2)
    assert not log.whole(times_off=3, hearing=True)  # the first image was let go
