"""Showing the agent: before each input action the person sees a pointer, a box and a label in the page.

The person looks with their own Playwright connection (DOM, screenshots, elementFromPoint) while the
agent's call is still running, and once more after it returned.
"""

from __future__ import annotations

import asyncio
import base64
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import websockets
from playwright.async_api import FloatRect, Page, Playwright, expect

from browser_mcp.people import AgentIntent
from browser_mcp.people.overlay import ACCENT, TAG, person_label
from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium, free_port
from tests.support.person import Person
from tests.support.site import Site
from tests.support.x_person import XPerson

ACCENT_RGB = tuple(int(ACCENT[i : i + 2], 16) for i in (1, 3, 5))
# A person keeps looking at these regions of agent_overlay.html: the target and the label above it.
AROUND_BOOK_NOW: FloatRect = {"x": 80, "y": 195, "width": 400, "height": 110}
TOP_BAND: FloatRect = {"x": 0, "y": 0, "width": 1280, "height": 50}


@asynccontextmanager
async def overlay_agent(chromium: PersonChromium, lead_ms: int, *options: str) -> AsyncIterator[Agent]:
    """An agent whose overlay shows `lead_ms` before each action (so the person can look at it while
    the call runs) and fades out over 300 ms after it."""
    async with stdio_agent(
        "--cdp-url",
        chromium.cdp_url,
        "--action-timeout",
        "2",
        "--overlay-lead-ms",
        str(lead_ms),
        "--overlay-ms",
        "300",
        *options,
    ) as agent:
        yield agent


async def overlay_gone(tab: Page) -> None:
    """It fades out after the action and is then removed."""
    await expect(tab.locator(TAG)).to_have_count(0)


async def open_page(agent: Agent, person: Person, site: Site, path: str) -> Page:
    await agent.ok("navigate", url=site.url(path))
    tab = await person.tab_in_front()
    await expect(tab).to_have_url(site.url(path))
    return tab


async def overlay_appears(tab: Page) -> None:
    await expect(tab.locator(TAG)).to_be_attached(timeout=3000)


async def overlay_text(tab: Page) -> str:
    """What the overlay says: its shadow root is closed, but DevTools (pierce) sees inside."""
    cdp = await tab.context.new_cdp_session(tab)
    try:
        document = await cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
    finally:
        await cdp.detach()
    hosts = [node for node in _nodes(document["root"]) if node.get("localName") == TAG]
    assert len(hosts) == 1, f"{len(hosts)} overlays in the page"
    return "".join(node.get("nodeValue", "") for node in _nodes(hosts[0]) if node.get("nodeType") == 3)


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in [*node.get("shadowRoots", []), *node.get("children", [])]:
        yield from _nodes(child)


async def accent_pixels(tab: Page, clip: FloatRect) -> int:
    """How many pixels of the region have the overlay's colour (the page's own colours are far from it)."""
    return sum(1 for pixel in _rgb_pixels(await tab.screenshot(clip=clip)) if _near(pixel, ACCENT_RGB))


def _near(pixel: tuple[int, int, int], colour: tuple[int, ...]) -> bool:
    return sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= 60


def _rgb_pixels(png: bytes) -> Iterator[tuple[int, int, int]]:
    """Decode an 8-bit RGB or RGBA PNG (as Chromium writes them)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour_type = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour_type in (2, 6), f"unexpected PNG format {depth}/{colour_type}"
    channels = 4 if colour_type == 6 else 3
    data, pos = b"", 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(data)
    stride = width * channels
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, up_left)) & 0xFF
        previous = line
        for x in range(0, stride, channels):
            yield line[x], line[x + 1], line[x + 2]


def _paeth(left: int, up: int, up_left: int) -> int:
    guess = left + up - up_left
    by_distance = sorted(
        [(abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left)]
    )
    return by_distance[0][2]


def grown(box: FloatRect, by: float) -> FloatRect:
    return {
        "x": box["x"] - by,
        "y": box["y"] - by,
        "width": box["width"] + 2 * by,
        "height": box["height"] + 2 * by,
    }


async def pointer_arrives(tab: Page, point: tuple[float, float], within_s: float = 3.0) -> None:
    """Poll (bounded) until the pointer's arrow is drawn with its tip at `point` (its body lies below
    and to the right of the tip)."""
    body: FloatRect = {"x": point[0] + 1, "y": point[1] + 2, "width": 12, "height": 18}
    deadline = asyncio.get_running_loop().time() + within_s
    while await accent_pixels(tab, body) < 30:
        assert asyncio.get_running_loop().time() < deadline, f"no pointer at {point}"
        await asyncio.sleep(0.05)


async def centre_of(tab: Page, selector: str) -> tuple[float, float]:
    box = await tab.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def element_at(tab: Page, point: tuple[float, float]) -> str:
    return str(await tab.evaluate("([x, y]) => document.elementFromPoint(x, y)?.id ?? ''", list(point)))


def test_the_label_leaves_out_snapshot_refs_and_stays_short() -> None:
    assert person_label(AgentIntent("click", 'click button "Book now" [e12]')) == 'click button "Book now"'
    assert person_label(AgentIntent("click", "click link 'Next' [f1e7]")) == "click link 'Next'"
    long = person_label(AgentIntent("type", "type into " + "x" * 300))
    assert len(long) == 100 and long.endswith("…")


async def test_the_overlay_points_at_the_target_during_a_click_and_is_gone_after(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """With a lead time, before the click the page shows the label, the box and the pointer gliding to
    the target (in pixels), without touching focus, layout, hit testing or the accessibility tree; after
    the click it fades out and is gone."""
    async with overlay_agent(chromium, 1500) as agent:
        tab = await open_page(agent, person, site, "/agent_overlay.html")
        await tab.focus("#note")
        await tab.evaluate(
            "window.focusChanges = [];"
            "for (const kind of ['focusin', 'focusout', 'focus', 'blur'])"
            "  addEventListener(kind, () => focusChanges.push(kind), true)"
        )
        layout = (
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight, scrollY]"
        )
        layout_before = await tab.evaluate(layout)
        box_before = await tab.locator("#book").bounding_box()
        tree_before = await tab.aria_snapshot(mode="ai")
        assert await accent_pixels(tab, AROUND_BOOK_NOW) == 0

        click = asyncio.create_task(agent.ok("click", selector="#book", element="Book now button"))
        await overlay_appears(tab)

        assert await overlay_text(tab) == "agent: click Book now button (#book)"
        assert await accent_pixels(tab, AROUND_BOOK_NOW) > 300  # the box and the label's border
        assert await tab.evaluate("document.activeElement.id") == "note"
        assert await tab.evaluate("focusChanges") == []
        assert await tab.locator("#book").bounding_box() == box_before
        assert await tab.evaluate(layout) == layout_before
        assert await tab.aria_snapshot(mode="ai") == tree_before
        # Clicks go through: the button under the label, the target under the pointer and box.
        assert await element_at(tab, await centre_of(tab, "#theirs")) == "theirs"
        assert await element_at(tab, await centre_of(tab, "#book")) == "book"
        await pointer_arrives(tab, await centre_of(tab, "#book"))
        assert not click.done(), "the overlay was not up for --overlay-ms"

        reply = await click
        assert "Clicked Book now button (#book)." in reply
        await overlay_gone(tab)
        assert await accent_pixels(tab, AROUND_BOOK_NOW) == 0
        await expect(tab.locator("#booked")).to_have_text("Booked 1")
        snapshot = await agent.ok("snapshot")
        assert "agent:" not in snapshot and "Book now" in snapshot


async def test_keys_and_scrolling_by_an_amount_get_the_label_at_the_top(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    async with overlay_agent(chromium, 800) as agent:
        tab = await open_page(agent, person, site, "/agent_overlay.html")
        assert await accent_pixels(tab, TOP_BAND) == 0

        press = asyncio.create_task(agent.ok("press_key", key="Tab"))
        await overlay_appears(tab)
        assert await overlay_text(tab) == "agent: press Tab"
        assert await accent_pixels(tab, TOP_BAND) > 100
        await press
        await overlay_gone(tab)

        scroll = asyncio.create_task(agent.ok("scroll", direction="down", amount=300))
        await overlay_appears(tab)
        assert await overlay_text(tab) == "agent: scroll down"
        assert await tab.evaluate("scrollY") == 0  # shown before the scroll, not after
        await scroll
        await overlay_gone(tab)
        assert await tab.evaluate("scrollY") == 300


async def test_a_target_out_of_view_is_scrolled_to_before_it_is_shown(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """The click would scroll to it anyway: the overlay scrolls first, so the person sees where."""
    async with overlay_agent(chromium, 800) as agent:
        tab = await open_page(agent, person, site, "/agent_overlay.html")
        click = asyncio.create_task(agent.ok("click", selector="#far"))
        await overlay_appears(tab)
        far = await tab.locator("#far").bounding_box()
        assert far is not None and await tab.evaluate("scrollY") > 0
        viewport = await tab.evaluate("[innerWidth, innerHeight]")
        assert far["y"] >= 0 and far["y"] + far["height"] <= viewport[1]
        assert await accent_pixels(tab, grown(far, 8)) > 100
        await click
        await expect(tab.locator("#far")).to_have_text("Far clicked")


async def test_a_checkbox_the_page_hides_behind_its_label_is_shown_at_the_label(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """The page hides the input (1 px) under a box it draws: the frame goes around the label the person
    sees and the click lands on, not around a dot at its edge."""
    async with overlay_agent(chromium, 800) as agent:
        tab = await open_page(agent, person, site, "/custom_checks.html")
        label = await tab.locator("label", has=tab.locator("#news")).bounding_box()
        assert label is not None and label["width"] > 60
        # The frame's right side, beside the label's far end (the hidden input is at its near end).
        far_side: FloatRect = {
            "x": label["x"] + label["width"],
            "y": label["y"] + 2,
            "width": 8,
            "height": label["height"] - 4,
        }
        assert await accent_pixels(tab, far_side) == 0

        click = asyncio.create_task(agent.ok("click", selector="#news", element="Newsletter"))
        await overlay_appears(tab)
        assert await accent_pixels(tab, far_side) > 10
        await click
        await expect(tab.locator("#chosen")).to_have_text("news")


async def test_the_overlay_comes_back_in_each_new_document(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """A click that navigates loses the overlay with its document (fading it there neither fails nor
    hangs); the next click, on the new page, shows it again."""
    async with overlay_agent(chromium, 600) as agent:
        tab = await open_page(agent, person, site, "/agent_overlay.html")
        follow = asyncio.create_task(agent.ok("click", selector="a[href='/index.html']", element="Home link"))
        await overlay_appears(tab)
        assert await overlay_text(tab) == "agent: click Home link (a[href='/index.html'])"
        assert "'Home'" in await follow
        await overlay_gone(tab)

        click = asyncio.create_task(agent.ok("click", selector="#count", element="Click me button"))
        await overlay_appears(tab)
        assert await overlay_text(tab) == "agent: click Click me button (#count)"
        await click
        await overlay_gone(tab)
        await expect(tab.locator("#count")).to_have_text("Clicked 1 times")


async def test_overlay_off_draws_nothing(chromium: PersonChromium, person: Person, site: Site) -> None:
    """--overlay-ms 0: not one node is added to the page around the click."""
    async with overlay_agent(chromium, 0, "--overlay-ms", "0") as agent:
        tab = await open_page(agent, person, site, "/agent_overlay.html")
        await watch_added_nodes(tab)
        await agent.ok("click", selector="#book")
        await agent.ok("press_key", key="Tab")
        await expect(tab.locator("#booked")).to_have_text("Booked 1")
        assert await tab.evaluate("added") == []


async def test_a_click_that_opens_a_dialog_is_not_held_up_and_the_overlay_goes_with_the_dialog(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """An open alert stops the page's scripts, so the overlay cannot be removed then: the reply does
    not wait for it, and it is gone as soon as the dialog is answered."""
    async with overlay_agent(chromium, 400) as agent:
        await open_page(agent, person, site, "/form.html")
        reply = await agent.ok("click", selector="text=Save")
        assert "An alert dialog is open: 'Saved!'" in reply
        await agent.ok("handle_dialog", accept=True)
        tab = await person.tab_in_front()
        await expect(tab.locator(TAG)).to_have_count(0)
        await agent.ok("click", selector="#name")  # the page goes on as before
        await expect(tab.locator("#name")).to_be_focused()
        await expect(tab.locator(TAG)).to_have_count(0)


async def test_on_a_strict_dark_page_the_overlay_shows_above_a_banner_and_a_modal_dialog(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """Content-Security-Policy forbids inline styles and scripts; a banner holds the highest z-index; a
    modal dialog sits in the top layer. The overlay still draws over all of them and takes no focus.

    It stays 2.5 s: the screenshots that look for it come after the click, which a busy machine can
    delay by more than the usual second of fading."""
    async with overlay_agent(chromium, 2500) as agent:
        tab = await open_page(agent, person, site, "/overlay_strict.html")
        await tab.evaluate(
            "window.violations = [];"
            "document.addEventListener('securitypolicyviolation', e => violations.push(e.violatedDirective))"
        )
        banner_under_label: FloatRect = {"x": 96, "y": 95, "width": 120, "height": 24}
        assert await accent_pixels(tab, banner_under_label) == 0

        click = asyncio.create_task(agent.ok("click", selector="#go"))
        await overlay_appears(tab)
        assert await accent_pixels(tab, banner_under_label) > 20
        await click

        await tab.evaluate("document.getElementById('modal').showModal()")
        await expect(tab.locator("#inside")).to_be_focused()
        dialog = await tab.locator("#modal").bounding_box()
        assert dialog is not None
        assert await accent_pixels(tab, dialog) == 0

        close = asyncio.create_task(agent.ok("click", selector="#close"))
        await overlay_appears(tab)
        assert await accent_pixels(tab, dialog) > 100
        assert await tab.evaluate("document.activeElement.id") == "inside"
        await close
        await expect(tab.locator(TAG)).to_have_count(0, timeout=10_000)  # gone after its fade
        await expect(tab.locator("#modal")).not_to_have_attribute("open", "")
        assert await tab.evaluate("violations") == []


@pytest.mark.slow  # a headed browser on Xvfb
async def test_a_person_at_the_screen_sees_the_overlay_and_clicks_through_it(
    headed_chromium: PersonChromium, headed_person: Person, x_person: XPerson, site: Site
) -> None:
    """Headed Chromium on X: the overlay is in what the screen shows, and a real X click on a button
    under the agent's label reaches that button."""
    async with overlay_agent(headed_chromium, 1500) as agent:
        tab = await open_page(agent, headed_person, site, "/agent_overlay.html")
        assert await accent_pixels(tab, AROUND_BOOK_NOW) == 0

        click = asyncio.create_task(agent.ok("click", selector="#book", element="Book now button"))
        await overlay_appears(tab)
        assert await accent_pixels(tab, AROUND_BOOK_NOW) > 300
        await x_person.click(tab, tab.locator("#theirs"))  # under the label
        await expect(tab.locator("#person")).to_have_text("Person clicked 1")
        assert not click.done(), "the person's click should land while the overlay is up"

        await click
        await overlay_gone(tab)
        assert await accent_pixels(tab, AROUND_BOOK_NOW) == 0
        await expect(tab.locator("#booked")).to_have_text("Booked 1")


# ---- by default: drawn as the action starts, never waited for, fading after it ----------------------


async def test_by_default_the_overlay_shows_with_the_action_and_stays_a_moment_after_it(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """No lead time: the click is not held up, and right after the reply the person still sees the box
    and the label where the agent clicked; then it fades out. The agent's own screenshot never has it."""
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--action-timeout", "2") as agent:
        tab = await open_page(agent, person, site, "/agent_overlay.html")
        assert await accent_pixels(tab, AROUND_BOOK_NOW) == 0
        reply = await agent.ok("click", selector="#book", element="Book now button")
        assert "Clicked Book now button (#book)." in reply
        assert await accent_pixels(tab, AROUND_BOOK_NOW) > 300  # a screenshot just after the click
        await expect(tab.locator("#booked")).to_have_text("Booked 1")
        await overlay_gone(tab)

        # Typing is drawn as it ends (it takes less than a frame): the box outlines the field it typed in.
        await agent.ok("type", selector="#note", text="Hello")
        await overlay_appears(tab)
        assert await overlay_text(tab) == "agent: type into '#note'"
        field = await tab.locator("#note").bounding_box()
        assert field is not None
        around_field = FloatRect(
            x=field["x"] - 8, y=field["y"] - 8, width=field["width"] + 16, height=field["height"] + 16
        )
        assert await accent_pixels(tab, around_field) > 100
        await overlay_gone(tab)

        await agent.ok("click", selector="#book", element="Book now button")
        shot = (await agent.call("screenshot")).images[0]
        pixels = list(_rgb_pixels(base64.b64decode(shot.data)))
        assert sum(1 for pixel in pixels if _near(pixel, ACCENT_RGB)) == 0


async def test_a_click_on_a_point_is_shown_around_the_point(
    chromium: PersonChromium, person: Person, site: Site
) -> None:
    """A click at (x, y) on a canvas: the box is drawn around that point, the label says on what."""
    async with stdio_agent("--cdp-url", chromium.cdp_url, "--action-timeout", "2") as agent:
        tab = await open_page(agent, person, site, "/canvas.html")
        await agent.ok("click", x=310, y=190)
        await overlay_appears(tab)
        assert await overlay_text(tab) == 'agent: click at "Seat map"'
        assert await accent_pixels(tab, FloatRect(x=290, y=170, width=40, height=40)) > 50
        assert await accent_pixels(tab, FloatRect(x=60, y=40, width=150, height=100)) == 0  # not the canvas


async def test_nobody_watching_a_headless_embedded_browser_sees_no_overlay_until_a_live_view_opens(
    person_of_port: PersonAt, site: Site
) -> None:
    """The embedded browser is headless: unless someone opens the live view (or --force-overlay), the
    agent's clicks add nothing to the page."""
    port, live_port = free_port(), free_port()
    async with stdio_agent("--cdp-port", str(port), "--live-port", str(live_port)) as agent:
        await agent.ok("navigate", url=site.url("/agent_overlay.html"))
        tab = await person_of_port(port)
        await watch_added_nodes(tab)
        await agent.ok("click", selector="#book")
        await expect(tab.locator("#booked")).to_have_text("Booked 1")
        assert await tab.evaluate("added") == []

        live = f"http://127.0.0.1:{live_port}"
        async with websockets.connect(
            live.replace("http", "ws") + "/live/ws", origin=websockets.Origin(live)
        ):
            await agent.ok("click", selector="#book")
            await overlay_appears(tab)

    async with stdio_agent("--cdp-port", str(port), "--force-overlay", "--no-live-view") as agent:
        await agent.ok("navigate", url=site.url("/agent_overlay.html"))
        tab = await person_of_port(port)
        await agent.ok("click", selector="#book")
        await overlay_appears(tab)


async def watch_added_nodes(tab: Page) -> None:
    await tab.evaluate(
        "window.added = [];"
        "new MutationObserver(records => { for (const record of records) for (const node of record.addedNodes)"
        "  if (node.nodeType === Node.ELEMENT_NODE) added.push(node.nodeName); })"
        ".observe(document, { childList: true, subtree: true })"
    )


PersonAt = Callable[[int], Awaitable[Page]]


@pytest.fixture
async def person_of_port(playwright: Playwright) -> AsyncIterator[PersonAt]:
    """The person's own look at the embedded browser on a CDP port: its tab in front."""
    attached: list[Person] = []

    async def tab_in_front(port: int) -> Page:
        someone = await Person.attach(playwright, f"http://127.0.0.1:{port}")
        attached.append(someone)
        return await someone.tab_in_front()

    yield tab_in_front
    for someone in attached:
        if someone.browser.is_connected():
            await someone.detach()
