"""Forms the browser refused to send: a click or Enter that should have sent a form, and the browser's own
check of its fields (required, type, pattern, min/max) stopped it.

The person sees why in a bubble next to the first bad field; the page's DOM shows nothing of it, so without
this the agent learns only that nothing happened. The tab reports it itself (a script of ours in our isolated
world, see page_watch): each field the browser found invalid in the same moment as a click or an Enter key,
with the browser's message. An action asks whether one came while it ran.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from browser_mcp.browser.element_names import ROLE_AND_NAME_JS
from browser_mcp.browser.page_watch import BINDING
from browser_mcp.browser.secrets import SECRET_AUTOCOMPLETE

EVENT = "form_refused"
_KEPT = 20  # fields remembered per tab: one refusal names a handful
_MESSAGE_CHARS = 200

# Each `invalid` event in the same task as a click or an Enter key is a field that stopped the form; the
# press's number groups the fields of one refusal. A secret field's message never carries its value
# (Chromium quotes an e-mail field's value in its message).
SCRIPT = f"""(() => {{
  if (window !== window.top) return;
  const secretTokens = new Set({list(SECRET_AUTOCOMPLETE)!r});
  // A click or an Enter sends a form in the same task (a script's requestSubmit() in its handler too).
  let press = 0, pressing = false;
  const pressed = () => {{
    press++;
    if (!pressing) {{ pressing = true; setTimeout(() => {{ pressing = false; }}); }}
  }};
  document.addEventListener('click', pressed, true);
  document.addEventListener('keydown', event => {{ if (event.key === 'Enter') pressed(); }}, true);
  const roleAndName = {ROLE_AND_NAME_JS};
  const isSecret = field => field.type === 'password'
    || (field.getAttribute('autocomplete') || '').toLowerCase().split(/\\s+/).some(t => secretTokens.has(t));
  document.addEventListener('invalid', event => {{
    if (!pressing) return;  // a script's own check as one types, not a form being sent
    const field = event.target;
    let [role, name] = roleAndName(field), message = field.validationMessage || '';
    // A field with no label is named by its value there: not this one (it may be a secret, and is wrong).
    if (field.value && name === field.value.replace(/\\s+/g, ' ').trim()) {{
      name = field.getAttribute('placeholder') || field.getAttribute('name') || '';
    }}
    if (isSecret(field) && field.value) message = message.split(field.value).join('…');
    try {{
      globalThis.{BINDING}(JSON.stringify({{
        kind: '{EVENT}', at: Date.now(), press, role, name, message,
        hidden: field.checkVisibility ? !field.checkVisibility() : false,
      }}));
    }} catch (e) {{}}
  }}, true);
}})()"""


@dataclass(frozen=True)
class InvalidField:
    """A field that stopped a form, as the browser told the person."""

    role: str
    name: str
    message: str  # the browser's own words ("Please fill out this field.")
    hidden: bool  # not shown on the page (a control the page draws may stand for it)


class FormRefusals:
    """The fields of a tab's forms that the browser found invalid as they were being sent, latest last."""

    def __init__(self) -> None:
        self.count = 0  # reports so far: an action notes it before, and asks what came after
        self._fields: deque[tuple[int, InvalidField]] = deque(maxlen=_KEPT)

    def note(self, data: Mapping[str, Any]) -> None:
        self.count += 1
        field = InvalidField(
            str(data.get("role") or "textbox"),
            " ".join(str(data.get("name") or "").split()),
            str(data.get("message") or "")[:_MESSAGE_CHARS],
            bool(data.get("hidden")),
        )
        self._fields.append((int(data.get("press") or 0), field))

    def since(self, count: int) -> tuple[InvalidField, ...]:
        """The fields of the latest refusal reported after `count` reports (none: nothing was refused)."""
        new = self.count - count
        if new <= 0:
            return ()
        recent = list(self._fields)[-new:]
        last_press = recent[-1][0]
        return tuple(field for press, field in recent if press == last_press)
