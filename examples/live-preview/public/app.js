// The live-preview page: an editor panel, the draft preview and what is live, kept current from
// the server's event stream. Plain JavaScript, no build step. Content is handled as exact JSON
// (exact-json.js): prices are ExactNumber text, never doubles.
'use strict';
const { ExactNumber, parse, stringify, equal, get, applyPatch } = window.ExactJSON;

const userId = new URLSearchParams(location.search).get('user');
const app = document.getElementById('app');
const state = {
  me: null,
  sections: new Map(), // name -> { version, working, published, publishedVersion, hasDraft, lease, leaseToken, note, conflict }
};
// Timestamps for bench/live-preview: section, version, when the change arrived and when it was
// rendered (performance.timeOrigin + performance.now(): milliseconds since 1970, sub-millisecond).
window.renders = [];

// ---------------------------------------------------------------------------------------------
// DOM helper: content always goes in as text (never innerHTML), so an editor cannot inject markup.
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}
const nameOf = (actor) => (state.me && Object.prototype.hasOwnProperty.call(state.me.names, actor) && state.me.names[actor]) || actor;

// ---------------------------------------------------------------------------------------------
// Server calls. A write carries the version it was made against and an idempotency key; a
// network failure is retried with the same key, so it never applies twice.
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function api(method, path, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(path, {
        method,
        headers: { 'X-Demo-User': userId, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      if (response.ok) return { ok: true, text };
      return { ok: false, status: response.status, error: JSON.parse(text).error };
    } catch (networkError) {
      if (attempt >= 4) return { ok: false, status: 0, error: { code: 'network', message: 'the server cannot be reached' } };
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

async function write(name, action, extra = {}) {
  const s = state.sections.get(name);
  const body = { section: name, expected_version: String(s.version), idempotency_key: newKey(), lease_token: s.leaseToken, ...extra };
  const result = await api('POST', `/api/${action}`, body);
  if (result.ok) {
    s.note = null;
    return JSON.parse(result.text); // versions and flags only: no content, plain JSON.parse is fine
  }
  const { code, detail, message } = result.error;
  if (code === 'DM201') { // someone else holds the lease
    s.lease = { held: true, holder: detail.holder, expires_at: detail.expires_at };
    s.leaseToken = null;
  } else if (code === 'DM202' || code === 'lease_not_held') { // our lease expired or was taken over
    s.leaseToken = null;
    s.note = detail.holder ? `${nameOf(detail.holder)} took over this section.` : 'Your edit lock has ended.';
  } else if (code === 'PT409' && action !== 'patch') {
    s.note = `This section changed (now version ${detail.current_version}); try again.`;
  } else if (code !== 'PT409') {
    s.note = message;
  }
  renderSection(name);
  return { error: result.error };
}

// ---------------------------------------------------------------------------------------------
// Edits: one input = one field = a one-operation JSON Patch, sent against the version the user
// saw when they started typing in it.
async function submitField(name, input) {
  if (!input.classList.contains('dirty')) return;
  let value = input.value;
  if (input.dataset.kind === 'number') {
    // Prices stay text: "17.50" goes to Postgres as the JSON number 17.50, digit for digit.
    if (!ExactNumber.SYNTAX.test(value.trim())) { input.classList.add('invalid'); return; }
    value = new ExactNumber(value.trim());
  }
  input.classList.remove('invalid');
  const patch = [{ op: 'replace', path: input.dataset.path, value }];
  const base = Number(input.dataset.base || state.sections.get(name).version);
  await sendPatch(name, { patch, base, input }, { rebase: false });
}

async function sendPatch(name, edit, { rebase, expected }) {
  const s = state.sections.get(name);
  const result = await write(name, 'patch', {
    patch: stringify(edit.patch), // JSON text inside the JSON body: numbers keep their text
    expected_version: String(expected || edit.base),
    rebase,
  });
  if (result.error) {
    if (result.error.code === 'PT409') {
      s.conflict = { ...edit, detail: result.error.detail };
      renderSection(name);
    }
    return;
  }
  s.conflict = null;
  // The field stays as typed; the change event (which may come before or after this response)
  // brings the section to the saved value and the field is clean again.
  if (edit.input) delete edit.input.dataset.base;
  renderSection(name);
}

function dropMyChange(name) {
  const s = state.sections.get(name);
  if (s.conflict && s.conflict.input) {
    s.conflict.input.classList.remove('dirty');
    delete s.conflict.input.dataset.base;
  }
  s.conflict = null;
  renderSection(name);
}

// Leases: "I am editing this section". Renewed every 20 s while held (the server's ttl is 60 s).
async function lease(name, action) {
  const s = state.sections.get(name);
  const result = await write(name, action, {});
  if (result.error) return;
  if (action === 'release') s.leaseToken = null;
  else {
    s.leaseToken = result.token;
    s.lease = { held: true, holder: result.holder, expires_at: result.expires_at };
  }
  renderSection(name);
}
setInterval(() => {
  for (const [name, s] of state.sections) if (s.leaseToken) lease(name, 'renew');
}, 20000);

// ---------------------------------------------------------------------------------------------
// Live updates. The server sends a snapshot when the stream first connects, then every change
// from the change feed, in feed order; after a reconnect, the changes the tab missed.
function sectionFromRow(row) {
  return {
    version: row.version ? Number(String(row.version)) : null,
    working: row.draft !== undefined ? row.draft : row.published,
    published: row.published,
    publishedVersion: Number(String(row.published_version)),
    hasDraft: row.has_draft === true,
    lease: { held: row.lease_held === true, holder: row.lease_holder, expires_at: row.lease_expires_at },
    leaseToken: null, note: null, conflict: null,
  };
}

function loadRows(rows, { replaceAll }) {
  const seen = new Set();
  for (const row of rows) {
    seen.add(row.section);
    const fresh = sectionFromRow(row);
    const old = state.sections.get(row.section);
    if (old && fresh.version !== null && old.version > fresh.version) continue; // already newer
    if (old) { // keep what is local to this tab
      fresh.leaseToken = fresh.lease.held && fresh.lease.holder === state.me.actor ? old.leaseToken : null;
      fresh.conflict = old.conflict;
      fresh.note = old.note;
    }
    state.sections.set(row.section, fresh);
  }
  if (replaceAll) for (const name of state.sections.keys()) if (!seen.has(name)) state.sections.delete(name);
  render();
}

async function refreshSection(name) {
  const result = await api('GET', `/api/sections?section=${encodeURIComponent(name)}`);
  if (result.ok) loadRows(parse(result.text), { replaceAll: false });
}

function onChange(change, received) {
  const name = change.section;
  const version = Number(String(change.version));
  const s = state.sections.get(name);
  if (!s) return refreshSection(name);
  if (version <= s.version) return; // already seen (the snapshot included it)
  if (version !== s.version + 1) return refreshSection(name); // a gap: re-read
  try {
    s.working = applyPatch(s.working, change.patch);
  } catch {
    return refreshSection(name);
  }
  s.version = version;
  if (change.kind === 'publish') {
    s.published = s.working;
    s.publishedVersion = version;
  }
  s.hasDraft = !equal(s.working, s.published);
  scheduleRender(name, change.kind === 'publish', { section: name, version, received });
}

// Changes are drawn in one go after the events already waiting: a tab that falls behind (a busy
// machine, a burst of edits) draws once for all of them instead of once per change.
const pending = { sections: new Set(), live: false, changes: [], scheduled: false };
function scheduleRender(name, live, change) {
  pending.sections.add(name);
  pending.live = pending.live || live;
  pending.changes.push(change);
  if (!pending.scheduled) {
    pending.scheduled = true;
    setTimeout(flushRender, 0);
  }
}
function flushRender() {
  for (const name of pending.sections) renderSection(name, { previews: false });
  renderPreviews({ live: pending.live });
  const t = performance.timeOrigin + performance.now();
  for (const change of pending.changes) window.renders.push({ ...change, t });
  if (window.renders.length > 200000) window.renders.splice(0, 100000);
  Object.assign(pending, { sections: new Set(), live: false, changes: [], scheduled: false });
}

function onLease(event) {
  const s = state.sections.get(event.section);
  if (!s) return;
  s.lease = { held: event.held, holder: event.holder, expires_at: event.expires_at };
  if (!event.held || event.holder !== state.me.actor) {
    if (s.leaseToken && event.held) s.note = `${nameOf(event.holder)} took over this section.`;
    s.leaseToken = null;
  }
  renderSection(event.section);
}

// Every change event carries its feed cursor as its id. EventSource sends the last one back by
// itself (Last-Event-ID) when it reconnects, and the server sends only what the tab missed; a
// new EventSource (reconnect() below) passes it in the URL.
let events = null;
const feed = { lastEventId: '', snapshots: 0, changes: 0 }; // counts for the test
function connect() {
  const after = feed.lastEventId ? `&last_event_id=${encodeURIComponent(feed.lastEventId)}` : '';
  events = new EventSource(`/events?user=${encodeURIComponent(userId)}${after}`);
  events.addEventListener('snapshot', (e) => {
    feed.lastEventId = e.lastEventId;
    feed.snapshots += 1;
    loadRows(parse(e.data), { replaceAll: true });
    setStatus(true);
  });
  events.addEventListener('change', (e) => {
    feed.lastEventId = e.lastEventId;
    feed.changes += 1;
    onChange(parse(e.data), performance.timeOrigin + performance.now());
  });
  events.addEventListener('lease', (e) => onLease(JSON.parse(e.data)));
  events.addEventListener('published', (e) => refreshSection(JSON.parse(e.data).section));
  events.onopen = () => setStatus(true);
  // EventSource reconnects by itself after a network error, then catches up; after an error
  // status (429: too many tabs open, 503: a full server) it gives up, and so does the page.
  events.onerror = () => setStatus(false, events.readyState === EventSource.CLOSED ? 'disconnected: too many tabs open? Reload to retry' : null);
}
// For tests: drop the stream and reconnect later, as after a network outage.
window.livePreview = {
  disconnect() { events.close(); setStatus(false); },
  reconnect() { connect(); },
  feed: () => ({ ...feed }),
};

function setStatus(live, text = null) {
  const el = document.getElementById('status');
  el.textContent = text || (live ? 'live' : 'reconnecting…');
  el.classList.toggle('live', live);
}

// ---------------------------------------------------------------------------------------------
// Rendering.
function leasedByOther(s) {
  return s.lease.held && new Date(s.lease.expires_at) > Date.now() && !s.leaseToken;
}

function leaves(value, pointer = '', out = []) {
  if (value instanceof ExactNumber) out.push({ pointer, kind: 'number', value: value.text });
  else if (typeof value === 'string') out.push({ pointer, kind: 'text', value });
  else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) leaves(value[key], `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  }
  return out;
}
const label = (pointer) => pointer.slice(1).split('/').map((t) => (/^\d+$/.test(t) ? `#${Number(t) + 1}` : t)).join(' · ');

function render() {
  app.className = state.me.role === 'customer' ? 'customer' : '';
  if (state.me.role === 'customer') {
    app.replaceChildren(h('div', { class: 'preview', 'data-testid': 'live-preview' }, storefront((s) => s.published, null)));
    return;
  }
  if (!document.getElementById('editor')) {
    app.replaceChildren(
      h('section', { id: 'editor' }, h('h2', {}, 'Editor')),
      h('section', {}, h('h2', {}, 'Preview: draft'), h('div', { class: 'preview', id: 'draft-preview', 'data-testid': 'draft-preview' }),
        h('p', { class: 'legend' }, 'Dashed: differs from what is live.')),
      h('section', {}, h('h2', {}, 'Live now (what customers see)'), h('div', { class: 'preview live', id: 'live-preview', 'data-testid': 'live-preview' })));
  }
  for (const name of state.sections.keys()) renderSection(name, { previews: false });
  for (const card of document.querySelectorAll('#editor .card')) if (!state.sections.has(card.dataset.section)) card.remove();
  renderPreviews();
}

// The live view changes only on publish: the draft preview alone is redrawn for an edit.
function renderPreviews({ live = true } = {}) {
  document.getElementById('draft-preview').replaceChildren(storefront((s) => s.working, (s) => s.published));
  if (live) document.getElementById('live-preview').replaceChildren(storefront((s) => s.published, null));
}

function renderSection(name, { previews = true, live = true } = {}) {
  if (!state.me || state.me.role === 'customer') return render();
  const s = state.sections.get(name);
  const editor = document.getElementById('editor');
  if (!s || !editor) return;
  let card = editor.querySelector(`.card[data-section="${CSS.escape(name)}"]`);
  if (!card) {
    card = h('div', { class: 'card', 'data-section': name },
      h('header', {}, h('b', {}, name), h('span', { class: 'badge' })),
      h('div', { class: 'banners' }), h('div', { class: 'fields' }), h('div', { class: 'buttons' }));
    const cards = [...editor.querySelectorAll('.card')];
    editor.insertBefore(card, cards.find((c) => c.dataset.section > name) || null);
  }
  const locked = leasedByOther(s);
  const badge = card.querySelector('.badge');
  badge.textContent = s.hasDraft ? `v${s.version} · draft · live is v${s.publishedVersion}` : `v${s.version} · published`;
  badge.className = s.hasDraft ? 'badge draft' : 'badge';

  // Banners: lease, conflict, notes.
  const banners = [];
  if (s.leaseToken) {
    banners.push(h('div', { class: 'banner mine', 'data-testid': 'lease-mine' }, 'You are editing this section (others cannot write).',
      h('button', { onclick: () => lease(name, 'release') }, 'Done')));
  } else if (locked) {
    const who = s.lease.holder === state.me.actor ? 'You (in another tab)' : nameOf(s.lease.holder);
    banners.push(h('div', { class: 'banner lease', 'data-testid': 'lease-banner' },
      `${who} ${who.startsWith('You') ? 'are' : 'is'} editing this section`,
      h('button', { onclick: () => lease(name, 'take_over'), 'data-testid': 'take-over' }, 'Take over')));
  }
  if (s.conflict) banners.push(conflictBanner(name, s));
  if (s.note) banners.push(h('div', { class: 'banner info', 'data-testid': 'note' }, s.note));
  card.querySelector('.banners').replaceChildren(...banners);

  // Fields: one input per string or number; inputs the user is typing in are left alone.
  const fields = card.querySelector('.fields');
  const wanted = leaves(s.working);
  const present = new Map([...fields.querySelectorAll('input')].map((i) => [i.dataset.path, i]));
  for (const leaf of wanted) {
    let input = present.get(leaf.pointer);
    present.delete(leaf.pointer);
    if (!input) {
      input = h('input', { 'data-path': leaf.pointer, 'data-kind': leaf.kind, 'data-testid': `field:${name}${leaf.pointer}`, inputmode: leaf.kind === 'number' ? 'decimal' : null });
      input.addEventListener('input', () => {
        if (!input.dataset.base) input.dataset.base = String(state.sections.get(name).version);
        input.classList.toggle('dirty', input.value !== input.dataset.shown);
      });
      input.addEventListener('change', () => submitField(name, input));
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') input.blur(); });
      fields.append(h('div', { class: 'field' }, h('label', {}, label(leaf.pointer)), input));
    }
    if (!input.classList.contains('dirty')) input.value = leaf.value;
    input.dataset.shown = leaf.value;
    input.classList.toggle('dirty', input.value !== leaf.value);
    if (!input.classList.contains('dirty')) delete input.dataset.base;
    input.disabled = locked;
  }
  for (const gone of present.values()) gone.parentElement.remove();

  const button = (text, onclick, attrs = {}) => h('button', { onclick, disabled: locked, 'data-testid': `${text.toLowerCase()}`, ...attrs }, text);
  card.querySelector('.buttons').replaceChildren(...[
    button('Undo', () => write(name, 'undo')),
    button('Redo', () => write(name, 'redo')),
    button('Publish', () => write(name, 'publish'), { class: 'primary', disabled: locked || !s.hasDraft }),
    button('Scrap', () => write(name, 'discard'), { class: 'danger', disabled: locked || !s.hasDraft }),
    s.leaseToken || locked ? null : button('Lock', () => lease(name, 'acquire'), { title: 'Edit alone: others see a banner and cannot write' }),
  ].filter(Boolean));
  if (previews) renderPreviews({ live });
}

function conflictBanner(name, s) {
  const c = s.conflict;
  const mine = c.patch.map((op) => `${label(op.path)} → ${stringify(op.value)}`).join(', ');
  // A refused rebase has a reason: "overlap" (with the paths) or "history_pruned".
  const overlap = Boolean(c.detail.reason);
  const fields = (c.detail.conflicts || []).map((x) => label(x.changed_path)).join(', ');
  return h('div', { class: 'banner conflict', 'data-testid': 'conflict' },
    overlap
      ? h('div', {}, c.detail.reason === 'overlap'
        ? `Someone else changed the same field (${fields}). Your change: ${mine}.`
        : `This section changed too much to apply your change on top. Your change: ${mine}.`)
      : h('div', {}, `This section changed while you were editing (you started at v${c.base}, it is now v${c.detail.current_version}). Your change: ${mine}.`),
    h('div', { class: 'actions' },
      overlap
        ? h('button', { onclick: () => sendPatch(name, c, { rebase: false, expected: s.version }), 'data-testid': 'overwrite' }, 'Overwrite with mine')
        : h('button', { class: 'primary', onclick: () => sendPatch(name, c, { rebase: true }), 'data-testid': 'rebase' }, 'Apply my change on top'),
      h('button', { onclick: () => dropMyChange(name), 'data-testid': 'drop-mine' }, 'Discard my change')));
}

// The storefront, drawn from one content per section (working or published). With `compare`,
// fields that differ from it are outlined. Unknown sections are shown as JSON.
function storefront(pick, compare) {
  const content = (name) => state.sections.has(name) ? pick(state.sections.get(name)) : undefined;
  const text = (tag, name, pointer, attrs = {}, format = String) => {
    const value = get(content(name), pointer);
    if (value === undefined) return null;
    const against = compare && state.sections.has(name) ? get(compare(state.sections.get(name)), pointer) : undefined;
    const changed = compare && !equal(value, against);
    // A field an editor turned into an object or a list shows as its JSON text.
    const shown = value !== null && typeof value === 'object' && !(value instanceof ExactNumber) ? stringify(value) : format(value);
    return h(tag, { ...attrs, 'data-field': `${name}${pointer}`, class: [attrs.class, changed && 'changed'].filter(Boolean).join(' ') || null }, shown);
  };
  const money = (n) => `$${n}`; // exact text: 19.90 shows as $19.90
  const items = get(content('home/products'), '/items');
  const products = Array.isArray(items) ? items : [];
  const known = new Set(['home/announcement', 'home/hero', 'home/products']);
  return h('div', { class: 'store' },
    text('div', 'home/announcement', '/text', { class: 'announcement' }),
    content('home/hero') && h('div', { class: 'hero' },
      text('h1', 'home/hero', '/title'), text('p', 'home/hero', '/subtitle'), text('span', 'home/hero', '/cta', { class: 'cta' })),
    h('div', { class: 'products' }, products.map((_, i) => h('div', { class: 'product' },
      text('h3', 'home/products', `/items/${i}/name`),
      text('span', 'home/products', `/items/${i}/price`, { class: 'price' }, money),
      text('s', 'home/products', `/items/${i}/compare_at`, { class: 'compare' }, money)))),
    [...state.sections.keys()].filter((n) => !known.has(n)).map((n) => h('pre', {}, `${n}: ${stringify(content(n))}`)));
}

// Lease banners end on their own when a lease expires unrenewed.
setInterval(() => { if (state.me && state.me.role === 'editor') for (const name of state.sections.keys()) renderSection(name); }, 5000);

// ---------------------------------------------------------------------------------------------
async function start() {
  if (!userId) { // the demo's login screen
    const users = JSON.parse((await api('GET', '/api/users')).text);
    app.replaceChildren(h('div', { class: 'card login' }, h('h2', {}, 'Sign in as'),
      users.map((u) => h('a', { href: `/?user=${encodeURIComponent(u.id)}` }, `${u.name} (${u.role}, tenant ${u.tenant})`))));
    return;
  }
  const me = await api('GET', '/api/me');
  if (!me.ok) { app.textContent = me.error.message; return; }
  state.me = JSON.parse(me.text);
  if (state.me.role === 'customer') document.querySelector('.topbar strong').textContent = 'Storefront (published)';
  document.getElementById('who').textContent = `${state.me.name} · ${state.me.tenant} · ${state.me.role}`;
  connect();
}
start();
