"""States Playwright's snapshot leaves out, put where it writes an element's states ("[selected]").

- aria-current: the page of a pagination, the step of a wizard, the page a menu or a breadcrumb is on
  (`- link "2" [current] [ref=e11]`): "page 2 of the results" or "step 2 of 3" cannot be read otherwise;
- aria-sort: how a table is sorted (`- columnheader "Total" [sorted descending] [ref=e5]`);
- aria-busy: what the page marks as at work (`- list "Friends" [busy] [ref=e12]`).

The page is asked for them in our world, alongside the snapshot (no extra wait), and each is matched to its
line by role and name (or text), in order.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence

# [[role, name, state]] of each shown element with such a state, as the snapshot names it.
STATES_JS = """(() => {
  const roles = { A: 'link', LI: 'listitem', BUTTON: 'button', OPTION: 'option', TR: 'row', TD: 'cell',
    TH: 'columnheader', UL: 'list', OL: 'list', TABLE: 'table', NAV: 'navigation', MAIN: 'main', FORM: 'form',
    SECTION: 'region', ASIDE: 'complementary', DIALOG: 'dialog' };
  const stateOf = el => {
    const states = [];
    const current = el.getAttribute('aria-current');
    if (current !== null && current !== 'false') states.push('current');
    const sort = el.getAttribute('aria-sort');
    if (sort === 'ascending' || sort === 'descending') states.push('sorted ' + sort);
    if (el.getAttribute('aria-busy') === 'true') states.push('busy');
    return states;
  };
  const found = [];
  const selector = '[aria-current]:not([aria-current="false"]), [aria-sort], [aria-busy="true"]';
  for (const el of document.querySelectorAll(selector)) {
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const own = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    const role = own || (el.tagName === 'A' && !el.hasAttribute('href') ? '' : roles[el.tagName] || '');
    if (!role) continue;
    const labelled = (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
      .map(id => document.getElementById(id)?.textContent || '').join(' ');
    const name = (el.getAttribute('aria-label') || labelled.trim() || el.textContent || '')
      .replace(/\\s+/g, ' ').trim();
    if (!name) continue;
    for (const state of stateOf(el)) found.push([role, name, state]);
    if (found.length >= 40) break;
  }
  return found;
})()"""

# "- link "2" [ref=e11] [cursor=pointer]:" or "- listitem [ref=e7]: Shipping".
_LINE = re.compile(
    r'^\s*- (?P<role>[\w-]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?P<marks>(?: \[[^\]]*\])*):?(?: (?P<text>.+))?$'
)


def add_states(text: str, states: Sequence[Sequence[str]]) -> str:
    """`text` (a snapshot) with " [state]" on the line of each element in `states` ([role, name, state]),
    matched by role and name (or its text), in order."""
    waiting: dict[tuple[str, str], Counter[str]] = {}
    for role, name, state in (row for row in states if len(row) == 3):
        waiting.setdefault((role, name), Counter())[state] += 1
    if not waiting:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        found = _LINE.match(line)
        key = _key(found) if found is not None and " [ref=" in line else None
        left = waiting.get(key) if key is not None else None
        if not left:
            out.append(line)
            continue
        marks = [state for state, count in left.items() if count > 0]
        for state in marks:
            left[state] -= 1
        at = line.index(" [ref=")
        out.append(line[:at] + "".join(f" [{state}]" for state in marks) + line[at:])
    return "\n".join(out)


def _key(found: re.Match[str]) -> tuple[str, str] | None:
    name = found.group("name")
    if name is not None:
        try:
            return found.group("role"), str(json.loads(f'"{name}"'))
        except ValueError:
            return None
    own = (found.group("text") or "").strip()
    return (found.group("role"), own.strip('"')) if own else None
