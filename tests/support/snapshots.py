"""Reading snapshots the way a model does."""

from __future__ import annotations

import re


def ref_of(snapshot: str, label: str) -> str:
    """The ref of the snapshot line that names `label`, e.g. 'button "Click me"' -> 'e5'."""
    found = re.search(re.escape(label) + r"[^\n]*?\[ref=((?:f\d+)?e\d+)\]", snapshot)
    assert found, f"{label!r} not in the snapshot:\n{snapshot}"
    return found.group(1)
