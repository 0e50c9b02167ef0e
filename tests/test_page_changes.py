"""After an action the reply says what the page now shows, so the model needs no snapshot to learn
whether it worked: a status line, an error under a field, a menu that opened (with refs it can use)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote

from tests.support.agent import Agent
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

NOW_SHOWS = "The page now shows"
PART_BUDGET = 1_500


def shown_part(reply: str) -> str:
    """The "page now shows" part of a reply ("" if none), up to the end of the reply."""
    start = reply.find(NOW_SHOWS)
    return reply[start:] if start >= 0 else ""


async def test_a_booking_is_known_from_the_replies_alone(agent: Agent, person: Person, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/booking.html"))
    page = await agent.ok("snapshot")

    # An error next to a field: in the click's reply, with the text the page shows.
    book = ref_of(page, 'button "Book now"')
    error = await agent.ok("click", ref=book)
    assert "Enter an email address like name@example.com." in shown_part(error), error

    # Typing and choosing change nothing else on this page: nothing more is said.
    steps: list[tuple[str, dict[str, Any]]] = [
        ("type", {"ref": ref_of(page, 'textbox "Guest name"'), "text": "Ada Lovelace"}),
        ("type", {"ref": ref_of(page, 'textbox "Email"'), "text": "ada@example.com"}),
        ("select_option", {"ref": ref_of(page, 'combobox "Room"'), "values": ["Double (120 EUR)"]}),
    ]
    for tool, arguments in steps:
        reply = await agent.ok(tool, **arguments)
        assert NOW_SHOWS not in reply, reply

    # The confirmation comes ~0.1 s after the click (the page asks its server): the reply has it, and says
    # that the error went. Neither the typed values nor the chosen option are repeated.
    done = await agent.ok("click", ref=book)
    part = shown_part(done)
    assert "Booked: Double for Ada Lovelace, 1 night(s) from 2026-12-24. Confirmation number BK-4821." in part
    assert re.search(r"status \[ref=e\d+\]", part), part
    assert "No longer shown: alert" in part and "Enter an email address" in part, part
    assert "ada@example.com" not in part and "Double (120 EUR)" not in part, part
    tab = await person.tab_in_front()
    assert "BK-4821" in await tab.locator("#result").inner_text()


async def test_new_elements_come_with_refs_that_work(agent: Agent, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/changes.html"))

    # No snapshot was taken: the page is looked at just before the action, and only the news is told.
    opened = await agent.ok("click", selector="#menu")
    part = shown_part(opened)
    assert 'menuitem "Export"' in part and 'menuitem "Print"' in part, opened
    assert "Things that change" not in part  # what was there before is not news

    # The refs in it work for the next action, with no snapshot in between.
    chose = await agent.ok("click", ref=ref_of(part, 'menuitem "Print"'))
    assert "You chose Print" in shown_part(chose), chose

    quiet = await agent.ok("click", selector="#nothing")
    assert NOW_SHOWS not in quiet, quiet

    # A big change is cut to the part's budget, at a line end, and says how to see it all.
    many = await agent.ok("click", selector="#many")
    part = shown_part(many)
    assert len(part) <= PART_BUDGET, len(part)
    assert 'link "Result number 0 with a fairly long name"' in part
    assert part.rstrip().endswith("[Not all of it fits here: snapshot() shows the whole page.]"), part

    # A secret field that appears with its value: the value never reaches the model.
    revealed = await agent.ok("click", selector="#reveal")
    assert 'textbox "Password"' in shown_part(revealed), revealed
    assert "hunter2" not in revealed

    # A field's own value is not news; the help text the page adds under it is.
    short = await agent.ok("type", selector="#plain", text="Ada")
    assert NOW_SHOWS not in short, short
    long = await agent.ok("type", selector="#nick", text="Adalovelace")
    assert "Too long: 5 letters at most." in shown_part(long), long

    # A link to another page: the reply shows how the new page begins (its main part), with refs to use.
    moved = await agent.ok("click", selector="a[href='/booking.html']")
    part = shown_part(moved)
    assert part.startswith("The page now shows (its main part):"), moved
    assert 'heading "Book a room"' in part, part
    typed = await agent.ok("type", ref=ref_of(part, 'textbox "Guest name"'), text="Grace")
    assert "Typed 5 characters" in typed, typed


async def test_a_snapshot_is_never_older_than_the_pages_last_change(
    agent: Agent, person: Person, site: Site
) -> None:
    """The page's snapshot is taken ahead, right after the agent's navigation, and later looks reuse a
    view while the page has not changed: what the person typed or the page changed since is always in."""
    await agent.ok("navigate", url=site.url("/form.html"))
    tab = await person.tab_in_front()
    await tab.locator("#name").fill("Grace Hopper")
    seen = await agent.ok("snapshot")
    assert re.search(r'textbox "Passenger name"[^\n]*\[ref=e\d+\]: Grace Hopper', seen), seen

    await tab.evaluate("document.querySelector('h1').textContent = 'Changed by the page'")
    found = await agent.ok("snapshot", search="changed by the page")
    assert 'heading "Changed by the page"' in found, found
    assert 'heading "Changed by the page"' in await agent.ok("snapshot")


async def test_a_cross_site_frame_is_waited_for_too(agent: Agent, site: Site) -> None:
    """A click inside a frame of another site (its own process in Chromium, like a payment form) whose
    fetch answers ~0.5 s later: the reply has what the frame shows once it has the answer."""
    framed = site.url("/form.html").replace("127.0.0.1", "localhost")  # another site: another process
    await agent.ok("navigate", url=site.url(f"/desk?src={quote(framed)}"))
    snapshot = await agent.ok("snapshot")
    reply = await agent.ok("click", ref=ref_of(snapshot, 'button "Fetch"'))
    assert "Fetched" in shown_part(reply), reply


async def test_what_web_components_show_in_their_shadow_roots_is_never_missed(
    agent: Agent, person: Person, site: Site
) -> None:
    """A page of web components changes inside their shadow roots, not in the document's own tree: later
    snapshots are not an older view, and a reply says what typing made appear there."""
    await agent.ok("navigate", url=site.url("/components.html"))
    seen = await agent.ok("snapshot")
    assert "Loading results" in seen, seen

    tab = await person.tab_in_front()
    await tab.evaluate("showResults()")  # inside a shadow root inside a shadow root
    results = await agent.ok("snapshot")
    assert 'link "Result one"' in results and "Loading results" not in results, results

    typed = await agent.ok("type", ref=ref_of(results, 'textbox "Search"'), text="shoes")
    assert "3 results for shoes" in shown_part(typed), typed


async def test_a_hover_menu_or_a_popover_is_in_the_next_look(
    agent: Agent, person: Person, site: Site
) -> None:
    """A CSS hover menu and a popover change nothing in the document's tree: the person's pointer moving
    over the page and a popover opening count as changes all the same, so a search does not answer from a
    view taken before."""
    await agent.ok("navigate", url=site.url("/menus.html"))
    assert "Export tools" not in await agent.ok("snapshot")

    tab = await person.tab_in_front()
    await tab.get_by_role("link", name="Products").hover()
    found = await agent.ok("snapshot", search="export")
    assert 'link "Export tools"' in found, found

    # The page opens a popover by itself (a notice, a tip): no change in the tree either.
    await tab.evaluate("document.getElementById('help').showPopover()")
    found = await agent.ok("snapshot", search="0800")
    assert "Call us on 0800 123 456" in found, found


async def test_what_typing_changes_without_touching_the_tree_is_said(agent: Agent, site: Site) -> None:
    """A script that sets another field's value, and CSS that shows a hint while a value is not valid,
    change what the page shows with no change in its tree: the reply says it all the same."""
    await agent.ok("navigate", url=site.url("/converter.html"))
    page = await agent.ok("snapshot")
    assert "Enter an email address" in page, page

    converted = await agent.ok("type", ref=ref_of(page, 'textbox "Euros"'), text="100")
    assert "108.00" in shown_part(converted), converted

    valid = await agent.ok(
        "type", ref=ref_of(page, 'textbox "Email for the receipt"'), text="ada@example.com"
    )
    assert re.search(r"No longer shown: [^\n]*Enter an email address", valid), valid


async def test_what_changes_by_itself_is_not_said_to_be_what_the_action_did(
    agent: Agent, person: Person, site: Site
) -> None:
    """A clock and a video's time tick on their own: the reply to a click says what the click did, not the
    time they show now (which every reply would repeat)."""
    await agent.ok("navigate", url=site.url("/clock.html"))
    save = ref_of(await agent.ok("snapshot"), 'button "Save"')
    tab = await person.tab_in_front()
    ticks = int(await tab.evaluate("document.body.dataset.ticks"))
    await tab.wait_for_function(f"Number(document.body.dataset.ticks) >= {ticks + 6}")  # a model's pause

    reply = await agent.ok("click", ref=save)
    assert "status" in shown_part(reply) and "Saved" in reply, reply
    assert "12:00:" not in reply and "/ 3:45" not in reply, reply


async def test_a_page_at_work_is_waited_for_and_the_reply_tells_what_came_of_it(
    agent: Agent, person: Person, site: Site
) -> None:
    """ "Checking…", a button saying "Saving...", a progress bar: the result comes a moment later from a
    timer, with no request to wait for. The reply tells the result, not the wait (bounded: a sign that
    never goes is told as it is)."""
    await agent.ok("navigate", url=site.url("/at_work.html"))
    page = await agent.ok("snapshot")

    applied = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Apply"')))
    assert "Coupon SAVE10 applied: -10%" in applied and "Total: 45.00" in applied, applied
    assert "Checking" not in applied, applied

    # The button renamed itself while it worked, then back: it is not said to have gone, and its new
    # ref (given in the reply) works.
    saved = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Save address"')))
    assert "Address saved (1)" in saved and "No longer shown" not in saved, saved
    again = shown_part(await agent.ok("click", ref=ref_of(saved, 'button "Save address"')))
    assert "Address saved (2)" in again, again

    imported = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Import contacts"')))
    assert "Imported 42 contacts." in imported and "progressbar" not in imported, imported

    # Shown and hidden by styles alone: the page is looked at once more when the wait ends.
    uploaded = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Upload photo"')))
    assert "Photo uploaded." in uploaded and "Uploading" not in uploaded, uploaded

    # The page at work moves on to another: the reply names it and tells how it begins.
    signed_in = await agent.ok("click", ref=ref_of(page, 'button "Sign in"'))
    assert f"Page: 'Two' ({site.url('/two.html')})." in signed_in, signed_in
    assert "Signing in" not in signed_in and "No longer shown" not in signed_in, signed_in
    await agent.ok("go_back")
    page = await agent.ok("snapshot")

    began = time.monotonic()
    stock = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Check stock"')))
    assert "Checking stock…" in stock, stock
    assert re.search(
        r'The page is still at work after [\d.]+ s: wait_for\(text_gone="Checking stock…"\) waits for', stock
    ), stock
    assert time.monotonic() - began < 4.0
    tab = await person.tab_in_front()
    assert await tab.locator("#stock").inner_text() == "Checking stock…"

    # Marked busy with no word of it on the page (aria-busy over skeleton rows): waited for the same way.
    friends = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Show friends"')))
    assert "Ada Lovelace" in friends and "Grace Hopper" in friends and "busy" not in friends, friends
    began = time.monotonic()
    refreshed = await agent.ok("click", ref=ref_of(page, 'button "Refresh feed"'))
    assert re.search(
        r'The page is still at work after [\d.]+ s \("Feed" marked busy\): a snapshot in a moment shows',
        refreshed,
    ), refreshed
    assert time.monotonic() - began < 4.0


async def test_an_answer_in_a_dialog_is_followed_by_what_it_leads_to(agent: Agent, site: Site) -> None:
    """A confirmation dialog closes, and its result shows a moment later (after the dialog's closing
    animation, from a timer): the reply tells the result, not only that the dialog went."""
    await agent.ok("navigate", url=site.url("/at_work.html"))
    page = await agent.ok("snapshot")
    asked = shown_part(await agent.ok("click", ref=ref_of(page, 'button "Delete draft"')))
    deleted = shown_part(await agent.ok("click", ref=ref_of(asked, 'button "Delete"')))
    assert "Draft deleted" in deleted and "No longer shown: dialog" in deleted, deleted
