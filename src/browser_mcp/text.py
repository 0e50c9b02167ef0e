"""Small text helpers every layer uses: shortening, quoting titles, snapshot refs."""

from __future__ import annotations

import re

# A snapshot ref: e12 on the page, f1e3 inside an iframe.
REF_PATTERN = r"(?:f\d+)?e\d+"
_WHOLE_REF = re.compile(rf"^{REF_PATTERN}$")
# A ref written after a label in a reply ("button 'Send' [e12]"): it means nothing to a person.
_REF_SUFFIX = re.compile(rf"\s*\[(?:ref=)?{REF_PATTERN}\]")


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)] + "…"


# How much of an argument the model passed a sentence quotes back: a 100 KB selector must not return whole.
ARGUMENT_CHARS = 80


def clip_argument(value: str, limit: int = ARGUMENT_CHARS) -> str:
    """An argument the model passed, as a sentence shows it: whole when short, else its start and its
    length ("aaaa… (100,000 characters)")."""
    if len(value) <= limit:
        return value
    return f"{value[: max(1, limit - 1)]}… ({len(value):,} characters)"


def quote_argument(value: str, limit: int = ARGUMENT_CHARS) -> str:
    """`clip_argument` in quotes: "'#send'", "'aaaa…' (100,000 characters)"."""
    if len(value) <= limit:
        return f"'{value}'"
    return f"'{value[: max(1, limit - 1)]}…' ({len(value):,} characters)"


def without_long_arguments(text: str, arguments: list[str], limit: int = ARGUMENT_CHARS) -> str:
    """`text` with every whole copy of a long argument clipped: the last net for sentences that quote
    what the model passed (a URL the policy refused, a key name Playwright did not know)."""
    for value in sorted({a for a in arguments if len(a) > limit}, key=len, reverse=True):
        for form in dict.fromkeys((value, value.strip(), clean_ref(value))):
            if len(form) > limit and form in text:
                text = text.replace(form, clip_argument(form, limit))
    return text


def first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else text


def quoted(title: str) -> str:
    """ "'Title' " for a title, "" for none: written before a URL in parentheses."""
    return f"'{title}' " if title else ""


def with_article(word: str) -> str:
    """'an alert', 'a confirm' dialog."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def is_ref(text: str) -> bool:
    return bool(_WHOLE_REF.match(text))


def clean_ref(text: str) -> str:
    """What a model may pass as a ref ("ref=e12", "[e12]", " e12") down to "e12"."""
    return text.strip().strip("[]").removeprefix("ref=")


def without_refs(text: str) -> str:
    return _REF_SUFFIX.sub("", text)


def human_size(size: int) -> str:
    """12 B, 3.4 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
