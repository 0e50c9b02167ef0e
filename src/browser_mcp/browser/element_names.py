"""How scripts of ours name an element for a sentence: its role and name, roughly as a snapshot gives them
(not from an accessibility snapshot: that would replace the refs of the model's last one)."""

from __future__ import annotations

# [role, name] of an element: its explicit role or the usual one of its tag, and its label or text.
ROLE_AND_NAME_JS = """el => {
  const tag = el.tagName.toLowerCase();
  const type = (el.getAttribute('type') || 'text').toLowerCase();
  const inputRoles = {checkbox: 'checkbox', radio: 'radio', range: 'slider', button: 'button',
    submit: 'button', reset: 'button', image: 'button', search: 'searchbox', number: 'spinbutton'};
  const tagRoles = {button: 'button', select: el.multiple ? 'listbox' : 'combobox', textarea: 'textbox',
    img: 'img', h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading', h5: 'heading', h6: 'heading',
    p: 'paragraph', li: 'listitem', ul: 'list', ol: 'list', table: 'table', form: 'form', nav: 'navigation',
    main: 'main', dialog: 'dialog', label: 'label'};
  const role = el.getAttribute('role') ||
    (tag === 'a' && el.hasAttribute('href') ? 'link' : tag === 'input' ? (inputRoles[type] || 'textbox') :
     tagRoles[tag] || '');
  // A label's own words, not those of the control inside it (a list's options).
  const labelText = (label) => [...label.childNodes]
    .filter(node => node !== el && !node.contains(el)).map(node => node.textContent).join(' ');
  const labelled = (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
    .map(id => document.getElementById(id)?.textContent || '').join(' ');
  const name = el.getAttribute('aria-label') || labelled.trim() ||
    (el.labels && el.labels.length ? labelText(el.labels[0]) : '') ||
    el.getAttribute('alt') || el.getAttribute('title') ||
    (tag === 'input' ? el.value : el.textContent) || '';
  return [role, name.replace(/\\s+/g, ' ').trim()];
}"""
