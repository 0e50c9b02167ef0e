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
