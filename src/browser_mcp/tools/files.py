"""file_upload: put files from the upload directory (--upload-dir) in a page's file field.

The element may be the file field itself (or its label), or a button that opens a file chooser; either way
the files go in through the same co-browsing turn as every input action, and the reply reads back from
the page which files the field now holds.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

from playwright.async_api import ElementHandle, FileChooser, FilePayload, Locator
from pydantic import Field

from browser_mcp.browser.locate import Target, locate
from browser_mcp.browser.page_changes import note_before_action
from browser_mcp.browser.uploads import UploadFile, read_uploads
from browser_mcp.errors import Problem
from browser_mcp.people import AgentIntent
from browser_mcp.text import human_size, shorten
from browser_mcp.tools.acting import act, describe_outcome
from browser_mcp.tools.frame import ToolCall
from browser_mcp.tools.params import Element, Ref, Selector
from browser_mcp.tools.spec import Kind, tool

MAX_FILES = 20
# After a click, a file chooser the page opens is reported within a few ms: wait this long at most.
_CHOOSER_WAIT_S = 1.5
_LISTED_FILES = 5  # files named one by one in the reply
_NAME_CHARS = 80  # of a file name the page reports

# The file field an element stands for: itself, or the field of the label it is in (as Playwright does).
_FIELD_JS = """el => {
  let field = el;
  if (!el.matches('input, textarea, select') && !el.isContentEditable) {
    const label = el.closest('label');
    if (label && label.control) field = label.control;
  }
  if (!(field instanceof HTMLInputElement && field.type === 'file')) {
    return {file: false, what: el.localName + (el.type ? ' type=' + el.type : '')};
  }
  return {file: true, multiple: field.multiple, disabled: field.disabled,
          files: Array.from(field.files || [], f => [f.name, f.size])};
}"""


class _Field(TypedDict, total=False):
    file: bool
    what: str
    multiple: bool
    disabled: bool
    files: list[list[Any]]


@tool(
    "file_upload",
    title="Upload files",
    kind=Kind.DESTRUCTIVE,
    timeout="action",
    description="Put files in a file field of the person's tab: the field itself or the button that opens "
    "its file chooser (by ref or selector). `paths` are relative to the upload directory the server was "
    "started with (--upload-dir); nothing else on the server can be uploaded. Replies with the files the "
    "field now holds.",
)
async def file_upload(
    call: ToolCall,
    paths: Annotated[
        list[str],
        Field(
            min_length=1,
            max_length=MAX_FILES,
            description="Files to put in the field, relative to the upload directory, e.g. ['report.pdf'].",
        ),
    ],
    ref: Ref = None,
    selector: Selector = None,
    element: Element = None,
) -> None:
    upload_dir = call.settings.upload_dir
    if not upload_dir:
        raise Problem(
            "file_upload is off: the server was started without --upload-dir, so it uploads no files. To "
            "enable it, restart browser-mcp with --upload-dir DIR (or BROWSER_MCP_UPLOAD_DIR=DIR) and put "
            "the files in DIR; meanwhile ask the person to choose the file themselves (ask_user)."
        )
    files = await asyncio.to_thread(read_uploads, upload_dir, paths)
    page = call.page
    target = await locate(call.session, page, ref, selector, element)
    call.target = target.label
    timeout_ms = call.settings.action_timeout * 1000
    field: _Field = await target.locator.evaluate(_FIELD_JS, timeout=timeout_ms)
    if field.get("file"):
        if field.get("disabled"):
            raise Problem(f"{target.label} is disabled: the page does not take files there now.")
        if len(files) > 1 and not field.get("multiple"):
            raise Problem(f"{target.label} takes one file (it has no `multiple`): upload one file at a time.")
    payloads = [_payload(file) for file in files]
    url_before = page.url
    await note_before_action(call.session, page, call.settings.action_timeout)
    names = ", ".join(file.name for file in files[:_LISTED_FILES])
    direct = bool(field.get("file"))
    intent = AgentIntent("file_upload", f"upload {names} to {target.name}", target.locator, instant=direct)

    async def put_files() -> list[tuple[str, int]]:
        if direct:
            await target.locator.set_input_files(payloads, timeout=timeout_ms)
            return await _files_in(target.locator, timeout_ms)
        chooser = await _open_chooser(call, target, timeout_ms)
        if len(files) > 1 and not chooser.is_multiple():
            raise Problem(
                f"The file chooser {target.label} opened takes one file: upload one file at a time."
            )
        await chooser.set_files(payloads, timeout=timeout_ms)
        return await _files_in(chooser.element)

    outcome = await act(call, intent, put_files)
    held = outcome.value
    if held is not None:
        call.reply.say(_held_line(target, files, held, via_chooser=not direct))
        replaced = [(str(name), int(size)) for name, size in field.get("files") or []]
        if replaced:  # the person may have chosen those
            call.reply.say(f"They replaced what the field held before: {_listed(replaced)}.")
    else:
        call.reply.say(f"The page opened a dialog before the files went in to {target.label}.")
    acted_on = [target.ref] if target.ref else []
    await describe_outcome(call, outcome, url_before, acted_on, sets_value=True)


async def _files_in(
    element: Locator | ElementHandle, timeout_ms: float | None = None
) -> list[tuple[str, int]]:
    """The files the field holds now, as the page reports them (name, size)."""
    if isinstance(element, Locator):
        found = await element.evaluate(_FIELD_JS, timeout=timeout_ms)
    else:
        found = await element.evaluate(_FIELD_JS)
    return [(str(name), int(size)) for name, size in found.get("files") or []]


async def _open_chooser(call: ToolCall, target: Target, timeout_ms: float) -> FileChooser:
    """Click `target` and take the file chooser it opens (it never shows: the files go in instead)."""
    page = call.page
    opened: asyncio.Future[FileChooser] = asyncio.get_running_loop().create_future()

    def on_chooser(chooser: FileChooser) -> None:
        if not opened.done():
            opened.set_result(chooser)

    # Listening makes Playwright intercept the chooser; the person's own choosers open as usual again after.
    page.on("filechooser", on_chooser)
    try:
        await target.locator.click(timeout=timeout_ms)
        return await asyncio.wait_for(opened, _CHOOSER_WAIT_S)
    except TimeoutError:
        raise Problem(
            f"Clicking {target.label} opened no file chooser (it was clicked all the same). Give file_upload "
            "the file field itself (a snapshot shows it as a button such as 'Choose File') or the button that "
            "opens the chooser."
        ) from None
    finally:
        page.remove_listener("filechooser", on_chooser)


def _payload(file: UploadFile) -> FilePayload:
    return {"name": file.name, "mimeType": file.mime_type, "buffer": file.data}


def _held_line(
    target: Target, sent: list[UploadFile], held: list[tuple[str, int]], *, via_chooser: bool
) -> str:
    where = f"the file chooser of {target.label}" if via_chooser else target.label
    if not held:
        return (
            f"Gave {where} {_count(len(sent))}, but the field holds none now: the page took them out (it may "
            "refuse this kind of file; take a snapshot to see why)."
        )
    line = f"Put {_count(len(sent))} in {where}; the field now holds {_listed(held)}."
    if sorted(held) != sorted((file.name, file.size) for file in sent):
        line += " That is not what was sent: the page changed the field's files."
    return line


def _listed(files: list[tuple[str, int]]) -> str:
    listed = ", ".join(
        f"{shorten(name, _NAME_CHARS)} ({human_size(size)})" for name, size in files[:_LISTED_FILES]
    )
    more = f" and {len(files) - _LISTED_FILES} more" if len(files) > _LISTED_FILES else ""
    return listed + more


def _count(n: int) -> str:
    return "1 file" if n == 1 else f"{n} files"


TOOLS = [file_upload]
