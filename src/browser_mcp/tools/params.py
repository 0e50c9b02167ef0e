"""Parameter types shared by the element tools, with the descriptions the model reads."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Ref = Annotated[
    str | None,
    Field(description="Element ref from the latest snapshot, e.g. 'e12'. Give this or `selector`."),
]
Selector = Annotated[
    str | None,
    Field(
        description="Playwright selector (CSS, 'text=Send', 'role=button[name=\"OK\"]') if you have no ref."
    ),
]
Element = Annotated[
    str | None,
    Field(description="Human-readable description of the element, e.g. 'Send button' (used in replies)."),
]
