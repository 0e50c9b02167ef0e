"""click(x, y): a point read off a viewport screenshot, for what a snapshot names nothing in (a canvas).

The seat map (/canvas.html) is a 400 x 300 canvas at (60, 40) in the page: seats of 100 x 100 pixels,
rows A-C from the top, columns 1-4 from the left; the status line says which seat a click hit.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Playwright, expect

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

CANVAS_LEFT, CANVAS_TOP = 60, 40


def seat_center(row: int, column: int) -> dict[str, float]:
    """Where seat (row 0-2, column 0-3) is in a viewport screenshot."""
    return {"x": CANVAS_LEFT + column * 100 + 50, "y": CANVAS_TOP + row * 100 + 50}


async def test_a_click_on_a_point_hits_what_is_drawn_there(agent: Agent, person: Person, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/canvas.html"))
    reply = await agent.ok("click", **seat_center(1, 2))
    assert 'Clicked at (310, 190) on <canvas#map> "Seat map".' in reply, reply
    assert "Seat B3" in reply, "what the click changed is in the reply"
    await expect(person.tabs[0].locator("#out")).to_have_text("Seat B3")

    assert "Seat A1 booked" in await agent.ok("click", **seat_center(0, 0), double=True)
    assert "Menu of seat C4" in await agent.ok("click", **seat_center(2, 3), button="right")
    assert "Seat A2 (with shift)" in await agent.ok("click", **seat_center(0, 1), modifiers=["Shift"])


async def test_hovering_a_point_shows_what_the_page_shows_there(agent: Agent, site: Site) -> None:
    """A chart's or a map's tooltip comes from the mouse over a point of a canvas."""
    await agent.ok("navigate", url=site.url("/canvas.html"))
    reply = await agent.ok("hover", **seat_center(2, 0))
    assert 'Hovered at (110, 290) on <canvas#map> "Seat map".' in reply, reply
    assert "Seat C1: window, 42 EUR" in reply, reply
    assert "not both" in await agent.fails("hover", x=1, y=1, ref="e1")


async def test_a_drag_between_points_or_from_an_element_to_a_point(agent: Agent, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/canvas.html"))
    start, end = seat_center(0, 0), seat_center(2, 3)
    reply = await agent.ok("drag", start_x=start["x"], start_y=start["y"], end_x=end["x"], end_y=end["y"])
    assert 'Dragged from (110, 90) on <canvas#map> "Seat map" to (410, 290) on <canvas#map>' in reply, reply
    assert "Moved from A1 to C4" in reply, reply
    snapshot = await agent.ok("snapshot")
    ada = ref_of(snapshot, 'button "Passenger Ada"')
    seat = seat_center(1, 1)
    seated = await agent.ok("drag", start_ref=ada, end_x=seat["x"], end_y=seat["y"])
    assert "Ada seated in B2" in seated, seated
    half = await agent.fails("drag", start_ref=ada, end_x=seat["x"])
    assert "Give both end_x and end_y" in half, half


async def test_a_point_that_is_not_one_says_what_to_give(agent: Agent, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/canvas.html"))
    outside = await agent.fails("click", x=5000, y=10)
    assert "(5000, 10) is outside the viewport" in outside and "screenshot" in outside, outside
    assert "Give both x and y" in await agent.fails("click", x=100)
    assert "not both" in await agent.fails("click", x=100, y=100, selector="#map")
    assert await agent.ok("snapshot")  # nothing was clicked, nothing broke


@pytest.fixture
def hidpi_chromium() -> Iterator[PersonChromium]:
    """A person's browser on a screen that scales by 2 (a HiDPI laptop): screenshots have twice the pixels."""
    browser = PersonChromium(extra_flags=["--force-device-scale-factor=2"]).start()
    yield browser
    browser.stop()


@pytest.fixture
async def hidpi_agent(hidpi_chromium: PersonChromium) -> AsyncIterator[Agent]:
    async with stdio_agent("--cdp-url", hidpi_chromium.cdp_url, "--overlay-ms", "0") as client:
        yield client


async def test_on_a_scaled_screen_screenshots_and_points_are_in_the_pages_pixels(
    hidpi_agent: Agent, hidpi_chromium: PersonChromium, playwright: Playwright, site: Site
) -> None:
    """A HiDPI screen draws the page with twice the pixels: the agent's screenshot is still in the page's
    own pixels (a quarter of the image, and what the mouse moves in), and a point read off it is hit."""
    await hidpi_agent.ok("navigate", url=site.url("/canvas.html"))
    person = await Person.attach(playwright, hidpi_chromium.cdp_url)
    try:
        tab = await person.tab_in_front()
        ratio, inner_width = await tab.evaluate("[devicePixelRatio, innerWidth]")
        assert ratio == 2
        [image] = (await hidpi_agent.call("screenshot")).images
        assert struct.unpack(">I", base64.b64decode(image.data)[16:20])[0] == inner_width  # PNG width
        reply = await hidpi_agent.ok("click", **seat_center(0, 1))
        assert 'Clicked at (210, 90) on <canvas#map> "Seat map"' in reply and "Seat A2" in reply, reply
        full = (await hidpi_agent.call("screenshot", full_page=True)).images[0]
        assert struct.unpack(">I", base64.b64decode(full.data)[16:20])[0] == inner_width
    finally:
        await person.detach()
