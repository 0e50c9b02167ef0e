"""Fields that offer suggestions as one types: a search box's list, an address field's places.

Their page shows the suggestions a moment after the input: after a debounce (often 150-300 ms), then a
fetch. Typing into such a field waits for that reaction, so that the reply shows the suggestions (with
refs to pick one) instead of a page that has not reacted yet: until the list changes, at most
SUGGESTIONS_CAP_S when nothing comes. Only fields that say they offer a list wait (ARIA's
aria-autocomplete, or a combobox that names the list it controls); a plain field costs nothing.
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

SUGGESTIONS_CAP_S = 1.0

# True at the page's first reaction: nodes added or removed, or text changed, outside the field, the
# field's aria-expanded flipping, or any change in the list it controls. False at once for a field that
# does not offer a list, or after the cap. Our own elements (browser-mcp-*) are not the page's reaction.
_REACTION_JS = """(field, capMs) => new Promise(resolve => {
  const autocomplete = (field.getAttribute('aria-autocomplete') || '').toLowerCase();
  const listIds = `${field.getAttribute('aria-controls') || ''} ${field.getAttribute('aria-owns') || ''}`
    .split(/\\s+/).filter(Boolean);
  const isCombobox = field.getAttribute('role') === 'combobox';
  if (!(autocomplete === 'list' || autocomplete === 'both' || (isCombobox && listIds.length))) {
    resolve(false);
    return;
  }
  const lists = () => listIds.map(id => document.getElementById(id)).filter(Boolean);
  const ours = node => node.nodeType === 1 && node.localName.startsWith('browser-mcp-');
  const reaction = record => {
    const target = record.target;
    if (ours(target) || (target.parentElement && ours(target.parentElement))) return false;
    if (lists().some(list => list === target || list.contains(target))) return true;
    if (record.type === 'attributes') return target === field && record.attributeName === 'aria-expanded';
    return !field.contains(target);
  };
  let timer = 0;
  const observer = new MutationObserver(records => {
    if (!records.some(reaction)) return;
    observer.disconnect();
    clearTimeout(timer);
    resolve(true);
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  timer = setTimeout(() => { observer.disconnect(); resolve(false); }, capMs);
})"""


async def wait_for_suggestions(field: Locator) -> bool:
    """Wait until the page reacts to what was typed into `field` if it offers suggestions (True when
    it did); False at once if it does not offer any, or when nothing came in time."""
    cap_ms = SUGGESTIONS_CAP_S * 1000
    try:
        return bool(await field.evaluate(_REACTION_JS, cap_ms, timeout=cap_ms + 1000))
    except PlaywrightError:  # gone, or the page moved on: the reply says what the page shows
        return False
