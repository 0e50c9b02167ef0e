"""An outline of a snapshot too big for one reply, and a search through it.

The outline keeps the page's shape: sections that do not fit are drawn as one line each, naming the call
that shows them (whole, or in parts at given offsets), so every link, button or field is one call away.
Link URLs are left out and long texts shortened; the collapsed sections still hold both.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate

from browser_mcp.text import REF_PATTERN

# Room a reply keeps for its header line (at most HEADER_CHARS) and the note under the text.
NOTE_ROOM = 320
HEADER_CHARS = 100
NAME_CHARS = 120
TEXT_CHARS = 160
PREVIEW_CHARS = 50
_PREVIEW_LINES = 40  # how far into a section its preview looks for a heading
# A subtree this small is shown whole rather than collapsed (a link and its image, a short paragraph).
SMALL_SUBTREE_CHARS = 240
# Opening a section too big for one call is worth up to this share of the room (a long flat list is not).
STRUCTURE_SHARE = 4
LISTED_OFFSETS = 60  # about 500 characters: a section of ~1 MB is still two calls away

INTERACTIVE_ROLES = frozenset(
    {
        "link",
        "button",
        "textbox",
        "searchbox",
        "checkbox",
        "radio",
        "combobox",
        "listbox",
        "slider",
        "spinbutton",
        "switch",
        "tab",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "treeitem",
    }
)
CLICKABLE = "clickable"  # a `[cursor=pointer]` element of another role
# Ancestors a search path leaves out unless they have a name: they say little about where a line is.
_PLAIN_ROLES = frozenset({"generic", "group", "listitem", "paragraph", "emphasis", "strong", "code", "none"})
_PATH_NAME_CHARS = 40
_PATH_ANCESTORS = 4
# A section this short may match a search with the text of its lines together (`- text: pub fn` and
# `- link "push"` in one heading).
_SECTION_LINES = 12
_DROPPED_ROLES = frozenset({"/url"})

# One snapshot line: `- key`, `- key:` or `- key: value`; the key is single-quoted when YAML needs it.
# The key ends at the first `: ` (or a `:` ending the line); written so as not to try every character.
_LINE = re.compile(
    r"^(?P<indent>[ ]*)- (?P<key>'(?:[^']|'')*'|[^'][^:]*(?::(?! |$)[^:]*)*)(?::(?P<value> .*)?)?$"
)
_KEY = re.compile(r'^(?P<role>[^ "]+)(?: (?P<name>"[^"\\]*(?:\\.[^"\\]*)*"))?(?P<attrs>.*)$', re.DOTALL)
_REF = re.compile(rf"\[ref=({REF_PATTERN})\]")

# What a node of the outline is drawn as.
_HIDDEN, _DROPPED, _FULL, _COLLAPSED, _EXPANDED, _PARTLY_OPENED = range(6)


@dataclass(slots=True)
class Node:
    """One line of the snapshot and its place in the tree."""

    index: int  # line number
    indent: int
    line: str
    role: str  # "" for a line that is not `- key...`
    name: str | None  # with its double quotes and escapes, as written
    attrs: str  # ` [level=1] [ref=e9]`
    value: str | None  # after `: `
    quoted_key: bool
    ref: str | None
    parent: int = -1  # -1 at the top
    children: list[int] = field(default_factory=list)
    end: int = 0  # one past the last line of the subtree
    # What a collapsed line counts it as: its role, or CLICKABLE; None when it is not interactive.
    kind: str | None = None


@dataclass(frozen=True)
class Tree:
    text: str
    lines: list[str]
    nodes: list[Node]
    top: list[int]  # the nodes at indentation 0 (or the least one)
    line_starts: list[int]  # character offset of each line, and the text's length at the end


def parse(text: str) -> Tree:
    """The snapshot's lines as a tree, by their indentation."""
    lines = text.split("\n")
    nodes: list[Node] = []
    top: list[int] = []
    open_nodes: list[int] = []
    starts = [0]
    for index, line in enumerate(lines):
        starts.append(starts[-1] + len(line) + 1)
        node = _node(index, line)
        while open_nodes and nodes[open_nodes[-1]].indent >= node.indent:
            nodes[open_nodes.pop()].end = index
        node.parent = open_nodes[-1] if open_nodes else -1
        (nodes[node.parent].children if open_nodes else top).append(index)
        nodes.append(node)
        open_nodes.append(index)
    for index in open_nodes:
        nodes[index].end = len(lines)
    starts[-1] = len(text)
    return Tree(text, lines, nodes, top, starts)


def _node(index: int, line: str) -> Node:
    indent = len(line) - len(line.lstrip(" "))
    found = _LINE.match(line)
    if not found:
        return Node(index, indent, line, "", None, "", None, False, None)
    key, value = found.group("key", "value")
    quoted = key.startswith("'")
    parts = _KEY.match(key[1:-1].replace("''", "'") if quoted else key)
    role, name, attrs = parts.group("role", "name", "attrs") if parts else (key, None, "")
    ref = _REF.search(attrs) if "[ref=" in attrs else None
    kind = _interactive_kind(role, attrs) if ref else None
    value = value[1:] if value is not None else None
    return Node(index, indent, line, role, name, attrs, value, quoted, ref[1] if ref else None, kind=kind)


def _interactive_kind(role: str, attrs: str) -> str | None:
    if role in INTERACTIVE_ROLES:
        return role
    return CLICKABLE if "[cursor=pointer]" in attrs else None


def subtree_text(tree: Tree, node: Node) -> str:
    """What `snapshot(ref=...)` of `node` returns: its lines, dedented to its own."""
    end = tree.line_starts[node.end] - (1 if node.end < len(tree.lines) else 0)  # without its last newline
    chunk = tree.text[tree.line_starts[node.index] : end]
    if not node.indent:
        return chunk
    # Every line below starts deeper than `node`'s: drop its indentation after each newline.
    return chunk[node.indent :].replace("\n" + " " * node.indent, "\n")


def _subtree_chars_between(tree: Tree, node: Node, index: int) -> int:
    """Where line `index` starts in the dedented subtree text of `node`."""
    span = tree.line_starts[index] - tree.line_starts[node.index]
    return span - node.indent * (index - node.index)


def _subtree_chars(tree: Tree, node: Node) -> int:
    span = tree.line_starts[node.end] - tree.line_starts[node.index]
    newline_after_last = 1 if node.end < len(tree.lines) else 0
    return span - newline_after_last - node.indent * (node.end - node.index)


# --- shortening -------------------------------------------------------------------------------


def _short_quoted(quoted: str, limit: int) -> str:
    """A quoted string cut to `limit` characters inside its quotes, never in the middle of an escape."""
    inner = quoted[1:-1]
    if len(inner) <= limit:
        return quoted
    cut = inner[: limit - 1]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return f"{quoted[0]}{cut}…{quoted[-1]}"


def _short_value(value: str, limit: int) -> str:
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return _short_quoted(value, limit)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _key(node: Node, name_chars: int = NAME_CHARS) -> str:
    name = f" {_short_quoted(node.name, name_chars)}" if node.name else ""
    key = f"{node.role}{name}{node.attrs}"
    return "'" + key.replace("'", "''") + "'" if node.quoted_key else key


def _shown_line(node: Node, with_colon: bool) -> str:
    """The node's own line in the outline: long names and texts shortened, a colon only before children."""
    if not node.role:  # a line not read as `- key: value`: shown as it is if it holds a ref
        body = node.line.lstrip(" ")
        return " " * node.indent + (body if _REF.search(body) else _short_value(body, TEXT_CHARS))
    if _short_enough(node):  # most lines: as written, less the colon of children all left out
        block = node.value is None and node.line.endswith(":")
        return node.line[:-1] if block and not with_colon else node.line
    tail = (
        f": {_short_value(node.value, TEXT_CHARS)}" if node.value is not None else ":" if with_colon else ""
    )
    return f"{' ' * node.indent}- {_key(node)}{tail}"


def _short_enough(node: Node) -> bool:
    return (node.name is None or len(node.name) <= NAME_CHARS + 2) and (
        node.value is None or len(node.value) <= TEXT_CHARS
    )


def _plain_text(node: Node) -> str:
    """The node's name or text, unquoted, for a preview or a search."""
    if node.name:
        return node.name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    value = node.value or ""
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return value[1:-1]
    return value


# --- the outline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """What `outline` gives: the text to show, and what the note under it says."""

    text: str
    total_chars: int  # of the whole snapshot
    collapsed: int  # sections drawn as one line (or a line for the rest of a section)
    paged: int  # of which too big for one call: their line lists the offsets of their parts
    ref: str | None = None  # the element the snapshot is of, if not the page
    call_max_chars: str = ""  # `, max_chars=N` when the calls must name the budget
    whole: bool = False  # the snapshot fitted: `text` is all of it, unchanged
    cut: bool = False  # even the outline did not fit: its last line says where the rest starts

    def note(self) -> str:
        """The line under the outline; "" when nothing was left out."""
        if self.whole:
            return ""
        scope = f"snapshot of {self.ref}" if self.ref else "snapshot"
        if self.collapsed == 1:
            shown = "1 section collapsed, opened by the call on its line"
        elif self.collapsed:
            shown = f"{self.collapsed:,} sections collapsed, each opened by the call on its line"
        else:
            shown = "nothing collapsed"
        cut = "; the outline itself is cut, its last line says where it goes on" if self.cut else ""
        every_part = _paging_call(self.ref, 0, self.call_max_chars)
        return (
            f"[Outline of the {self.total_chars:,}-character {scope}: {shown}; link URLs left out{cut}. "
            f"{every_part} pages through it all.]"
        )


def outline(text: str, max_chars: int, *, ref: str | None = None, name_max_chars: bool = False) -> Outline:
    """`text` (a snapshot, of the element `ref` if given) in at most `max_chars - NOTE_ROOM` characters:
    every interactive element is on a line of it, or inside a section drawn as one line that names the
    call(s) showing it within `max_chars`.

    `name_max_chars`: the reply's budget is not the default one, so the calls must name it.
    """
    call_max_chars = f", max_chars={max_chars}" if name_max_chars else ""
    if len(text) <= max_chars - NOTE_ROOM:
        return Outline(text, len(text), 0, 0, ref, call_max_chars, whole=True)
    plan = _Plan(parse(text), max_chars, max_chars - NOTE_ROOM, call_max_chars)
    plan.open_greedily()
    body, cut = plan.render(ref)
    collapsed_nodes = [node for node in plan.tree.nodes if plan.mode[node.index] == _COLLAPSED]
    paged = sum(1 for node in collapsed_nodes if plan.parts(node) is not None) + sum(
        1 for _, offsets in plan.rests.values() if len(offsets) > 1
    )
    collapsed = len(collapsed_nodes) + len(plan.rests)
    return Outline(body, len(text), collapsed, paged, ref, call_max_chars, cut=cut)


def _paging_call(ref: str | None, offset: int, call_max_chars: str) -> str:
    scope = f'ref="{ref}", ' if ref else ""
    return f"snapshot({scope}offset={offset}{call_max_chars})"


class _Plan:
    """Which nodes the outline opens, shows whole or collapses; sizes count the newline of each line."""

    def __init__(self, tree: Tree, max_chars: int, room: int, call_max_chars: str) -> None:
        self.tree = tree
        self.max_chars = max_chars
        self.room = room
        self.call_max_chars = call_max_chars
        nodes = tree.nodes
        self.mode = [_HIDDEN] * len(nodes)
        self.shows_children = [any(nodes[c].role not in _DROPPED_ROLES for c in n.children) for n in nodes]
        self.own = [len(_shown_line(n, self.shows_children[n.index])) + 1 for n in nodes]
        self.whole_sizes = self._whole_sizes()
        self._collapsed_lines: dict[int, str] = {}
        self._parts: dict[int, list[int] | None] = {}
        self._reveal_costs: dict[int, int] = {}
        self._texts: dict[int, str] = {}
        # A section opened for its first children: its line for the others, and the offsets of their parts.
        self.rests: dict[int, tuple[str, list[int]]] = {}
        self.used = 0
        self._queue: list[tuple[tuple[int, int, int, int], int]] = []

    def _whole_sizes(self) -> list[int]:
        """Each subtree's size shown whole, added up from the last line back."""
        whole = [0] * len(self.tree.nodes)
        for node in reversed(self.tree.nodes):
            if node.role in _DROPPED_ROLES:
                continue
            whole[node.index] = self.own[node.index] + sum(whole[c] for c in node.children)
        return whole

    # --- sizes -------------------------------------------------------------------------------

    def parts(self, node: Node) -> list[int] | None:
        """The offsets of the parts of a subtree too big for one call, or None when it fits."""
        if node.index not in self._parts:
            self._parts[node.index] = self._part_offsets(node)
        return self._parts[node.index]

    def _part_offsets(self, node: Node) -> list[int] | None:
        if _subtree_chars(self.tree, node) <= self.room:
            return None
        return self._offsets_from(node, 0)

    def _offsets_from(self, node: Node, start: int) -> list[int]:
        """Where each call's part starts, paging through the subtree of `node` from `start` on."""
        if node.index not in self._texts:
            self._texts[node.index] = subtree_text(self.tree, node)
        text = self._texts[node.index]
        offsets = [start]
        while (end := cut_to_budget(text, offsets[-1], self.room).end) < len(text):
            offsets.append(end)
        return offsets

    def collapsed_line(self, node: Node) -> str:
        if node.index not in self._collapsed_lines:
            self._collapsed_lines[node.index] = self._draw_collapsed(node)
        return self._collapsed_lines[node.index]

    def _draw_collapsed(self, node: Node) -> str:
        what = [self._contents(node.index + 1, node.end, _subtree_chars(self.tree, node))]
        if not node.name and (preview := self._preview(node)):
            what.insert(0, f'begins "{preview}"')
        return f"{' ' * node.indent}- {_key(node)}: [collapsed: {'; '.join(what)}; {self._call(node)}]"

    def _contents(self, start: int, end: int, chars: int) -> str:
        """What lines `start` to `end` hold: their interactive elements by role, or their size."""
        nodes = self.tree.nodes
        kinds = Counter(kind for index in range(start, end) if (kind := nodes[index].kind))
        if not kinds:
            return f"text only, {chars:,} characters"
        return ", ".join(_count(count, kind, _plural(kind)) for kind, count in kinds.most_common())

    def _preview(self, node: Node) -> str:
        """What a section with no name is about: its first heading, else its first text."""
        nodes = self.tree.nodes
        first_text = ""
        for index in range(node.index + 1, min(node.end, node.index + 1 + _PREVIEW_LINES)):
            inner = nodes[index]
            if inner.role == "heading":
                return _flat(_plain_text(inner) or self._inner_text(inner), PREVIEW_CHARS)
            if not first_text and inner.role not in _DROPPED_ROLES:
                first_text = _plain_text(inner)
        return _flat(first_text, PREVIEW_CHARS)

    def _inner_text(self, node: Node) -> str:
        """The names and texts below `node`, enough of them for a preview."""
        texts: list[str] = []
        for inner in self.tree.nodes[node.index + 1 : node.end]:
            if inner.role not in _DROPPED_ROLES and (text := _plain_text(inner)):
                texts.append(text)
                if sum(map(len, texts)) > PREVIEW_CHARS:
                    break
        return " ".join(texts)

    def _call(self, node: Node) -> str:
        return self._call_at(node, self.parts(node))

    def _call_at(self, node: Node, parts: list[int] | None) -> str:
        """The call that shows the subtree of `node` whole (no parts) or from its first part on."""
        if parts is None:
            return f'snapshot(ref="{node.ref}"{self.call_max_chars})'
        call = f'snapshot(ref="{node.ref}", offset={parts[0]}{self.call_max_chars})'
        if len(parts) == 1:
            return call
        listed = ", ".join(str(offset) for offset in parts[1 : LISTED_OFFSETS + 1])
        more = (
            f", … ({len(parts)} parts; each part's note names the next offset)"
            if len(parts) > LISTED_OFFSETS + 1
            else ""
        )
        return f"{call}, then offset={listed}{more}"

    def _rest_line(self, node: Node, shown: int) -> tuple[str, list[int]]:
        """The line standing for the children of `node` after its first `shown` ones."""
        first_hidden = self.tree.nodes[node.children[shown]]
        start = _subtree_chars_between(self.tree, node, first_hidden.index)
        offsets = self._offsets_from(node, start)
        what = self._contents(first_hidden.index, node.end, _subtree_chars(self.tree, node) - start)
        more = len(node.children) - shown
        line = f"{' ' * first_hidden.indent}- … {more:,} more: [collapsed: {what}; {self._call_at(node, offsets)}]"
        return line, offsets

    def reveal_cost(self, node: Node) -> int:
        """The size of `node` once its parent is opened."""
        if node.index not in self._reveal_costs:
            self._reveal_costs[node.index] = self._reveal(node, commit=False)
        return self._reveal_costs[node.index]

    def open_cost(self, node: Node) -> int:
        opened = self.own[node.index] + sum(self.reveal_cost(self.tree.nodes[c]) for c in node.children)
        return opened - (len(self.collapsed_line(node)) + 1)

    # --- choosing -----------------------------------------------------------------------------

    def _reveal(self, node: Node, *, commit: bool) -> int:
        """Draw `node` under an opened parent: whole when small, collapsed when it has a ref, else opened."""
        index = node.index
        if node.role in _DROPPED_ROLES:
            mode, size = _DROPPED, 0
        elif not node.children or self.whole_sizes[index] <= SMALL_SUBTREE_CHARS:
            mode, size = _FULL, self.whole_sizes[index]
        elif node.ref is None:  # nothing to name in a call: it stays open
            mode = _EXPANDED
            size = self.own[index] + sum(
                self._reveal(self.tree.nodes[c], commit=commit) for c in node.children
            )
        else:
            collapsed = len(self.collapsed_line(node)) + 1
            mode, size = (
                (_FULL, self.whole_sizes[index])
                if self.whole_sizes[index] <= collapsed
                else (_COLLAPSED, collapsed)
            )
        if commit:
            self.mode[index] = mode
            if mode == _COLLAPSED:
                self._enqueue(node)
        return size

    def _enqueue(self, node: Node) -> None:
        cost = self.open_cost(node)
        chars = _subtree_chars(self.tree, node)
        # First the sections too big for one call whose opening is cheap, largest first (fewer offsets to
        # page through); then level by level from the top, the cheapest first.
        if chars > self.room and cost <= self.room // STRUCTURE_SHARE:
            key = (0, -chars, 0, node.index)
        else:
            key = (1, self._depth(node), cost, node.index)
        heapq.heappush(self._queue, (key, node.index))

    def _depth(self, node: Node) -> int:
        depth = 0
        while node.parent >= 0:
            depth += 1
            node = self.tree.nodes[node.parent]
        return depth

    def _fits(self, cost: int) -> bool:
        return self.used + cost <= self.room + 1  # +1: the last line has no newline

    def open_greedily(self) -> None:
        nodes = self.tree.nodes
        self.used = sum(self._reveal(nodes[index], commit=True) for index in self.tree.top)
        too_big: list[Node] = []
        while self._queue:
            _, index = heapq.heappop(self._queue)
            cost = self.open_cost(nodes[index])
            if not self._fits(cost):
                too_big.append(nodes[index])
                continue
            self.used += cost
            self.mode[index] = _EXPANDED
            for child in nodes[index].children:
                self._reveal(nodes[child], commit=True)
        # The room left shows the first children of the sections that did not fit whole, in the same order.
        for node in too_big:
            self._open_partly(node)

    def _open_partly(self, node: Node) -> None:
        """Show the first children of `node` that fit, and one line with the call for the others."""
        if len(node.children) < 2:
            return
        opened = self.own[node.index] - (len(self.collapsed_line(node)) + 1)
        costs = list(accumulate(self.reveal_cost(self.tree.nodes[c]) for c in node.children))
        # The line for the others is about as long with one child shown as with more: a first guess.
        guess = len(self._rest_line(node, 1)[0]) + 1
        shown = bisect_right(costs, self.room + 1 - self.used - opened - guess, hi=len(costs) - 1)
        for first in range(shown, 0, -1):
            line, offsets = self._rest_line(node, first)
            cost = opened + costs[first - 1] + len(line) + 1
            if self._fits(cost):
                self.used += cost
                self.mode[node.index] = _PARTLY_OPENED
                self.rests[node.index] = (line, offsets)
                for child in node.children[:first]:
                    self._reveal(self.tree.nodes[child], commit=True)
                return

    # --- drawing ------------------------------------------------------------------------------

    def render(self, ref: str | None) -> tuple[str, bool]:
        """The outline's text, and whether even it had to be cut (see `_cut_outline`); `ref`: what the
        snapshot is of."""
        lines: list[tuple[str, int]] = []  # each drawn line and the snapshot line it starts at
        nodes = self.tree.nodes
        index = 0
        while index < len(nodes):
            node, mode = nodes[index], self.mode[index]
            if mode in (_EXPANDED, _PARTLY_OPENED):
                lines.append((_shown_line(node, self.shows_children[index]), index))
                index += 1
                continue
            if mode == _HIDDEN:  # the first child a partly opened section leaves out
                parent = nodes[node.parent]
                lines.append((self.rests[parent.index][0], index))
                index = parent.end
                continue
            if mode == _COLLAPSED:
                lines.append((self.collapsed_line(node), index))
            elif mode == _FULL:
                lines.extend(
                    (_shown_line(inner, self.shows_children[inner.index]), inner.index)
                    for inner in nodes[index : node.end]
                    if not self._dropped_in(inner, node)
                )
            index = node.end
        text = "\n".join(line for line, _ in lines)
        if len(text) <= self.room:
            return text, False
        return self._cut_outline(lines, ref), True

    def _dropped_in(self, inner: Node, top: Node) -> bool:
        """Whether `inner` sits in a dropped line (a URL) below `top`, or is one."""
        nodes = self.tree.nodes
        while True:
            if inner.role in _DROPPED_ROLES:
                return True
            if inner.index == top.index or inner.parent < 0:
                return False
            inner = nodes[inner.parent]

    def _cut_outline(self, lines: list[tuple[str, int]], ref: str | None) -> str:
        """Even the least outline is too long (thousands of lines at the top): its first lines, then the
        offset in the whole snapshot where the rest starts."""
        kept: list[str] = []
        used = 0
        for position, (line, _) in enumerate(lines):
            rest_at = self.tree.line_starts[lines[position][1]]
            tail = f"[The outline stops here: {_paging_call(ref, rest_at, self.call_max_chars)} goes on from this point.]"
            if used + len(line) + 1 + len(tail) > self.room:
                return "\n".join([*kept, tail])
            kept.append(line)
            used += len(line) + 1
        return "\n".join(kept)


def _flat(text: str, limit: int) -> str:
    flat = " ".join(text.split()).replace('"', "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _count(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _plural(kind: str) -> str:
    if kind == CLICKABLE:
        return kind
    return kind + ("es" if kind.endswith(("x", "ch", "sh")) else "s")


# --- search -----------------------------------------------------------------------------------


def search(text: str, query: str, max_chars: int) -> str:
    """The lines (or short sections) whose role, name or text hold every word of `query` in any case, each
    with the path to it, in at most `max_chars` characters."""
    words = query.lower().split()
    if not words:
        return "[Nothing to search for: the query is empty.]"
    tree = parse(text)
    matches = _find(tree, words)
    shown_query = " ".join(words).replace('"', "'")
    if not matches:
        return (
            f'[Nothing in the snapshot matches "{shown_query}": no line or short section holds '
            f"{'that word' if len(words) == 1 else 'all those words'} in its role, name or text (any case).]"
        )
    drawn = [_match_line(tree, node, joined) for node, joined in matches]
    header = f'[{_count(len(matches), "match", "matches")} for "{shown_query}":]'
    if len(header) + sum(len(line) + 1 for line in drawn) <= max_chars:
        return "\n".join([header, *drawn])
    return _cut_matches(shown_query, drawn, max_chars)


def _find(tree: Tree, words: list[str]) -> list[tuple[Node, str | None]]:
    """The nodes whose own line holds every word, and the short sections that hold them only together
    (a heading whose text is spread over its children): the innermost such section, with its text."""
    nodes = tree.nodes
    own = [_haystack(tree, node) for node in nodes]
    found: dict[int, str | None] = {}
    found_below = [False] * len(nodes)
    for node in reversed(nodes):  # children before their parent
        index = node.index
        below = any(found_below[c] or c in found for c in node.children)
        found_below[index] = below
        if not node.role.startswith("/") and all(word in own[index] for word in words):
            found[index] = None
        elif not below and node.children and node.end - index <= _SECTION_LINES:
            joined = " ".join(own[index : node.end])
            if all(word in joined for word in words):
                found[index] = " ".join(
                    filter(
                        None,
                        (
                            _plain_text(inner)
                            for inner in nodes[index + 1 : node.end]
                            if not inner.role.startswith("/")
                        ),
                    )
                )
    return [(nodes[index], found[index]) for index in sorted(found)]


def _haystack(tree: Tree, node: Node) -> str:
    """What a query is matched against: the role, the name or text, and a field's placeholder (not URLs)."""
    if node.role.startswith("/"):
        return node.value.lower() if node.role == "/placeholder" and node.value else ""
    nodes = tree.nodes
    placeholders = [_plain_text(nodes[c]) for c in node.children if nodes[c].role == "/placeholder"]
    text = _plain_text(node) if node.role else node.line
    return " ".join([node.role, text, *placeholders]).lower()


def _match_line(tree: Tree, node: Node, joined: str | None) -> str:
    drawn = _shown_line(node, with_colon=False).lstrip(" ").removeprefix("- ")
    if joined:
        drawn += f": {_flat(joined, TEXT_CHARS)}"
    return " > ".join([*_path(tree, node), drawn])


def _path(tree: Tree, node: Node) -> list[str]:
    """The ancestors worth naming, from the top: named ones and landmarks, and always the nearest one with
    a ref when the line has none (the ref to scope a snapshot to)."""
    nodes = tree.nodes
    ancestors: list[Node] = []
    parent = node.parent
    while parent >= 0:
        ancestors.append(nodes[parent])
        parent = nodes[parent].parent
    ancestors.reverse()
    nearest_ref = next((a.index for a in reversed(ancestors) if a.ref), -1) if node.ref is None else -1
    kept = [
        a for a in ancestors if a.index == nearest_ref or a.name or (a.role not in _PLAIN_ROLES and a.role)
    ]
    if len(kept) > _PATH_ANCESTORS:
        return [_ancestor(kept[0]), "…", *(_ancestor(a) for a in kept[-(_PATH_ANCESTORS - 1) :])]
    return [_ancestor(a) for a in kept]


def _ancestor(node: Node) -> str:
    name = f" {_short_quoted(node.name, _PATH_NAME_CHARS)}" if node.name else ""
    ref = f" [{node.ref}]" if node.ref else ""
    return f"{node.role}{name}{ref}"


def _cut_matches(query: str, drawn: list[str], max_chars: int) -> str:
    """As many matches as fit under a header that says how many did not."""

    def header(shown: int) -> str:
        return (
            f'[{len(drawn):,} matches for "{query}"; the first {shown:,} are shown, the other '
            f"{len(drawn) - shown:,} did not fit: more words in the query narrow it down.]"
        )

    used = len(header(0)) + len(f"{len(drawn):,}")  # the longest the header gets
    shown = 0
    for line in drawn:
        if used + len(line) + 1 > max_chars:
            break
        used += len(line) + 1
        shown += 1
    return "\n".join([header(shown), *drawn[:shown]])


# --- paging: the text in parts that fit the budget -----------------------------------------------


@dataclass(frozen=True)
class SnapshotPage:
    text: str
    total_chars: int
    start: int
    end: int

    @property
    def cut(self) -> bool:
        return self.start > 0 or self.end < self.total_chars


def cut_to_budget(text: str, offset: int, max_chars: int) -> SnapshotPage:
    """Cut at line ends so no line (and no ref) is split, except a line longer than the whole budget;
    `offset` is a character position."""
    total = len(text)
    start = min(max(offset, 0), total)
    line_start = text.rfind("\n", 0, start) + 1 if start > 0 else 0
    line_end = text.find("\n", start)
    # Start at the beginning of the line that holds `start`, unless that line is longer than the budget
    # (the previous part had to split it: go on from where it stopped).
    if (line_end if line_end >= 0 else total) - line_start <= max_chars:
        start = line_start
    end = min(start + max_chars, total)
    if end < total:
        line_end = text.rfind("\n", start, end)
        end = line_end + 1 if line_end > start else end
    return SnapshotPage(text[start:end], total, start, end)


def budget_note(part: SnapshotPage, ref: str | None, max_chars: int | None = None) -> str:
    """The line under a part: where it lies in the whole text, and the call for the next part (naming
    `max_chars` when the part was cut to a budget other than the default)."""
    if not part.cut:
        return ""
    scope = f"snapshot of {ref}" if ref else "snapshot"
    where = f"characters {part.start:,}-{part.end:,} of the {part.total_chars:,}-character {scope}"
    if part.end >= part.total_chars:
        return f"[The last part: {where}.]"
    budget = f", max_chars={max_chars}" if max_chars else ""
    return f"[Part: {where}. Next: {_paging_call(ref, part.end, budget)}.]"
