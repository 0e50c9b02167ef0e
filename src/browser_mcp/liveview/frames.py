"""The newest frame of the screencast: one slot, never a queue. Each viewer takes the newest frame when
it is ready for one, so a slow viewer skips frames instead of piling them up (bounded memory)."""

from __future__ import annotations

import asyncio
import struct
import time
from dataclasses import dataclass, field

# On the wire a frame is this header, then the JPEG: the page's viewport in CSS pixels (to map the
# viewer's clicks) and the frame's number (which the viewer acknowledges once it has drawn it).
HEADER = struct.Struct(">HHI")


@dataclass(frozen=True)
class Frame:
    seq: int
    jpeg: bytes
    width: int  # the page's viewport, CSS pixels
    height: int
    at: float = field(default_factory=time.monotonic)

    def packet(self) -> bytes:
        return HEADER.pack(min(self.width, 0xFFFF), min(self.height, 0xFFFF), self.seq) + self.jpeg


class LatestFrame:
    def __init__(self) -> None:
        self.frame: Frame | None = None
        self._seq = 0
        self._arrived = asyncio.Event()

    def put(self, jpeg: bytes, width: int, height: int) -> Frame:
        self._seq += 1
        self.frame = Frame(self._seq, jpeg, width, height)
        self._arrived.set()
        self._arrived = asyncio.Event()
        return self.frame

    def clear(self) -> None:
        """The picture is gone (no tab to show): viewers keep the last one until a new one comes."""
        self.frame = None

    async def newer_than(self, seq: int) -> Frame:
        """The newest frame after `seq`, as soon as there is one."""
        while self.frame is None or self.frame.seq <= seq:
            await self._arrived.wait()
        return self.frame
