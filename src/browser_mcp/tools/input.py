"""click, hover, type, fill_form, select_option, press_key, scroll: the agent's hands on the page."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from browser_mcp.browser.actions import perform
from browser_mcp.browser.locate import Target, locate
from browser_mcp.browser.session import BrowserSession
from browser_mcp.errors import ToolError, explain
from browser_mcp.people import AgentIntent, CoBrowsing
from browser_mcp.tools.annotations import acts_on_page, destructive
from browser_mcp.tools.call import ToolCall, run_tool
from browser_mcp.tools.outcome import describe_outcome
from browser_mcp.tools.params import Element, Ref, Selector

# Waits (a few frames at most) for the wheel's scroll to land, then reports where the page is.
_SCROLL_POSITION_JS = """([x0, y0]) => new Promise(resolve => {
  let frames = 0;
  const tick = () => {
    if (scrollX !== x0 || scrollY !== y0 || frames++ > 10) {
      resolve([Math.round(scrollX), Math.round(scrollY),
               Math.round(document.documentElement.scrollHeight - innerHeight)]);
    } else requestAnimationFrame(tick);
  };
  tick();
})"""

Modifier = Literal["Alt", "Control", "ControlOrMeta", "Meta", "Shift"]


class FormField(BaseModel):
    """One field of fill_form."""

    ref: Ref = None
    selector: Selector = None
    element: Element = None
    type: Literal["textbox", "checkbox", "radio", "combobox", "slider"] = Field(
        "textbox", description="What kind of field it is (as in the snapshot)."
    )
    value: str = Field(
        description="Text for a textbox, 'true'/'false' for a checkbox or radio, the option label for a combobox."
    )


def register(server: MCPServer[Any], session: BrowserSession, cobrowsing: CoBrowsing) -> None:
    timeout_ms = session.settings.action_timeout * 1000
    timeout_s = session.settings.action_timeout

    async def act_on_element(
        ctx: Context[Any, Any],
        tool: str,
        ref: str | None,
        selector: str | None,
        element: str | None,
        action: Callable[[Target], Awaitable[object]],
        done: Callable[[Target], str],
        verb: str,
        text: str | None = None,
    ) -> str:
        async def body(call: ToolCall) -> None:
            page = call.page
            target = await locate(session, page, ref, selector, element)
            url_before = page.url
            intent = AgentIntent(tool, f"{verb} {target.label}", target.locator, text)
            try:
                async with cobrowsing.agent_turn(ctx, page, intent):
                    outcome = await perform(session, page, lambda: action(target))
            except Exception as exc:
                raise explain(exc, tool, target.label, timeout_s) from exc
            call.reply.say(done(target))
            await describe_outcome(call, outcome, url_before)

        return (await run_tool(session, ctx, tool, body)).reply.text()

    @server.tool(
        annotations=destructive("Click"),
        structured_output=False,
        description="Click an element (by ref from the latest snapshot, or selector) in the person's tab. "
        "Replies with what changed: new URL, new tab, an open dialog.",
    )
    async def click(
        ctx: Context[Any, Any],
        ref: Ref = None,
        selector: Selector = None,
        element: Element = None,
        button: Annotated[Literal["left", "right", "middle"], Field(description="Mouse button.")] = "left",
        double: Annotated[bool, Field(description="Double-click.")] = False,
        modifiers: Annotated[list[Modifier] | None, Field(description="Keys held during the click.")] = None,
    ) -> str:
        async def action(target: Target) -> None:
            if double:
                await target.locator.dblclick(button=button, modifiers=modifiers, timeout=timeout_ms)
            else:
                await target.locator.click(button=button, modifiers=modifiers, timeout=timeout_ms)

        verb = "Double-clicked" if double else ("Right-clicked" if button == "right" else "Clicked")
        about_to = "double-click" if double else ("right-click" if button == "right" else "click")
        return await act_on_element(
            ctx, "click", ref, selector, element, action, lambda t: f"{verb} {t.label}.", about_to
        )

    @server.tool(
        annotations=acts_on_page("Hover", idempotent=True),
        structured_output=False,
        description="Move the mouse over an element (opens hover menus and tooltips).",
    )
    async def hover(
        ctx: Context[Any, Any], ref: Ref = None, selector: Selector = None, element: Element = None
    ) -> str:
        async def action(target: Target) -> None:
            await target.locator.hover(timeout=timeout_ms)

        return await act_on_element(
            ctx, "hover", ref, selector, element, action, lambda t: f"Hovered {t.label}.", "hover over"
        )

    @server.tool(
        name="type",
        annotations=destructive("Type text"),
        structured_output=False,
        description="Type text into an editable element, replacing its content. `submit` presses Enter after; "
        "`slowly` types key by key (for fields that react to each key).",
    )
    async def type_text(
        ctx: Context[Any, Any],
        text: Annotated[str, Field(description="The text to type.")],
        ref: Ref = None,
        selector: Selector = None,
        element: Element = None,
        submit: Annotated[bool, Field(description="Press Enter after typing.")] = False,
        slowly: Annotated[
            bool, Field(description="Type one key at a time instead of filling at once.")
        ] = False,
    ) -> str:
        async def action(target: Target) -> None:
            if slowly:
                await target.locator.click(timeout=timeout_ms)
                # Typing over a selection replaces it, as without `slowly`, with no extra key events.
                await target.locator.select_text(timeout=timeout_ms)
                await target.locator.press_sequentially(text, delay=30, timeout=timeout_ms + 50 * len(text))
            else:
                await target.locator.fill(text, timeout=timeout_ms)
            if submit:
                await target.locator.press("Enter", timeout=timeout_ms)

        then = " and pressed Enter" if submit else ""
        return await act_on_element(
            ctx,
            "type",
            ref,
            selector,
            element,
            action,
            lambda t: f"Typed {len(text)} characters into {t.label}{then}.",
            "type into",
            None if submit else text,  # after Enter the page may well empty the field
        )

    @server.tool(
        annotations=destructive("Select option"),
        structured_output=False,
        description="Choose options in a <select> (by label or value).",
    )
    async def select_option(
        ctx: Context[Any, Any],
        values: Annotated[list[str], Field(min_length=1, description="Labels or values to select.")],
        ref: Ref = None,
        selector: Selector = None,
        element: Element = None,
    ) -> str:
        async def action(target: Target) -> list[str]:
            return await target.locator.select_option(values, timeout=timeout_ms)

        return await act_on_element(
            ctx,
            "select_option",
            ref,
            selector,
            element,
            action,
            lambda t: f"Selected {', '.join(repr(v) for v in values)} in {t.label}.",
            "choose an option in",
        )

    @server.tool(
        annotations=destructive("Fill form"),
        structured_output=False,
        description="Fill several form fields in one call: textboxes, checkboxes, radios, comboboxes, sliders.",
    )
    async def fill_form(
        ctx: Context[Any, Any],
        fields: Annotated[list[FormField], Field(min_length=1, description="The fields to fill, in order.")],
    ) -> str:
        async def body(call: ToolCall) -> None:
            page = call.page
            url_before = page.url
            targets = [await locate(session, page, f.ref, f.selector, f.element) for f in fields]
            filled: list[str] = []
            outcome = None
            for field, target in zip(fields, targets, strict=True):
                text = field.value if field.type == "textbox" else None
                intent = AgentIntent("fill_form", f"fill {target.label}", target.locator, text)
                try:
                    async with cobrowsing.agent_turn(ctx, page, intent):
                        outcome = await perform(
                            session, page, functools.partial(_fill_one, target, field, timeout_ms)
                        )
                except Exception as exc:
                    done = f" Filled before it: {', '.join(filled)}." if filled else ""
                    raise ToolError(f"{explain(exc, 'fill_form', target.label, timeout_s)}{done}") from exc
                filled.append(target.label)
                if outcome.dialog_opened:
                    break
            call.reply.say(f"Filled {len(filled)} of {len(fields)} fields: {', '.join(filled)}.")
            if outcome is not None:
                await describe_outcome(call, outcome, url_before)

        return (await run_tool(session, ctx, "fill_form", body)).reply.text()

    @server.tool(
        annotations=destructive("Press key"),
        structured_output=False,
        description="Press a key or combination in the person's tab, e.g. Enter, Escape, ArrowDown, Control+A.",
    )
    async def press_key(
        ctx: Context[Any, Any],
        key: Annotated[
            str, Field(description="Key name or combination: Enter, Tab, a, Shift+Tab, Control+A.")
        ],
    ) -> str:
        async def body(call: ToolCall) -> None:
            page = call.page
            url_before = page.url
            try:
                async with cobrowsing.agent_turn(ctx, page, AgentIntent("press_key", f"press {key}")):
                    outcome = await perform(session, page, lambda: page.keyboard.press(key))
            except Exception as exc:
                raise explain(exc, "press_key", key, timeout_s) from exc
            call.reply.say(f"Pressed {key}.")
            await describe_outcome(call, outcome, url_before)

        return (await run_tool(session, ctx, "press_key", body)).reply.text()

    @server.tool(
        annotations=acts_on_page("Scroll"),
        structured_output=False,
        description="Scroll the person's tab: by `direction` and `amount` pixels, or until an element "
        "(ref/selector) is in view.",
    )
    async def scroll(
        ctx: Context[Any, Any],
        direction: Annotated[
            Literal["down", "up", "left", "right"], Field(description="Where to scroll.")
        ] = "down",
        amount: Annotated[int, Field(ge=1, le=100_000, description="Pixels to scroll.")] = 600,
        ref: Ref = None,
        selector: Selector = None,
        element: Element = None,
    ) -> str:
        async def body(call: ToolCall) -> None:
            page = call.page
            if ref or selector:
                target = await locate(session, page, ref, selector, element)
                intent = AgentIntent("scroll", f"scroll to {target.label}", target.locator)
                try:
                    async with cobrowsing.agent_turn(ctx, page, intent):
                        await perform(
                            session,
                            page,
                            lambda: target.locator.scroll_into_view_if_needed(timeout=timeout_ms),
                        )
                except Exception as exc:
                    raise explain(exc, "scroll", target.label, timeout_s) from exc
                call.reply.say(f"Scrolled {target.label} into view.")
                return
            dx = {"left": -amount, "right": amount}.get(direction, 0)
            dy = {"up": -amount, "down": amount}.get(direction, 0)
            try:
                before = await page.evaluate("() => [scrollX, scrollY]")
                async with cobrowsing.agent_turn(ctx, page, AgentIntent("scroll", f"scroll {direction}")):
                    await perform(session, page, lambda: page.mouse.wheel(dx, dy))
                position = await page.evaluate(_SCROLL_POSITION_JS, before)
            except Exception as exc:
                raise explain(exc, "scroll") from exc
            x, y, max_y = position
            call.reply.say(
                f"Scrolled {direction} by {amount} px; page position now x={x}, y={y} (bottom at y={max_y})."
            )

        return (await run_tool(session, ctx, "scroll", body)).reply.text()


async def _fill_one(target: Target, field: FormField, timeout_ms: float) -> None:
    locator = target.locator
    if field.type == "textbox" or field.type == "slider":
        await locator.fill(field.value, timeout=timeout_ms)
    elif field.type in ("checkbox", "radio"):
        wanted = field.value.strip().lower() in ("true", "1", "yes", "on", "checked")
        await locator.set_checked(wanted, timeout=timeout_ms)
    elif field.type == "combobox":
        await locator.select_option(field.value, timeout=timeout_ms)
    else:  # pragma: no cover - the Literal type rules this out
        raise ToolError(f"Unknown field type {field.type}.")
