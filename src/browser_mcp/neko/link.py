"""What the server does with neko: one check at start, who holds control, a chat line per agent action.

neko is optional: when it is unreachable or refuses us, this logs one clear line and the browser tools
work on. Nothing here ever delays or fails a tool call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from browser_mcp.agent_action import AgentAction
from browser_mcp.config import Settings
from browser_mcp.neko.client import NekoClient, NekoError
from browser_mcp.text import shorten, without_refs

log = logging.getLogger(__name__)

_CHAT_QUEUE_SIZE = 20  # lines waiting while neko is slow; more are dropped, never waited for
_CHAT_LINE_MAX = 200
_CONTROL_RETRY_S = 10.0  # after neko failed to say who holds control


class NekoLink:
    def __init__(self, client: NekoClient, *, chat: bool, control_counts_as_busy: bool) -> None:
        self.client = client
        self.chat = chat
        self.control_counts_as_busy_enabled = control_counts_as_busy
        self._queue: asyncio.Queue[str] = asyncio.Queue(_CHAT_QUEUE_SIZE)
        self._tasks: set[asyncio.Task[None]] = set()
        # Each kind of failure is logged once, then again only after neko worked in between.
        self._failing: set[str] = set()
        self._control_retry_at = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> NekoLink | None:
        if not settings.neko_url:
            return None
        client = NekoClient(
            settings.neko_url,
            user=settings.neko_user,
            password=settings.neko_password,
            token=settings.neko_token,
        )
        return cls(
            client, chat=settings.neko_chat, control_counts_as_busy=settings.neko_control_counts_as_busy
        )

    async def start(self) -> None:
        """Check neko in the background (the server answers at once) and start the chat poster."""
        self._spawn(self._check_quietly())
        if self.chat:
            self._spawn(self._post_chat_lines())

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.client.aclose()

    # ---- the startup check --------------------------------------------------------------------

    async def check(self) -> bool:
        """Log in and read the screen size; log one line saying what works. True if neko answered."""
        try:
            identity = await self.client.identify()
            screen = await self.client.screen()
        except NekoError as exc:
            log.warning(
                "neko is not usable: %s The browser tools work without it; until neko answers, nobody "
                "counts as holding control in neko%s.",
                exc,
                " and no chat lines are posted" if self.chat else "",
            )
            # Said once here: the same failure in later control checks or chat posts is not logged again.
            self._failing |= {"control", "chat"}
            return False
        role = "admin" if identity.is_admin else "not an admin"
        if not self.chat:
            chat = "chat lines off"
        elif identity.is_admin:
            chat = "chat lines on"
        else:
            chat = "chat lines are asked for, but posting to the chat needs an admin account"
        log.info(
            "neko at %s: logged in as %r (%s), screen %s; %s.",
            self.client.url,
            identity.name,
            role,
            screen,
            chat,
        )
        return True

    async def _check_quietly(self) -> None:
        try:
            await self.check()
        except Exception:  # a bug of ours must not take the server down
            log.exception("checking neko failed unexpectedly")

    # ---- control ------------------------------------------------------------------------------

    async def person_holds_control(self) -> bool:
        """True if a person (not this server's own neko session) holds control of neko's screen.

        False when neko cannot say (then neko is asked again after a pause): an unreachable neko must
        not stop or slow the agent. Answers are cached briefly by the client.
        """
        if time.monotonic() < self._control_retry_at:
            return False
        try:
            status = await self.client.control()
        except NekoError as exc:
            # A neko that does not answer would cost every action a timeout: ask again later.
            self._control_retry_at = time.monotonic() + _CONTROL_RETRY_S
            self._log_once("control", "cannot ask neko who holds control: %s", exc)
            return False
        self._worked("control")
        own = self.client.identity.session_id if self.client.identity else None
        return status.has_host and status.host_id != own

    async def control_counts_as_busy(self) -> bool:
        """For the waiting policy: a person holding control counts as an active person
        (unless --no-neko-control-counts-as-busy)."""
        return self.control_counts_as_busy_enabled and await self.person_holds_control()

    # ---- chat ---------------------------------------------------------------------------------

    def on_action(self, action: AgentAction) -> None:
        """After the agent acted: queue a chat line saying what it did. Returns at once."""
        self.announce(f"agent: {chat_line(action.summary)}")

    def announce(self, text: str) -> None:
        """Queue a line for neko's chat; dropped (logged once) when neko is too slow to keep up."""
        if not self.chat:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            self._log_once("chat-queue", "neko's chat is not keeping up: dropping chat lines")

    async def _post_chat_lines(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                await self.client.post_chat(text)
            except NekoError as exc:
                self._log_once("chat", "cannot post into neko's chat: %s", exc)
            except Exception:
                log.exception("posting into neko's chat failed unexpectedly")
            else:
                self._worked("chat")
                self._failing.discard("chat-queue")

    # ---- helpers ------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _log_once(self, kind: str, message: str, *args: object) -> None:
        if kind not in self._failing:
            self._failing.add(kind)
            log.warning(message, *args)

    def _worked(self, kind: str) -> None:
        if kind in self._failing:
            self._failing.discard(kind)
            log.info("neko answers again (%s)", kind)


def chat_line(line: str) -> str:
    """A reply line as a person in neko's chat reads it: no snapshot refs, one short line."""
    text = shorten(without_refs(line), _CHAT_LINE_MAX)
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[0].lower() + text[1:]
    return text
