"""tabs: list, select (bring to front, which the person sees), open and close tabs.

Tabs are named by a stable id (t1, t2...) and their title, never by a position: the browser does not
say where a tab sits in the person's tab strip, so a number would point the person at the wrong tab.
"""

from __future__ import annotations

from typing import Annotated, Literal

from playwright.async_api import Page
from pydantic import Field

from browser_mcp.errors import Problem
from browser_mcp.text import quoted
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.spec import Kind, NeedsPage, tool

TabId = Annotated[
    str | None,
    Field(
        pattern=r"^\s*[tT]?\d+\s*$",
        description="For select and close: the tab's id from the list, e.g. 't2'.",
    ),
]


@tool(
    "tabs",
    title="Tabs",
    kind=Kind.DESTRUCTIVE,
    needs_page=NeedsPage.NO,
    blocked_by_dialog=False,
    description="Tabs of the shared browser, each named by an id (t1, t2...) and its title. list: all "
    "tabs, marking the one the person sees (where every tool acts). select: bring tab `tab` to front (the "
    "person sees the switch). new: open a tab (at `url`) in front. close: close tab `tab` (only when asked to).",
)
async def tabs(
    call: ToolCall,
    action: Annotated[Literal["list", "select", "new", "close"], Field(description="What to do.")] = "list",
    tab: TabId = None,
    url: Annotated[str | None, Field(description="For new: the URL to open.")] = None,
) -> None:
    if action == "list":
        call.acted = False
        await _list(call)
        return
    checked = call.session.policy.check(url) if action == "new" and url else None
    with call.session.agent_action():  # the tab events this causes are the agent's, not the person's
        if action == "new":
            await _open(call, checked)
        else:
            await _select_or_close(call, _pick(call, tab, action), action)


async def _open(call: ToolCall, url: str | None) -> None:
    page = await call.session.new_tab()
    await page.bring_to_front()
    call.current = page  # from here on a failure still reports the new tab
    if url:
        call.doing = f"opening {url} in the new tab"
        await page.goto(url, wait_until="domcontentloaded", timeout=call.settings.navigation_timeout * 1000)
    call.pages = call.session.pages()
    call.reply.say(f"Opened {await call.tabs.label(page)} in front; later calls act on it.")


async def _select_or_close(call: ToolCall, page: Page, action: str) -> None:
    label = await call.tabs.label(page)
    call.target = str(label)
    if action == "select":
        call.people.events.agent_brings_to_front([page])
        await page.bring_to_front()
        call.current = page
        call.reply.say(f"Selected {label}; it is in front and later calls act on it.")
        return
    if len(call.pages) == 1:
        raise Problem(
            f"{label.name} is the only tab: closing it would close the person's browser window. "
            "Open another tab first, or navigate this one."
        )
    call.people.events.agent_brings_to_front([other for other in call.pages if other is not page])
    await page.close()
    call.pages = call.session.pages()
    call.reply.say(f"Closed {label}.")
    if page is call.current:
        call.current = await call.people.person_tab.find(call.pages)


async def _list(call: ToolCall) -> None:
    if not call.pages:
        call.reply.say("No tabs are open. Open one with navigate or tabs(action='new').")
        return
    lines = []
    # By id: the order in which the tabs were found, which the browser does not keep (nor tells the
    # order of its tab strip).
    for page in sorted(call.pages, key=lambda page: call.tabs.state(page).id):
        label = await call.tabs.label(page)
        mark = "  <- the person's tab (current)" if page is call.current else ""
        dialog = " [dialog open]" if call.tabs.state(page).dialog is not None else ""
        lines.append(f"- {label.name} {quoted(label.title)}({label.url}){dialog}{mark}")
    call.reply.say("\n".join(lines))


def _pick(call: ToolCall, tab: str | None, action: str) -> Page:
    if tab is None:
        raise Problem(
            f"tabs(action='{action}') needs `tab`: the tab's id from tabs(action='list'), e.g. 't2'."
        )
    wanted = int(tab.strip().lstrip("tT"))
    for page in call.pages:
        if call.tabs.state(page).id == wanted:
            return page
    open_ids = ", ".join(f"t{call.tabs.state(page).id}" for page in call.pages)
    raise Problem(f"There is no tab t{wanted}: the open tabs are {open_ids}. Call tabs to list them.")


TOOLS = [tabs]
