"""What every tab tells us about input on its page, from our isolated world (see page_watch).

The page cannot tell the agent's CDP input from the person's, so the script reports everything and the
server attributes each report by the agent's action windows (people/person_events.py). It names
elements roughly as the snapshot does (role and accessible name), and never sends the value of a
password field; other values only up to VALUE_CHARS.
"""

from __future__ import annotations

from browser_mcp.people.prompt import PROMPT_TAG

NAME_CHARS = 40
VALUE_CHARS = 40

# Shared by the tab script and by FIELD_JS: how an element is named and whether its value is secret.
_NAMING = f"""
  const clip = (text, limit) => {{
    const flat = String(text ?? '').replace(/\\s+/g, ' ').trim();
    return flat.length > limit ? flat.slice(0, limit - 1) + '…' : flat;
  }};
  const TAG_ROLES = {{ A: 'link', BUTTON: 'button', SELECT: 'combobox', TEXTAREA: 'textbox', SUMMARY: 'button',
    IMG: 'img', H1: 'heading', H2: 'heading', H3: 'heading', H4: 'heading', H5: 'heading', H6: 'heading',
    LI: 'listitem', OPTION: 'option' }};
  const INPUT_ROLES = {{ button: 'button', submit: 'button', reset: 'button', image: 'button',
    checkbox: 'checkbox', radio: 'radio', range: 'slider', search: 'searchbox', number: 'spinbutton' }};
  const NOT_TEXT = /^(button|submit|reset|image|checkbox|radio|range|color|file|hidden)$/;
  const roleOf = el => {{
    const explicit = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    if (explicit && !/^(presentation|none|generic)$/.test(explicit)) return explicit;
    if (el.tagName === 'INPUT') return INPUT_ROLES[el.type] || 'textbox';
    if (el.tagName === 'A') return el.hasAttribute('href') ? 'link' : '';
    if (el.isContentEditable) return 'textbox';
    return TAG_ROLES[el.tagName] || '';
  }};
  // An element's text without the values inside its controls (a label around a <select>).
  const ownText = el => {{
    let text = '';
    const walk = node => {{
      for (const child of node.childNodes) {{
        if (child.nodeType === 3) text += child.textContent + ' ';
        else if (child.nodeType === 1 && !/^(SELECT|TEXTAREA|INPUT|SCRIPT|STYLE|OPTION)$/.test(child.tagName)) walk(child);
      }}
    }};
    walk(el);
    return text;
  }};
  const byIds = ids => ids.split(/\\s+/).map(id => {{
    const found = document.getElementById(id);
    return found ? ownText(found) : '';
  }}).join(' ');
  const isField = el => /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  const nameOf = el => {{
    const attempts = [
      () => el.getAttribute('aria-labelledby') ? byIds(el.getAttribute('aria-labelledby')) : '',
      () => el.getAttribute('aria-label'),
      () => el.labels && el.labels.length ? ownText(el.labels[0]) : '',
      () => el.getAttribute('alt'),
      () => el.tagName === 'INPUT' && /^(button|submit|reset)$/.test(el.type) ? el.value : '',
      () => isField(el) ? '' : ownText(el),
      () => el.getAttribute('title'),
      () => el.getAttribute('placeholder'),
      () => el.getAttribute('name'),
    ];
    for (const attempt of attempts) {{
      const name = clip(attempt(), {NAME_CHARS});
      if (name) return name;
    }}
    return '';
  }};
  const isSecret = el => el.type === 'password'
    || /password|one-time-code|cc-/.test(el.getAttribute('autocomplete') || '');
  const textField = el => {{
    if (!el) return null;
    if (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && !NOT_TEXT.test(el.type))) return el;
    return el.isContentEditable ? (el.closest('[contenteditable]') || el) : null;
  }};
  const valueOf = el => /^(INPUT|TEXTAREA)$/.test(el.tagName) ? el.value : el.innerText;
"""

# Runs in our isolated world at the start of every document of every tab (and now in open ones).
PERSON_SCRIPT = f"""(() => {{
  if (window !== window.top || globalThis.__browser_mcp_person) return;
  globalThis.__browser_mcp_person = true;
  const report = (kind, data) => {{
    const send = globalThis.__browser_mcp_report;
    if (send) send(kind, data);
  }};
  {_NAMING}
  const targetOf = event => {{
    const path = event.composedPath ? event.composedPath() : [];
    const node = path[0] || event.target;
    return node && node.nodeType === 1 ? node : (node && node.parentElement) || null;
  }};
  const options = {{ capture: true, passive: true }};
  // Keys and clicks on the ask_user bar answer the agent; they are not the person working on the page.
  const onPrompt = event => (targetOf(event) || {{}}).tagName === '{PROMPT_TAG.upper()}';

  // Any input at all: the waiting policy's clock.
  addEventListener('keydown', event => {{
    if (!event.isTrusted || onPrompt(event)) return;
    const field = textField(targetOf(event));
    const multiline = field && (field.tagName === 'TEXTAREA' || field.isContentEditable);
    const named = event.key === 'Escape' || (event.key === 'Enter' && !multiline) ? event.key : '';
    report('seen_input', {{ what: field ? 'type' : 'key', field: field ? nameOf(field) : '', key: named }});
  }}, options);
  addEventListener('mousedown', event => {{
    if (event.isTrusted && !onPrompt(event)) report('seen_input', {{ what: 'click' }});
  }}, options);
  let lastWheel = 0;
  const wheel = event => {{
    if (!event.isTrusted || event.timeStamp - lastWheel < 100) return;
    lastWheel = event.timeStamp;
    report('seen_input', {{ what: 'wheel' }});
  }};
  addEventListener('wheel', wheel, options);
  addEventListener('touchstart', wheel, options);

  // Typing, one report per change of a field's value (the server keeps one entry per field).
  addEventListener('input', event => {{
    const field = textField(targetOf(event));
    if (!event.isTrusted || !field) return;
    const secret = isSecret(field);
    const value = String(valueOf(field) ?? '');
    report('seen_typed', {{ field: nameOf(field), secret, value: secret ? '' : clip(value, {VALUE_CHARS}),
                           empty: value.length === 0 }});
  }}, options);
  addEventListener('change', event => {{
    const el = targetOf(event);
    if (!event.isTrusted || !el) return;
    if (el.tagName === 'SELECT') {{
      const chosen = [...el.selectedOptions].map(option => option.label || option.text).join(', ');
      report('seen_chose', {{ field: nameOf(el), value: clip(chosen, {VALUE_CHARS}) }});
    }} else if (el.type === 'checkbox' || el.type === 'radio') {{
      report('seen_chose', {{ field: nameOf(el), role: el.type, checked: el.checked }});
    }}
  }}, options);

  // Clicks on what the snapshot would name; fields report what was typed or chosen in them instead.
  const INTERACTIVE = 'a[href],button,input,select,textarea,summary,label,[role],[onclick],[tabindex],[contenteditable]';
  addEventListener('click', event => {{
    const el = targetOf(event);
    if (!event.isTrusted || !el) return;
    const hit = el.closest(INTERACTIVE);
    const control = hit && hit.tagName === 'LABEL' ? hit.control : hit;
    if (control && (textField(control) || /^(SELECT|OPTION)$/.test(control.tagName)
                    || control.type === 'checkbox' || control.type === 'radio')) return;
    const what = hit || el;
    const role = roleOf(what);
    const text = hit ? nameOf(hit) : clip(ownText(el), 80);
    if (!hit && (text.length === 0 || text.length > 60 || /^(BODY|HTML)$/.test(el.tagName))) return;
    report('seen_click', {{ role, name: clip(text, {NAME_CHARS}) }});
  }}, options);

  // Scrolling of the page, at most one report per 250 ms.
  let scrollTimer = 0;
  addEventListener('scroll', event => {{
    if (event.target !== document || scrollTimer) return;
    scrollTimer = setTimeout(() => {{
      scrollTimer = 0;
      const bottom = Math.max(1, document.documentElement.scrollHeight - innerHeight);
      report('seen_scroll', {{ percent: Math.round(100 * Math.min(1, Math.max(0, scrollY) / bottom)) }});
    }}, 250);
  }}, options);

  // A new document (not the one already open when we attached): a navigation, stamped with its start.
  if (document.readyState === 'loading') {{
    const entry = performance.getEntriesByType('navigation')[0];
    report('seen_document', {{ url: location.href, how: entry ? entry.type : 'navigate',
                              started: performance.timeOrigin }});
  }}
  addEventListener('pageshow', event => {{
    if (event.persisted) report('seen_document', {{ url: location.href, how: 'back_forward', started: Date.now() }});
  }}, options);
}})()"""

# For locator.evaluate: [name, secret, value, the type of an <input>, its maxlength or -1] of the field the
# agent is about to type into.
FIELD_JS = f"""el => {{
  {_NAMING}
  const field = textField(el) || el;
  const secret = isSecret(field);
  return [nameOf(field), secret, String(valueOf(field) ?? ''), field.localName === 'input' ? field.type : '',
          typeof field.maxLength === 'number' ? field.maxLength : -1];
}}"""
