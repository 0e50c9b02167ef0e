"""The outline of a snapshot too big for one reply, and the search through it: no browser.

The snapshots are built here, shaped like Playwright's AI snapshots (a sidebar of 500 links, a rustdoc-like
page with nested impl blocks, quoted YAML keys, iframe refs). Every check reads the outline the way a model
would: each interactive ref must be on a line of it, or inside a section whose named calls, played here by
slicing the section out of the snapshot and cutting it with `cut_to_budget`, show it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from browser_mcp.browser.outline import NOTE_ROOM, Outline, cut_to_budget, outline, search

BUDGET = 16_000

_REF = re.compile(r"\[ref=((?:f\d+)?e\d+)\]")
_INTERACTIVE = re.compile(
    r"^ *- '?(?:link|button|textbox|searchbox|checkbox|radio|combobox|listbox|slider|spinbutton|switch|tab"
    r"|menuitem|menuitemcheckbox|menuitemradio|treeitem)\b"
)
_CALL = re.compile(
    r'snapshot\(ref="([^"]+)"(?:, offset=(\d+))?(?:, max_chars=(\d+))?\)(?:, then offset=([\d, ]+))?'
)


# --- building snapshots -------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Writes snapshot lines, numbering refs in document order (with a frame prefix when given)."""

    lines: list[str] = field(default_factory=list)
    count: int = 0

    def add(
        self, depth: int, key: str, value: str | None = None, *, block: bool = False, ref: str = ""
    ) -> str:
        """One element line: `key` gets a new ref (inside its quotes when it is quoted), `ref` its frame prefix."""
        self.count += 1
        made = f"{ref}e{self.count}"
        keyed = f"{key[:-1]} [ref={made}]'" if key.startswith("'") else f"{key} [ref={made}]"
        tail = f": {value}" if value is not None else ":" if block else ""
        self.lines.append(f"{'  ' * depth}- {keyed}{tail}")
        return made

    def plain(self, depth: int, line: str) -> None:
        """A line with no ref: text, /url, option."""
        self.lines.append(f"{'  ' * depth}- {line}")

    def link(self, depth: int, name: str, url: str, ref: str = "") -> str:
        made = self.add(depth, f'link "{name}"', block=True, ref=ref)
        self.lines[-1] = self.lines[-1].replace("]:", "] [cursor=pointer]:", 1)
        self.plain(depth + 1, f'/url: "{url}"')
        return made

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def sidebar_page(links: int = 500) -> str:
    """A flat sidebar of `links` links, then a main part with a small form."""
    page = Snapshot()
    page.add(0, "generic [active]", block=True)
    page.add(1, 'navigation "Sidebar"', block=True)
    page.add(2, "list", block=True)
    for number in range(links):
        page.add(3, "listitem", block=True)
        page.link(4, f"Sidebar link number {number}", f"#s{number}")
    page.add(1, "main", block=True)
    page.add(2, 'heading "Title" [level=1]')
    page.add(2, "paragraph", "Some long text here bold more.")
    page.add(2, "generic", block=True)
    page.add(3, "generic", block=True)
    page.plain(4, "text: Name")
    page.add(4, 'textbox "Name"')
    page.add(3, "combobox", block=True)
    page.plain(4, 'option "One" [selected]')
    page.plain(4, 'option "Two"')
    page.add(3, 'button "Go"')
    page.add(2, "status", "Booked!")
    return page.text


@cache
def docs_page(blocks: tuple[int, ...] = (10, 70, 3, 5, 250, 200)) -> str:
    """A rustdoc-like page (~900 KB): a sidebar of method lists, then impl blocks of so many method sections,
    each a summary (source link, a heading spread over text and links, sometimes a quoted key) and a doc
    block."""
    page = Snapshot()
    page.add(0, "generic [active]", block=True, ref="f2")
    page.add(1, "navigation", block=True, ref="f2")
    for title, count in (
        ("Methods", 60),
        ("Methods from Deref<Target=[T]>", 140),
        ("Trait Implementations", 70),
    ):
        page.add(2, "generic", block=True, ref="f2")
        page.add(3, "heading [level=3]", block=True, ref="f2")
        page.link(4, title, f"#{title.lower()}", ref="f2")
        page.add(3, "list", block=True, ref="f2")
        for number in range(count):
            page.add(4, "listitem", block=True, ref="f2")
            page.link(5, f"method_{title[:5].lower()}_{number}", f"#method.m{number}", ref="f2")
    page.add(1, "main", block=True, ref="f2")
    page.add(2, "generic", block=True, ref="f2")
    page.add(3, 'searchbox "Click or press ‘S’ to search, ‘?’ for more options…"', ref="f2")
    page.add(3, 'button "?" [cursor=pointer]', ref="f2")
    page.add(2, 'heading "Implementations" [level=2]', "Implementations §", ref="f2")
    page.add(2, "generic", block=True, ref="f2")
    first = 0
    for block, methods in enumerate(blocks):
        page.add(3, "group", block=True, ref="f2")
        page.add(4, "generic", block=True, ref="f2")
        page.link(5, "source", f"../src/alloc/vec/mod.rs.html#{block}", ref="f2")
        page.add(5, "heading [level=3]", block=True, ref="f2")
        page.plain(6, "text: impl<T, A>")
        page.link(6, "Vec", "struct.Vec.html", ref="f2")
        page.plain(6, f"text: <T, A> where A: Allocator{block}")
        page.add(4, "generic", block=True, ref="f2")
        for number in range(first, first + methods):
            _method_section(page, 5, number)
        first += methods
    return page.text


def _method_section(page: Snapshot, depth: int, number: int) -> None:
    page.add(depth, "group", block=True, ref="f2")
    page.add(depth + 1, "generic", block=True, ref="f2")
    page.link(depth + 2, "source", f"../src/alloc/vec/mod.rs.html#{number}", ref="f2")
    page.plain(depth + 2, "text: §")
    if number % 5 == 0:  # Playwright quotes a key holding ": "
        page.add(
            depth + 2,
            f"'heading \"pub fn with_capacity_{number}(capacity: usize) -> Vec<T, Global> ⓘ\" [level=4]'",
            block=True,
            ref="f2",
        )
    else:
        page.add(depth + 2, "heading [level=4]", block=True, ref="f2")
    page.plain(depth + 3, "text: pub fn")
    page.link(depth + 3, f"push_{number}", f"#method.push_{number}", ref="f2")
    page.plain(depth + 3, 'text: "(&mut self, value: T)"')
    page.add(depth + 1, "generic", block=True, ref="f2")
    page.add(depth + 2, "paragraph", "Appends an element to the back of a collection. " * 8, ref="f2")
    page.add(depth + 2, "heading [level=5]", block=True, ref="f2")
    page.link(depth + 3, "Examples", f"#examples-{number}", ref="f2")
    code = 'let mut vec = vec![1, 2]; vec.push(3); assert_eq!(vec, [1, 2, 3]); \\"quoted\\" ' * 6
    page.add(depth + 2, "code", f'"{code}"', ref="f2")


# --- reading an outline the way a model does -----------------------------------------------------


class Lines:
    """The snapshot's lines, and where each ref is."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.position = {ref: i for i, line in enumerate(self.lines) for ref in _REF.findall(line)}

    def subtree(self, ref: str) -> str:
        """What `snapshot(ref=...)` returns: the line of `ref` and the lines below it, dedented."""
        start = self.position[ref]
        indent = _indent(self.lines[start])
        end = next(
            (i for i in range(start + 1, len(self.lines)) if _indent(self.lines[i]) <= indent),
            len(self.lines),
        )
        return "\n".join(line[indent:] for line in self.lines[start:end])

    def indent_of(self, ref: str) -> int:
        return _indent(self.lines[self.position[ref]])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def interactive_refs(text: str) -> list[str]:
    return [
        found[1]
        for line in text.split("\n")
        if (found := _REF.search(line)) and (_INTERACTIVE.match(line) or "[cursor=pointer]" in line)
    ]


def reached_by_calls(snapshot: Lines, line: str, max_chars: int) -> Iterator[str]:
    """The refs the calls named on an outline line show, each call checked to fit the budget; a paged
    section's offsets must follow one another to its end."""
    room = max_chars - NOTE_ROOM  # what one reply shows besides its header and note
    for ref, offset, budget, then in _CALL.findall(line):
        assert int(budget or BUDGET) == max_chars, f"the call does not name the budget: {line}"
        section = snapshot.subtree(ref)
        if not offset:
            assert len(section) <= room, f"snapshot(ref={ref}) does not fit: {line}"
            yield from _REF.findall(section)
            continue
        offsets = [int(offset), *(int(later) for later in then.replace(" ", "").split(",") if later)]
        part = cut_to_budget(section, offsets[0], room)
        yield from _REF.findall(part.text)
        for later in offsets[1:]:
            assert later == part.end, f"offset {later} is not where the part before ends ({part.end})"
            part = cut_to_budget(section, later, room)
            yield from _REF.findall(part.text)
        while part.end < len(section):  # offsets left unlisted ("…"): each part's note names the next
            assert "…" in line
            part = cut_to_budget(section, part.end, room)
            yield from _REF.findall(part.text)


def assert_sound(text: str, result: Outline, max_chars: int = BUDGET) -> None:
    """Within the budget; every interactive ref shown or one named call away; shown lines in the order and
    at the indentation they have in the snapshot."""
    assert len(result.text) <= max_chars - NOTE_ROOM
    snapshot = Lines(text)
    shown: set[str] = set()
    reached: set[str] = set()
    order: list[int] = []
    for line in result.text.split("\n"):
        if found := _REF.search(line):
            shown.add(found[1])
            order.append(snapshot.position[found[1]])
            assert _indent(line) == snapshot.indent_of(found[1]), line
        reached.update(reached_by_calls(snapshot, line, max_chars))
    reachable = shown | reached
    missing = [ref for ref in interactive_refs(text) if ref not in reachable]
    assert not missing, f"{len(missing)} interactive refs out of reach, e.g. {missing[:5]}"
    assert order == sorted(order), "the outline's lines are not in the snapshot's order"


# --- the outline ---------------------------------------------------------------------------------


def test_a_500_link_sidebar_shows_its_first_links_and_pages_the_rest() -> None:
    text = sidebar_page()
    result = outline(text, BUDGET)
    assert_sound(text, result)
    lines = result.text.split("\n")
    assert 'link "Sidebar link number 0"' in result.text and 'button "Go"' in result.text
    rest = next(line for line in lines if "more: [collapsed:" in line)
    shown_links = result.text.count('link "Sidebar link number')
    assert shown_links > 100, "the room left is given to the sidebar's first links"
    assert f"{500 - shown_links} more: [collapsed: {500 - shown_links} links;" in rest
    # The call for the rest starts right at the first link left out.
    start = int(re.findall(r"offset=(\d+)", rest)[0])
    first_left_out = cut_to_budget(Lines(text).subtree("e3"), start, BUDGET).text.split("\n")[1]
    assert f'"Sidebar link number {shown_links}"' in first_left_out
    assert "/url:" not in result.text
    assert (result.collapsed, result.paged) == (1, 1)


def test_a_docs_page_keeps_its_shape_and_reaches_every_link() -> None:
    text = docs_page()
    assert len(text) > 800_000
    result = outline(text, BUDGET)
    assert_sound(text, result)
    assert result.collapsed > 10 and result.paged >= 1
    assert "- main [ref=f2e" in result.text and "searchbox" in result.text
    collapsed = [line for line in result.text.split("\n") if "[collapsed:" in line]
    assert all(re.search(r"\d+ links?", line) for line in collapsed)
    # A section with no name says how it begins: its heading, gathered from the heading's lines.
    assert any('begins "pub fn push_7 (&mut self, value: T)"' in line for line in collapsed)


def test_a_docs_page_outline_is_quick() -> None:
    text = docs_page()
    started = time.perf_counter()
    outline(text, BUDGET)
    assert time.perf_counter() - started < 1.0  # ~0.1 s here; far more would mean a quadratic walk


def test_a_page_a_little_over_the_budget_loses_only_its_urls() -> None:
    text = sidebar_page(links=140)
    assert BUDGET < len(text) < 1.2 * BUDGET
    result = outline(text, BUDGET)
    assert_sound(text, result)
    assert result.collapsed == 0
    kept = [line.removesuffix(":") for line in text.split("\n") if "/url:" not in line]
    assert [line.removesuffix(":") for line in result.text.split("\n")] == kept
    assert result.note() == (
        f"[Outline of the {len(text):,}-character snapshot: nothing collapsed; link URLs left out. "
        "snapshot(offset=0) pages through it all.]"
    )


def test_a_snapshot_within_the_room_comes_back_whole_with_no_note() -> None:
    text = sidebar_page(links=3)
    result = outline(text, BUDGET)
    assert (result.text, result.note()) == (text, "")


def test_long_texts_and_names_are_shortened_not_cut_blindly() -> None:
    page = Snapshot()
    page.add(0, "main", block=True)
    for number in range(40):
        page.add(1, "paragraph", f"Paragraph {number} " + "word " * 400)
        page.add(1, f'link "{"Long name " * 30}{number}" [cursor=pointer]')
        page.plain(1, f'text: "A quoted \\"text\\" {number} ' + "x" * 500 + '"')
    text = page.text
    result = outline(text, BUDGET)
    assert_sound(text, result)
    assert all(len(line) < 200 for line in result.text.split("\n"))
    paragraph = next(line for line in result.text.split("\n") if "paragraph" in line)
    assert paragraph.endswith("…") and "Paragraph 0 word" in paragraph
    quoted = next(line for line in result.text.split("\n") if "A quoted" in line)
    assert quoted.endswith('…"') and '\\"text\\"' in quoted
    link = next(line for line in result.text.split("\n") if "Long name" in line)
    assert re.search(r'link "Long name [^"]*…" \[cursor=pointer\] \[ref=e\d+\]$', link)


def test_quoted_keys_and_frame_refs_stay_whole() -> None:
    page = Snapshot()
    page.add(0, "generic [active]", block=True, ref="f2")
    for number in range(300):
        page.add(1, "'link \"Drain<''_, T>: part\" [cursor=pointer]'", block=True, ref="f2")
        page.plain(2, f'/url: "#drain-{number}"')
        page.add(1, "iframe", block=True, ref="f2")
        page.add(2, "generic", block=True, ref="f1")
        page.add(3, f'button "In frame {number}"', ref="f1")
        page.add(3, f'textbox "Field {number}"', "'a value: with a colon'", ref="f1")
    text = page.text
    result = outline(text, BUDGET)
    assert_sound(text, result)
    assert "- 'link \"Drain<''_, T>: part\" [cursor=pointer] [ref=f2e2]'" in result.text


def test_sections_with_no_ref_stay_open_and_their_links_reachable() -> None:
    page = Snapshot()
    page.add(0, "main", block=True)
    for section in range(30):
        page.plain(1, "list:")  # no ref: no call can name it
        for number in range(20):
            page.link(2, f"Item {section}.{number}", f"#item-{section}-{number}")
    page.add(1, 'button "Done"')
    text = page.text
    result = outline(text, BUDGET)
    assert_sound(text, result)
    assert (
        "- list:" in result.text
        and 'more: [collapsed: 300 links, 1 button; snapshot(ref="e1", offset=' in result.text
    )


def test_calls_name_the_budget_when_it_is_not_the_default() -> None:
    text = docs_page()
    result = outline(text, 30_000, name_max_chars=True)
    assert_sound(text, result, 30_000)
    assert ", max_chars=30000)" in result.text
    assert result.note().endswith("snapshot(offset=0, max_chars=30000) pages through it all.]")


def test_a_snapshot_with_no_section_to_collapse_says_where_it_goes_on() -> None:
    page = Snapshot()
    for number in range(2000):  # links at the top: no element above them to name in a call
        page.add(0, f'link "Top link {number}" [cursor=pointer]')
    text = page.text
    result = outline(text, BUDGET)
    assert result.cut and len(result.text) <= BUDGET - NOTE_ROOM
    *shown, last = result.text.split("\n")
    assert shown == text.split("\n")[: len(shown)]
    offset = int(re.findall(r"snapshot\(offset=(\d+)\) goes on from this point", last)[0])
    assert cut_to_budget(text, offset, BUDGET).text.startswith(text.split("\n")[len(shown)] + "\n")


def test_the_outline_of_one_section_names_it_in_its_note() -> None:
    text = docs_page()
    main = re.findall(r"- main \[ref=(f2e\d+)\]", text)[0]
    section = Lines(text).subtree(main)
    result = outline(section, BUDGET, ref=main)
    assert_sound(section, result)
    assert re.fullmatch(
        rf"\[Outline of the [\d,]+-character snapshot of {main}: \d+ sections collapsed, each opened by the call "
        rf'on its line; link URLs left out\. snapshot\(ref="{main}", offset=0\) pages through it all\.\]',
        result.note(),
    )
    assert len(result.note()) < 200


# --- search ----------------------------------------------------------------------------------------


def test_search_gives_each_match_with_its_path_and_a_count() -> None:
    found = search(sidebar_page(), "link number 49", BUDGET)
    lines = found.split("\n")
    assert lines[0] == '[15 matches for "link number 49":]'
    assert (
        lines[1]
        == 'navigation "Sidebar" [e2] > list [e3] > link "Sidebar link number 49" [ref=e103] [cursor=pointer]'
    )
    assert len(lines) == 16


def test_search_finds_a_heading_spread_over_its_lines() -> None:
    found = search(docs_page(), "fn push_437", BUDGET)
    assert found.startswith('[1 match for "fn push_437":]\n')
    assert re.search(
        r"main \[f2e\d+\] > heading \[level=4\] \[ref=f2e\d+\]: pub fn push_437 \(&mut self", found
    )


def test_search_with_too_many_matches_says_how_many_were_left_out() -> None:
    found = search(docs_page(), "push", 3_000)
    assert len(found) <= 3_000
    header = found.split("\n")[0]
    shown, left_out = (
        int(n.replace(",", ""))
        for n in re.findall(r"the first ([\d,]+) are shown, the other ([\d,]+)", header)[0]
    )
    assert shown == len(found.split("\n")) - 1 and left_out > 100
    assert "more words in the query narrow it down" in header


def test_search_says_so_when_nothing_matches() -> None:
    assert search(sidebar_page(), "checkout total", BUDGET) == (
        '[Nothing in the snapshot matches "checkout total": no line or short section holds all those words in '
        "its role, name or text (any case).]"
    )
    assert search(sidebar_page(), "   ", BUDGET) == "[Nothing to search for: the query is empty.]"


def test_search_matches_text_lines_and_names_the_nearest_ref() -> None:
    found = search(sidebar_page(), "NAME", BUDGET)
    assert found.split("\n")[1:] == [
        "main [e1004] > generic [e1008] > text: Name",
        'main [e1004] > textbox "Name" [ref=e1009]',
    ]
