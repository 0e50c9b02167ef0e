"""The viewer's mouse, keys and bar buttons, played into the shared browser as the person's own input.

Positions come normalised to the picture (0..1) and are mapped through the viewport size that came
with the frame, so the page's zoom, scroll and device scale do not matter. Keys go through Playwright's
keyboard, which knows each key's code ('.' is Period, key code 190, never Delete); text the viewer's
keyboard composed (accents, IME) or pasted is inserted as text. Everything is done inside the live
view's input windows, so what the tab reports back is logged as the person's, "in the live view".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import Problem
from browser_mcp.liveview.stream import TabStream
from browser_mcp.people import CoBrowsing

log = logging.getLogger(__name__)

# CDP's modifier bits, as the viewer sends them, and the keys that hold them.
MODIFIER_KEYS = {1: "Alt", 2: "Control", 4: "Meta", 8: "Shift"}
_NAVIGATION_TIMEOUT_MS = 30_000
_MAX_TEXT = 10_000  # a paste longer than this is cut (the page gets it in one insert)

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Mouse(BaseModel):
    type: Literal["mouse"]
    action: Literal["move", "down", "up"]
    x: Unit
    y: Unit
    button: Literal["left", "middle", "right"] = "left"
    clicks: Annotated[int, Field(ge=1, le=3)] = 1
    modifiers: int = 0


class Wheel(BaseModel):
    type: Literal["wheel"]
    x: Unit
    y: Unit
    dx: Annotated[float, Field(ge=-10_000, le=10_000)] = 0.0
    dy: Annotated[float, Field(ge=-10_000, le=10_000)] = 0.0
    modifiers: int = 0


class Key(BaseModel):
    type: Literal["key"]
    action: Literal["down", "up"]
    key: Annotated[str, Field(min_length=1, max_length=40)]
    code: Annotated[str, Field(max_length=40)] = ""
    modifiers: int = 0


class Text(BaseModel):
    type: Literal["text"]
    text: Annotated[str, Field(max_length=_MAX_TEXT)]


class TabAction(BaseModel):
    type: Literal["tab"]
    action: Literal["switch", "close", "new"]
    id: str = ""


class Navigate(BaseModel):
    type: Literal["navigate"]
    action: Literal["go", "back", "forward", "reload"]
    url: Annotated[str, Field(max_length=8_000)] = ""


class Answer(BaseModel):
    type: Literal["answer"]
    id: str
    answer: Annotated[str, Field(max_length=200)]


InputMessage = Annotated[
    Mouse | Wheel | Key | Text | TabAction | Navigate | Answer, Field(discriminator="type")
]
_MESSAGE = TypeAdapter(InputMessage)


def parse(data: dict[str, Any]) -> InputMessage | None:
    try:
        return _MESSAGE.validate_python(data)
    except ValidationError:
        return None


class RemoteInput:
    """Plays one viewer's input (all viewers share one instance: the browser has one keyboard)."""

    def __init__(self, session: BrowserSession, people: CoBrowsing, stream: TabStream) -> None:
        self.session = session
        self.people = people
        self.stream = stream
        self._held: dict[Page, set[str]] = {}  # modifier keys we hold down, per tab
        # Where we last moved the mouse, per tab, and how many times the agent had acted by then.
        self._pointer: dict[Page, tuple[float, float, int]] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def play(self, message: InputMessage) -> str | None:
        """Do what the viewer did; return a sentence for the viewer when it could not be done."""
        try:
            if isinstance(message, Answer):
                return self._answer(message)
            if isinstance(message, TabAction):
                return await self._tab(message)
            if isinstance(message, Navigate):
                return await self._navigate(message)
            page = self.stream.page
            if page is None or page.is_closed():
                return None
            with self._as_person():
                await self._on_page(page, message)
            self.stream.after_input()
        except Problem as exc:
            return str(exc)
        except PlaywrightError as exc:
            log.debug("live view input failed: %s", exc)
        return None

    def _as_person(self) -> contextlib.AbstractContextManager[None]:
        return self.people.viewer_input.open()

    async def _on_page(self, page: Page, message: InputMessage) -> None:
        if isinstance(message, Text):
            if message.text:
                await page.keyboard.insert_text(message.text)
            return
        if isinstance(message, Mouse | Wheel | Key):
            await self._hold(page, message.modifiers)
        if isinstance(message, Mouse):
            await self._move(page, message.x, message.y)
            if message.action == "down":
                await page.mouse.down(button=message.button, click_count=message.clicks)
            elif message.action == "up":
                await page.mouse.up(button=message.button, click_count=message.clicks)
        elif isinstance(message, Wheel):
            await self._move(page, message.x, message.y)
            await page.mouse.wheel(message.dx, message.dy)
        elif isinstance(message, Key) and message.key not in MODIFIER_KEYS.values():
            await self._key(page, message)

    async def _key(self, page: Page, message: Key) -> None:
        press = page.keyboard.down if message.action == "down" else page.keyboard.up
        for name in (message.key, message.code):
            if not name:
                continue
            try:
                await press(name)
                return
            except PlaywrightError as exc:
                if "Unknown key" not in str(exc):
                    raise
        if message.action == "down" and len(message.key) == 1:
            await page.keyboard.insert_text(message.key)  # a character no key of the layout makes

    async def _hold(self, page: Page, modifiers: int) -> None:
        """Make the modifier keys held on `page` match the viewer's (Shift, Control, Alt, Meta)."""
        held = self._held.setdefault(page, set())
        wanted = {key for bit, key in MODIFIER_KEYS.items() if modifiers & bit}
        for key in sorted(held - wanted):
            await page.keyboard.up(key)
            held.discard(key)
        for key in sorted(wanted - held):
            await page.keyboard.down(key)
            held.add(key)
        for gone in [known for known in self._held if known.is_closed()]:
            del self._held[gone]
            self._pointer.pop(gone, None)

    async def _move(self, page: Page, x: float, y: float) -> None:
        """Move the pointer there, unless it is there already: a move waits for the page's next frame
        (~15 ms), and the viewer sends one before each press and release."""
        point = (*self._point(x, y), self.session.windows.opened)
        if self._pointer.get(page) != point:  # elsewhere, or the agent may have moved it since
            await page.mouse.move(point[0], point[1])
            self._pointer[page] = point

    def _point(self, x: float, y: float) -> tuple[float, float]:
        frame = self.stream.frames.frame
        if frame is None:
            raise Problem("Nothing is shown yet: wait for the picture.")
        return x * frame.width, y * frame.height

    # ---- the bar ------------------------------------------------------------------------------------

    async def _tab(self, message: TabAction) -> str | None:
        session = self.session
        if message.action == "new":
            with self._as_person():
                opened = await session.new_tab()
                await opened.bring_to_front()
            self.stream.follow_now()
            return None
        page = next((p for p in session.pages() if session.tabs.known_label(p).name == message.id), None)
        if page is None:
            return f"Tab {message.id} is not open any more."
        with self._as_person():
            if message.action == "switch":
                await page.bring_to_front()
            else:
                await page.close(run_before_unload=True)
        self.stream.follow_now()
        return None

    async def _navigate(self, message: Navigate) -> str | None:
        page = self.stream.page
        if page is None or page.is_closed():
            return "No tab is shown: open one with +."
        go: Callable[[], Awaitable[object]]
        if message.action == "go":
            # Pages opened from the live view obey the server's URL policy too (no file://, chrome://,
            # blocked origins): whoever holds a link must not reach the server's own files.
            url = self.session.policy.check(message.url)
            go = lambda: page.goto(url, wait_until="commit", timeout=_NAVIGATION_TIMEOUT_MS)  # noqa: E731
        elif message.action == "back":
            go = lambda: page.go_back(wait_until="commit", timeout=_NAVIGATION_TIMEOUT_MS)  # noqa: E731
        elif message.action == "forward":
            go = lambda: page.go_forward(wait_until="commit", timeout=_NAVIGATION_TIMEOUT_MS)  # noqa: E731
        else:
            go = lambda: page.reload(wait_until="commit", timeout=_NAVIGATION_TIMEOUT_MS)  # noqa: E731
        # A slow page must not hold up the viewer's next click (e.g. on another tab).
        self._in_background(self._as_person_quietly(go))
        return None

    async def _as_person_quietly(self, go: Callable[[], Awaitable[object]]) -> None:
        with self._as_person(), contextlib.suppress(PlaywrightError):
            await go()

    def _answer(self, message: Answer) -> str | None:
        bar = self.people.prompt
        if bar is None or bar.id != message.id:
            return "That question is not open any more."
        if message.answer not in bar.spec.buttons:
            return f"'{message.answer}' is not one of the answers offered."
        bar.give(message.answer)
        return None

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def release(self) -> None:
        """A viewer left: let go of every modifier key it held."""
        for page, held in list(self._held.items()):
            for key in sorted(held):
                with contextlib.suppress(PlaywrightError):
                    await page.keyboard.up(key)
            held.clear()
