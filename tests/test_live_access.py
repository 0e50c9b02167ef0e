"""The live view's pure parts, without a browser: who may open it, the newest-frame slot, the viewer's
messages, and where it is served."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from browser_mcp.liveview import access
from browser_mcp.liveview.access import LiveAccess
from browser_mcp.liveview.frames import HEADER, LatestFrame
from browser_mcp.liveview.remote_input import Key, Mouse, parse
from browser_mcp.liveview.serving import bind_near

# ---- links, sessions, the token -------------------------------------------------------------------


def test_a_link_opens_one_session_of_its_mode_and_then_never_again() -> None:
    live = LiveAccess("secret")
    code, link = live.mint("view", 60)
    session = live.redeem(code)
    assert session is not None and live.mode_of(session, None) == "view"
    assert live.redeem(code) is None  # spent
    assert link.id not in [open_link.id for open_link in live.links()]


def test_an_expired_link_opens_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    live = LiveAccess("secret")
    code, _ = live.mint("interact", 30)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 31)
    assert live.redeem(code) is None


def test_revoking_a_link_ends_the_sessions_it_opened_and_no_other() -> None:
    live = LiveAccess("secret")
    first_code, first = live.mint("interact")
    second_code, _ = live.mint("view")
    unused_code, _ = live.mint("view")
    first_session, second_session = live.redeem(first_code), live.redeem(second_code)
    assert live.revoke(first.id) == 1
    assert live.mode_of(first_session, None) is None and not live.still_valid(first_session)
    assert live.mode_of(second_session, None) == "view" and live.still_valid(second_session)
    assert live.revoke("all") == 2  # the other two links (one used, one not)
    assert live.redeem(unused_code) is None and live.mode_of(second_session, None) is None
    assert live.revoke("l99") == 0


def test_with_a_token_nothing_opens_without_a_session_or_the_token() -> None:
    live = LiveAccess("secret")
    assert not live.open_to_all
    assert live.mode_of(None, None) is None
    assert live.mode_of("made-up-cookie", None) is None
    assert live.mode_of(None, "Bearer wrong") is None
    assert live.mode_of(None, "Bearer secret") == "interact"
    assert live.login("wrong") is None
    session = live.login("secret")
    assert session is not None and live.mode_of(session, None) == "interact"


def test_without_a_token_anyone_who_reaches_it_may_act_but_a_view_link_still_only_watches() -> None:
    live = LiveAccess(None)
    assert live.open_to_all and live.mode_of(None, None) == "interact"
    assert live.login("anything") is None
    code, _ = live.mint("view")
    assert live.mode_of(live.redeem(code), None) == "view"


def test_link_lifetimes_are_clamped() -> None:
    live = LiveAccess("secret")
    now = time.time()
    _, long = live.mint("view", 10 * access.MAX_LINK_S)
    _, short = live.mint("view", 0)
    assert long.expires_at <= now + access.MAX_LINK_S + 1
    assert short.expires_at >= now + 0.5


# ---- the newest frame ---------------------------------------------------------------------------


async def test_a_viewer_gets_the_newest_frame_never_a_queue() -> None:
    frames = LatestFrame()
    waiting = asyncio.ensure_future(frames.newer_than(0))
    await asyncio.sleep(0)
    assert not waiting.done()
    frames.put(b"one", 1280, 657)
    assert (await waiting).jpeg == b"one"
    for jpeg in (b"two", b"three", b"four"):
        frames.put(jpeg, 1280, 657)
    newest = await frames.newer_than(1)
    assert (newest.seq, newest.jpeg) == (4, b"four")  # two and three were skipped, not queued
    width, height, seq = HEADER.unpack(newest.packet()[: HEADER.size])
    assert (width, height, seq) == (1280, 657, 4) and newest.packet().endswith(b"four")


# ---- the viewer's messages ----------------------------------------------------------------------


def test_viewer_messages_are_checked_before_anything_is_played() -> None:
    key = parse({"type": "key", "action": "down", "key": ".", "code": "Period", "modifiers": 0})
    assert isinstance(key, Key) and key.code == "Period"
    click = parse({"type": "mouse", "action": "down", "x": 0.5, "y": 0.25, "clicks": 2})
    assert isinstance(click, Mouse) and click.button == "left" and click.clicks == 2
    for bad in (
        {"type": "mouse", "action": "down", "x": 1.5, "y": 0.2},  # off the picture
        {"type": "key", "action": "down", "key": ""},
        {"type": "text", "text": "x" * 20_000},
        {"type": "tab", "action": "explode"},
        {"type": "script", "code": "alert(1)"},
        {"x": 1},
    ):
        assert parse(bad) is None, bad


# ---- where it is served -------------------------------------------------------------------------


def test_a_taken_port_moves_the_live_view_to_the_next_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen = bind_near("127.0.0.1", port)
        with chosen:
            assert chosen.getsockname()[1] != port
            assert chosen.getsockname()[1] != port
