"""live_link: a one-time link to the live view, for the agent to hand to the person (or to revoke)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from browser_mcp.errors import Problem
from browser_mcp.liveview.access import DEFAULT_LINK_S, MAX_LINK_S
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, NeedsPage, tool


@tool(
    "live_link",
    title="Share the live view",
    kind=Kind.ACTS,
    needs_page=NeedsPage.NO,
    blocked_by_dialog=False,
    reports_effects=False,
    description="Make a one-time link to the live view: a web page where the person sees this browser's tab "
    "live and (mode='interact') can click and type in it. Give the link to the person, e.g. in your reply, "
    "when they need to watch or take over (a login, a CAPTCHA). It works once and must be opened within "
    "expires_s. mode='view' lets them watch only. revoke='l3' (the link's id) or 'all' cancels links and "
    "ends the views they opened.",
)
async def live_link(
    call: ToolCall,
    mode: Annotated[
        Literal["view", "interact"], Field(description="interact: they can act; view: watch only.")
    ] = "interact",
    expires_s: Annotated[
        float, Field(ge=10, le=MAX_LINK_S, description="Seconds within which the link must be opened.")
    ] = DEFAULT_LINK_S,
    revoke: Annotated[
        str | None,
        Field(max_length=20, description="Instead of making a link: revoke this one (its id) or 'all'."),
    ] = None,
) -> None:
    call.acted = False
    live = call.runtime.live
    if live is None:
        raise Problem(
            "The live view is off (the server was started with --no-live-view): there is no link to give. "
            "Describe what the person should do in your reply instead."
        )
    if revoke is not None:
        hit = live.access.revoke(revoke.strip())
        if not hit and revoke.strip() != "all":
            open_ids = ", ".join(link.id for link in live.access.links()) or "none"
            raise Problem(f"No open link has the id '{revoke}' (open links: {open_ids}).")
        call.reply.say(f"Revoked {hit} link(s); views they opened are closed.")
        return
    url, link = live.mint(mode, expires_s)
    what = "watch and act in" if mode == "interact" else "watch (not act in)"
    call.reply.say(
        f"Live view link ({link.id}, {mode}): {url}\n"
        f"It lets the person {what} this browser; it works once and must be opened within "
        f"{_duration(expires_s)}. Revoke it with live_link(revoke='{link.id}')."
    )
    if live.access.open_to_all:
        call.reply.say(
            f"Note: the server has no --token, so anyone who can reach {live.base_url}/ can also open the "
            "live view without a link."
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


TOOLS = [live_link]
