"""Every tool end to end over stdio, on the tab the person is looking at.

Each test checks what the person's page shows afterwards and what the reply tells the model.
"""

from __future__ import annotations

import asyncio
import base64
import re
import struct
import time

from playwright.async_api import Page, expect

from browser_mcp.tools import ALL_TOOLS, TOOLS_BY_NAME
from browser_mcp.tools.spec import Kind
from tests.support.agent import Agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import REPORT_CSV, Site
from tests.support.snapshots import ref_of

# The core names DESIGN.md promises clients (the server has more).
CORE_TOOL_NAMES = {
    "navigate", "go_back", "go_forward", "reload", "snapshot", "click", "hover", "type", "fill_form",
    "select_option", "press_key", "scroll", "screenshot", "tabs", "wait_for", "handle_dialog",
    "console_messages",
}  # fmt: skip


async def open_page(agent: Agent, person: Person, site: Site, path: str) -> Page:
    """The agent navigates the person's tab to `path`; returns that tab as the person holds it."""
    await agent.ok("navigate", url=site.url(path))
    tab = await person.tab_in_front()
    await expect(tab).to_have_url(site.url(path))
    return tab


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def jpeg_size(data: bytes) -> tuple[int, int]:
    assert data[:3] == b"\xff\xd8\xff", "not a JPEG"
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, "broken JPEG marker"
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):  # start of frame: height, width
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    raise AssertionError("JPEG without a frame header")


# ---- navigation ------------------------------------------------------------------------------


async def test_navigate_reports_title_and_url_and_the_person_sees_the_page(
    agent: Agent, person: Person, site: Site
) -> None:
    """navigate opens the URL in the person's tab; the reply names the new title and URL."""
    reply = await agent.ok("navigate", url=site.url("/form.html"))
    assert reply == f"Navigated: 'Form' ({site.url('/form.html')})."
    tab = await person.tab_in_front()
    assert tab.url == site.url("/form.html")
    await expect(tab.get_by_role("heading", name="Booking")).to_be_visible()


async def test_go_back_and_go_forward_walk_the_person_s_history(
    agent: Agent, person: Person, site: Site
) -> None:
    """go_back / go_forward move the person's tab through its history and say where it landed."""
    await open_page(agent, person, site, "/index.html")
    await agent.ok("navigate", url=site.url("/two.html"))

    reply = await agent.ok("go_back")
    assert reply == f"Went back: 'Home' ({site.url('/index.html')})."
    tab = await person.tab_in_front()
    assert tab.url == site.url("/index.html")
    await expect(tab.get_by_role("heading", name="Home")).to_be_visible()

    reply = await agent.ok("go_forward")
    assert reply == f"Went forward: 'Two' ({site.url('/two.html')})."
    assert tab.url == site.url("/two.html")
    await expect(tab.get_by_role("heading", name="Page two")).to_be_visible()


async def test_go_back_and_forward_with_no_history_say_there_is_no_page(
    agent: Agent, person: Person, site: Site
) -> None:
    """At either end of the tab's history, go_back/go_forward say there is no page there and stay put."""
    reply = await agent.ok("go_back")  # the person's fresh tab has only about:blank
    assert reply == "There is no previous page in this tab's history; still on about:blank."

    tab = await open_page(agent, person, site, "/two.html")
    reply = await agent.ok("go_forward")
    assert reply == f"There is no next page in this tab's history; still on {site.url('/two.html')}."
    assert tab.url == site.url("/two.html")
    await expect(tab.get_by_role("heading", name="Page two")).to_be_visible()


async def test_reload_resets_the_page_the_person_sees(agent: Agent, person: Person, site: Site) -> None:
    """reload loads the page again: page state is gone and the reply names the page."""
    tab = await open_page(agent, person, site, "/index.html")
    await agent.ok("click", selector="#count")
    await expect(tab.locator("#count")).to_have_text("Clicked 1 times")

    reply = await agent.ok("reload")
    assert reply == f"Reloaded: 'Home' ({site.url('/index.html')})."
    await expect(tab.locator("#count")).to_have_text("Click me")


# ---- snapshot and clicks ----------------------------------------------------------------------


async def test_snapshot_refs_and_selectors_both_click_the_element(
    agent: Agent, person: Person, site: Site
) -> None:
    """A snapshot lists elements with refs; click works by ref and by selector on the person's page."""
    tab = await open_page(agent, person, site, "/index.html")
    snapshot = await agent.ok("snapshot")
    assert snapshot.startswith(f"Tab t1: 'Home' ({site.url('/index.html')})")
    assert 'heading "Home"' in snapshot and 'link "Two in a new tab"' in snapshot
    ref = ref_of(snapshot, 'button "Click me"')

    reply = await agent.ok("click", ref=ref)
    # What the click did to the page comes after: the button renamed itself.
    said, now = reply.split("\n", 1)
    assert said == f'Clicked button "Click me" [{ref}].'
    # It is a new element to the snapshot (a new name, a new ref), in the old one's place.
    assert re.fullmatch(r'The page now shows:\n- button "Clicked 1 times" \[active\] \[ref=e\d+\]', now), now
    await expect(tab.locator("#count")).to_have_text("Clicked 1 times")

    reply = await agent.ok("click", selector="#count", element="the counter button")
    assert reply.startswith("Clicked the counter button (#count).\nThe page now shows:")
    await expect(tab.locator("#count")).to_have_text("Clicked 2 times")


async def test_double_click(agent: Agent, person: Person, site: Site) -> None:
    """click(double=True) fires a dblclick event on the person's page."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    reply = await agent.ok("click", selector="#press", double=True)
    assert reply.startswith("Double-clicked '#press'")
    await expect(tab.locator("#clicks")).to_have_text("double click")


async def test_click_with_shift_held(agent: Agent, person: Person, site: Site) -> None:
    """click(modifiers=['Shift']) reaches the page as a click with shiftKey set; a plain one without."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    await agent.ok("click", selector="#press", modifiers=["Shift"])
    await expect(tab.locator("#clicks")).to_have_text("click shift=true button=0")
    await agent.ok("click", selector="#press")
    await expect(tab.locator("#clicks")).to_have_text("click shift=false button=0")


async def test_right_click_opens_the_context_menu_event(agent: Agent, person: Person, site: Site) -> None:
    """click(button='right') fires contextmenu (button 2), not a click."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    reply = await agent.ok("click", selector="#press", button="right")
    assert reply.startswith("Right-clicked '#press'")
    await expect(tab.locator("#clicks")).to_have_text("context menu button=2")


async def test_click_reports_the_navigation_it_caused(agent: Agent, person: Person, site: Site) -> None:
    """Clicking a link: the reply says which page the tab is on now; the person sees it."""
    tab = await open_page(agent, person, site, "/index.html")
    ref = ref_of(await agent.ok("snapshot"), 'link "Two"')

    reply = await agent.ok("click", ref=ref)
    assert f"Page: 'Two' ({site.url('/two.html')})" in reply
    await expect(tab).to_have_url(site.url("/two.html"))
    await expect(tab.get_by_role("heading", name="Page two")).to_be_visible()


async def test_click_that_opens_a_tab_reports_it_and_later_calls_act_on_it(
    agent: Agent, person: Person, site: Site
) -> None:
    """A target=_blank link: the reply reports the new tab in front; the next calls act on it."""
    first = await open_page(agent, person, site, "/index.html")
    ref = ref_of(await agent.ok("snapshot"), 'link "Two in a new tab"')

    reply = await agent.ok("click", ref=ref)
    assert "Opened" in reply and f"'Two' ({site.url('/two.html')})" in reply
    assert "it is in front, later calls act on it" in reply

    await person.sees_tabs(2)
    front = await person.tab_in_front()
    assert front is not first and front.url == site.url("/two.html")
    snapshot = await agent.ok("snapshot")
    assert snapshot.startswith(f"Tab t2: 'Two' ({site.url('/two.html')})")
    assert 'heading "Page two"' in snapshot
    await agent.ok("click", ref=ref_of(snapshot, 'link "Back home"'))
    await expect(front).to_have_url(site.url("/index.html"))
    assert first.url == site.url("/index.html") and await first.locator("#count").text_content() == "Click me"


# ---- pointer and keyboard ---------------------------------------------------------------------


async def test_hover_triggers_mouseover(agent: Agent, person: Person, site: Site) -> None:
    """hover moves the mouse over the element: the page's mouseover handler runs."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    ref = ref_of(await agent.ok("snapshot"), 'button "Hover target"')
    reply = await agent.ok("hover", ref=ref)
    assert reply.startswith(f'Hovered button "Hover target" [{ref}].\nThe page now shows:'), reply
    assert re.search(r"- paragraph \[ref=e\d+\]: hovered", reply), reply
    await expect(tab.locator("#hovered")).to_have_text("hovered")


async def test_type_replaces_what_the_field_held(agent: Agent, person: Person, site: Site) -> None:
    """type puts exactly the given text in the field, replacing what was there."""
    tab = await open_page(agent, person, site, "/form.html")
    await tab.locator("#name").fill("old text")
    ref = ref_of(await agent.ok("snapshot"), 'textbox "Passenger name"')

    reply = await agent.ok("type", ref=ref, text="Ada Lovelace")
    assert reply == f'Typed 12 characters into textbox "Passenger name" [{ref}].'
    await expect(tab.locator("#name")).to_have_value("Ada Lovelace")


async def test_type_with_submit_presses_enter(agent: Agent, person: Person, site: Site) -> None:
    """type(submit=True) presses Enter after typing: the field's Enter handler sees the typed text."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    reply = await agent.ok("type", selector="#query", text="cats", submit=True)
    # What Enter did comes after; the typed text itself is not news.
    assert reply.startswith("Typed 4 characters into '#query' and pressed Enter.\nThe page now shows:"), reply
    assert re.search(r"- paragraph \[ref=e\d+\]: Searched cats", reply) and "textbox" not in reply, reply
    await expect(tab.locator("#result")).to_have_text("Searched cats")


async def test_typing_into_a_search_box_shows_the_suggestions_its_page_brings(
    agent: Agent, person: Person, site: Site
) -> None:
    """A combobox whose page lists suggestions after a pause and a fetch: type's reply shows them with refs
    (no snapshot needed to pick one), key by key too; a plain field after it is not kept waiting."""
    tab = await open_page(agent, person, site, "/typeahead.html")
    snapshot = await agent.ok("snapshot")
    field = ref_of(snapshot, 'combobox "From"')

    reply = await agent.ok("type", ref=field, text="Par")
    assert 'option "Paris"' in reply and 'option "Parma"' in reply and "Prague" not in reply, reply
    await agent.ok("click", ref=ref_of(reply, 'option "Parma"'))
    await expect(tab.locator("#chosen")).to_have_text("From Parma")

    reply = await agent.ok("type", ref=field, text="Pr", slowly=True)
    assert 'option "Prague"' in reply, reply

    started = time.monotonic()
    reply = await agent.ok("type", ref=ref_of(snapshot, 'textbox "Name"'), text="Ada")
    assert reply.startswith("Typed 3 characters"), reply
    assert time.monotonic() - started < 0.5, "a plain field waited for suggestions"


async def test_type_slowly_sends_one_keydown_per_character(agent: Agent, person: Person, site: Site) -> None:
    """type(slowly=True) types key by key (one keydown each) and still replaces the field's text."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    await agent.ok("type", selector="#keys", text="abc")
    await expect(tab.locator("#keys")).to_have_value("abc")
    await expect(tab.locator("#keycount")).to_have_text("0 keydowns")  # filled at once

    await agent.ok("type", selector="#keys", text="hello", slowly=True)
    await expect(tab.locator("#keycount")).to_have_text("5 keydowns")
    await expect(tab.locator("#keys")).to_have_value("hello")


async def test_fill_form_fills_every_kind_of_field_then_submit(
    agent: Agent, person: Person, site: Site
) -> None:
    """fill_form sets a textbox, a combobox, a checkbox and a radio at once; Book now submits them."""
    tab = await open_page(agent, person, site, "/form.html")
    snapshot = await agent.ok("snapshot")
    fields = [
        {"ref": ref_of(snapshot, 'textbox "Passenger name"'), "type": "textbox", "value": "Ada"},
        {"ref": ref_of(snapshot, 'combobox "City"'), "type": "combobox", "value": "Paris"},
        {"ref": ref_of(snapshot, 'checkbox "Vegetarian meal"'), "type": "checkbox", "value": "true"},
        {"ref": ref_of(snapshot, 'radio "Aisle"'), "type": "radio", "value": "true"},
    ]
    reply = await agent.ok("fill_form", fields=fields)
    assert reply.startswith("Filled 4 of 4 fields: ")
    await expect(tab.locator("#name")).to_have_value("Ada")
    await expect(tab.locator("#city")).to_have_value("par")
    await expect(tab.get_by_label("Vegetarian meal")).to_be_checked()
    await expect(tab.get_by_label("Aisle")).to_be_checked()

    await agent.ok("click", ref=ref_of(snapshot, 'button "Book now"'))
    await expect(tab.locator("#out")).to_have_text("Submitted Ada / par / veggie / aisle")


async def test_fill_form_takes_a_combobox_that_is_a_text_field_and_a_slider_drawn_by_the_page(
    agent: Agent, person: Person, site: Site
) -> None:
    """Fields as the snapshot names them: a text input with suggestions is a "combobox" (filled with the
    text, not refused as no <select>); a role=slider element is set with its keys, as a person would."""
    tab = await open_page(agent, person, site, "/widgets.html")
    snapshot = await agent.ok("snapshot")
    colour, brightness = ref_of(snapshot, 'combobox "Colour"'), ref_of(snapshot, 'slider "Brightness"')

    await agent.ok(
        "fill_form",
        fields=[
            {"ref": colour, "type": "combobox", "value": "Green"},
            {"ref": brightness, "type": "slider", "value": "70"},
        ],
    )
    await expect(tab.locator("#colour")).to_have_value("Green")
    await expect(tab.locator("#brightness")).to_have_attribute("aria-valuenow", "70")

    await agent.ok("fill_form", fields=[{"ref": brightness, "type": "slider", "value": "100"}])
    await expect(tab.locator("#brightness")).to_have_attribute("aria-valuenow", "100")
    error = await agent.fails("fill_form", fields=[{"ref": brightness, "type": "slider", "value": "33"}])
    assert f'slider "Brightness" [{brightness}] stopped at 30' in error, error
    await expect(tab.locator("#brightness")).to_have_attribute("aria-valuenow", "30")


async def test_select_option_by_label_and_by_value(agent: Agent, person: Person, site: Site) -> None:
    """select_option picks an option by its visible label or by its value."""
    tab = await open_page(agent, person, site, "/form.html")
    ref = ref_of(await agent.ok("snapshot"), 'combobox "City"')

    reply = await agent.ok("select_option", ref=ref, values=["Berlin"])
    assert reply == f"Selected 'Berlin' in combobox \"City\" [{ref}]."
    await expect(tab.locator("#city")).to_have_value("ber")

    await agent.ok("select_option", selector="#city", values=["par"])
    await expect(tab.locator("#city")).to_have_value("par")
    assert await tab.locator("#city option:checked").text_content() == "Paris"


async def test_select_option_picks_in_lists_the_page_draws(agent: Agent, person: Person, site: Site) -> None:
    """What is not a <select> but opens a list (a UI kit's select, a combobox one types into, a listbox) is
    chosen in as a person would: open it, click the option. An option it lacks is refused with what it offers;
    an element that opens no list is not clicked."""
    tab = await open_page(agent, person, site, "/ui_kit.html")
    snapshot = await agent.ok("snapshot")
    size, country = ref_of(snapshot, 'combobox "Size"'), ref_of(snapshot, 'combobox "Country"')

    reply = await agent.ok("select_option", ref=size, values=["500 g"])
    assert reply.startswith(f"Selected '500 g' in combobox \"Size\" [{size}] (not a <select>:"), reply
    await expect(tab.locator("#size")).to_have_text("500 g")
    error = await agent.fails("select_option", ref=size, values=["2 kg"])
    assert "has no option '2 kg'; its list (open now) offers: '250 g', '500 g', '1 kg'" in error, error
    await agent.ok("select_option", ref=size, values=["1 kg"])  # the list left open: picked in, not shut
    await expect(tab.locator("#size")).to_have_text("1 kg")

    await agent.ok("select_option", ref=country, values=["Sweden"])  # not among the first options shown
    await expect(tab.locator("#picked")).to_have_text("Picked Sweden")
    await agent.ok("fill_form", fields=[{"ref": country, "type": "combobox", "value": "Italy"}])
    await expect(tab.locator("#picked")).to_have_text("Picked Italy")
    await agent.ok("fill_form", fields=[{"ref": size, "type": "combobox", "value": "250 g"}])
    await expect(tab.locator("#size")).to_have_text("250 g")

    await agent.ok("select_option", ref=ref_of(snapshot, 'listbox "Tags"'), values=["red", "blue"])
    await expect(tab.locator("#tagged")).to_have_text("red, blue")

    error = await agent.fails("select_option", ref=ref_of(snapshot, 'button "Order"'), values=["x"])
    assert "is not a <select> nor a list of options" in error, error
    await expect(tab.locator("#order")).not_to_have_attribute("data-n", re.compile("."))

    tab = await open_page(agent, person, site, "/ui_kit_frame.html")  # the same list in a frame
    snapshot = await agent.ok("snapshot")
    await agent.ok("select_option", ref=ref_of(snapshot, 'combobox "Size"'), values=["500 g"])
    await expect(tab.frame_locator("iframe").locator("#size")).to_have_text("500 g")


async def test_checkboxes_a_page_hides_behind_their_labels_are_clicked_as_a_person_would(
    agent: Agent, person: Person, site: Site
) -> None:
    """A checkbox or radio made invisible (the page draws its own box) is covered by its label: click and
    fill_form click the label instead, at once, and never a link inside it; by selector too."""
    tab = await open_page(agent, person, site, "/custom_checks.html")
    snapshot = await agent.ok("snapshot")
    chosen = tab.locator("#chosen")

    started = time.monotonic()
    await agent.ok("click", ref=ref_of(snapshot, 'checkbox "Newsletter"'))
    await expect(chosen).to_have_text("news")
    assert time.monotonic() - started < 0.9, "it waited for the label to move away first"
    await agent.ok("click", ref=ref_of(snapshot, 'radio "Premium"'))
    await expect(chosen).to_have_text("news, premium")

    fields = [
        {"ref": ref_of(snapshot, 'checkbox "Newsletter"'), "type": "checkbox", "value": "false"},
        {"ref": ref_of(snapshot, 'checkbox "I accept the terms"'), "type": "checkbox", "value": "true"},
        {"ref": ref_of(snapshot, 'radio "Basic"'), "type": "radio", "value": "true"},
    ]
    await agent.ok("fill_form", fields=fields)
    await expect(chosen).to_have_text("tos, basic")
    await expect(tab).to_have_title("Preferences")  # the link in the label was not followed

    await agent.ok("click", selector="#news")  # no role known: once the click failed for its label
    await expect(chosen).to_have_text("news, tos, basic")


async def test_a_toggle_switch_the_page_draws_gets_a_ref_and_is_switched(
    agent: Agent, person: Person, site: Site
) -> None:
    """A switch made of a 0x0 checkbox in a label drawn as a track: Playwright's snapshot lists the checkbox
    without a ref (nothing to act on); it gets its label's ref, and click and fill_form switch it."""
    tab = await open_page(agent, person, site, "/custom_checks.html")
    snapshot = await agent.ok("snapshot")
    switch = re.search(r"- checkbox \[ref=(e\d+)\]", snapshot)
    assert switch, snapshot
    chosen = tab.locator("#chosen")

    await agent.ok("click", ref=switch.group(1))
    await expect(chosen).to_have_text("dark")
    await agent.ok("fill_form", fields=[{"ref": switch.group(1), "type": "checkbox", "value": "false"}])
    await expect(chosen).to_have_text("Nothing chosen")
    assert not await tab.locator("#dark").is_checked()
    # The same drawn as a switch (role=switch): the snapshot names it so.
    await agent.ok("click", ref=ref_of(snapshot, 'switch "Alerts"'))
    await expect(chosen).to_have_text("alerts")


async def test_press_key_moves_focus_and_presses_enter(agent: Agent, person: Person, site: Site) -> None:
    """press_key Tab moves the focus to the next field, and the reply says which (with its ref, to act on);
    Enter reaches the focused field."""
    tab = await open_page(agent, person, site, "/form.html")
    await agent.ok("click", selector="#name")
    reply = await agent.ok("press_key", key="Tab")
    assert re.fullmatch(r'Pressed Tab\.\nThe focus is now on combobox "City" \[(e\d+)\]\.', reply), reply
    await expect(tab.locator("#city")).to_be_focused()
    city = reply.rsplit("[", 1)[1].split("]")[0]
    await agent.ok("select_option", ref=city, values=["Berlin"])  # its ref is good for the next call
    await expect(tab.locator("#city")).to_have_value("ber")
    reply = await agent.ok("press_key", key="Shift+Tab")
    assert re.search(r'\nThe focus is now on textbox "Passenger name" \[e\d+\]\.$', reply), reply

    tab = await open_page(agent, person, site, "/tools_lab.html")
    await agent.ok("type", selector="#query", text="dogs")
    await expect(tab.locator("#result")).to_have_text("")
    await agent.ok("press_key", key="Enter")
    await expect(tab.locator("#result")).to_have_text("Searched dogs")


async def test_press_key_enter_that_sends_a_form_replies_with_the_new_page(
    agent: Agent, person: Person, site: Site
) -> None:
    """Enter in a form whose server takes half a second: the reply names the page it led to (as a click's
    does), not the page before."""
    tab = await open_page(agent, person, site, "/slow_search.html")
    await agent.ok("type", selector="input[name=q]", text="owls")
    reply = await agent.ok("press_key", key="Enter")
    assert reply.startswith("Pressed Enter.\nPage: 'Slow' ("), reply
    assert "/slow?s=0.5&q=owls" in reply and "Finally loaded" in reply, reply
    await expect(tab).to_have_title("Slow")


async def test_scroll_in_a_panel_of_an_app(agent: Agent, person: Person, site: Site) -> None:
    """An app whose window never scrolls, only its panels: scroll moves its main panel (not the one the mouse
    was over last); with an element and a direction, the panel around the element; each reply says where the
    panel is, and what it loaded."""
    tab = await open_page(agent, person, site, "/panel_feed.html")
    snapshot = await agent.ok("snapshot")
    await agent.ok("click", ref=ref_of(snapshot, 'link "Channel 3"'))  # the mouse is over the channels now
    reply = await agent.ok("scroll", direction="down", amount=300)  # the main panel, the biggest
    assert reply.startswith(
        'Scrolled down by 300 px in main "Messages" (the window itself does not scroll); it is now at x=0, y=300'
    ), reply
    assert await tab.locator("nav").evaluate("el => el.scrollTop") == 0
    reply = await agent.ok("scroll", direction="up", amount=300)
    assert await tab.locator("#messages").evaluate("el => el.scrollTop") == 0

    message = ref_of(snapshot, 'heading "Message 1"')
    reply = await agent.ok("scroll", ref=message, direction="down", amount=400)
    assert (
        f'Scrolled down by 400 px in the area around heading "Message 1" [{message}]; it is now at x=0, y=400'
        in reply
    )
    assert await tab.locator("#messages").evaluate("el => el.scrollTop") == 400
    assert await tab.locator("nav").evaluate("el => el.scrollTop") == 0

    reply = await agent.ok("scroll", ref=message, direction="down", amount=5000)
    assert "(to its bottom)" in reply and "it loaded more as it scrolled" in reply, reply
    assert 'heading "Message 15"' in reply, reply  # the older messages it loaded, with refs
    error = await agent.fails("scroll", ref=message, direction="left")
    assert f'No area around heading "Message 1" [{message}] scrolls left' in error, error


async def test_scroll_by_pixels_and_to_an_element(agent: Agent, person: Person, site: Site) -> None:
    """scroll moves the person's page by the asked amount, or brings an element into view."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    reply = await agent.ok("scroll", direction="down", amount=500)
    assert "page position now x=0, y=500" in reply
    await tab.wait_for_function("scrollY === 500")

    reply = await agent.ok("scroll", direction="up", amount=200)
    assert "y=300" in reply
    await tab.wait_for_function("scrollY === 300")

    assert "page position now x=0, y=0" in await agent.ok("scroll", direction="up", amount=1000)
    reply = await agent.ok("scroll", direction="up")
    assert reply.startswith("The page did not move: it is at its top already (x=0, y=0;"), reply

    far = tab.locator("#far")
    await expect(far).not_to_be_in_viewport()
    ref = ref_of(await agent.ok("snapshot"), 'button "Far away"')
    reply = await agent.ok("scroll", ref=ref)
    assert reply == f'Scrolled button "Far away" [{ref}] into view.'
    await expect(far).to_be_in_viewport()

    await agent.ok("navigate", url=site.url("/two.html"))  # shorter than the window
    reply = await agent.ok("scroll", direction="down")
    assert reply.startswith("The page did not move: it fits in the window."), reply


async def test_scrolling_an_endless_feed_says_what_it_loaded(
    agent: Agent, person: Person, site: Site
) -> None:
    """A feed that fetches more stories as it nears its end: the scroll that gets there says how far the
    page really moved, and its reply shows the new stories with refs (no snapshot needed to read them)."""
    tab = await open_page(agent, person, site, "/feed.html")
    bottom = await tab.evaluate("document.documentElement.scrollHeight - innerHeight")

    reply = await agent.ok("scroll", direction="down", amount=bottom + 400)
    assert reply.startswith(
        f"Scrolled down by {bottom} px (to its bottom); page position now x=0, y={bottom}"
    )
    assert "it loaded more as it scrolled: bottom now at y=" in reply, reply
    assert 'heading "Story 9"' in reply and 'heading "Story 13"' in reply, reply
    await agent.ok("click", ref=ref_of(reply, 'link "Read story 13"'))
    await expect(tab).to_have_url(re.compile(r"#s13$"))


# ---- screenshot -------------------------------------------------------------------------------


async def test_screenshot_png_and_jpeg_of_the_viewport(agent: Agent, person: Person, site: Site) -> None:
    """screenshot returns an image of what the person sees, in the format asked for."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    width, height = await tab.evaluate("[innerWidth, innerHeight]")

    reply = await agent.call("screenshot")
    assert not reply.is_error, reply.text
    assert reply.text == f"Screenshot of the viewport of 'Lab' ({site.url('/tools_lab.html')})."
    [image] = reply.images
    assert image.mime_type == "image/png"
    assert png_size(base64.b64decode(image.data)) == (width, height)

    reply = await agent.call("screenshot", format="jpeg")
    [image] = reply.images
    assert image.mime_type == "image/jpeg"
    assert jpeg_size(base64.b64decode(image.data)) == (width, height)


async def test_screenshot_of_the_full_page_leaves_the_person_s_view_alone(
    agent: Agent, person: Person, site: Site
) -> None:
    """A full-page screenshot is as tall as the document; the person's page does not move or reflow."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    root = "document.documentElement"
    width, height = await tab.evaluate(f"[{root}.scrollWidth, {root}.scrollHeight]")
    assert height > 3000

    reply = await agent.call("screenshot", full_page=True)
    assert reply.text == f"Screenshot of the full page of 'Lab' ({site.url('/tools_lab.html')})."
    [image] = reply.images
    assert png_size(base64.b64decode(image.data)) == (width, height)
    # Same scroll position, and the page keeps its scrollbar (its layout width is unchanged).
    assert await tab.evaluate("scrollY") == 0
    assert await tab.evaluate(f"{root}.clientWidth") == width


async def test_screenshot_of_one_element(agent: Agent, person: Person, site: Site) -> None:
    """An element screenshot by ref is exactly that element (240x90 px)."""
    await open_page(agent, person, site, "/tools_lab.html")
    ref = ref_of(await agent.ok("snapshot"), 'img "Green tile"')
    reply = await agent.call("screenshot", ref=ref, format="jpeg")
    assert reply.text.startswith(f"Screenshot of img \"Green tile\" [{ref}] of 'Lab'")
    [image] = reply.images
    assert image.mime_type == "image/jpeg"
    assert jpeg_size(base64.b64decode(image.data)) == (240, 90)


# ---- waiting and console ----------------------------------------------------------------------


async def test_wait_for_text_that_appears_later(agent: Agent, person: Person, site: Site) -> None:
    """wait_for(text) returns once the text shows on the page (here 0.7 s after a click), and says what the
    page now shows that the agent's last look did not."""
    tab = await open_page(agent, person, site, "/form.html")
    await agent.ok("click", selector="text=Load later")
    reply = await agent.ok("wait_for", text="Late text")
    assert re.fullmatch(
        r"Done: saw 'Late text'\.\nThe page now shows:\n- paragraph \[ref=e\d+\]: Late text", reply
    ), reply
    await expect(tab.get_by_text("Late text")).to_be_visible()


async def test_wait_for_says_the_page_the_tab_went_on_to(agent: Agent, person: Person, site: Site) -> None:
    """A page that moves on by itself (as after "Saved, taking you back..."): wait_for names the new page."""
    await agent.ok("navigate", url=site.url("/moves_on.html?after=1000"))
    reply = await agent.ok("wait_for", text="Two")
    assert reply.startswith(
        f"Done: saw 'Two'.\nPage: 'Two' ({site.url('/two.html')}).\nThe page now shows"
    ), reply


async def test_wait_for_text_gone(agent: Agent, person: Person, site: Site) -> None:
    """wait_for(text_gone) returns once the text has left the page."""
    tab = await open_page(agent, person, site, "/tools_lab.html")
    await expect(tab.get_by_text("Going away soon")).to_be_visible()
    await agent.ok("click", selector="#remove")
    reply = await agent.ok("wait_for", text_gone="Going away soon")
    assert re.fullmatch(
        r"Done: no longer see 'Going away soon'\.\nNo longer shown: paragraph \[ref=e\d+\]: Going away soon",
        reply,
    ), reply
    assert await tab.locator("#goner").count() == 0


async def test_wait_for_seconds_and_for_text_that_never_comes(
    agent: Agent, person: Person, site: Site
) -> None:
    """wait_for(seconds) waits that long; waiting for absent text fails with a clear sentence."""
    await open_page(agent, person, site, "/form.html")
    started = time.monotonic()
    reply = await agent.ok("wait_for", seconds=0.5)
    assert reply == "Waited 0.5 s."
    assert time.monotonic() - started >= 0.5

    error = await agent.fails("wait_for", text="Never shown", timeout=1)
    assert "Waited 1 s for 'Never shown' to appear; it did not happen." in error


async def test_console_messages_with_level_filter(agent: Agent, person: Person, site: Site) -> None:
    """console_messages shows what the page logged; level='error' keeps only the errors."""
    await open_page(agent, person, site, "/index.html")
    reply = await agent.ok("console_messages")
    assert "[log] home loaded" in reply and "[error] home error" in reply
    assert reply.index("home loaded") < reply.index("home error")  # oldest first

    reply = await agent.ok("console_messages", level="error")
    assert "[error] home error" in reply and "home loaded" not in reply


async def test_console_messages_of_a_frame_from_another_site(
    agent: Agent, person: Person, site: Site
) -> None:
    """A frame from another site (its own process in Chromium, like an embedded payment form) logs too:
    its lines are in console_messages, once each, with the frame's address."""
    framed = site.url("/index.html").replace("127.0.0.1", "localhost")
    tab = await open_page(agent, person, site, f"/desk?src={framed}")
    await expect(tab.locator("body[data-loaded]")).to_have_count(1)  # the frame's load event

    reply = await agent.ok("console_messages")
    assert reply.count("[log] home loaded") == 1 and reply.count("[error] home error") == 1, reply
    assert "localhost" in reply, reply  # where each line was logged

    await agent.ok("navigate", url=site.url("/form.html"))
    await agent.ok("navigate", url=site.url(f"/desk?src={framed}"))
    await expect(tab.locator("body[data-loaded]")).to_have_count(1)
    # The frame's new process is heard from a session of its own, a moment after the page saw it load.
    deadline = time.monotonic() + 5
    reply = await agent.ok("console_messages")
    while reply.count("[log] home loaded") < 2 and time.monotonic() < deadline:
        reply = await agent.ok("console_messages")
    assert reply.count("[log] home loaded") == 2, reply  # once per visit, not once per session heard


async def test_a_download_is_said_and_lands_in_the_browsers_folder(
    agent: Agent, chromium: PersonChromium, site: Site
) -> None:
    """A click on a download link, or a navigation to a file: the reply names the file; the browser saves it
    in its own downloads folder, as for the person."""
    await agent.ok("navigate", url=site.url("/downloads.html"))
    page = await agent.ok("snapshot")
    clicked = await agent.ok("click", ref=ref_of(page, 'link "Download the report"'))
    assert re.search(r"(Downloaded 'report\.csv' \(27 B\)|A download began: 'report\.csv')", clicked), clicked
    saved = chromium.downloads / "report.csv"
    deadline = time.monotonic() + 5
    while not saved.exists() or saved.read_bytes() != REPORT_CSV:  # the browser writes it: no event here
        assert time.monotonic() < deadline, f"{saved} never came"
        await asyncio.sleep(0.05)

    opened = await agent.ok("navigate", url=site.url("/report.csv"))
    assert f"{site.url('/report.csv')} is a file to download, not a page" in opened, opened
    assert f"the tab still shows 'Downloads' ({site.url('/downloads.html')})" in opened, opened
    assert "report" in opened.split("not a page", 1)[1], opened  # the download's own line


async def test_a_site_asking_for_a_password_is_said_so(agent: Agent, site: Site) -> None:
    """HTTP authentication (the browser's own sign-in prompt): a sentence, not the browser's error code."""
    failed = await agent.fails("navigate", url=site.url("/members"))
    assert "asks for a user name and password" in failed and "ask_user" in failed, failed


# ---- the protocol surface ---------------------------------------------------------------------


async def test_tool_list_names_and_read_only_hints(agent: Agent) -> None:
    """The tools have their plain names (the core ones of the contract among them), each once; only the
    ones that change nothing are marked read-only, and those are the six that only look."""
    tools = (await agent.client.list_tools()).tools
    names = [tool.name for tool in tools]
    # Every tool but the one a setting must allow (evaluate, tests/test_evaluate.py).
    assert set(names) >= CORE_TOOL_NAMES and len(names) == len(set(names)) == len(ALL_TOOLS) - 1, names
    assert "evaluate" not in names
    for tool in tools:
        assert tool.annotations is not None, tool.name
        read_only = TOOLS_BY_NAME[tool.name].kind is Kind.READ_ONLY
        assert tool.annotations.read_only_hint is read_only, tool.name
        assert tool.annotations.destructive_hint is (TOOLS_BY_NAME[tool.name].kind is Kind.DESTRUCTIVE)
    assert "(x, y)" in (agent.client.instructions or ""), "the model is told that points can be clicked"
    assert {name for name in names if TOOLS_BY_NAME[name].kind is Kind.READ_ONLY} == {
        "snapshot", "screenshot", "wait_for", "console_messages", "network_requests", "activity"
    }  # fmt: skip


async def test_long_wait_sends_progress_notifications(agent: Agent, person: Person, site: Site) -> None:
    """A 2.5 s wait_for reports progress while it waits (clients reset their timeout on it)."""
    await open_page(agent, person, site, "/form.html")
    notifications: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notifications.append((progress, total, message))

    result = await agent.client.call_tool("wait_for", {"seconds": 2.5}, progress_callback=on_progress)
    assert not result.is_error
    assert notifications, "no progress notification arrived during a 2.5 s wait"
    value, total, message = notifications[0]
    assert 0 < value <= 2.5 and total == 2.5
    assert message is not None and "waiting 2.5 s" in message
