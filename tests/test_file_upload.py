"""file_upload: files from the upload directory only, into a file field or through the file chooser a
button opens; the reply names what the field holds, read back from the page."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from browser_mcp.browser.uploads import read_uploads
from browser_mcp.errors import Problem
from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    """The upload directory, with a secret next to it that must never be uploaded."""
    root = tmp_path / "uploads"
    (root / "scans").mkdir(parents=True)
    (root / "notes.txt").write_text("hello upload")
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    (root / "scans" / "page1.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 300)
    (tmp_path / "secret.txt").write_text("do not upload me")
    os.symlink(tmp_path / "secret.txt", root / "escape.txt")
    os.symlink(root / "notes.txt", root / "alias.txt")
    return root


@pytest.fixture
async def uploader(chromium: PersonChromium, uploads: Path) -> AsyncIterator[Agent]:
    async with stdio_agent(
        "--cdp-url",
        chromium.cdp_url,
        "--action-timeout",
        "2",
        "--overlay-ms",
        "0",
        "--upload-dir",
        str(uploads),
    ) as client:
        yield client


async def open_upload_page(agent: Agent, person: Person, site: Site) -> Page:
    await agent.ok("navigate", url=site.url("/upload.html"))
    tab = await person.tab_in_front()
    await expect(tab).to_have_url(site.url("/upload.html"))
    return tab


async def test_a_file_goes_into_the_field_and_the_reply_names_it_with_its_size(
    uploader: Agent, person: Person, site: Site
) -> None:
    tab = await open_upload_page(uploader, person, site)
    snapshot = await uploader.ok("snapshot")
    reply = await uploader.ok("file_upload", paths=["notes.txt"], ref=ref_of(snapshot, 'button "Attachment"'))

    assert "the field now holds notes.txt (12 B)" in reply, reply
    await expect(tab.locator("#chosen")).to_have_text("single: notes.txt (12 bytes)")
    # The page got the file's bytes, not just its name.
    assert await tab.evaluate("document.getElementById('single').files[0].text()") == "hello upload"
    assert '"single: notes.txt (12 bytes)"' in reply, "the page's reaction is told"

    again = await uploader.ok("file_upload", paths=["photo.png"], selector="#single")
    assert "the field now holds photo.png (2.0 KB)" in again, again
    assert "They replaced what the field held before: notes.txt (12 B)." in again, again


async def test_several_files_go_into_a_multiple_field(uploader: Agent, person: Person, site: Site) -> None:
    tab = await open_upload_page(uploader, person, site)
    reply = await uploader.ok(
        "file_upload", paths=["notes.txt", "photo.png", "scans/page1.pdf"], selector="#many"
    )

    assert "Put 3 files in '#many'" in reply, reply
    assert "notes.txt (12 B), photo.png (2.0 KB), page1.pdf (309 B)" in reply, reply
    await expect(tab.locator("#chosen li")).to_have_text(
        ["many: notes.txt (12 bytes)", "many: photo.png (2008 bytes)", "many: page1.pdf (309 bytes)"]
    )


async def test_a_button_that_opens_a_file_chooser_gets_the_files(
    uploader: Agent, person: Person, site: Site
) -> None:
    """The field is hidden behind a button, as on most sites: the chooser the click opens takes the files
    (and no native dialog is left open for the person)."""
    tab = await open_upload_page(uploader, person, site)
    snapshot = await uploader.ok("snapshot")
    reply = await uploader.ok(
        "file_upload", paths=["photo.png", "alias.txt"], ref=ref_of(snapshot, 'button "Attach files"')
    )

    assert 'file chooser of button "Attach files"' in reply, reply
    assert "photo.png (2.0 KB), alias.txt (12 B)" in reply, reply
    await expect(tab.locator("#chosen li")).to_have_text(
        ["hidden-many: photo.png (2008 bytes)", "hidden-many: alias.txt (12 bytes)"]
    )


async def test_fields_that_cannot_take_the_files_are_refused_with_a_sentence(
    uploader: Agent, person: Person, site: Site
) -> None:
    tab = await open_upload_page(uploader, person, site)

    two_in_one = await uploader.fails("file_upload", paths=["notes.txt", "photo.png"], selector="#single")
    assert "takes one file" in two_in_one, two_in_one
    chooser_for_one = await uploader.fails(
        "file_upload", paths=["notes.txt", "photo.png"], selector="#attach-one"
    )
    assert "takes one file" in chooser_for_one, chooser_for_one
    no_chooser = await uploader.fails("file_upload", paths=["notes.txt"], selector="#nothing")
    assert "opened no file chooser" in no_chooser, no_chooser
    await expect(tab.locator("#chosen li")).to_have_count(0)


async def test_only_files_inside_the_upload_directory_are_ever_uploaded(
    uploader: Agent, person: Person, site: Site, uploads: Path
) -> None:
    tab = await open_upload_page(uploader, person, site)
    secret = uploads.parent / "secret.txt"
    outside = {
        "absolute path elsewhere": str(secret),
        "parent directory": "../secret.txt",
        "parent inside a path": "scans/../../secret.txt",
        "symlink leading out": "escape.txt",
        "system file": "/etc/passwd",
    }
    for case, path in outside.items():
        error = await uploader.fails("file_upload", paths=[path], selector="#single")
        assert "is outside the upload directory" in error and "--upload-dir" in error, (case, error)
        assert "do not upload me" not in error

    missing = await uploader.fails("file_upload", paths=["notes.md"], selector="#single")
    assert "There is no file 'notes.md' in the upload directory" in missing, missing
    assert "notes.txt" in missing, "names what is there, to fix a typo"
    directory = await uploader.fails("file_upload", paths=["scans"], selector="#single")
    assert "is a directory" in directory, directory
    # One bad path refuses the whole call: nothing reached the page.
    mixed = await uploader.fails("file_upload", paths=["notes.txt", "../secret.txt"], selector="#many")
    assert "outside the upload directory" in mixed
    await expect(tab.locator("#chosen li")).to_have_count(0)
    assert await tab.evaluate("document.getElementById('many').files.length") == 0

    # An absolute path that does lead inside is the same file as its relative name.
    inside = await uploader.ok("file_upload", paths=[str(uploads / "notes.txt")], selector="#single")
    assert "notes.txt (12 B)" in inside, inside


async def test_without_an_upload_directory_the_tool_says_how_to_enable_it(
    agent: Agent, person: Person, site: Site
) -> None:
    await agent.ok("navigate", url=site.url("/upload.html"))
    error = await agent.fails("file_upload", paths=["notes.txt"], selector="#single")
    assert "started without --upload-dir" in error and "--upload-dir DIR" in error, error
    tab = await person.tab_in_front()
    assert await tab.evaluate("document.getElementById('single').files.length") == 0


# ---- the path rules alone, without a browser ----------------------------------------------------------


def test_read_uploads_reads_files_inside_and_refuses_everything_else(uploads: Path) -> None:
    files = read_uploads(str(uploads), ["notes.txt", "./scans/page1.pdf", "scans/../photo.png", "alias.txt"])
    assert [(f.name, f.size) for f in files] == [
        ("notes.txt", 12),
        ("page1.pdf", 309),
        ("photo.png", 2008),
        ("alias.txt", 12),  # a link inside the directory: the file it leads to, by the link's name
    ]
    assert files[0].data == b"hello upload" and files[1].mime_type == "application/pdf"

    for path in ["../secret.txt", "escape.txt", str(uploads.parent / "secret.txt"), "/etc/passwd", ".."]:
        with pytest.raises(Problem, match="outside the upload directory"):
            read_uploads(str(uploads), [path])
    with pytest.raises(Problem, match=r"no file 'nope\.txt'"):
        read_uploads(str(uploads), ["nope.txt"])
    with pytest.raises(Problem, match="paths is empty"):
        read_uploads(str(uploads), ["  "])
    with pytest.raises(Problem, match="does not exist or is not a directory"):
        read_uploads(str(uploads / "missing-dir"), ["notes.txt"])
    with open(uploads / "huge.bin", "wb") as huge:  # sparse: costs no disk
        huge.truncate(51 * 1024 * 1024)
    with pytest.raises(Problem, match="too big"):
        read_uploads(str(uploads), ["huge.bin"])
    os.symlink("loop.txt", uploads / "loop.txt")
    with pytest.raises(Problem, match="cannot be used"):
        read_uploads(str(uploads), ["loop.txt"])


def test_a_link_made_to_lead_out_after_it_was_listed_is_still_refused(uploads: Path) -> None:
    """Only what the path resolves to when it is read counts: a dangling link out stays outside."""
    os.symlink(uploads.parent / "not-yet.txt", uploads / "later.txt")
    with pytest.raises(Problem, match="outside the upload directory"):
        read_uploads(str(uploads), ["later.txt"])
