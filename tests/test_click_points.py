"""click(x, y): a point read off a viewport screenshot, for what a snapshot names nothing in (a canvas).

The seat map (/canvas.html) is a 400 x 300 canvas at (60, 40) in the page: seats of 100 x 100 pixels,
rows A-C from the top, columns 1-4 from the left; the status line says which seat a click hit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import expect

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site

CANVAS_LEFT, CANVAS_TOP = 60, 40


def seat_center(row: int, column: int, scale: int = 1) -> dict[str, float]:
    """Where seat (row 0-2, column 0-3) is in a viewport screenshot at this scale."""
    return {"x": (CANVAS_LEFT + column * 100 + 50) * scale, "y": (CANVAS_TOP + row * 100 + 50) * scale}


async def test_a_click_on_a_point_hits_what_is_drawn_there(agent: Agent, person: Person, site: Site) -> None:
    await agent.ok("navigate", url=site.url("/canvas.html"))
    reply = await agent.ok("click", **seat_center(1, 2))
    assert 'Clicked at (310, 190) on <canvas#map> "Seat map".' in reply, reply
    assert "Seat B3" in reply, "what the click changed is in the reply"
    await expect(person.tabs[0].locator("#out")).to_have_text("Seat B3")

    assert "Seat A1 booked" in await agent.ok("click", **seat_center(0, 0), double=True)
    assert "Menu of seat C4" in await agent.ok("click", **seat_center(2, 3), button="right")
    assert "Seat A2 (with shift)" in await agent.ok("click", **seat_center(0, 1), modifiers=["Shift"])


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


async def test_a_point_is_read_in_the_screenshots_pixels_on_a_scaled_screen(
    hidpi_agent: Agent, site: Site
) -> None:
    await hidpi_agent.ok("navigate", url=site.url("/canvas.html"))
    # At scale 1 these pixels would be seat B4; on this screen they are A2's centre in a screenshot.
    reply = await hidpi_agent.ok("click", **seat_center(0, 1, scale=2))
    assert 'Clicked at (420, 180) on <canvas#map> "Seat map"' in reply and "Seat A2" in reply, reply
