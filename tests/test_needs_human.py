"""Pages that need the person: after a navigation or an action, one line names the CAPTCHA or the sign-in
form and points to ask_user; ordinary pages, and pages the agent is already working on, say nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from browser_mcp.browser.human_check import MARKERS
from browser_mcp.tools.frame import Runtime
from tests.support.agent import Agent
from tests.support.chromium import PersonChromium
from tests.support.in_process import call, runtime_on
from tests.support.person import Person
from tests.support.site import Site

NEEDS_PERSON = "This page needs the person"


def human_lines(reply: str) -> list[str]:
    return [line for line in reply.splitlines() if line.startswith(NEEDS_PERSON)]


async def test_each_known_captcha_and_challenge_page_is_named_after_the_navigation(
    agent: Agent, site: Site
) -> None:
    expected = {
        "/human-recaptcha.html": "a reCAPTCHA",
        "/human-hcaptcha.html": "an hCaptcha",
        "/human-turnstile.html": "a Cloudflare Turnstile check",
        "/human-cloudflare.html": "Cloudflare's browser check ('Just a moment...')",
    }
    for path, name in expected.items():
        reply = await agent.ok("navigate", url=site.url(path))
        lines = human_lines(reply)
        assert lines == [
            f"{NEEDS_PERSON}: it shows {name}. Do not try to solve it or guess their password: call ask_user "
            "to hand the page to them; if they are not watching, live_link gives you a link to this tab for "
            "them."
        ], (path, reply)


async def test_a_sign_in_form_is_told_once_not_on_every_action_on_it(
    agent: Agent, person: Person, site: Site
) -> None:
    reply = await agent.ok("navigate", url=site.url("/human-login.html"))
    assert human_lines(reply) == [
        f"{NEEDS_PERSON}: it shows a sign-in form (a password field). Do not try to solve it or guess their "
        "password: call ask_user to hand the page to them; if they are not watching, live_link gives you a "
        "link to this tab for them."
    ], reply

    # Working on the page it already knows: typing, clicking, pressing keys add no line.
    for tool, args in [
        ("type", {"selector": "#email", "text": "ada@example.com"}),
        ("type", {"selector": "#password", "text": "not-a-real-one"}),
        ("click", {"selector": "button[type=submit]"}),
        ("press_key", {"key": "Tab"}),
    ]:
        reply = await agent.ok(tool, **args)
        assert not human_lines(reply), (tool, reply)
    tab = await person.tab_in_front()
    assert await tab.locator("#out").text_content() == "Checking..."

    # A page with no password field, then the sign-in page loaded again: a new document, told again.
    assert not human_lines(await agent.ok("click", selector="text=Forgot your password?"))
    assert human_lines(await agent.ok("go_back"))


async def test_ordinary_pages_and_invisible_widgets_say_nothing(agent: Agent, site: Site) -> None:
    """Words about CAPTCHAs, reCAPTCHA's invisible binding and v3 badge, its unopened challenge frame and a
    hidden password field are nothing the person must do."""
    for path in ["/form.html", "/index.html", "/human-ordinary.html"]:
        reply = await agent.ok("navigate", url=site.url(path))
        assert not human_lines(reply), (path, reply)
    reply = await agent.ok("type", selector="#email", text="ada@example.com")
    reply += await agent.ok("click", selector="text=Subscribe")
    assert not human_lines(reply), reply


async def test_a_challenge_that_an_action_opens_on_the_same_page_is_told_once(
    agent: Agent, person: Person, site: Site
) -> None:
    """The page reports it itself (no look per action): a challenge frame shown, then one added."""
    reply = await agent.ok("navigate", url=site.url("/human-later.html"))
    assert not human_lines(reply), reply
    assert not human_lines(await agent.ok("click", selector="#plain"))

    reply = await agent.ok("click", selector="#pay")
    assert [re.sub(r"\..*", "", line) for line in human_lines(reply)] == [
        f"{NEEDS_PERSON}: it shows a reCAPTCHA"
    ], reply
    assert not human_lines(await agent.ok("click", selector="#plain")), "said once"

    reply = await agent.ok("click", selector="#more")
    assert [re.sub(r"\..*", "", line) for line in human_lines(reply)] == [
        f"{NEEDS_PERSON}: it shows an hCaptcha"
    ], reply


async def test_read_only_tools_do_not_look(agent: Agent, person: Person, site: Site) -> None:
    """Only navigations and actions are followed by the line: a snapshot of the same page is not."""
    tab = await person.tab_in_front()
    await tab.goto(site.url("/human-recaptcha.html"))  # the person opened it
    snapshot = await agent.ok("snapshot")
    assert not human_lines(snapshot), snapshot
    reply = await agent.ok("scroll", direction="down", amount=100)
    assert human_lines(reply), "the first action on a document not looked at yet says it"


def test_every_marker_names_a_frame_or_an_element() -> None:
    for marker in MARKERS:
        assert marker.frames or marker.elements, marker.name
        assert marker.name[0].islower() or marker.name.startswith("Cloudflare"), marker.name


# ---- in-process: what it costs ----------------------------------------------------------------------


@pytest.fixture
async def runtime(chromium: PersonChromium) -> AsyncIterator[Runtime]:
    async with runtime_on(chromium.cdp_url) as built:
        yield built


async def test_an_action_on_the_same_document_costs_no_look(
    runtime: Runtime, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first document of a tab is looked at (one evaluation, which also installs the tab's own watch);
    after that the tab reports what it shows: no round trip, on the same document or a new one."""
    await call(runtime, "navigate", url=site.url("/human-later.html"))
    page = runtime.session.pages()[0]
    watch = runtime.session.tabs.state(page).watch
    assert watch is not None
    looks: list[str] = []
    evaluate = watch.evaluate

    async def counted(expression: str, **options: Any) -> Any:
        if "challenges.cloudflare.com" in expression:
            looks.append(page.url)
        return await evaluate(expression, **options)

    monkeypatch.setattr(watch, "evaluate", counted)

    assert NEEDS_PERSON not in await call(runtime, "click", selector="#plain")
    assert NEEDS_PERSON in await call(runtime, "click", selector="#pay")
    assert looks == []

    # A new document of a tab already watched reports itself as it loads: no look either.
    assert NEEDS_PERSON in await call(runtime, "navigate", url=site.url("/human-login.html"))
    assert NEEDS_PERSON not in await call(runtime, "navigate", url=site.url("/human-ordinary.html"))
    assert looks == []
