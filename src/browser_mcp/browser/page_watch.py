"""Events from inside each tab, through a binding in an isolated world the page cannot see.

Today they say whether the person sees the tab (visibilitychange, focus), so finding "the person's tab"
costs no round trip; the same channel can carry what the person does on the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from playwright.async_api import BrowserContext, CDPSession, Page

WORLD = "browser_mcp"
BINDING = "__browser_mcp_event"

# Runs at the start of every document of the tab (top frame only), in our isolated world.
_SCRIPT = f"""(() => {{
  if (window !== window.top) return;
  const send = () => {{
    try {{ globalThis.{BINDING}(JSON.stringify({{ visibility: document.visibilityState, focused: document.hasFocus() }})); }}
    catch (e) {{}}
  }};
  document.addEventListener('visibilitychange', send, true);
  window.addEventListener('focus', send, true);
  window.addEventListener('blur', send, true);
  send();
}})()"""


@dataclass(frozen=True)
class VisibilityEvent:
    visibility: str
    focused: bool


async def watch_page(
    context: BrowserContext, page: Page, on_visibility: Callable[[VisibilityEvent], None]
) -> tuple[CDPSession, str]:
    """Install the page's event channel; return its CDP session and the tab's target id."""
    session = await context.new_cdp_session(page)

    def on_binding(event: dict[str, object]) -> None:
        if event.get("name") != BINDING:
            return
        try:
            data = json.loads(str(event.get("payload")))
            on_visibility(VisibilityEvent(str(data["visibility"]), bool(data["focused"])))
        except (ValueError, KeyError, TypeError):
            return

    session.on("Runtime.bindingCalled", on_binding)
    # Both domains must be on for the isolated world to come back in each new document.
    await session.send("Runtime.enable")
    await session.send("Page.enable")
    await session.send("Runtime.addBinding", {"name": BINDING, "executionContextName": WORLD})
    await session.send(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": _SCRIPT, "worldName": WORLD, "runImmediately": True},
    )
    info = await session.send("Target.getTargetInfo")
    target_id = str(info.get("targetInfo", {}).get("targetId", ""))
    return session, target_id
