"""The snapshot budget: a huge page comes back as an outline that reaches every element in one more call,
or in bounded parts (offset), each saying how to get the next.

The site's /big page is a ~900 KB docs-like page (3000 sections "Method number i"). One browser and
one server serve the whole module: every test only reads the page, and its snapshot alone takes
seconds on a small machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.site import Site

pytestmark = pytest.mark.slow  # starts and kills browsers, or walks a 900 KB page

DEFAULT_BUDGET = 16_000
# The reply adds a header line ("Tab t1: 'Big docs' (url)") and the two-line note to the budget.
OVERHEAD = 400

_CUT = re.compile(r"characters ([\d,]+)-([\d,]+) of the ([\d,]+)-character snapshot")
_MORE = re.compile(r"Next: snapshot\(offset=(\d+)(?:, max_chars=\d+)?\)")
_SNAPSHOT_LINE = re.compile(r"^( *)- \S")
_INTERACTIVE_REF = re.compile(r"- (?:link|button|textbox|searchbox|combobox|checkbox)\b[^\n]*?\[ref=(e\d+)\]")
# `snapshot(ref="e3")`, or a section in parts: `snapshot(ref="e3", offset=0), then offset=15990, 31950`
_CALL = re.compile(r'snapshot\(ref="(e\d+)"(?:, offset=(\d+)\)((?:, then offset=[\d, ]+)?)|\))')


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def big_browser() -> Iterator[PersonChromium]:
    browser = PersonChromium().start()
    yield browser
    browser.stop()


@pytest.fixture(scope="module")
async def big(big_browser: PersonChromium, site: Site) -> AsyncIterator[Agent]:
    """The agent, with the person's tab on /big. The action timeout leaves room for a slow, busy CPU."""
    async with stdio_agent("--cdp-url", big_browser.cdp_url, "--action-timeout", "30") as client:
        await client.ok("navigate", url=site.url("/big"))
        yield client


class Part:
    """One snapshot reply, split into its header line, the snapshot lines and the cut note."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        header, _, rest = reply.partition("\n")
        self.header = header
        self.lines = [line for line in rest.split("\n") if not line.startswith("[")]
        self.note = "\n".join(line for line in rest.split("\n") if line.startswith("["))
        cut = _CUT.search(self.note)
        self.cut = cut is not None
        numbers = [int(group.replace(",", "")) for group in cut.groups()] if cut else [0, 0, 0]
        self.start, self.end, self.total = numbers
        more = _MORE.search(self.note)
        self.next_offset = int(more.group(1)) if more else None

    @property
    def body_chars(self) -> int:
        return len("\n".join(self.lines))

    def methods(self) -> list[int]:
        """The section numbers whose heading is in this part."""
        return [int(n) for line in self.lines for n in re.findall(r'heading "Method number (\d+)"', line)]


async def snapshot(agent: Agent, **arguments: object) -> Part:
    return Part(await agent.ok("snapshot", **arguments))


def assert_whole_lines(part: Part) -> None:
    for line in part.lines:
        assert _SNAPSHOT_LINE.match(line), f"not a whole snapshot line: {line!r}"


async def test_big_page_comes_as_an_outline_within_the_budget(big: Agent) -> None:
    """The first snapshot of a 900 KB page is an outline of ~16,000 characters: sections collapsed to one
    line each, naming the call that opens them, and a note on how to page through it all."""
    started = time.monotonic()
    reply = await big.ok("snapshot")
    elapsed = time.monotonic() - started
    print(f"\n/big snapshot: outline of {len(reply):,} chars, {elapsed:.2f} s over stdio")

    header, _, rest = reply.partition("\n")
    assert header.startswith("Tab t1: 'Big docs' (")
    assert len(reply) <= DEFAULT_BUDGET
    assert len(reply) > DEFAULT_BUDGET * 0.9  # the budget is used, not wasted
    assert rest.startswith("- main [ref=")
    assert re.search(
        r'\[collapsed: begins "Method number 7"; 1 link, 1 button; snapshot\(ref="e\d+"\)\]', rest
    )
    assert re.search(r"\[Outline of the [\d,]+-character snapshot: [\d,]+ sections collapsed", rest), rest[
        -400:
    ]
    assert "snapshot(offset=0) pages through it all." in rest


async def test_a_section_and_a_search_come_from_the_same_look_and_their_refs_work(big: Agent) -> None:
    """Opening a section or searching does not walk the page again; refs from both stay usable."""
    outline = await big.ok("snapshot")
    seven = re.search(r'- generic \[ref=(e\d+)\]: \[collapsed: begins "Method number 7";', outline)
    assert seven
    started = time.monotonic()
    section = await snapshot(big, ref=seven.group(1))
    opened_s = time.monotonic() - started
    assert not section.cut and "[Cut" not in section.reply and len(section.reply) < 1_000
    for piece in (
        'heading "Method number 7"',
        "position 7 of the vector",
        'link "Permalink 7"',
        'button "Copy 7"',
    ):
        assert piece in section.reply
    assert opened_s < 1.0, f"a section took {opened_s:.2f} s: the page was walked again"

    found = await big.ok("snapshot", search="Method number 2999")
    assert '[1 match for "method number 2999":]' in found.lower(), found
    heading = re.search(r'heading "Method number 2999" \[level=2\] \[ref=(e\d+)\]', found)
    assert heading, found
    # A ref from the section, then one from the search: Playwright still knows both.
    copy_seven = re.search(r'button "Copy 7" \[ref=(e\d+)\]', section.reply)
    assert copy_seven
    assert "Clicked" in await big.ok("click", ref=copy_seven.group(1))
    assert "Scrolled" in await big.ok("scroll", ref=heading.group(1))


async def test_following_the_offset_returns_the_next_lines(big: Agent) -> None:
    """snapshot(offset=N) from the note continues exactly where the last part stopped."""
    first = await snapshot(big, offset=0)
    assert first.next_offset is not None and first.start == 0 and first.total > 500_000
    second = await snapshot(big, offset=first.next_offset)

    assert second.cut and second.start == first.end
    assert len(second.reply) <= DEFAULT_BUDGET + OVERHEAD
    assert_whole_lines(first)
    assert_whole_lines(second)
    assert not set(first.lines) & set(second.lines)  # no line twice
    # The sections pick up where the first part ended: nothing skipped, nothing repeated.
    assert second.methods()[0] == first.methods()[-1] + 1
    # The two parts together are exactly the first lines of the snapshot.
    both = await snapshot(big, offset=0, max_chars=2 * DEFAULT_BUDGET + 2_000)
    assert first.lines + second.lines == both.lines[: len(first.lines) + len(second.lines)]


async def test_max_chars_raises_and_lowers_the_budget(big: Agent) -> None:
    """max_chars sets the size of one reply, both below and above the default."""
    small = await snapshot(big, offset=0, max_chars=3_000)
    assert small.cut and small.body_chars <= 3_000 and small.next_offset == small.end
    assert len(small.reply) <= 3_000 + OVERHEAD
    assert_whole_lines(small)

    large = await snapshot(big, offset=0, max_chars=60_000)
    assert large.cut and 55_000 < large.body_chars <= 60_000
    assert len(large.methods()) > 3 * len(small.methods())
    assert large.lines[: len(small.lines)] == small.lines


async def test_depth_limits_the_levels_shown(big: Agent) -> None:
    """depth=1 shows the top of the tree only (sections, not their contents): far smaller."""
    full = await snapshot(big, offset=0)
    shallow = await snapshot(big, offset=0, depth=1)

    def deepest(part: Part) -> int:
        return max(len(match.group(1)) // 2 for line in part.lines if (match := _SNAPSHOT_LINE.match(line)))

    assert deepest(shallow) < deepest(full)
    assert not shallow.methods() and not any("Copy" in line for line in shallow.lines)
    assert shallow.lines[0].startswith("- main [ref=")
    assert sum(line.strip().startswith("- generic [ref=") for line in shallow.lines) > 100
    assert shallow.total < full.total / 5


async def test_small_page_comes_back_whole_with_no_note(agent: Agent, site: Site) -> None:
    """A page under the budget comes back complete, with no cut note."""
    await agent.ok("navigate", url=site.url("/index.html"))
    reply = await agent.ok("snapshot")
    assert "[Cut" not in reply and "offset=" not in reply
    for piece in (
        'heading "Home"',
        'link "Form"',
        'link "Two"',
        'link "Two in a new tab"',
        'button "Click me"',
    ):
        assert piece in reply
    assert 'button "Click me"' in reply.rstrip().splitlines()[-1]  # down to the page's last element


async def test_every_link_of_a_500_link_sidebar_is_at_most_two_calls_away(agent: Agent, site: Site) -> None:
    """The outline shows each link, button and field with its ref, or names the call that shows it; each
    reply within the budget."""
    await agent.ok("navigate", url=site.url("/sidebar"))
    whole = await agent.ok("snapshot", offset=0, max_chars=200_000)
    wanted = set(_INTERACTIVE_REF.findall(whole))
    assert len(wanted) > 540  # 500 sidebar links, 40 chapter links, the field and its button

    first = await agent.ok("snapshot")
    assert len(first) <= DEFAULT_BUDGET
    reached = set(_INTERACTIVE_REF.findall(first))
    calls = _named_calls(first)
    assert calls, first[-600:]
    for arguments in calls:
        reply = await agent.ok("snapshot", **arguments)
        assert len(reply) <= DEFAULT_BUDGET, (arguments, len(reply))
        reached |= set(_INTERACTIVE_REF.findall(reply))
    assert wanted <= reached, f"{len(wanted - reached)} not reachable, e.g. {sorted(wanted - reached)[:5]}"


def _named_calls(reply: str) -> list[dict[str, object]]:
    """The snapshot calls the collapsed lines of an outline name (each part of a paged section)."""
    calls: list[dict[str, object]] = []
    for ref, offset, more in _CALL.findall(reply):
        if not offset:
            calls.append({"ref": ref})
            continue
        for part in [offset, *re.findall(r"\d+", more)]:
            calls.append({"ref": ref, "offset": int(part)})
    return calls
