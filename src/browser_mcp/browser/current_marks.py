"""Which item is the current one (aria-current) in a snapshot: the page of a pagination, the step of a
wizard, the page a navigation menu or a breadcrumb is on.

Playwright's snapshot leaves aria-current out, so "page 2 of the results" or "step 2 of 3" cannot be read
from it. The page is asked for its current items (in our world, alongside the snapshot: no extra wait), and
each one's line gets " [current]", where the snapshot puts an element's states ("[selected]").
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence

# [[role, name]] of each shown element marked current, as the snapshot names it.
CURRENT_JS = """(() => {
  const roles = { A: 'link', LI: 'listitem', BUTTON: 'button', OPTION: 'option', TR: 'row', TD: 'cell' };
  const found = [];
  for (const el of document.querySelectorAll('[aria-current]:not([aria-current="false"])')) {
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const own = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    const role = own || (el.tagName === 'A' && !el.hasAttribute('href') ? '' : roles[el.tagName] || '');
    if (!role) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || '').replace(/\\s+/g, ' ').trim();
    if (name) found.push([role, name]);
    if (found.length >= 20) break;
  }
  return found;
})()"""

MARK = " [current]"
# "- link "2" [ref=e11] [cursor=pointer]:" or "- listitem [ref=e7]: Shipping".
_LINE = re.compile(
    r'^\s*- (?P<role>[\w-]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?P<marks>(?: \[[^\]]*\])*):?(?: (?P<text>.+))?$'
)


def add_current_marks(text: str, current: Sequence[Sequence[str]]) -> str:
    """`text` (a snapshot) with " [current]" on the line of each item in `current` ([role, name]), matched by
    role and name (or its text), in order."""
    waiting = Counter((role, name) for role, name in current)
    if not waiting:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        found = _LINE.match(line)
        key = _key(found) if found is not None and " [ref=" in line else None
        if key is None or not waiting.get(key):
            out.append(line)
            continue
        waiting[key] -= 1
        at = line.index(" [ref=")
        out.append(line[:at] + MARK + line[at:])
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
