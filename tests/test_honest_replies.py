"""Replies that stay within their budget and tell the truth: arguments quoted back are clipped, typing
says what the field holds and refuses what is not a field, a form the browser would not send says why,
slow typing is bounded, and history calls on error pages answer at once."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

import pytest
from playwright.async_api import Page, expect

from browser_mcp.config import load_settings
from browser_mcp.text import clip_argument, quote_argument, without_long_arguments
from browser_mcp.tools.input import SLOW_TYPING_LIMIT
from browser_mcp.tools.reply import Reply, reply_budget, within_budget
from tests.support.agent import Agent
from tests.support.chromium import free_port
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

BUDGET = 16_000  # the default snapshot budget, in force for the `agent` fixture
HUGE = "a" * 100_000
# A sentence quotes a long argument by its start and its length, never whole.
CLIPPED = re.compile(r"a{79}… \(100,\d{3} characters\)")


async def open_page(agent: Agent, person: Person, site: Site, path: str) -> Page:
    await agent.ok("navigate", url=site.url(path))
    tab = await person.tab_in_front()
    await expect(tab).to_have_url(site.url(path))
    return tab


def assert_bounded(text: str, budget: int = BUDGET) -> None:
    assert len(text) <= budget, f"{len(text):,} characters: {text[:300]!r}"
    assert "a" * 200 not in text, text[:300]


# ---- pure: clipping and the budget --------------------------------------------------------------


def test_a_long_argument_is_quoted_by_its_start_and_length() -> None:
    assert quote_argument("#send") == "'#send'"
    assert clip_argument("#send") == "#send"
    quoted = quote_argument("x" * 100_000)
    assert quoted == "'" + "x" * 79 + "…' (100,000 characters)"
    assert len(clip_argument("y" * 81)) < 110 and clip_argument("y" * 81).endswith("… (81 characters)")
    assert clip_argument("y" * 80) == "y" * 80  # at the limit: whole


def test_every_whole_copy_of_a_long_argument_is_clipped_in_a_sentence() -> None:
    url = "https://example.com/" + "q" * 500
    sentence = f"Refused to open {url}: its origin is blocked. Also {url}."
    cleaned = without_long_arguments(sentence, [url, "short", " [" + "e1" * 60 + "] "])
    assert "q" * 100 not in cleaned and cleaned.count("(520 characters)") == 2, cleaned
    assert cleaned.startswith("Refused to open https://example.com/qqq") and cleaned.endswith(".")
    # A ref is quoted back as it was cleaned ("[e12]" -> "e12"), and is clipped in that form too.
    assert without_long_arguments(f"ref {'e1' * 60} is gone", [" [" + "e1" * 60 + "] "]).endswith(
        "(120 characters) is gone"
    )
    assert without_long_arguments("Typed into '#name'.", ["#name", "Ada"]) == "Typed into '#name'."


def test_the_budget_is_the_snapshot_budget_or_the_calls_own_max_chars() -> None:
    settings = load_settings(["--snapshot-max-chars", "16000"])
    assert reply_budget(load_settings(["--snapshot-max-chars", "20000"]), {}) == 20_000
    assert reply_budget(settings, {}) == settings.snapshot_max_chars == 16_000
    assert reply_budget(settings, {"max_chars": 3_000}) == 3_000
    assert reply_budget(settings, {"max_chars": 50_000}) == 50_000
    # What no tool accepts is refused by its schema; the refusal is held to the budget in force.
    for refused in (5, -1, "3000", None, True):
        assert reply_budget(settings, {"max_chars": refused}) == 16_000


def test_a_reply_over_its_budget_is_cut_at_a_line_and_says_so() -> None:
    lines = [f"- line {i} " + "x" * 50 for i in range(1_000)]
    cut = within_budget("\n".join(lines), 5_000)
    assert len(cut) <= 5_000
    kept, marker = cut.rsplit("\n", 1)
    assert marker.startswith("[Reply cut to its budget of 5,000 characters:")
    assert all(line in lines for line in kept.split("\n"))  # whole lines only
    assert within_budget("short", 10) == "short"
    one_line = within_budget("z" * 10_000, 1_000)  # no line to cut at: cut inside it
    assert len(one_line) <= 1_000 and one_line.startswith("zzz")


def test_the_reply_and_its_errors_stay_within_the_budget() -> None:
    reply = Reply(budget=1_000)
    reply.note("The person switched tabs.")
    reply.say("x" * 5_000)
    reply.effect("A dialog is open.")
    assert len(reply.text()) <= 1_000 and reply.text().startswith("Note: The person switched tabs.")
    prefix = len("Error executing tool click: ")
    error = reply.with_error("y" * 5_000, prefix)
    assert len(error) + prefix <= 1_000
    # Whatever a tool writes, a long argument of the call is never quoted back whole.
    echo = Reply(budget=16_000, arguments=["w" * 5_000])
    echo.say(f"Done: no longer see '{'w' * 5_000}'.")
    assert echo.text() == f"Done: no longer see '{'w' * 79}… (5,000 characters)'."


# ---- every reply within its budget, end to end ----------------------------------------------------


async def test_huge_arguments_never_come_back_whole(agent: Agent, person: Person, site: Site) -> None:
    """100 KB selectors, refs, keys, URLs and descriptions: each error names them by their start and length."""
    await open_page(agent, person, site, "/typing_truth.html")
    # A description the model gives is clipped too, in a reply that succeeds.
    reply = await agent.ok("type", selector="#name", element=HUGE, text="Ada")
    assert CLIPPED.search(reply) and len(reply) < 300, reply
    calls: list[tuple[str, dict[str, object]]] = [
        ("click", {"selector": "#" + HUGE}),
        ("click", {"selector": "((((" + HUGE}),
        ("hover", {"ref": "e1" + "1" * 100_000}),
        ("type", {"ref": HUGE, "text": "x"}),
        ("press_key", {"key": HUGE}),
        ("select_option", {"selector": "#city", "values": [HUGE]}),
        ("fill_form", {"fields": [{"selector": "#" + HUGE, "value": "x"}]}),
        ("navigate", {"url": HUGE}),
        ("navigate", {"url": f"http://127.0.0.1:{free_port()}/{HUGE}"}),
    ]
    # A tool that echoes what it was given, in a reply that succeeds.
    gone = await agent.ok("wait_for", text_gone=HUGE)
    assert CLIPPED.search(gone) and len(gone) < 300, gone
    for tool, arguments in calls:
        error = await agent.fails(tool, **arguments)
        assert_bounded(error)
        assert CLIPPED.search(error) or "1" * 100 not in error, (tool, error[:300])
        assert len(error) < 1_000, (tool, error)


async def test_a_page_with_huge_texts_gets_replies_within_the_budget(
    agent: Agent, person: Person, site: Site
) -> None:
    """A 60 KB title, 60 KB console lines, 60 KB paragraphs: every reply stays within the budget (or the
    call's own max_chars)."""
    await open_page(agent, person, site, "/huge_text.html")
    snapshot = await agent.ok("snapshot")
    assert_bounded(snapshot)
    replies = [
        snapshot,
        await agent.ok("snapshot", max_chars=2_000),
        await agent.ok("click", ref=ref_of(snapshot, "button")),
        await agent.ok("tabs"),
        await agent.ok("console_messages"),
        await agent.ok("reload"),
        await agent.ok("activity"),
    ]
    for reply in replies:
        assert len(reply) <= BUDGET, f"{len(reply):,}: {reply[:200]!r}"
    assert len(replies[1]) <= 2_000, len(replies[1])


# ---- type tells the truth ---------------------------------------------------------------------------


async def test_typing_slowly_into_a_button_is_refused_and_presses_nothing(
    agent: Agent, person: Person, site: Site
) -> None:
    """The reply used to say "Typed 4 characters" while the click on the button opened its alert."""
    tab = await open_page(agent, person, site, "/typing_truth.html")
    error = await agent.fails("type", selector="#alerter", text="abcd", slowly=True)
    assert error.startswith(
        "Error executing tool type: '#alerter' is a button \"Alert me\", not a text field: "
    ), error
    assert "Nothing was typed; use click" in error
    await expect(tab.locator("#clicks")).to_have_text("not clicked")  # not even pressed
    assert "dialog" not in await agent.ok("snapshot")


async def test_typing_into_what_is_not_a_field_says_what_it_is(
    agent: Agent, person: Person, site: Site
) -> None:
    """The fast path (a fill) is refused by Playwright at once; the sentence names the element and the
    tool to use instead."""
    await open_page(agent, person, site, "/typing_truth.html")
    snapshot = await agent.ok("snapshot")
    started = time.monotonic()
    error = await agent.fails("type", selector="#alerter", text="abcd")
    assert time.monotonic() - started < 1.5
    assert "'#alerter' is a button \"Alert me\", not a text field" in error, error
    checkbox = await agent.fails("type", ref=ref_of(snapshot, 'checkbox "I agree"'), text="yes")
    assert re.search(r'checkbox "I agree" \[e\d+\] is not a text field: .*use click, or fill_form', checkbox)
    listbox = await agent.fails("type", selector="#city", text="Rome", slowly=True)
    assert "'#city' is a combobox \"City\", not a text field" in listbox and "use select_option" in listbox
    locked = await agent.fails("type", selector="#locked", text="new", slowly=True)
    assert "'#locked' is a textbox \"Locked\", read-only or disabled" in locked, locked
    form = await agent.fails(
        "fill_form", fields=[{"selector": "#name", "value": "Ada"}, {"selector": "#alerter", "value": "x"}]
    )
    assert "'#alerter' is a button \"Alert me\", not a text field: fill_form writes only" in form, form
    assert form.endswith("Filled before it: '#name'."), form


async def test_the_reply_says_what_the_field_holds_when_the_page_changes_it(
    agent: Agent, person: Person, site: Site
) -> None:
    """A field that upper-cases what it gets: the reply does not claim the agent's text is in it."""
    tab = await open_page(agent, person, site, "/typing_truth.html")
    shouting = tab.locator("#shouting")
    for slowly in (False, True):
        reply = await agent.ok("type", selector="#shouting", text="quiet", slowly=slowly)
        await expect(shouting).to_have_value("QUIET")
        assert reply.startswith(
            "Typed 5 characters into '#shouting', but 'Shouting' now holds 'QUIET', not the text you "
            "typed: the page changed it"
        ), reply
    submitted = await agent.ok("type", selector="#shouting", text="calm", submit=True)
    assert submitted == (
        "Typed 4 characters into '#shouting' and pressed Enter; before Enter it held 'CALM', not your text."
    )
    plain = await agent.ok("type", selector="#name", text="Ada")
    assert plain == "Typed 3 characters into '#name'."
    story = await agent.ok("type", selector="#story", text="Once upon", slowly=True)
    assert story.splitlines()[0] == "Typed 9 characters into '#story'.", story  # then what the page shows
    await expect(tab.locator("#story")).to_have_text("Once upon")


async def test_what_is_written_in_a_rich_text_editor_is_in_the_snapshot(
    agent: Agent, person: Person, site: Site
) -> None:
    """An element the page makes editable and names a textbox (a mail's body): Playwright's snapshot
    leaves out the text written straight into it. The snapshot shows it, as it shows a text area's."""
    tab = await open_page(agent, person, site, "/typing_truth.html")
    story = ref_of(await agent.ok("snapshot"), 'textbox "Story"')
    await agent.ok("type", ref=story, text="Once upon a time")
    assert re.search(r'textbox "Story" [^\n]*\[ref=\w+\]: Once upon a time\n', await agent.ok("snapshot"))

    # The person writes a second line (the editor puts it in an element of its own): both show, in order.
    await tab.locator("#story").press("End")
    await tab.keyboard.press("Enter")
    await tab.keyboard.type("there was a fox")
    await expect(tab.locator("#story")).to_contain_text("there was a fox")
    page = await agent.ok("snapshot")
    editor = page[page.index('textbox "Story"') :]
    assert 0 < editor.index("Once upon a time") < editor.index("there was a fox"), page


async def test_a_date_number_or_short_field_says_what_it_takes(
    agent: Agent, person: Person, site: Site
) -> None:
    """The browser keeps only its own format in a date field, only a number in a number field, and no more
    than a field's maxlength: the reply says so instead of blaming the page; a number field refuses other
    text at once."""
    tab = await open_page(agent, person, site, "/typing_truth.html")
    reply = await agent.ok("type", selector="#day", text="05/04/1990")
    assert reply.endswith(
        "but 'Day' now holds nothing, not the text you typed: it takes a date as YYYY-MM-DD (e.g. 2026-12-24)."
    ), reply
    await agent.ok("type", selector="#day", text="1990-05-04")
    await expect(tab.locator("#day")).to_have_value("1990-05-04")

    error = await agent.fails("type", selector="#count", text="thirty")
    assert error.endswith(
        "takes a number only (digits, one point, a sign): 'thirty' is not one. Nothing was typed."
    )
    error = await agent.fails("fill_form", fields=[{"selector": "#count", "type": "textbox", "value": "3o"}])
    assert "'3o' is not one" in error, error
    await expect(tab.locator("#count")).to_have_value("")

    reply = await agent.ok("type", selector="#code", text="123456")
    assert reply.endswith(
        "'Code' now holds '1234', not the text you typed: it takes at most 4 characters (the page's limit)."
    ), reply


# ---- slow typing is bounded ---------------------------------------------------------------------------


async def test_a_form_the_browser_refuses_to_send_says_which_fields_and_why(
    agent: Agent, person: Person, site: Site
) -> None:
    """A click or an Enter that should send a form, stopped by the browser's own check of its fields (a
    bubble the person sees, nothing in the DOM): the reply names each field, with its ref, and the browser's
    words. A check the page makes as one types, or the person's own refused try, is not said."""
    tab = await open_page(agent, person, site, "/refused_form.html")
    snapshot = await agent.ok("snapshot")
    email, zip_code = ref_of(snapshot, 'textbox "Email"'), ref_of(snapshot, 'textbox "Zip"')
    pin = ref_of(snapshot, 'textbox "PIN"')

    reply = await agent.ok("click", ref=ref_of(snapshot, 'button "Order"'))
    assert "The form was not sent" in reply, reply
    assert f'textbox "Email" [{email}]: "Please fill out this field"' in reply, reply
    assert 'checkbox "I agree" (not shown on the page' in reply, reply
    assert "Fix these 2 fields" in reply, reply

    reply = await agent.ok("type", ref=email, text="ada", submit=True)
    assert "is missing an '@'" in reply, reply
    reply = await agent.ok("type", ref=zip_code, text="12")  # the page's own check as one types
    assert "not sent" not in reply, reply

    await tab.locator("label[for=agree]").click()  # the person: still refused (email, zip)
    await tab.locator("button").click()
    reply = await agent.ok("type", ref=email, text="ada@example.org")
    assert "not sent" not in reply, reply
    await agent.ok("type", ref=pin, text="abcdefgh")

    reply = await agent.ok("press_key", key="Enter")
    assert f'textbox "Zip" [{zip_code}]: "Please match the requested format"' in reply, reply
    assert f'textbox "PIN" [{pin}]' in reply and "abcdefgh" not in reply, reply  # a secret field
    assert "Email" not in reply and "I agree" not in reply, reply

    await agent.ok("type", ref=zip_code, text="12345")
    await agent.ok("type", ref=pin, text="1234")
    reply = await agent.ok("press_key", key="Enter")  # the form is sent: the reply names the new page
    assert "not sent" not in reply and "Page: 'Two'" in reply, reply
    await expect(tab).to_have_url(
        re.compile(r"/two\.html\?email=ada%40example\.org&zip=12345&pin=1234&agree=on$")
    )


async def test_slow_typing_past_the_limit_is_refused_at_once(
    agent: Agent, person: Person, site: Site
) -> None:
    tab = await open_page(agent, person, site, "/typing_truth.html")
    started = time.monotonic()
    error = await agent.fails("type", selector="#keys", text="k" * (SLOW_TYPING_LIMIT + 1), slowly=True)
    assert time.monotonic() - started < 1.0
    assert f"types at most {SLOW_TYPING_LIMIT} characters" in error and "this text has 501" in error, error
    assert "use slowly=false, which fills the field at once" in error
    await expect(tab.locator("#keycount")).to_have_text("0 keydowns")
    # The same text without `slowly` is filled at once.
    assert await agent.ok("type", selector="#keys", text="k" * 501) == "Typed 501 characters into '#keys'."


async def test_cancelled_slow_typing_stops_and_frees_the_next_call(
    agent: Agent, person: Person, site: Site
) -> None:
    """The client gives up on a long slow typing (~9 s): the keys stop within a round, and the next call
    is answered at once instead of waiting for the rest."""
    tab = await open_page(agent, person, site, "/typing_truth.html")
    task = asyncio.ensure_future(agent.call("type", selector="#keys", text="k" * 300, slowly=True))
    await tab.wait_for_function("document.getElementById('keys').value.length >= 5")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    started = time.monotonic()
    snapshot = await agent.ok("snapshot")
    assert time.monotonic() - started < 2.0, "the next call waited behind the cancelled typing"
    assert "Typing truth" in snapshot
    typed = len(await tab.locator("#keys").input_value())
    # At most one round of keys after the cancel: well short of the 300.
    await expect(tab.locator("#keys")).not_to_have_value("k" * 300, timeout=2_000)
    assert typed < 100, typed


@pytest.mark.slow
async def test_slow_typing_into_a_page_that_lags_stops_at_its_limit(
    agent: Agent, person: Person, site: Site
) -> None:
    """Each key takes the page 400 ms: 20 keys cannot land within the action timeout (2 s) plus twice the
    typing time; the call stops with a sentence instead of holding every other call."""
    tab = await open_page(agent, person, site, "/typing_truth.html")
    await tab.evaluate(
        "document.getElementById('name').addEventListener('keydown', () => {"
        " const end = performance.now() + 400; while (performance.now() < end); })"
    )
    started = time.monotonic()
    error = await agent.fails("type", selector="#name", text="n" * 20, slowly=True)
    elapsed = time.monotonic() - started
    assert re.search(r"Typing stopped after about \d+ of 20 characters: the page took more than 3 s", error)
    assert "look at it (snapshot) before going on" in error
    assert elapsed < 6, elapsed


# ---- history calls on error pages ----------------------------------------------------------------------


async def test_history_calls_on_an_error_page_answer_at_once(
    agent: Agent, person: Person, site: Site
) -> None:
    """On Chromium's error page the URL never changes: reload, go_back and go_forward wait for the error
    page's commit (an event), not for a URL change that never comes."""
    refused = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    await agent.ok("navigate", url=site.url("/index.html"))
    await agent.fails("navigate", url=refused)

    async def timed(tool: str) -> tuple[float, str]:
        started = time.monotonic()
        reply = await agent.call(tool)
        return time.monotonic() - started, reply.text

    elapsed, reloaded = await timed("reload")
    assert elapsed < 0.8, elapsed
    assert "reload failed: net::ERR_CONNECTION_REFUSED (nothing is listening there" in reloaded, reloaded
    elapsed, forward = await timed("go_forward")
    assert elapsed < 0.8, elapsed
    assert forward == (
        f"There is no next page in this tab's history; still on the error page of {refused} (it did not load)."
    )
    elapsed, back = await timed("go_back")
    assert elapsed < 0.8, elapsed
    assert back.startswith("Went back: 'Home' ("), back
    elapsed, forward = await timed("go_forward")
    assert elapsed < 0.8, elapsed
    assert "go forward failed: net::ERR_CONNECTION_REFUSED" in forward, forward
    # The error page landed during the call: the next one does not report it as someone's navigation.
    snapshot = await agent.ok("snapshot")
    assert not snapshot.startswith("Note:"), snapshot


async def test_go_back_with_no_history_answers_at_once(agent: Agent, person: Person, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/index.html"))
    started = time.monotonic()
    forward = await agent.ok("go_forward")
    assert time.monotonic() - started < 0.5
    assert forward == f"There is no next page in this tab's history; still on {site.url('/index.html')}."
    await agent.ok("go_back")
    started = time.monotonic()
    back = await agent.ok("go_back")
    assert time.monotonic() - started < 0.5
    assert back.startswith("There is no previous page in this tab's history; still on "), back


async def test_a_pdf_is_said_to_be_one_not_an_empty_page(agent: Agent, person: Person, site: Site) -> None:
    """The browser shows a PDF in a viewer of its own, with nothing in the page's accessibility tree: the
    replies say it is a PDF the person can read, not that the page is empty."""
    navigated = await agent.ok("navigate", url=site.url("/invoice.pdf"))
    assert navigated.startswith(f"Navigated: ({site.url('/invoice.pdf')})."), navigated
    assert "The tab shows a PDF in the browser's viewer: a snapshot cannot read its text" in navigated
    snapshot = await agent.ok("snapshot")
    assert "The tab shows a PDF in the browser's viewer" in snapshot, snapshot
    assert "no accessible content" not in snapshot, snapshot


async def test_the_current_page_a_tables_order_and_what_is_busy_are_marked_in_the_snapshot(
    agent: Agent, person: Person, site: Site
) -> None:
    """aria-current (the page of a pagination, the step of a wizard, a breadcrumb's last link), aria-sort and
    aria-busy, which Playwright's snapshot leaves out."""
    await agent.ok("navigate", url=site.url("/results.html"))
    snapshot = await agent.ok("snapshot")
    assert re.search(r'- link "2" \[current\] \[ref=\w+\]', snapshot), snapshot
    assert re.search(r'- link "Shoes" \[current\] \[ref=\w+\]', snapshot), snapshot
    assert re.search(r"- listitem \[current\] \[ref=\w+\]: Shipping", snapshot), snapshot
    assert snapshot.count("[current]") == 3, snapshot
    assert re.search(r'- columnheader "Price" \[sorted descending\] \[ref=\w+\]', snapshot), snapshot
    assert re.search(r'- list "Also viewed" \[busy\] \[ref=\w+\]', snapshot), snapshot
    assert 'columnheader "Name" [sorted' not in snapshot, snapshot
