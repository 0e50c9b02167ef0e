"""The files an upload may use: only regular files inside the upload directory (--upload-dir).

A path is taken relative to that directory. Whatever it resolves to (`..`, an absolute path, a symlink)
must still be inside it, or it is refused. The files are read here, by the server, and handed to the
browser as bytes: that works whether the browser runs on this machine or elsewhere (neko in a container),
where this machine's paths mean nothing.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from browser_mcp.errors import Problem
from browser_mcp.text import human_size, shorten

# Playwright hands files to the page as one message: it refuses 50 MB or more at once.
MAX_TOTAL_BYTES = 50 * 1024 * 1024 - 1
_PATH_CHARS = 120  # a path quoted back in a sentence
_LISTED_NAMES = 10  # files named in "the upload directory has: ..."


@dataclass(frozen=True)
class UploadFile:
    name: str  # the file's name as the page sees it
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def mime_type(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


def read_uploads(upload_dir: str, paths: Sequence[str]) -> list[UploadFile]:
    """Read the files `paths` names inside `upload_dir`; refuse anything else with a sentence."""
    root = _root(upload_dir)
    files: list[UploadFile] = []
    total = 0
    for given in paths:
        file = _read_one(root, given)
        total += file.size
        if total > MAX_TOTAL_BYTES:
            raise Problem(
                f"The files are too big together (over {human_size(MAX_TOTAL_BYTES)}): a file field takes at "
                "most that much at once. Upload fewer or smaller files."
            )
        files.append(file)
    return files


def _root(upload_dir: str) -> Path:
    root = Path(upload_dir).expanduser()
    try:
        resolved = root.resolve(strict=True)
    except (OSError, RuntimeError):
        resolved = None
    if resolved is None or not resolved.is_dir():
        raise Problem(
            "The upload directory the server was started with (--upload-dir) does not exist or is not a "
            "directory, so no file can be uploaded. Ask the person to create it or restart the server with "
            "another --upload-dir."
        )
    return resolved


def _read_one(root: Path, given: str) -> UploadFile:
    shown = shorten(given, _PATH_CHARS)
    if not given.strip():
        raise Problem("One of the paths is empty: name a file in the upload directory, e.g. 'report.pdf'.")
    if "\0" in given:
        raise Problem(f"The path '{shown}' is not a valid file name.")
    candidate = root / given  # an absolute path stays itself: it must resolve inside the root too
    try:
        resolved = candidate.resolve(strict=True)
    except FileNotFoundError:
        if not _inside(root, _resolved_as_far_as_possible(candidate)):
            raise _outside(shown) from None
        raise Problem(f"There is no file '{shown}' in the upload directory. {_listing(root)}") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a path too long
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise Problem(f"The path '{shown}' cannot be used: {why}.") from None
    if not _inside(root, resolved):
        raise _outside(shown)
    # The page sees the name the file was asked by (a link's own name, as a file dialog gives it).
    return _read_regular(resolved, Path(given).name or resolved.name, shown)


def _read_regular(path: Path, name: str, shown: str) -> UploadFile:
    """Read `path` (fully resolved, inside the root): a regular file, opened without following a link that
    may have replaced it since it was resolved."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise Problem(f"'{shown}' is a directory: name the files in it one by one.") from None
    except PermissionError:
        raise Problem(f"The server may not read '{shown}' (permission denied).") from None
    except OSError as exc:
        raise Problem(f"'{shown}' cannot be read: {exc.strerror or exc}.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Problem(f"'{shown}' is a directory: name the files in it one by one.")
        if not stat.S_ISREG(info.st_mode):
            raise Problem(
                f"'{shown}' is not a regular file (a device, a pipe or a socket): it cannot be uploaded."
            )
        if info.st_size > MAX_TOTAL_BYTES:
            raise Problem(
                f"'{shown}' is too big: a file field takes at most {human_size(MAX_TOTAL_BYTES)} at once."
            )
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(MAX_TOTAL_BYTES + 1)
    finally:
        os.close(fd)
    return UploadFile(name, data)


def _resolved_as_far_as_possible(path: Path) -> Path:
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError):
        return path


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def _outside(shown: str) -> Problem:
    return Problem(
        f"'{shown}' is outside the upload directory: file_upload only takes files from the directory the "
        "server was started with (--upload-dir), named relative to it (e.g. 'report.pdf' or 'scans/1.png'). "
        "Ask the person to put the file there."
    )


def _listing(root: Path) -> str:
    """What the model can upload instead, so it can correct a typo."""
    try:
        names = sorted(
            entry.name
            for entry in root.iterdir()
            if not entry.name.startswith(".") and _inside(root, entry.resolve())
        )
    except OSError:
        return ""
    if not names:
        return "The upload directory is empty: ask the person to put the file there."
    more = f" and {len(names) - _LISTED_NAMES} more" if len(names) > _LISTED_NAMES else ""
    shown = ", ".join(shorten(name, 60) for name in names[:_LISTED_NAMES])
    return f"It has: {shown}{more}."
