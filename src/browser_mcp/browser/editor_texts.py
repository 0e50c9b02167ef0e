"""The text of rich-text editors (a mail's body, a chat's message box) in a snapshot.

Such an editor is an element the page makes editable and names a textbox. Playwright's snapshot shows a
textbox's value only for <input> and <textarea>: of an editor it shows the elements inside (paragraphs)
but not the text written straight into it, so "Hi Bob" typed into an empty editor does not show at all.
The page is asked for that text (in our world, alongside the snapshot: no extra wait), and it is added to
the editor's line, as a textarea's value is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

_MAX_CHARS = 2_000

# [[name, text written straight into it]] of each editor named a textbox, in the page's own document.
EDITORS_JS = """(() => {
  const found = [];
  for (const el of document.querySelectorAll('[contenteditable]:not([contenteditable="false"])')) {
    if (el.getAttribute('role') !== 'textbox' || !el.isContentEditable) continue;
    const own = [...el.childNodes].filter(node => node.nodeType === 3).map(node => node.data).join(' ')
      .replace(/\\s+/g, ' ').trim();
    if (!own) continue;
    const labelled = (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
      .map(id => document.getElementById(id)?.textContent || '').join(' ').trim();
    const name = labelled || el.getAttribute('aria-label') || el.getAttribute('title') || '';
    found.push([name.replace(/\\s+/g, ' ').trim(), own]);
  }
  return found;
})()"""

# A textbox line without a value: `- textbox "Message" [ref=e4]`, or `...:` with lines under it.
_TEXTBOX = re.compile(
    r'^(?P<indent> *)- textbox(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?: \[[^\]]*\])*(?P<colon>:?)$'
)
_PLAIN = re.compile(r"[\w .,!?()@/+&-]*[\w.!?)]")


def add_editor_texts(text: str, editors: Sequence[Sequence[str]]) -> str:
    """`text` (a snapshot) with each editor's own text on its line; editors matched by name, in order."""
    waiting: dict[str, list[str]] = {}
    for name, own in editors:
        waiting.setdefault(name, []).append(own)
    if not waiting:
        return text
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        found = _TEXTBOX.match(line)
        named = _unquote(found.group("name") or "") if found else None
        if found is None or named is None or not waiting.get(named):
            out.append(line)
            continue
        value = _value(waiting[named].pop(0))
        if found.group("colon"):  # elements inside it follow: its own text comes first among them
            out.extend([line, f"{found.group('indent')}  - text: {value}"])
        else:
            out.append(f"{line}: {value}")
    return "\n".join(out)


def _unquote(name: str) -> str | None:
    try:
        return str(json.loads(f'"{name}"'))
    except ValueError:
        return None


def _value(own: str) -> str:
    """As the snapshot writes a value: plain when it reads unambiguously, else in double quotes."""
    if len(own) > _MAX_CHARS:
        own = own[: _MAX_CHARS - 1] + "…"
    return own if _PLAIN.fullmatch(own) else json.dumps(own, ensure_ascii=False)
