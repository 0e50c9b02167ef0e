"""The MCP tools: one module per family, each a list of ToolSpec records (TOOLS); `register_all` binds
every record to the server, to run in the call frame."""

from __future__ import annotations

import inspect
import typing
from typing import Any

from mcp.server.mcpserver import Context, MCPServer

from browser_mcp.config import Settings
from browser_mcp.tools import (
    activity,
    console,
    dialogs,
    files,
    forms,
    handoff,
    input,
    live,
    navigation,
    network,
    screenshot,
    scripts,
    scrolling,
    snapshot,
    tabs,
    waiting,
)
from browser_mcp.tools.frame import Runtime, run_call
from browser_mcp.tools.spec import ToolSpec

ALL_TOOLS: list[ToolSpec] = [
    *navigation.TOOLS,
    *snapshot.TOOLS,
    *input.TOOLS,
    *forms.TOOLS,
    *scrolling.TOOLS,
    *files.TOOLS,
    *screenshot.TOOLS,
    *tabs.TOOLS,
    *waiting.TOOLS,
    *dialogs.TOOLS,
    *console.TOOLS,
    *network.TOOLS,
    *activity.TOOLS,
    *handoff.TOOLS,
    *live.TOOLS,
    *scripts.TOOLS,
]
TOOLS_BY_NAME = {spec.name: spec for spec in ALL_TOOLS}


def offered(settings: Settings) -> list[ToolSpec]:
    """The tools this server offers: all but those whose setting is off (evaluate without --allow-evaluate)."""
    return [spec for spec in ALL_TOOLS if spec.offered_when is None or getattr(settings, spec.offered_when)]


def register_all(server: MCPServer[Any], runtime: Runtime) -> None:
    for spec in offered(runtime.session.settings):
        server.add_tool(
            _entry_point(spec, runtime),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations(),
            structured_output=False,  # big text must not be sent twice (as text and as structure)
        )


def _entry_point(spec: ToolSpec, runtime: Runtime) -> Any:
    """A function the MCP server can call, with the handler's parameters (after `call`) as its own."""

    async def entry(ctx: Context[Any, Any], **arguments: Any) -> str | list[object]:
        return (await run_call(runtime, spec, ctx, arguments)).reply.content()

    hints = typing.get_type_hints(spec.handler, include_extras=True)
    parameters = list(inspect.signature(spec.handler).parameters.values())[1:]
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)
    typed = [parameter.replace(annotation=hints[parameter.name]) for parameter in parameters]
    entry.__signature__ = inspect.Signature([context, *typed])  # type: ignore[attr-defined]
    entry.__annotations__ = {"ctx": Context, **{parameter.name: parameter.annotation for parameter in typed}}
    entry.__name__ = spec.name
    return entry
