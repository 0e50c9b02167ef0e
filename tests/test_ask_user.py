"""ask_user: the agent hands the page to the person, who answers in a bar drawn in the page.

The person is real X input on a headed Chromium (as neko injects a viewer's input). They find the bar
the way their screen reader does: through the browser's accessibility tree (the bar lives in a closed
shadow root, which page scripts and the agent's snapshots do not see into).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.support.agent import Agent, Reply, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.neko_double import running_neko
from tests.support.person import Person
from tests.support.site import Site
from tests.support.x_person import XPerson

PROMPT_TAG = "browser-mcp-prompt"
SEEN_WITHIN_S = 5.0
BLANK_SPOT = (640.0, 600.0)  # below the content of the test pages


@dataclass(frozen=True)
class PromptOnScreen:
    """The bar as the person perceives it."""

    label: str  # the dialog's accessible name
    text: str  # every text in the bar, in order
    buttons: dict[str, tuple[float, float]]  # accessible name -> centre in the page's CSS pixels


def _find(node: dict[str, Any], local_name: str) -> dict[str, Any] | None:
    if node.get("localName") == local_name:
        return node
    for child in [*node.get("children", []), *node.get("shadowRoots", [])]:
        found = _find(child, local_name)
        if found is not None:
            return found
    return None


def _texts(node: dict[str, Any]) -> list[str]:
    own = [node["nodeValue"].strip()] if node.get("nodeType") == 3 and node["nodeValue"].strip() else []
    return own + [text for child in node.get("children", []) for text in _texts(child)]


async def prompt_on(page: Page) -> PromptOnScreen | None:
    """The prompt bar in `page` as the accessibility tree (a screen reader) and the screen show it."""
    cdp = await page.context.new_cdp_session(page)
    try:
        document = await cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
        host = _find(document["root"], PROMPT_TAG)
        if host is None:
            return None
        root = host["shadowRoots"][0]
        dialogs = await cdp.send(
            "Accessibility.queryAXTree", {"backendNodeId": root["backendNodeId"], "role": "dialog"}
        )
        buttons = await cdp.send(
            "Accessibility.queryAXTree", {"backendNodeId": root["backendNodeId"], "role": "button"}
        )
        centres = {}
        for button in buttons["nodes"]:
            box = await cdp.send("DOM.getBoxModel", {"backendNodeId": button["backendDOMNodeId"]})
            left, top, _, _, right, bottom, _, _ = box["model"]["border"]
            centres[button["name"]["value"]] = ((left + right) / 2, (top + bottom) / 2)
        label = dialogs["nodes"][0]["name"]["value"] if dialogs["nodes"] else ""
        return PromptOnScreen(label, " ".join(_texts(root)), centres)
    finally:
        await cdp.detach()


async def wait_for_prompt(page: Page, containing: str = "") -> PromptOnScreen:
    """Poll (bounded) until the bar is on `page`, with its message filled in, and usable."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SEEN_WITHIN_S
    while True:
        prompt = await prompt_on(page)
        # Buttons missing from the accessibility tree: inert (behind a modal dialog), not usable yet.
        if prompt is not None and containing in prompt.text and "Cancel" in prompt.buttons:
            return prompt
        assert loop.time() < deadline, f"no prompt with {containing!r} on {page.url} (saw {prompt})"
        await asyncio.sleep(0.05)


async def click_button(x_person: XPerson, page: Page, prompt: PromptOnScreen, name: str) -> None:
    """The person clicks a button of the bar: real X pointer input at its place on the screen."""
    await click_at(x_person, page, prompt.buttons[name])


async def click_at(x_person: XPerson, page: Page, point: tuple[float, float]) -> None:
    x, y = point
    left, top, chrome_height, chrome_width = await page.evaluate(
        "() => [screenX, screenY, outerHeight - innerHeight, outerWidth - innerWidth]"
    )
    screen_x, screen_y = round(left + chrome_width / 2 + x), round(top + chrome_height + y)
    x_person.xdotool("mousemove", "--sync", str(screen_x), str(screen_y), "click", "1")


@asynccontextmanager
async def asking(agent: Agent, **arguments: Any) -> AsyncIterator[asyncio.Task[Reply]]:
    """ask_user running in the background while the person acts; cancelled if the test fails early."""
    task = asyncio.ensure_future(agent.call("ask_user", **arguments))
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()


async def reply_of(task: Awaitable[Reply]) -> Reply:
    return await asyncio.wait_for(task, 10)


async def person_page(person: Person, url: str) -> Page:
    page = await person.tab_in_front()
    await expect(page).to_have_url(url)
    return page


@pytest.mark.slow
async def test_person_clicks_done(
    headed_agent: Agent, headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The bar shows the message with Done and Cancel to the person (and their screen reader), is not
    in the agent's snapshot, lets the page behind be used, and an X click on Done answers."""
    url = site.url("/index.html")
    await headed_agent.ok("navigate", url=url)
    page = await person_page(headed_person, url)

    async with asking(headed_agent, message="Please log in, then press Done.") as task:
        prompt = await wait_for_prompt(page, "Please log in")
        assert prompt.label == "The agent asks you"
        assert {"Done", "Cancel"} <= set(prompt.buttons)

        # The agent's snapshot (another browser-mcp on the same browser: this one is busy waiting).
        async with stdio_agent("--cdp-url", headed_chromium.cdp_url) as other_agent:
            snapshot = await other_agent.ok("snapshot")
        assert 'button "Click me"' in snapshot
        assert "log in" not in snapshot and "Done" not in snapshot and "Cancel" not in snapshot

        # The page behind the bar still takes the person's clicks.
        await x_person.click(page, page.get_by_role("button", name="Click me"))
        await expect(page.locator("#count")).to_have_text("Clicked 1 times")

        await click_button(x_person, page, prompt, "Done")
        reply = await reply_of(task)

    assert not reply.is_error, reply.text
    assert reply.text.startswith("The person answered: Done.")
    assert 'clicked button "Click me"' in reply.text  # what the person did meanwhile
    assert "Still on tab t1 'Home'" in reply.text
    assert await prompt_on(page) is None

    # The person handed the page back: the agent acts at once, without waiting for them to be quiet.
    clicked = await headed_agent.ok("click", selector="#count")
    assert "Waited" not in clicked, clicked
    await expect(page.locator("#count")).to_have_text("Clicked 2 times")


@pytest.mark.slow
async def test_person_answers_with_the_keyboard(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The bar does not take the focus from the field the person is typing in, and Escape there is
    the page's; Tab from the page (nothing focused) reaches Done, Enter presses it; Escape in the bar
    cancels."""
    url = site.url("/form.html")
    await headed_agent.ok("navigate", url=url)
    page = await person_page(headed_person, url)
    name = page.get_by_role("textbox", name="Passenger name")
    await x_person.click(page, name)
    await expect(name).to_be_focused()

    async with asking(headed_agent, message="Check the booking, then press Done.") as task:
        await wait_for_prompt(page, "Check the booking")
        x_person.type("Ada")
        x_person.key("Escape")
        await expect(name).to_have_value("Ada")
        await expect(name).to_be_focused()
        await click_at(x_person, page, BLANK_SPOT)  # into the page, on nothing in particular
        await expect(page.locator("body")).to_be_focused()
        x_person.key("Tab")
        await expect(page.locator(PROMPT_TAG)).to_be_focused()
        x_person.key("Return")
        reply = await reply_of(task)
    assert reply.text.startswith("The person answered: Done."), reply.text  # not cancelled by Escape
    assert "Ada" in reply.text  # what the person typed meanwhile
    assert "pressed Enter" not in reply.text  # keys on the bar answer the agent: not page activity
    assert await prompt_on(page) is None

    async with asking(headed_agent, message="Shall I book it?") as task:
        await wait_for_prompt(page, "Shall I book it?")
        x_person.key("Tab")
        await expect(page.locator(PROMPT_TAG)).to_be_focused()
        x_person.key("Escape")
        reply = await reply_of(task)
    assert not reply.is_error, reply.text
    assert reply.text.startswith("The person cancelled (pressed Cancel)"), reply.text
    assert await prompt_on(page) is None


_LAYOUT_JS = """() => JSON.stringify(
  [...document.querySelectorAll('#banner, #content, h1, #open')].map(e => e.getBoundingClientRect()))"""


@pytest.mark.slow
async def test_bar_on_a_strict_page_is_on_top_keeps_the_layout_and_works_over_a_modal_dialog(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """A page with a strict CSP and Trusted Types, a fixed header at the highest z-index and a modal
    <dialog>: the bar is drawn, above the header, without moving anything; when the person opens the
    modal dialog (which makes the rest of the page inert), the bar still answers."""
    url = site.url("/handover.html")
    await headed_agent.ok("navigate", url=url)
    page = await person_page(headed_person, url)
    layout = await page.evaluate(_LAYOUT_JS)

    async with asking(headed_agent, message="Accept or refuse the cookies, then press Done.") as task:
        prompt = await wait_for_prompt(page, "Accept or refuse")
        assert await page.evaluate(_LAYOUT_JS) == layout
        on_top = await page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).localName", prompt.buttons["Done"]
        )
        assert on_top == PROMPT_TAG

        await x_person.click(page, page.get_by_role("button", name="Open dialog"))
        await expect(page.locator("#consent")).to_have_attribute("open", "")
        prompt = await wait_for_prompt(page, "Accept or refuse")
        await click_button(x_person, page, prompt, "Done")
        reply = await reply_of(task)

    assert reply.text.startswith("The person answered: Done."), reply.text
    await expect(page.locator("#consent")).to_have_attribute("open", "")
    assert await prompt_on(page) is None


@pytest.mark.slow
async def test_person_picks_one_of_the_choices(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    url = site.url("/form.html")
    await headed_agent.ok("navigate", url=url)
    page = await person_page(headed_person, url)

    async with asking(headed_agent, message="Which class?", choices=["Economy", "Business"]) as task:
        prompt = await wait_for_prompt(page, "Which class?")
        assert list(prompt.buttons)[:3] == ["Economy", "Business", "Cancel"]
        await click_button(x_person, page, prompt, "Business")
        reply = await reply_of(task)

    assert reply.text.startswith("The person chose 'Business'."), reply.text


@pytest.mark.slow
async def test_prompt_follows_the_person_through_a_navigation(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The person follows a link while the bar is up: the new page has the bar, answering there works."""
    url = site.url("/index.html")
    await headed_agent.ok("navigate", url=url)
    page = await person_page(headed_person, url)

    async with asking(headed_agent, message="Open page two, then press Done.") as task:
        await wait_for_prompt(page, "Open page two")
        await x_person.click(page, page.get_by_role("link", name="Two", exact=True))
        await expect(page).to_have_url(site.url("/two.html"))
        prompt = await wait_for_prompt(page, "Open page two")
        await click_button(x_person, page, prompt, "Done")
        reply = await reply_of(task)

    assert reply.text.startswith("The person answered: Done."), reply.text
    assert f"navigated to {site.url('/two.html')}" in reply.text  # what the person did meanwhile
    assert await prompt_on(page) is None


@pytest.mark.slow
async def test_prompt_follows_the_person_to_a_new_tab(
    headed_agent: Agent, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """The person opens a tab (ctrl+t, types a URL): the bar is there too and answering there works;
    afterwards no tab has it, and the agent's next calls act on the new tab."""
    url = site.url("/form.html")
    await headed_agent.ok("navigate", url=url)
    first = await person_page(headed_person, url)

    async with asking(headed_agent, message="Find the other page, then press Done.") as task:
        await wait_for_prompt(first, "Find the other page")
        async with headed_person.context.expect_page() as opened:
            x_person.key("ctrl+t")
        second = await opened.value
        x_person.key("ctrl+l")  # the address bar (the new tab page does not always give it focus here)
        x_person.type(site.url("/two.html"))
        x_person.key("Return")
        await expect(second).to_have_url(site.url("/two.html"))
        prompt = await wait_for_prompt(second, "Find the other page")
        await click_button(x_person, second, prompt, "Done")
        reply = await reply_of(task)

    assert reply.text.startswith("The person answered: Done."), reply.text
    assert f"opened a new tab in front: tab t2 'Two' ({site.url('/two.html')})" in reply.text
    assert await prompt_on(first) is None and await prompt_on(second) is None
    assert "Page two" in await headed_agent.ok("snapshot")


@pytest.mark.slow
async def test_no_answer_in_time_is_an_error_and_the_wait_reports_progress(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """Nobody answers: progress every second while the bar is up, then a clear error, no bar left,
    and lines in neko's chat (where the person may be looking) when it asks and when it gives up."""
    with running_neko() as neko:
        async with stdio_agent(
            "--cdp-url", chromium.cdp_url,
            "--neko-url", neko.url, "--neko-user", "agent", "--neko-password", "agent-secret", "--neko-chat",
        ) as agent:  # fmt: skip
            url = site.url("/form.html")
            await agent.ok("navigate", url=url)
            page = await person_page(person, url)
            notifications: list[tuple[float, float | None, str | None]] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                notifications.append((progress, total, message))

            call = asyncio.ensure_future(
                agent.client.call_tool(
                    "ask_user",
                    {"message": "Solve the CAPTCHA.", "timeout_s": 2},
                    progress_callback=on_progress,
                )
            )
            await wait_for_prompt(page, "Solve the CAPTCHA.")
            result = Reply(await asyncio.wait_for(call, 10))

        assert result.is_error
        assert "The person did not answer within 2 s; the prompt was removed." in result.text
        assert await prompt_on(page) is None
        assert notifications, "no progress notification during the wait"
        value, total, message = notifications[0]
        assert 0 < value < 2 and total == 2
        assert message == "waiting for the person (1 s of 2)"
        asked = neko.wait_for_chat(lambda line: "Solve the CAPTCHA" in line.text)
        assert asked.text == "agent asks: Solve the CAPTCHA. (answer in the browser: Done / Cancel)"
        neko.wait_for_chat(lambda line: "stopped waiting" in line.text)
        assert not neko.violations


async def test_choices_are_checked_before_anything_is_shown(agent: Agent, person: Person, site: Site) -> None:
    url = site.url("/form.html")
    await agent.ok("navigate", url=url)
    page = await person_page(person, url)

    said = await agent.fails("ask_user", message="Which?", choices=["Yes", "Cancel"])
    assert said.endswith(": Cancel is always offered; leave it out of the choices.")
    said = await agent.fails("ask_user", message="Which?", choices=["Yes", "yes"])
    assert said.endswith(": The choices must differ from each other.")
    said = await agent.fails("ask_user", message=" \n ")
    assert said.endswith(": The message is empty: say what you need from the person.")
    assert "timeout_s" in await agent.fails("ask_user", message="Which?", timeout_s=0)
    assert await prompt_on(page) is None


async def test_browser_gone_during_the_wait_is_a_clear_error(
    chromium: PersonChromium, agent: Agent, person: Person, site: Site
) -> None:
    url = site.url("/form.html")
    await agent.ok("navigate", url=url)
    page = await person_page(person, url)
    async with asking(agent, message="Log in, please.") as task:
        await wait_for_prompt(page, "Log in, please.")
        chromium.kill()
        reply = await reply_of(task)
    assert reply.is_error
    assert "the browser went away while waiting for the person's answer" in reply.text, reply.text


async def test_agent_giving_up_removes_the_prompt(agent: Agent, person: Person, site: Site) -> None:
    """The client cancels the call (the user stopped the agent): the bar goes away, the server goes on."""
    url = site.url("/form.html")
    await agent.ok("navigate", url=url)
    page = await person_page(person, url)
    task = asyncio.ensure_future(agent.call("ask_user", message="Pick a seat."))
    await wait_for_prompt(page, "Pick a seat.")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SEEN_WITHIN_S
    while await prompt_on(page) is not None:
        assert loop.time() < deadline, "the prompt stayed after the call was cancelled"
        await asyncio.sleep(0.05)
    assert "Form" in await agent.ok("snapshot")
