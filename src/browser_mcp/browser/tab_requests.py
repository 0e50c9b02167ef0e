"""The tab's requests that may still change the page (documents, fetches): what an agent's action waits for.

They are heard on the tab's CDP sessions (tab_traffic), and only while the agent acts and for LINGER_S
after: the Network events of a page cost the server more CPU than anything else it does while the page
loads (std::Vec's docs, 900 KB: ~45 ms per load, next to ~65 ms for all the rest), and the person's own
browsing would pay for them, on the same cores as their browser, while the agent is idle. A request that
began before the agent acted never held its action anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

# Heard this long after the agent's last action: the agent's next action usually comes sooner.
LINGER_S = 10.0
# Keep no response bodies: we never read them.
_NETWORK_BUFFERS = {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0, "maxPostDataSize": 0}


class TabRequests:
    """Ids of the tab's requests in flight that may still change the page, while they are heard."""

    def __init__(self) -> None:
        self.inflight: set[str] = set()
        self.answered: set[str] = set()  # of those in flight: the response has come
        self.changed = asyncio.Event()
        self._sessions: list[CDPSession] = []
        self._holders = 0
        self._turning_on: asyncio.Future[None] | None = None  # set while heard
        self._off: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self.times_off = 0  # how often hearing stopped: what was heard is whole only between two

    def started(self, request_id: str) -> None:
        self.inflight.add(request_id)
        self.changed.set()

    def answered_now(self, request_id: str) -> None:
        if request_id in self.inflight:
            self.answered.add(request_id)
            self.changed.set()

    def ended(self, request_id: str) -> None:
        if request_id in self.inflight:
            self.inflight.discard(request_id)
            self.answered.discard(request_id)
            self.changed.set()

    @property
    def heard(self) -> bool:
        return self._turning_on is not None

    async def add_session(self, cdp: CDPSession) -> None:
        """Hear `cdp`'s requests too (a frame's own session), now if they are heard."""
        self._sessions.append(cdp)
        if self.heard:
            await _enable(cdp)

    def remove_session(self, cdp: CDPSession) -> None:
        with contextlib.suppress(ValueError):
            self._sessions.remove(cdp)

    @contextlib.asynccontextmanager
    async def hearing(self) -> AsyncIterator[None]:
        """Hear the tab's requests for as long as this lasts, and LINGER_S after."""
        self._holders += 1
        if self._off is not None:
            self._off.cancel()
            self._off = None
        try:
            if self._turning_on is None:
                self._turning_on = asyncio.ensure_future(self._enable_all())
            await asyncio.shield(self._turning_on)
            yield
        finally:
            self._holders -= 1
            if self._holders == 0 and self._turning_on is not None:
                self._off = asyncio.get_running_loop().call_later(LINGER_S, self._turn_off)

    async def _enable_all(self) -> None:
        await asyncio.gather(*(_enable(cdp) for cdp in list(self._sessions)))

    def _turn_off(self) -> None:
        self.times_off += 1
        self._off = None
        self._turning_on = None
        # What ended unheard would stay "in flight" for good: nothing is known to be in flight now.
        self.inflight.clear()
        self.answered.clear()
        self.changed.set()
        for cdp in self._sessions:
            task = asyncio.ensure_future(_disable(cdp))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


async def _enable(cdp: CDPSession) -> None:
    with contextlib.suppress(PlaywrightError):  # a session gone meanwhile (its frame, its tab)
        await cdp.send("Network.enable", _NETWORK_BUFFERS)


async def _disable(cdp: CDPSession) -> None:
    with contextlib.suppress(PlaywrightError):
        await cdp.send("Network.disable")
