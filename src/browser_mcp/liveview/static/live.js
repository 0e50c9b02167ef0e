'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const stage = $('stage'), canvas = $('screen'), ctx = canvas.getContext('2d');
  const message = $('message'), keys = $('keys'), toastBox = $('toast');
  const conn = $('conn'), connText = $('conn-text'), viewOnlyBadge = $('view-only');
  const urlField = $('url'), tabsBox = $('tabs'), newTabButton = $('new-tab');
  const navButtons = { back: $('back'), forward: $('forward'), reload: $('reload') };
  const agentBox = $('agent'), agentText = $('agent-text'), agentToggle = $('agent-toggle'), agentList = $('agent-list');
  const askBox = $('ask'), askMessage = $('ask-message'), askButtons = $('ask-buttons');

  // The only global: tests read it to know what the page has seen.
  const view = window.liveView = {
    framesDrawn: 0, lastSeq: 0, frameWidth: 0, frameHeight: 0, state: null, socketOpen: false,
  };

  const REFUSED_TEXT = 'This live view link is not valid any more: ask for a new one.';
  const RETRY_MS = [500, 1000, 2000, 3000];
  const BUTTONS = ['left', 'middle', 'right'];

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const clamp = (v) => Math.min(1, Math.max(0, v));
  const mods = (e) => (e.altKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.metaKey ? 4 : 0) | (e.shiftKey ? 8 : 0);

  // ---- Socket -------------------------------------------------------------

  const quality = new URLSearchParams(location.search).get('quality');
  const wsUrl = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/live/ws' +
    (quality ? '?quality=' + encodeURIComponent(quality) : '');
  let ws = null, attempt = 0, refused = false, everOpened = false;

  function connect() {
    const sock = ws = new WebSocket(wsUrl);
    sock.binaryType = 'arraybuffer';
    setConnection('connecting');
    sock.onopen = () => {
      everOpened = true;
      view.socketOpen = true;
      setConnection('open');
    };
    sock.onmessage = (e) => {
      // Reset the backoff only once the server talks, so an accept-then-close loop still backs off.
      attempt = 0;
      if (typeof e.data === 'string') onText(e.data);
      else onFrame(sock, e.data);
    };
    sock.onclose = (e) => {
      view.socketOpen = false;
      // The server forgets our pressed keys/buttons with the connection.
      pressedKeys.clear();
      heldButtons.clear();
      if (e.code === 4401 || e.code === 4403) refused = true;
      setConnection('closed');
      if (!refused) setTimeout(connect, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
    };
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }
  const interactive = () => !!view.state && view.state.mode === 'interact';
  // Bar controls work without a picture (e.g. "+" when no tab is shown); canvas input needs one.
  const control = (msg) => { if (interactive()) send(msg); };
  const canInput = () => view.socketOpen && view.framesDrawn > 0 && interactive();
  const sendInput = (msg) => { if (canInput()) send(msg); };

  function onText(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (_) { return; }
    if (msg.type === 'state') {
      view.state = msg;
      render(msg);
    } else if (msg.type === 'error') {
      toast(String(msg.message || 'Something went wrong'));
    }
  }

  // ---- Frames -------------------------------------------------------------

  let pending = null, decoding = false;

  function onFrame(sock, buf) {
    if (!(buf instanceof ArrayBuffer) || buf.byteLength <= 8) return;
    const head = new DataView(buf, 0, 8);
    // Only the newest undecoded frame is worth keeping; older ones would be drawn just to be overdrawn.
    pending = { sock, width: head.getUint16(0), height: head.getUint16(2), seq: head.getUint32(4),
      jpeg: new Uint8Array(buf, 8) };
    if (!decoding) decodeLoop();
  }

  async function decodeLoop() {
    decoding = true;
    while (pending) {
      const frame = pending;
      pending = null;
      let bitmap = null;
      try {
        bitmap = await createImageBitmap(new Blob([frame.jpeg], { type: 'image/jpeg' }));
      } catch (_) {
        // A broken JPEG is skipped but still acked below, or the server's 2-frame window would stall.
      }
      if (frame.sock !== ws) {
        if (bitmap) bitmap.close();
        continue;
      }
      if (bitmap) draw(bitmap, frame);
      if (frame.sock.readyState === WebSocket.OPEN) frame.sock.send(JSON.stringify({ type: 'ack', seq: frame.seq }));
    }
    decoding = false;
  }

  function draw(bitmap, frame) {
    const resized = canvas.width !== bitmap.width || canvas.height !== bitmap.height;
    if (resized) {
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
    }
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    view.frameWidth = frame.width;
    view.frameHeight = frame.height;
    view.lastSeq = frame.seq;
    view.framesDrawn += 1;
    if (view.framesDrawn === 1) {
      canvas.hidden = false;
      renderMessage();
    }
    if (resized || view.framesDrawn === 1) fit();
  }

  // Backing store stays at frame size; CSS size letterboxes it inside the stage.
  function fit() {
    if (canvas.hidden || !canvas.width || !canvas.height) return;
    const scale = Math.min(stage.clientWidth / canvas.width, stage.clientHeight / canvas.height);
    canvas.style.width = Math.max(1, Math.floor(canvas.width * scale)) + 'px';
    canvas.style.height = Math.max(1, Math.floor(canvas.height * scale)) + 'px';
  }
  // Observing the stage also catches the bar wrapping and the ask banner appearing.
  new ResizeObserver(fit).observe(stage);

  // ---- Bar, banner, messages ----------------------------------------------

  function setConnection(state) {
    body.dataset.connection = state;
    renderStatus();
    renderMessage();
  }

  function renderStatus() {
    const c = body.dataset.connection;
    const status = c === 'connecting' ? 'connecting' : c === 'closed' ? 'disconnected'
      : view.state && !view.state.connected ? 'no tab' : 'live';
    connText.textContent = status;
    conn.dataset.status = status.replace(' ', '-');
  }

  function renderMessage() {
    const c = body.dataset.connection;
    let text = '';
    if (refused) text = REFUSED_TEXT;
    else if (c !== 'open') text = everOpened ? 'Disconnected: reconnecting…' : 'Connecting…';
    else if (view.state && !view.state.connected) text = 'No browser tab is being shown right now.';
    else if (!view.framesDrawn) text = 'Waiting for the picture…';
    message.textContent = text;
    message.hidden = !text;
  }

  let toastTimer = 0;
  function toast(text) {
    toastBox.textContent = text;
    toastBox.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastBox.hidden = true; }, 3000);
  }

  function render(s) {
    const viewOnly = s.mode === 'view';
    body.dataset.mode = viewOnly ? 'view' : 'interact';
    viewOnlyBadge.hidden = !viewOnly;
    for (const b of [...Object.values(navButtons), newTabButton, urlField]) b.disabled = viewOnly;
    // Never overwrite what the person is typing.
    if (document.activeElement !== urlField) urlField.value = s.url || '';
    urlField.title = s.url || '';
    renderTabs(s, viewOnly);
    renderAgent(s);
    renderAsk(s, viewOnly);
    renderStatus();
    renderMessage();
  }

  let tabsKey = '';
  function renderTabs(s, viewOnly) {
    const tabs = Array.isArray(s.tabs) ? s.tabs : [];
    // Rebuilding on every state would drop keyboard focus and hover for nothing.
    const key = JSON.stringify([tabs, s.tab, viewOnly]);
    if (key === tabsKey) return;
    tabsKey = key;
    const focusedKey = tabsBox.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    tabsBox.replaceChildren(...tabs.map((t) => tabItem(t, s, viewOnly)));
    const again = [...tabsBox.querySelectorAll('button')].find((b) => b.dataset.key === focusedKey);
    if (again) again.focus();
  }

  function tabItem(t, s, viewOnly) {
    const name = t.title || t.url || 'Untitled tab';
    const current = t.current === true || (s.tab != null && t.id === s.tab);
    const item = el('div', current ? 'tab current' : 'tab');
    const pick = el('button', 'tab-title', name);
    pick.type = 'button';
    pick.title = t.url && t.url !== name ? name + '\n' + t.url : name;
    pick.setAttribute('aria-label', name);
    if (current) pick.setAttribute('aria-current', 'page');
    pick.dataset.key = 'switch:' + t.id;
    pick.disabled = viewOnly;
    pick.addEventListener('click', () => control({ type: 'tab', action: 'switch', id: t.id }));
    const close = el('button', 'tab-close', '×');
    close.type = 'button';
    close.title = 'Close tab';
    close.setAttribute('aria-label', 'Close tab ' + name);
    close.dataset.key = 'close:' + t.id;
    close.disabled = viewOnly;
    close.addEventListener('click', () => control({ type: 'tab', action: 'close', id: t.id }));
    item.append(pick, close);
    return item;
  }

  const agentItems = () => (view.state && Array.isArray(view.state.agent) ? view.state.agent : []);

  function renderAgent(s) {
    const items = agentItems();
    const last = items[items.length - 1];
    const text = last ? String(last.text) : 'The agent has not done anything yet';
    if (agentText.textContent !== text) agentText.textContent = text;
    agentText.title = text;
    agentBox.dataset.acting = s.acting ? 'true' : 'false';
    renderAgentList();
  }

  function ago(at) {
    // Clamped: the server's clock may run slightly ahead of ours.
    const secs = Math.max(0, Math.round(Date.now() / 1000 - Number(at)));
    if (!Number.isFinite(secs)) return '';
    if (secs < 60) return secs + 's ago';
    if (secs < 3600) return Math.floor(secs / 60) + ' min ago';
    return Math.floor(secs / 3600) + ' h ago';
  }

  function renderAgentList() {
    if (agentList.hidden) return;
    const items = agentItems();
    agentList.replaceChildren(...(items.length ? items.map((a) => {
      const li = el('li');
      li.append(el('span', '', String(a.text)), el('span', 'ago', ago(a.at)));
      return li;
    }) : [el('li', '', 'Nothing yet.')]));
  }

  let agoTimer = 0;
  function showAgentList(open) {
    agentList.hidden = !open;
    agentToggle.setAttribute('aria-expanded', String(open));
    clearInterval(agoTimer);
    if (open) {
      renderAgentList();
      agoTimer = setInterval(renderAgentList, 1000);
    }
  }
  agentToggle.addEventListener('click', () => showAgentList(agentList.hidden));
  agentBox.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !agentList.hidden) { showAgentList(false); agentToggle.focus(); }
  });
  window.addEventListener('mousedown', (e) => {
    if (!agentList.hidden && !agentBox.contains(e.target)) showAgentList(false);
  });

  let askKey = '';
  function renderAsk(s, viewOnly) {
    const ask = s.ask;
    askBox.hidden = !ask;
    if (!ask) { askKey = ''; return; }
    const key = JSON.stringify([ask, viewOnly]);
    if (key === askKey) return;
    askKey = key;
    askMessage.textContent = String(ask.message || '');
    const labels = Array.isArray(ask.buttons) ? ask.buttons : [];
    askButtons.replaceChildren(...labels.map((label) => {
      const b = el('button', '', String(label));
      b.type = 'button';
      b.disabled = viewOnly;
      b.addEventListener('click', () => control({ type: 'answer', id: ask.id, answer: String(label) }));
      return b;
    }));
  }

  for (const [action, button] of Object.entries(navButtons)) {
    button.addEventListener('click', () => control({ type: 'navigate', action }));
  }
  newTabButton.addEventListener('click', () => control({ type: 'tab', action: 'new' }));
  urlField.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      const url = urlField.value.trim();
      if (url) control({ type: 'navigate', action: 'go', url });
      urlField.blur();
    } else if (e.key === 'Escape') {
      urlField.value = (view.state && view.state.url) || '';
      urlField.blur();
    }
  });

  // ---- Mouse and wheel ----------------------------------------------------

  const heldButtons = new Set(); // mouse buttons pressed on the canvas and not yet released
  let moveEvent = null, wheel = null, rafId = 0;

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height };
  }

  function schedule() {
    if (!rafId) rafId = requestAnimationFrame(() => { rafId = 0; flush(); });
  }

  // Called before any discrete event too, so a throttled move never arrives after the click it preceded.
  function flush() {
    if (rafId) { cancelAnimationFrame(rafId); rafId = 0; }
    if (moveEvent) {
      const e = moveEvent, p = point(e);
      moveEvent = null;
      const msg = { type: 'mouse', action: 'move', x: clamp(p.x), y: clamp(p.y), modifiers: mods(e) };
      // Only a drag carries a button: a move with "left" would be a drag for the remote page.
      if (heldButtons.size) msg.button = BUTTONS[heldButtons.values().next().value];
      sendInput(msg);
    }
    if (wheel) {
      sendInput(wheel);
      wheel = null;
    }
  }

  function mouseMessage(action, e, p) {
    return { type: 'mouse', action, x: clamp(p.x), y: clamp(p.y), button: BUTTONS[e.button],
      clicks: Math.min(3, e.detail || 1), modifiers: mods(e) };
  }

  canvas.addEventListener('mousedown', (e) => {
    e.preventDefault();
    keys.focus({ preventScroll: true });
    const p = point(e);
    if (!BUTTONS[e.button] || !canInput() || p.x < 0 || p.x > 1 || p.y < 0 || p.y > 1) return;
    flush();
    heldButtons.add(e.button);
    sendInput(mouseMessage('down', e, p));
  });
  // On window, so releasing outside the canvas (or the bar) still ends the drag remotely.
  window.addEventListener('mouseup', (e) => {
    if (!heldButtons.delete(e.button)) return;
    flush();
    sendInput(mouseMessage('up', e, point(e)));
  });
  window.addEventListener('mousemove', (e) => {
    if (e.target !== canvas && !heldButtons.size) return;
    moveEvent = e;
    schedule();
  });
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    if (!canInput()) return;
    const unit = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
    const p = point(e);
    wheel = { type: 'wheel', x: clamp(p.x), y: clamp(p.y),
      dx: (wheel ? wheel.dx : 0) + e.deltaX * unit, dy: (wheel ? wheel.dy : 0) + e.deltaY * unit,
      modifiers: mods(e) };
    schedule();
  }, { passive: false });

  // ---- Keyboard -----------------------------------------------------------

  const pressedKeys = new Map(); // code -> {key, code} for every key we reported down
  const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta']);
  let composing = false;

  function releaseKeys(keep) {
    for (const [id, k] of pressedKeys) {
      if (keep && keep(k)) continue;
      pressedKeys.delete(id);
      sendInput({ type: 'key', action: 'up', key: k.key, code: k.code, modifiers: 0 });
    }
  }

  function onKey(e) {
    if (e.isComposing || composing || e.key === 'Dead' || e.key === 'Process' || e.key === 'Unidentified') return;
    if (!canInput()) return;
    const isDown = e.type === 'keydown';
    // Ctrl/Cmd+V: left alone so the browser fires 'paste' with the viewer's clipboard.
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'v') return;
    const chars = [...e.key];
    // AltGr reports Ctrl+Alt on Windows, but the person meant the character, not a shortcut.
    const altGr = e.getModifierState('AltGraph');
    if (chars.length === 1 && (altGr || (chars[0].codePointAt(0) > 0x7e && !e.ctrlKey && !e.metaKey))) {
      // Non-ASCII (incl. macOS Option characters): the remote layout may lack the key, so send text.
      e.preventDefault();
      if (isDown) sendInput({ type: 'text', text: e.key });
      return;
    }
    // Everything else is a key, prevented so Tab & co. act remotely, not on this page.
    e.preventDefault();
    const id = e.code || e.key;
    if (isDown) pressedKeys.set(id, { key: e.key, code: e.code });
    else if (!pressedKeys.delete(id)) return;
    flush();
    sendInput({ type: 'key', action: isDown ? 'down' : 'up', key: e.key, code: e.code, modifiers: mods(e) });
    // macOS sends no keyup for keys released while Cmd is held.
    if (!isDown && e.key === 'Meta') releaseKeys((k) => MODIFIER_KEYS.has(k.key));
  }

  keys.addEventListener('keydown', onKey);
  keys.addEventListener('keyup', onKey);
  keys.addEventListener('compositionstart', () => { composing = true; });
  keys.addEventListener('compositionend', (e) => {
    composing = false;
    if (e.data) sendInput({ type: 'text', text: e.data });
    keys.value = '';
  });
  keys.addEventListener('input', (e) => {
    // Composition text is sent once, from compositionend; clearing mid-composition would break the IME.
    if (composing || e.isComposing || e.inputType === 'insertCompositionText') return;
    if (e.inputType === 'insertText' && e.data) sendInput({ type: 'text', text: e.data });
    keys.value = '';
  });
  keys.addEventListener('paste', (e) => {
    e.preventDefault();
    const text = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
    if (text) sendInput({ type: 'text', text });
  });
  keys.addEventListener('focus', () => { body.dataset.keys = 'on'; });
  keys.addEventListener('blur', () => {
    body.dataset.keys = 'off';
    releaseKeys();
  });
  // Keyups for keys released while the viewer's window is in the background never reach us.
  window.addEventListener('blur', () => releaseKeys());

  connect();
})();
