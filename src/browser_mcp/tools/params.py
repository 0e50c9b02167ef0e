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

# A point instead of an element: for what a snapshot names nothing in (a canvas, a map, a chart).
PointX = Annotated[
    float | None,
    Field(description="Instead of an element: the point's x, in pixels of a viewport screenshot."),
]
PointY = Annotated[float | None, Field(description="The point's y, with x.")]

# drag: the element dragged and the one it is dropped on.
StartRef = Annotated[
    str | None, Field(description="Ref of the element to drag, from the latest snapshot (e.g. 'e12').")
]
StartSelector = Annotated[
    str | None, Field(description="Playwright selector of the element to drag, if you have no ref.")
]
StartElement = Annotated[str | None, Field(description="Human-readable description of the dragged element.")]
EndRef = Annotated[
    str | None, Field(description="Ref of the element to drop it on, from the latest snapshot.")
]
EndSelector = Annotated[
    str | None, Field(description="Playwright selector of the element to drop it on, if you have no ref.")
]
EndElement = Annotated[str | None, Field(description="Human-readable description of where it is dropped.")]
