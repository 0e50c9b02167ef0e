"""Checkboxes and radios a page draws itself (a toggle switch): the input is made 0x0 under a box the
page draws, so Playwright's snapshot lists it without a ref and the model has nothing to act on. A person
clicks its label; when the element the input's line sits in is that label (asked of the page), the input's
line gets the label's ref: clicking it or setting it acts on the input through its label, as Playwright
does for labels.
"""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page

from browser_mcp.text import REF_PATTERN

_TIMEOUT_MS = 500  # refs of the snapshot just taken: they resolve at once or not at all
# A checkbox, radio or switch line without a ref: `- checkbox "Wifi" [checked]`, or `...:` with lines under
# it.
_REFLESS = re.compile(
    r"^(?P<head> *- (?:checkbox|radio|switch)\b(?!.*\[ref=).*?)(?P<colon>:?)$", re.MULTILINE
)
_REF = re.compile(rf"\[ref=({REF_PATTERN})\]")
_CLIMB = 2  # how far up the element holding the input may be (the label, or a box inside it)

# The element holds the input's label, which holds the input (a checkbox or radio) itself.
_HOLDS_ITS_LABEL_JS = """el => {
  const label = el.closest('label') || el.querySelector('label');
  const input = label && label.control;
  return !!input && /^(checkbox|radio)$/.test(input.type) && label.contains(input) && el.contains(input);
}"""


async def give_hidden_toggles_refs(page: Page, text: str) -> str:
    """`text` (the page's snapshot) with each ref-less checkbox or radio given its label's ref."""
    if not any(f"- {role}" in text for role in ("checkbox", "radio", "switch")) or not _REFLESS.search(text):
        return text
    lines = text.split("\n")
    holders = _holders(lines)
    answers = await asyncio.gather(*(_holds_its_label(page, ref) for ref in holders.values()))
    for (index, ref), holds in zip(holders.items(), answers, strict=True):
        found = _REFLESS.match(lines[index])
        if holds and found is not None:
            lines[index] = f"{found.group('head')} [ref={ref}]{found.group('colon')}"
    return "\n".join(lines)


def _holders(lines: list[str]) -> dict[int, str]:
    """Each ref-less checkbox or radio line: the ref of the nearest line above it that holds it."""
    found: dict[int, str] = {}
    for index, line in enumerate(lines):
        if not _REFLESS.match(line):
            continue
        depth, climbed = _depth(line), 0
        for above in range(index - 1, -1, -1):
            if _depth(lines[above]) >= depth:
                continue
            ref = _REF.search(lines[above])
            if ref:
                found[index] = ref.group(1)
                break
            depth, climbed = _depth(lines[above]), climbed + 1
            if climbed >= _CLIMB:
                break
    return found


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


async def _holds_its_label(page: Page, ref: str) -> bool:
    try:
        return bool(await page.locator(f"aria-ref={ref}").evaluate(_HOLDS_ITS_LABEL_JS, timeout=_TIMEOUT_MS))
    except Exception:  # a ref that no longer resolves: the line stays as Playwright gave it
        return False
