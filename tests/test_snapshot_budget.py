"""The snapshot budget: a huge page comes back in bounded parts, each saying how to get the next.

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

_CUT = re.compile(r"\[Cut: this shows characters ([\d,]+)-([\d,]+) of ([\d,]+) of the snapshot[^\]]*\]")
_MORE = re.compile(r"snapshot\(offset=(\d+)\) continues from here")
_SNAPSHOT_LINE = re.compile(r"^( *)- \S")


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


async def test_big_page_is_cut_to_the_budget_with_a_note_on_how_to_get_more(big: Agent) -> None:
    """The first snapshot of a 900 KB page is ~16,000 characters and says how to see the rest."""
    started = time.monotonic()
    reply = await big.ok("snapshot")
    elapsed = time.monotonic() - started
    part = Part(reply)
    print(
        f"\n/big snapshot: reply {len(reply):,} chars of a {part.total:,}-char snapshot, "
        f"{elapsed:.2f} s over stdio"
    )

    assert part.header.startswith("Tab t1: 'Big docs' (")
    assert len(reply) <= DEFAULT_BUDGET + OVERHEAD
    assert part.body_chars > DEFAULT_BUDGET * 0.9  # the budget is used, not wasted
    assert part.cut and part.start == 0 and part.total > 500_000
    assert part.next_offset == part.end
    assert "snapshot(ref=eN)" in part.note and "snapshot(depth=N)" in part.note
    assert part.lines[0].startswith("- main [ref=")
    assert_whole_lines(part)


async def test_following_the_offset_returns_the_next_lines(big: Agent) -> None:
    """snapshot(offset=N) from the note continues exactly where the last part stopped."""
    first = await snapshot(big)
    assert first.next_offset is not None
    second = await snapshot(big, offset=first.next_offset)

    assert second.cut and second.start == first.end
    assert len(second.reply) <= DEFAULT_BUDGET + OVERHEAD
    assert_whole_lines(first)
    assert_whole_lines(second)
    assert not set(first.lines) & set(second.lines)  # no line twice
    # The sections pick up where the first part ended: nothing skipped, nothing repeated.
    assert second.methods()[0] == first.methods()[-1] + 1
    # The two parts together are exactly the first lines of the snapshot.
    both = await snapshot(big, max_chars=2 * DEFAULT_BUDGET + 2_000)
    assert first.lines + second.lines == both.lines[: len(first.lines) + len(second.lines)]


async def test_max_chars_raises_and_lowers_the_budget(big: Agent) -> None:
    """max_chars sets the size of one reply, both below and above the default."""
    small = await snapshot(big, max_chars=3_000)
    assert small.cut and small.body_chars <= 3_000 and small.next_offset == small.end
    assert len(small.reply) <= 3_000 + OVERHEAD
    assert_whole_lines(small)

    large = await snapshot(big, max_chars=60_000)
    assert large.cut and 55_000 < large.body_chars <= 60_000
    assert len(large.methods()) > 3 * len(small.methods())
    assert large.lines[: len(small.lines)] == small.lines


async def test_snapshot_of_one_section_by_ref_is_small_and_whole(big: Agent) -> None:
    """snapshot(ref=...) of one section returns just that section, complete, with no cut note."""
    first = await snapshot(big)
    heading = next(i for i, line in enumerate(first.lines) if 'heading "Method number 7"' in line)
    section = first.lines[heading - 1]
    assert section.strip().startswith("- generic [ref=")
    ref = re.search(r"\[ref=(\w+)\]", section)
    assert ref

    scoped = await snapshot(big, ref=ref.group(1))
    assert not scoped.cut and "[Cut" not in scoped.reply
    assert len(scoped.reply) < 1_000
    text = "\n".join(scoped.lines)
    for piece in (
        'heading "Method number 7"',
        "position 7 of the vector",
        'link "Permalink 7"',
        'button "Copy 7"',
    ):
        assert piece in text
    assert scoped.methods() == [7]


async def test_depth_limits_the_levels_shown(big: Agent) -> None:
    """depth=1 shows the top of the tree only (sections, not their contents): far smaller."""
    full = await snapshot(big)
    shallow = await snapshot(big, depth=1)

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
