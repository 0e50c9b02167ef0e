"""Hiding the person's secrets (passwords, one-time codes, card numbers and codes) in a snapshot.

Each frame is asked once, in parallel and briefly, for the values of its secret fields, only to compare:
fields showing one lose it, as does any other occurrence of 4+ characters (refs would cost a round trip per
field). A frame that cannot answer gets every field value in its part hidden; no field value, no question.
"""

from __future__ import annotations

import asyncio
import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

from playwright.async_api import Frame, Page

HIDDEN = "[secret value hidden]"
SECRET_AUTOCOMPLETE = ("one-time-code", "current-password", "new-password", "cc-number", "cc-csc")
FRAME_TIMEOUT_S = 1.0  # a frame answers in milliseconds; one that does not is treated as unreadable
# Shorter values are hidden only where they are a field's whole value (a CVC "123" may well be a price).
_MIN_ANYWHERE = 4

# Roles under which Playwright shows an <input> or <textarea> with its value.
_FIELD_ROLES = frozenset({"textbox", "searchbox", "spinbutton", "combobox"})
# A field showing a value: on its own line (`- textbox "Code" [ref=e4]: "123"`) or, after a
# placeholder, on a `- text:` line below it. A <select> (a combobox of options) does not match.
# Not anchored at line starts: that finds a few more lines, several times faster.
_FIELD_WITH_VALUE = re.compile(
    r"- '?(?:textbox|searchbox|spinbutton|combobox)\b[^\n]*:"
    r"(?:[ ]|\n(?:[ ]*- /placeholder: [^\n]*\n)?[ ]*- text: )"
)
# One snapshot line: `- key`, `- key:` or `- key: value`; the key is single-quoted when YAML needs it.
_LINE = re.compile(r"^(?P<lead>[ ]*- )(?P<key>'(?:[^']|'')*'|[^'].*?)(?:(?P<colon>:)(?P<value> .*)?)?$")
_KEY = re.compile(r'^(?P<role>[^ "]+)(?: (?P<name>"(?:[^"\\]|\\.)*"))?(?P<attrs>.*)$', re.DOTALL)
_IFRAME_LINE = re.compile(r"- '?iframe\b")

# [values of the secret fields, whether a secret field has the focus], shadow roots included.
SECRETS_JS = """names => {
  const tokens = new Set(names);
  const isSecret = el => el.type === 'password'
    || (el.getAttribute('autocomplete') || '').toLowerCase().split(/\\s+/).some(t => tokens.has(t));
  const values = [];
  const visit = root => {
    for (const el of root.querySelectorAll('input, textarea')) {
      if (!isSecret(el)) continue;
      const value = String(el.value).replace(/[\\u200b\\u00ad]/g, '').trim().replace(/\\s+/g, ' ');
      if (value) values.push(value);
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
  };
  visit(document);
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;
  return [values, !!active && /^(INPUT|TEXTAREA)$/.test(active.tagName) && isSecret(active)];
}"""


@dataclass(frozen=True)
class Secrets:
    """What the frames said, and which parts of the snapshot could not be checked."""

    values: frozenset[str] = frozenset()
    typing: bool = False  # a secret field has the focus: its value may have changed since the snapshot
    blind_main: bool = False  # the page itself did not answer: hide every field value
    blind_frames: bool = False  # an iframe did not answer: hide every field value inside iframes


async def hide_secrets(page: Page, text: str) -> str:
    """`text` (an AI aria snapshot of `page` or part of it) without the values of secret fields."""
    if not _FIELD_WITH_VALUE.search(text):
        return text
    return mask(text, await read_secrets(page.main_frame, page.frames))


async def read_secrets(main: Frame, frames: Sequence[Frame]) -> Secrets:
    """Ask every frame at once; `main` is the page's own frame."""
    answers = await asyncio.gather(*(_ask(frame) for frame in frames))
    values = {value for answer in answers if answer for value in answer[0]}
    main_answered = any(
        answer is not None for frame, answer in zip(frames, answers, strict=True) if frame == main
    )
    return Secrets(
        values=frozenset(values),
        typing=any(answer[1] for answer in answers if answer),
        blind_main=not main_answered,
        blind_frames=any(
            answer is None for frame, answer in zip(frames, answers, strict=True) if frame != main
        ),
    )


async def _ask(frame: Frame) -> tuple[list[str], bool] | None:
    try:
        values, typing = await asyncio.wait_for(
            frame.evaluate(SECRETS_JS, list(SECRET_AUTOCOMPLETE)), FRAME_TIMEOUT_S
        )
        return [str(value) for value in values], bool(typing)
    except Exception:  # detached, navigating, out of reach or too slow: the caller hides its part
        return None


def mask(text: str, secrets: Secrets) -> str:
    """Hide the secret values in the snapshot text (see the module docstring for what is hidden)."""
    forms = _Forms(secrets.values)
    lines = text.split("\n")
    starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
    in_iframes = _iframe_lines(text, starts) if secrets.blind_frames else range(0)
    field: tuple[int, bool] | None = None  # a field whose value is on a child line: its indent, if to hide it
    previous = -1
    for index in _lines_to_check(text, starts, forms):
        line = lines[index]
        indent = len(line) - len(line.lstrip(" "))
        if field is not None and (index != previous + 1 or indent <= field[0]):
            field = None
        previous = index
        body = line[indent:]
        is_field_value = field is not None and body.startswith("- text: ")
        found = _LINE.match(line)
        if not found:
            lines[index] = forms.replace_anywhere(line)
            continue
        key, value, block = (
            found["key"],
            found["value"],
            found["colon"] is not None and found["value"] is None,
        )
        quoted = key.startswith("'")
        parts = _KEY.match(key[1:-1].replace("''", "'") if quoted else key)
        role, name, attrs = (parts["role"], parts["name"], parts["attrs"]) if parts else (key, None, "")
        if is_field_value:
            assert field is not None
            hide = field[1] or forms.is_prefix(value)
        elif role in _FIELD_ROLES:
            in_frame = index in in_iframes or "[ref=f" in attrs
            hide = (
                secrets.blind_main
                or (secrets.blind_frames and in_frame)
                or (secrets.typing and "[active]" in attrs)
            )
            if block:
                field = (indent, hide)
            hide = hide or forms.is_prefix(value)
        else:
            hide = False
        if name is not None:
            rebuilt = f'{role} "{forms.replace_anywhere(name[1:-1], json_form=True)}"{attrs}'
            key = "'" + rebuilt.replace("'", "''") + "'" if quoted else rebuilt
        tail = ""
        if value is not None:
            shown = forms.mask_value(value[1:])
            # A field's value holding a secret is all hidden: the rest of it is the secret's neighbour.
            hidden = hide or ((is_field_value or role in _FIELD_ROLES) and shown != value[1:])
            tail = ": " + (HIDDEN if hidden else shown)
        elif block:
            tail = ":"
        lines[index] = found["lead"] + key + tail
    return "\n".join(lines)


def hide_in_result(text: str, secrets: Secrets, *, as_json: bool) -> str:
    """A script's result (JSON text, or a string as it is) without the secret fields' values: each one in
    the spelling the text uses; a short one (a card's code) only where it is a whole string."""
    forms = _Forms(secrets.values)
    text = forms.replace_anywhere(text, json_form=as_json)
    for short in (value for value in forms.whole if len(value) < _MIN_ANYWHERE):
        if as_json:
            text = text.replace(f'"{_json_inner(short)}"', f'"{HIDDEN}"')
        elif text.strip() == short:
            text = HIDDEN
    return text


def _lines_to_check(text: str, starts: list[int], forms: _Forms) -> list[int]:
    """The lines of fields with a value (with their placeholder and value lines) and of the secrets."""
    found: set[int] = set()
    for field in _FIELD_WITH_VALUE.finditer(text):
        found.update(range(bisect_right(starts, field.start()) - 1, bisect_right(starts, field.end() - 1)))
    for secret in forms.finditer(text):
        found.add(bisect_right(starts, secret.start()) - 1)
    return sorted(found)


def _iframe_lines(text: str, starts: list[int]) -> set[int]:
    """The lines inside an iframe: below an iframe line, up to the next line indented no deeper."""
    inside: set[int] = set()
    for iframe in _IFRAME_LINE.finditer(text):
        line = bisect_right(starts, iframe.start()) - 1
        indent = text[starts[line] : iframe.start()]
        if indent.strip(" "):
            continue  # not at the start of a line
        after = re.compile(rf"\n {{0,{len(indent)}}}- ").search(text, iframe.end())
        inside.update(range(line + 1, bisect_right(starts, after.start()) if after else len(starts) - 1))
    return inside


class _Forms:
    """The secret values as the snapshot may spell them: plain, in YAML double quotes, in JSON quotes."""

    def __init__(self, values: Iterable[str]) -> None:
        self.whole = sorted(values, key=len, reverse=True)
        self.anywhere = [value for value in self.whole if len(value) >= _MIN_ANYWHERE]
        spellings = {form for value in self.whole for form in (value, _yaml_inner(value), _json_inner(value))}
        self._any = (
            re.compile("|".join(re.escape(form) for form in sorted(spellings, key=len, reverse=True)))
            if spellings
            else None
        )

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self._any.finditer(text) if self._any is not None else iter(())

    def mask_value(self, value: str) -> str:
        """A YAML value (`123`, `"123"`): hidden if it is a secret, else without the long secrets in it."""
        if len(value) >= 2 and value[0] == value[-1] == '"':
            inner = value[1:-1]
            if any(inner == _yaml_inner(secret) for secret in self.whole):
                return HIDDEN
            return '"' + self.replace_anywhere(inner, yaml_form=True) + '"'
        if value in self.whole:
            return HIDDEN
        return self.replace_anywhere(value)

    def is_prefix(self, value: str | None) -> bool:
        """A field's value that is the start of a secret: cut short, or read while the person typed on."""
        if not value:
            return False
        shown = value[1:].removesuffix("…").removesuffix("...")
        if shown.startswith('"'):
            shown = shown[1:].removesuffix('"').removesuffix("…").removesuffix("...")
            return len(shown) >= _MIN_ANYWHERE and any(_yaml_inner(s).startswith(shown) for s in self.whole)
        return len(shown) >= _MIN_ANYWHERE and any(secret.startswith(shown) for secret in self.whole)

    def replace_anywhere(self, text: str, *, yaml_form: bool = False, json_form: bool = False) -> str:
        for secret in self.anywhere:
            form = _yaml_inner(secret) if yaml_form else _json_inner(secret) if json_form else secret
            text = text.replace(form, HIDDEN)
        return text


_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _yaml_inner(value: str) -> str:
    """As Playwright writes a value between YAML double quotes."""
    return re.sub(r'[\\"\x00-\x1f\x7f-\x9f]', lambda c: _YAML_ESCAPES.get(c[0], f"\\x{ord(c[0]):02x}"), value)


def _json_inner(value: str) -> str:
    """As Playwright writes a name between JSON double quotes."""
    return json.dumps(value, ensure_ascii=False)[1:-1]
