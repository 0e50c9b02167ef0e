"""Every failure is a tool error with a sentence the model can act on, and the server keeps working."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium, free_port
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

# The agent fixture runs with --action-timeout 2: an element that never becomes clickable must
# come back as an error well before this.
ERROR_BOUND_S = 8.0


async def timed_failure(agent: Agent, tool: str, **arguments: object) -> tuple[str, float]:
    started = time.monotonic()
    text = await agent.fails(tool, **arguments)
    return text, time.monotonic() - started


# --- refs -------------------------------------------------------------------------------------


async def test_unknown_ref_asks_for_a_new_snapshot(agent: Agent, person: Person, site: Site) -> None:
    """A ref the last snapshot never gave says so and tells the model to take a new snapshot."""
    await agent.ok("navigate", url=site.url("/index.html"))
    snapshot = await agent.ok("snapshot")

    error = await agent.fails("click", ref="e999")
    assert "e999" in error and "snapshot" in error

    await agent.ok("click", ref=ref_of(snapshot, 'button "Click me"'))
    await expect((await person.tab_in_front()).locator("#count")).to_have_text("Clicked 1 times")


async def test_ref_of_an_element_the_person_removed_is_from_an_older_snapshot(
    agent: Agent, person: Person, site: Site
) -> None:
    """The person's page removed the element since the snapshot: the ref is stale, snapshot again."""
    await agent.ok("navigate", url=site.url("/index.html"))
    ref = ref_of(await agent.ok("snapshot"), 'button "Click me"')
    tab = await person.tab_in_front()
    await tab.evaluate("document.getElementById('count').remove()")

    error = await agent.fails("click", ref=ref)
    assert "older snapshot" in error and "snapshot again" in error

    snapshot = await agent.ok("snapshot")
    assert "Click me" not in snapshot and 'heading "Home"' in snapshot


async def test_ref_from_before_the_person_navigated_is_from_an_older_snapshot(
    agent: Agent, person: Person, site: Site
) -> None:
    """Refs do not survive a navigation the person made: the error says to snapshot again."""
    await agent.ok("navigate", url=site.url("/index.html"))
    ref = ref_of(await agent.ok("snapshot"), 'button "Click me"')
    tab = await person.tab_in_front()
    await tab.goto(site.url("/two.html"))

    error = await agent.fails("click", ref=ref)
    assert "older snapshot" in error and "snapshot again" in error

    snapshot = await agent.ok("snapshot")
    await agent.ok("click", ref=ref_of(snapshot, 'link "Back home"'))
    await expect(tab).to_have_title("Home")


async def test_ref_and_selector_together_or_neither_ask_for_exactly_one(
    agent: Agent, person: Person, site: Site
) -> None:
    """Naming an element twice, or not at all, tells the model to pass exactly one of ref/selector."""
    await agent.ok("navigate", url=site.url("/index.html"))
    ref = ref_of(await agent.ok("snapshot"), 'button "Click me"')

    both = await agent.fails("click", ref=ref, selector="#count")
    neither = await agent.fails("click")
    for error in (both, neither):
        assert "exactly one" in error and "ref" in error and "selector" in error

    await agent.ok("click", selector="#count")
    await expect((await person.tab_in_front()).locator("#count")).to_have_text("Clicked 1 times")


# --- selectors --------------------------------------------------------------------------------


async def test_selector_matching_nothing_several_or_invalid(agent: Agent, person: Person, site: Site) -> None:
    """A selector that matches no element, several elements, or does not parse: each says which."""
    await agent.ok("navigate", url=site.url("/index.html"))

    nothing = await agent.fails("click", selector="#no-such-element")
    assert "No element matches" in nothing and "#no-such-element" in nothing

    several = await agent.fails("click", selector="nav a")
    assert "matches 3 elements" in several and "more specific selector" in several

    invalid = await agent.fails("click", selector="div[[[")
    assert "not valid" in invalid and "div[[[" in invalid

    await agent.ok("click", selector="#count")
    await expect((await person.tab_in_front()).locator("#count")).to_have_text("Clicked 1 times")


# --- elements that never become clickable ----------------------------------------------------


@pytest.mark.slow  # waits out the action timeout
async def test_hidden_or_disabled_element_fails_fast_with_the_reason(
    agent: Agent, person: Person, site: Site
) -> None:
    """Hidden or disabled buttons fail after the action timeout (2 s), saying why, not hanging."""
    await agent.ok("navigate", url=site.url("/form.html"))

    for selector, reason in (("text=Hidden", "not visible"), ("text=Disabled", "disabled")):
        error, elapsed = await timed_failure(agent, "click", selector=selector)
        assert reason in error and selector in error, error
        assert elapsed < ERROR_BOUND_S, f"{selector}: the error took {elapsed:.1f} s"

    await agent.ok("type", selector="#name", text="Ada")
    await expect((await person.tab_in_front()).locator("#name")).to_have_value("Ada")


@pytest.mark.slow  # waits out the action timeout
async def test_element_under_an_overlay_says_it_is_covered(agent: Agent, person: Person, site: Site) -> None:
    """A full-screen banner over the button: the error says it is covered and what to do."""
    await agent.ok("navigate", url=site.url("/overlay.html"))

    error, elapsed = await timed_failure(agent, "click", selector="#under")
    assert "covered" in error and "overlay" in error
    assert elapsed < ERROR_BOUND_S, f"the error took {elapsed:.1f} s"

    tab = await person.tab_in_front()
    await expect(tab.locator("#out")).to_have_text("")
    await agent.ok("click", selector="#cover")
    await agent.ok("click", selector="#under")
    await expect(tab.locator("#out")).to_have_text("Clicked under")


async def test_an_element_blocked_on_a_page_that_does_not_change_fails_early_and_a_busy_page_is_waited_for(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """With the default 5 s to act: a button under a cookie banner, or disabled, on a page where nothing
    moves fails within about a second, saying so; a button under a spinner while a fetch runs, or disabled
    while a countdown runs, is waited for and clicked."""
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--overlay-ms", "0") as agent:
        for page, selector, reason in (
            ("/overlay.html", "#under", "covered"),
            ("/form.html", "text=Disabled", "disabled"),
        ):
            await agent.ok("navigate", url=site.url(page))
            error, elapsed = await timed_failure(agent, "click", selector=selector)
            assert reason in error and "nothing on the page changed" in error, error
            assert elapsed < 3.0, f"the error took {elapsed:.1f} s: the whole action timeout"

        tab = await person.tab_in_front()
        for query, selector, done, blocker in (
            ("s=2.5", "#save", "Saved", "the spinner went: it did not cover the button"),
            ("ticks=12", "#send", "Sent", "the countdown ended: the button was not disabled"),
        ):
            await agent.ok("navigate", url=site.url(f"/patience.html?{query}"))
            started = time.monotonic()
            await agent.ok("click", selector=selector)
            await expect(tab.locator("#out")).to_have_text(done)
            assert time.monotonic() - started > 1.5, f"clicked before {blocker}"


# --- navigation ------------------------------------------------------------------------------


async def test_connection_refused_names_the_network_error(agent: Agent, person: Person, site: Site) -> None:
    """Nothing listening on the port: the reply names net::ERR_CONNECTION_REFUSED and what it means."""
    url = f"http://127.0.0.1:{free_port()}/"
    error = await agent.fails("navigate", url=url)
    assert "net::ERR_CONNECTION_REFUSED" in error and "nothing is listening" in error and url in error

    await agent.ok("navigate", url=site.url("/two.html"))
    await expect(await person.tab_in_front()).to_have_title("Two")


async def test_failed_navigation_is_not_reported_later_as_the_persons_doing(agent: Agent, site: Site) -> None:
    """The agent's own failed navigation leaves an error page; the next call must not say the tab
    "navigated since your last call" (that note means the person did something)."""
    await agent.ok("navigate", url=site.url("/index.html"))
    await agent.fails("navigate", url=f"http://127.0.0.1:{free_port()}/")

    reply = await agent.ok("snapshot")
    assert "navigated since your last call" not in reply, reply


async def test_malformed_urls_say_they_are_not_valid(agent: Agent, person: Person, site: Site) -> None:
    """A URL without a host, or one that cannot be parsed, gets a sentence naming it and why,
    not a bare "Error executing tool navigate"."""
    no_host = await agent.fails("navigate", url="http://")
    assert "no host name" in no_host

    for url in ("http://[bad", "http://127.0.0.1:99999/"):
        error = await agent.fails("navigate", url=url)
        assert url in error and "valid" in error.lower(), error

    await agent.ok("navigate", url=site.url("/two.html"))
    await expect(await person.tab_in_front()).to_have_title("Two")


# --- URL policy ------------------------------------------------------------------------------

REFUSED = {
    "file:///etc/passwd": "--allow-file-urls",
    "chrome://settings": "browser-internal",
    "devtools://x": "browser-internal",
    "about:config": "only about:blank",
    "javascript:alert(1)": "arbitrary code",
    "data:text/html,x": "arbitrary code",
}


async def test_url_policy_refuses_local_internal_and_script_urls(
    agent: Agent, person: Person, site: Site
) -> None:
    """file://, chrome://, devtools://, about:config, javascript:, data: are refused with the reason,
    and the person's tab stays where it was; about:blank is allowed."""
    await agent.ok("navigate", url=site.url("/index.html"))
    tab = await person.tab_in_front()

    for url, reason in REFUSED.items():
        error = await agent.fails("navigate", url=url)
        assert "Refused" in error and reason in error, f"{url}: {error}"
    assert tab.url == site.url("/index.html")

    reply = await agent.ok("navigate", url="about:blank")
    assert "about:blank" in reply
    await expect(tab).to_have_url("about:blank")


async def test_allowed_origins_refuse_every_other_origin(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """With --allowed-origins 127.0.0.1, localhost is another origin: refused, naming the option."""
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--allowed-origins", "127.0.0.1") as agent:
        other = f"http://localhost:{site.server.server_port}/two.html"
        error = await agent.fails("navigate", url=other)
        assert "Refused" in error and "--allowed-origins" in error and "127.0.0.1" in error

        await agent.ok("navigate", url=site.url("/two.html"))
        await expect(await person.tab_in_front()).to_have_url(site.url("/two.html"))


async def test_blocked_origins_are_refused(chromium: PersonChromium, person: Person, site: Site) -> None:
    """With --blocked-origins localhost, localhost is refused, naming the option; 127.0.0.1 still opens."""
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--blocked-origins", "localhost") as agent:
        error = await agent.fails("navigate", url=f"http://localhost:{site.server.server_port}/two.html")
        assert "Refused" in error and "--blocked-origins" in error

        await agent.ok("navigate", url=site.url("/two.html"))
        await expect(await person.tab_in_front()).to_have_url(site.url("/two.html"))


async def test_allow_file_urls_opens_a_local_file(
    chromium: PersonChromium, person: Person, tmp_path: Path
) -> None:
    """--allow-file-urls lets the agent open a local HTML file in the person's tab."""
    page = tmp_path / "local.html"
    page.write_text("<!doctype html><title>Local file</title><h1>From disk</h1>")
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--allow-file-urls") as agent:
        reply = await agent.ok("navigate", url=page.as_uri())
        assert "'Local file'" in reply

        tab = await person.tab_in_front()
        await expect(tab).to_have_url(page.as_uri())
        await expect(tab.locator("h1")).to_have_text("From disk")


# --- other tools -----------------------------------------------------------------------------


async def test_unknown_key_name_lists_valid_names(agent: Agent, person: Person, site: Site) -> None:
    """press_key with a made-up key says it is not a key name and gives examples."""
    await agent.ok("navigate", url=site.url("/form.html"))

    error = await agent.fails("press_key", key="Enterr")
    assert "'Enterr' is not a key name" in error and "Enter" in error

    await agent.ok("type", selector="#name", text="Ada")
    await agent.ok("press_key", key="Enter")  # submits the form
    await expect((await person.tab_in_front()).locator("#out")).to_have_text(re.compile(r"^Submitted Ada /"))


async def test_select_option_says_a_field_is_not_a_select_or_what_options_it_has(
    agent: Agent, person: Person, site: Site
) -> None:
    """select_option on an <input> says the element is not a <select>; on a <select> without the option,
    what it offers."""
    await agent.ok("navigate", url=site.url("/form.html"))

    error = await agent.fails("select_option", selector="#name", values=["Paris"])
    assert "not a <select>" in error

    error = await agent.fails("select_option", selector="#city", values=["Rome"])
    assert error.endswith(
        "has no option 'Rome'; it offers: 'Pick one', 'Berlin', 'Paris'. Call select_option with one of those."
    ), error
    error = await agent.fails(
        "fill_form", fields=[{"selector": "#city", "type": "combobox", "value": "Rome"}]
    )
    assert "has no option 'Rome'; it offers: 'Pick one', 'Berlin', 'Paris'" in error, error

    await agent.ok("select_option", selector="#city", values=["Paris"])
    await expect((await person.tab_in_front()).locator("#city")).to_have_value("par")


async def test_wait_for_text_that_never_appears_says_how_long_it_waited(agent: Agent, site: Site) -> None:
    """wait_for(text, timeout=1) gives up after about 1 s and says it waited 1 s."""
    await agent.ok("navigate", url=site.url("/form.html"))

    error, elapsed = await timed_failure(agent, "wait_for", text="Never shown anywhere", timeout=1)
    assert "Waited 1 s" in error and "Never shown anywhere" in error
    assert elapsed < ERROR_BOUND_S, f"the error took {elapsed:.1f} s"

    assert "saw 'Booking'" in await agent.ok("wait_for", text="Booking", timeout=5)


async def test_bad_arguments_come_back_as_validation_errors(agent: Agent, site: Site) -> None:
    """Wrong types and missing required arguments are tool errors naming the argument and what came, in a
    sentence (no pydantic codes or links), and nothing is done."""
    wrong_type = await agent.fails("console_messages", limit="x")
    assert "`limit`: input should be a valid integer" in wrong_type and "(got 'x')" in wrong_type
    assert "pydantic" not in wrong_type and "type=" not in wrong_type
    not_a_tab = await agent.fails("tabs", action="select", tab="x")
    assert "`tab`" in not_a_tab and "should match pattern" in not_a_tab
    assert "Call tabs again with the arguments fixed." in not_a_tab

    missing = await agent.fails("navigate")
    assert "`url` is required" in missing

    await agent.ok("navigate", url=site.url("/two.html"))
    assert "'Two'" in await agent.ok("tabs")
