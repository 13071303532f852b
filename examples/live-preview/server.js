// Live preview for draft_mode: a reference server to copy.
//
//   PGHOST=... PGPORT=... PGDATABASE=... PGUSER=live_preview_server node server.js
//   then open http://127.0.0.1:8080/?user=alice (and ?user=bob, ?user=carol)
//
// The server holds no content: every read and write is a draft_mode call, in a transaction that
// sets the signed-in user's role, tenant and actor (SET LOCAL / set_config(..., true)). It pushes
// changes to browsers with Server-Sent Events, read from draft_mode's change feed whenever
// LISTEN draft_mode rings. Content travels as JSON text from Postgres (content::text, the feed's
// patches as jsonb text) to the page and back, never through JSON.parse, so 19.90 stays 19.90
// (README: "Exact numbers").
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { Pool, Client } = require('pg');

// Whether a lookup table has this key itself: request text ("constructor", "__proto__") must
// never reach a table's prototype.
const has = (table, key) => Object.prototype.hasOwnProperty.call(table, key);

const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || '127.0.0.1';

// ---------------------------------------------------------------------------------------------
// Who is signed in. A demo "login": the X-Demo-User header (API calls) or ?user=NAME (the event
// stream only), looked up in this fixed table. The browser never names a tenant: the server maps
// the user to one. A real deployment verifies a JWT (signature, expiry) instead and takes tenant
// and actor from its claims; see README.md, "Tenant and actor".
const USERS = {
  alice: { name: 'Alice', tenant: 'acme', actor: 'alice@acme.example', role: 'editor' },
  bob: { name: 'Bob', tenant: 'acme', actor: 'bob@acme.example', role: 'editor' },
  carol: { name: 'Carol', tenant: 'acme', actor: 'carol', role: 'customer' },
  dave: { name: 'Dave', tenant: 'globex', actor: 'dave@globex.example', role: 'editor' },
};
// The database role each kind of user works as (setup.sql creates them).
const DB_ROLES = { editor: 'live_preview_editor', customer: 'live_preview_customer' };

// The header is what keeps another site from acting for a user: a page elsewhere can make the
// browser send a form or a plain fetch here, but not with a custom header (or with Content-Type:
// application/json, which writes also require) without a CORS preflight, which this server never
// grants. ?user= is accepted for the event stream alone, because EventSource cannot set headers;
// the stream only reads, and another site cannot read its response (no CORS headers).
function signedIn(req, url) {
  const fromQuery = req.method === 'GET' && url.pathname === '/events' ? url.searchParams.get('user') : null;
  const name = req.headers['x-demo-user'] || fromQuery;
  return has(USERS, name) ? { id: name, ...USERS[name] } : null;
}

// ---------------------------------------------------------------------------------------------
// Database access: one transaction per request, with the user's role, tenant and actor set for
// that transaction only (safe with any pool, PgBouncer transaction pooling included).
const pool = new Pool({ max: Number(process.env.POOL_SIZE || 10) });
// node-postgres emits 'error' on the pool when an idle connection is lost (a terminated backend,
// a database restart, a network cut); unhandled, that would end the process. The pool has already
// removed the connection: log it and carry on, the next request opens a new one.
pool.on('error', (error) => console.error('idle database connection lost:', error.message));

// Error codes worth retrying as they are: the write either did not happen, or it did and its
// idempotency key makes the retry return the stored result instead of writing twice.
const RETRYABLE = new Set(['40001', '40P01', '57P01', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

async function inTransaction(user, work, { readOnly = false } = {}) {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = null;
    try {
      // A consistent snapshot for reads: draft, published content and lease come from one moment.
      await client.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      await client.query(`SET LOCAL ROLE ${DB_ROLES[user.role]}`); // from the table above, never from input
      await client.query(
        "SELECT set_config('draft_mode.tenant', $1, true), set_config('draft_mode.actor', $2, true)",
        [user.tenant, user.actor]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e) => { broken = e; });
      if (attempt < 3 && RETRYABLE.has(error.code)) continue;
      throw error;
    } finally {
      client.release(broken || undefined); // a broken connection leaves the pool
    }
  }
}

// What the page needs about every section of the user's tenant. Editors: draft (working
// content), published content, version and lease. Customers: published content only. Content is
// read as text (content::text): node-postgres would JSON.parse jsonb and turn 19.90 into 19.9.
async function readSections(user, client, onlySection = null) {
  if (user.role === 'customer') {
    const { rows } = await client.query(
      `SELECT section, published_version::text AS published_version, content::text AS published
         FROM draft_mode.published_sections
        WHERE tenant = $1 AND ($2::text IS NULL OR section = $2)
        ORDER BY section`, [user.tenant, onlySection]);
    return rows;
  }
  const { rows } = await client.query(
    `SELECT p.section, d.version::text AS version, d.has_draft,
            d.published_version::text AS published_version,
            d.content::text AS draft, p.content::text AS published,
            l.held AS lease_held, l.holder AS lease_holder, l.expires_at AS lease_expires_at
       FROM draft_mode.published_sections p
      CROSS JOIN LATERAL draft_mode.get_section(p.tenant, p.section) d
      CROSS JOIN LATERAL draft_mode.lease_status(p.tenant, p.section) l
      WHERE p.tenant = $1 AND ($2::text IS NULL OR p.section = $2)
      ORDER BY p.section`, [user.tenant, onlySection]);
  return rows;
}

// The page's JSON for a list of sections: built by hand so content stays the text Postgres sent.
function sectionsJson(rows) {
  return '[' + rows.map((row) => {
    const { draft, published, ...meta } = row;
    const fields = [JSON.stringify(meta).slice(1, -1), `"published":${published}`];
    if (draft !== undefined) fields.push(`"draft":${draft}`);
    return '{' + fields.filter(Boolean).join(',') + '}';
  }).join(',') + ']';
}

// ---------------------------------------------------------------------------------------------
// Writes. Each is one draft_mode call; the browser sends what it saw (expected_version), an
// idempotency key it reuses when it retries, and its lease token when it holds a lease.
const WRITES = {
  patch: (b) => ['draft_mode.patch_draft($1, $2, $3::jsonb, $4, rebase => $5, lease_token => $6, idempotency_key => $7)',
    [b.patch, b.expected_version, b.rebase === true, b.lease_token, b.key]],
  publish: (b) => ['draft_mode.publish($1, $2, $3, lease_token => $4, idempotency_key => $5)',
    [b.expected_version, b.lease_token, b.key]],
  discard: (b) => ['draft_mode.discard($1, $2, $3, lease_token => $4, idempotency_key => $5)',
    [b.expected_version, b.lease_token, b.key]],
  undo: (b) => ['draft_mode.undo($1, $2, $3, lease_token => $4, idempotency_key => $5)',
    [b.expected_version, b.lease_token, b.key]],
  redo: (b) => ['draft_mode.redo($1, $2, $3, lease_token => $4, idempotency_key => $5)',
    [b.expected_version, b.lease_token, b.key]],
};
const LEASES = {
  acquire: (t, b) => ['draft_mode.acquire_lease($1, $2, ttl => $3::interval, idempotency_key => $4)', [t, b.section, LEASE_TTL, b.key]],
  take_over: (t, b) => ['draft_mode.take_over($1, $2, ttl => $3::interval, idempotency_key => $4)', [t, b.section, LEASE_TTL, b.key]],
  renew: (t, b) => ['draft_mode.renew_lease($1, $2, $3)', [t, b.section, b.lease_token]],
  release: (t, b) => ['draft_mode.release_lease($1, $2, $3)', [t, b.section, b.lease_token]],
};
const LEASE_TTL = '60 seconds'; // the page renews every 20 s while it holds a lease

// Lease tokens are fencing tokens, not secrets: they are sequential, and draft_mode checks that a
// token is the section's current one, not who sends it. So before a token from the request is
// used (a write, renew or release), the server checks in the same transaction that the lease is
// held by the signed-in user; otherwise Bob could write with, or release, Alice's lease. A
// take-over between this check and the call is still caught by draft_mode (DM202).
async function checkLeaseHolder(client, user, section) {
  const { rows } = await client.query(
    'SELECT held, holder, expires_at FROM draft_mode.lease_status($1, $2)', [user.tenant, section]);
  const lease = rows[0];
  if (lease.held && lease.holder === user.actor) return;
  throw Object.assign(new Error(lease.held
    ? `the lease of section "${section}" is held by "${lease.holder}", not by you`
    : `you do not hold the lease of section "${section}" (it ended or was never yours)`), {
    code: 'lease_not_held',
    detail: JSON.stringify({ holder: lease.held ? lease.holder : null, expires_at: lease.held ? lease.expires_at : null }),
  });
}

async function write(user, action, body) {
  // Keys are scoped by tenant in the database; prefixing the actor keeps one user's key from
  // ever matching another's request.
  const b = { ...body, key: body.idempotency_key ? `${user.actor}:${body.idempotency_key}` : null };
  return inTransaction(user, async (client) => {
    const usesToken = body.lease_token != null && action !== 'acquire' && action !== 'take_over';
    if (usesToken) await checkLeaseHolder(client, user, body.section);
    if (has(WRITES, action)) {
      const [call, args] = WRITES[action](b);
      const { rows } = await client.query(
        `SELECT version::text AS version, kind, changed, has_draft, published_version::text AS published_version, rebased
           FROM ${call}`, [user.tenant, body.section, ...args]);
      return rows[0];
    }
    const [call, args] = LEASES[action](user.tenant, b);
    const { rows } = await client.query(
      action === 'release' ? `SELECT ${call} AS released` // returns a boolean, not a lease
        : `SELECT token::text AS token, holder, expires_at FROM ${call}`, args);
    // Lease changes other than take_over make no change in history, so no draft_mode
    // notification: tell the other editors ourselves, in the same transaction (sent on commit).
    const status = (await client.query(
      'SELECT held, holder, expires_at FROM draft_mode.lease_status($1, $2)', [user.tenant, body.section])).rows[0];
    await client.query("SELECT pg_notify('live_preview_lease', $1)", [JSON.stringify({
      tenant: user.tenant, section: body.section, held: status.held, holder: status.holder,
      expires_at: status.expires_at,
    })]);
    return rows[0];
  });
}

// ---------------------------------------------------------------------------------------------
// Input validation: everything from the browser is checked before it reaches SQL (where it is
// only ever a bind parameter).
const SECTION = /^[a-z0-9][a-z0-9_/-]{0,99}$/;
const VERSION = /^[1-9][0-9]{0,17}$/;
const KEY = /^[A-Za-z0-9_-]{8,100}$/;
const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
// Versions and lease tokens: a string of digits (what the page sends) or a JSON integer. Nothing
// else is converted: String(["2"]) is "2", and the array would reach SQL as an array.
const isPositiveInteger = (value) =>
  (typeof value === 'string' && VERSION.test(value)) || (Number.isSafeInteger(value) && value > 0);

function validate(action, body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  if (typeof body.section !== 'string' || !SECTION.test(body.section)) return 'section: lowercase name, at most 100 characters';
  if (body.idempotency_key != null && (typeof body.idempotency_key !== 'string' || !KEY.test(body.idempotency_key))) return 'idempotency_key: 8 to 100 of [A-Za-z0-9_-]';
  if (body.lease_token != null && !isPositiveInteger(body.lease_token)) return 'lease_token: a positive integer';
  if ((action === 'renew' || action === 'release') && body.lease_token == null) return 'lease_token is required';
  if (has(WRITES, action)) {
    if (!isPositiveInteger(body.expected_version)) return 'expected_version: a positive integer';
    if (body.rebase != null && typeof body.rebase !== 'boolean') return 'rebase: true or false';
  }
  if (action === 'patch') {
    // The patch travels as JSON text inside the body, so its numbers keep their exact text; it is
    // parsed here only to check its shape, and the text itself goes to Postgres.
    if (typeof body.patch !== 'string' || body.patch.length > 16384) return 'patch: JSON text of at most 16 KB';
    let ops;
    try { ops = JSON.parse(body.patch); } catch { return 'patch: not JSON'; }
    if (!Array.isArray(ops) || ops.length < 1 || ops.length > 50) return 'patch: an array of 1 to 50 operations';
    for (const op of ops) {
      if (typeof op !== 'object' || op === null || !OPS.has(op.op) || typeof op.path !== 'string' || !op.path.startsWith('/')) {
        return 'patch: every operation needs an RFC 6902 op and a path starting with /';
      }
      if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') return 'patch: move and copy need a from path';
    }
  }
  return null;
}

// Postgres errors to HTTP: the SQLSTATE and the JSON DETAIL go to the page, which shows the
// conflict (PT409 carries current_version) or the lease (DM201/DM202 carry the holder).
const HTTP_STATUS = {
  PT409: 409, DM104: 409, DM004: 409, DM201: 423, DM202: 423, lease_not_held: 423, DM203: 422, DM103: 422,
  DM101: 404, '42501': 403, DM001: 400, DM002: 400, DM003: 400, '22023': 400, '22004': 400, '23514': 400, '54000': 413,
};

function sendError(res, error) {
  const status = has(HTTP_STATUS, error.code) ? HTTP_STATUS[error.code] : null;
  if (!status) {
    console.error('internal error:', error);
    return sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
  }
  let detail = null;
  try { detail = error.detail ? JSON.parse(error.detail) : null; } catch { detail = null; }
  return sendJson(res, status, { error: { code: error.code, message: error.message, detail, hint: error.hint || null } });
}

function sendJson(res, status, value, rawText = null) {
  const body = rawText ?? JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

// Reads a request body of at most `limit` bytes. Past it, the promise fails at once with status
// 413 (the caller answers, with Connection: close) and the rest of the body is read and thrown
// away: closing the connection while the client still sends would reset it, and the client would
// see a reset instead of the answer. A client that sends more than 4 MB past the limit is cut off.
const BODY_DISCARD_LIMIT = 4 * 1024 * 1024;
function readBody(req, limit = 65536) {
  return new Promise((resolve, reject) => {
    let size = 0;
    let chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= limit) { chunks.push(chunk); return; }
      if (chunks) {
        chunks = null;
        reject(Object.assign(new Error(`the request body is larger than ${limit} bytes`), { status: 413 }));
      }
      if (size > limit + BODY_DISCARD_LIMIT) req.destroy();
    });
    req.on('end', () => { if (chunks) resolve(Buffer.concat(chunks).toString('utf8')); });
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Live updates. The change feed (draft_mode.changes) is the truth: every event a stream sends
// carries the feed cursor of the change as its SSE `id:`, and the browser sends the last one back
// as Last-Event-ID when it reconnects. One LISTEN connection for the whole server is only a
// doorbell: a notification says "something changed for tenant T", and each of T's editor
// streams then reads the feed after its own cursor. The payload's content is never used, so a
// forged notification (any role may NOTIFY) costs a read and nothing else.
const streams = new Set(); // { user, res, cursor (last sent), reading, again, stalled }

// A stream whose reader does not keep up is dropped rather than buffered without end: past this
// many bytes waiting in the server, or when its socket stays full this long. Its page reconnects
// (EventSource does so by itself) and catches up from the feed with Last-Event-ID.
const STREAM_BUFFER_LIMIT = 1024 * 1024;
const STREAM_DRAIN_TIMEOUT_MS = 30000;

function send(stream, event, data, id = null) {
  writeStream(stream, `event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${data}\n\n`);
}

// Writes to a stream, dropping it when its reader is too far behind. The bound is checked before
// the write, so one large event (a snapshot) still goes out whole to a reader that keeps up.
function writeStream(stream, text) {
  const { res } = stream;
  if (res.writableEnded || res.destroyed) return;
  if (res.writableLength > STREAM_BUFFER_LIMIT) return dropStream(stream, `more than ${STREAM_BUFFER_LIMIT} bytes unread`);
  if (res.write(text) || stream.stalled) return;
  stream.stalled = new Promise((resolve) => {
    const timer = setTimeout(
      () => dropStream(stream, `not read for ${STREAM_DRAIN_TIMEOUT_MS / 1000} s`), STREAM_DRAIN_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      stream.stalled = null;
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function dropStream(stream, why) {
  if (!streams.has(stream)) return;
  console.error(`dropping the event stream of ${stream.user.id}: ${why}`);
  streams.delete(stream);
  stream.res.destroy();
}

// Changes after `after`, oldest first, a page at a time. Each row's `data` is built in SQL as
// jsonb text (like a NOTIFY payload), so the patch keeps exact numbers.
const PAGE = 100;
async function readChanges(user, after) {
  return inTransaction(user, async (client) => (await client.query(
    `SELECT cursor, jsonb_build_object('cursor', cursor, 'section', section, 'version', version,
                                       'kind', kind, 'actor', actor, 'patch', patch)::text AS data
       FROM draft_mode.changes($1, after => $2, max_rows => $3)`, [user.tenant, after, PAGE])).rows,
  { readOnly: true });
}

// The current state of every section, and (for editors) the feed's end in the same REPEATABLE
// READ snapshot: the changes after that cursor are exactly those the snapshot does not contain.
async function sendSnapshot(stream) {
  const { user } = stream;
  const [rows, end] = await inTransaction(user, async (client) => [
    await readSections(user, client),
    user.role === 'editor' ? (await client.query('SELECT draft_mode.feed_end($1) AS "end"', [user.tenant])).rows[0].end : null,
  ], { readOnly: true });
  send(stream, 'snapshot', sectionsJson(rows), end);
  stream.cursor = end;
}

// Brings a stream up to date: with no cursor, a snapshot; otherwise every change after its
// cursor, a page at a time until the feed has no more. A cursor the feed refuses (DM401
// cursor_expired: retention removed what followed it; 22023: past the feed's end, as after a
// restore) falls back to a snapshot.
// Doorbells that ring while a stream reads are folded into one more pass.
async function follow(stream) {
  if (!streams.has(stream)) return; // closed or dropped
  if (stream.reading) { stream.again = true; return; }
  stream.reading = true;
  try {
    do {
      stream.again = false;
      if (stream.cursor === null) { await sendSnapshot(stream); continue; }
      try {
        for (let page; !page || page.length === PAGE;) {
          // The next page is read only once the reader has taken the last one (or is dropped).
          if (stream.stalled) await stream.stalled;
          if (!streams.has(stream)) return;
          page = await readChanges(stream.user, stream.cursor);
          for (const row of page) send(stream, 'change', row.data, row.cursor);
          if (page.length) stream.cursor = page[page.length - 1].cursor;
        }
      } catch (error) {
        if (error.code !== 'DM401' && error.code !== '22023') throw error;
        stream.cursor = null;
        stream.again = true;
      }
    } while (stream.again);
  } finally {
    stream.reading = false;
  }
}

// Routes one notification. Editors' streams read the feed; customers only learn that a section
// was published, and their page reads its published content.
function dispatch(channel, payload) {
  let head;
  try { head = JSON.parse(payload); } catch { return; } // used for routing only
  for (const stream of streams) {
    if (stream.user.tenant !== head.tenant) continue;
    if (channel === 'live_preview_lease') {
      if (stream.user.role === 'editor') send(stream, 'lease', payload);
    } else if (stream.user.role === 'editor') {
      follow(stream).catch(() => stream.res.end()); // the page reconnects, with Last-Event-ID
    } else if (head.kind === 'publish' || head.kind === 'create') {
      send(stream, 'published', JSON.stringify({ section: head.section, version: head.version }));
    }
  }
}

let listener = null; // the connection that LISTENs, once it does
let started = false;
const relisten = () => setTimeout(() => listen().catch(relisten), 1000);

async function listen() {
  const client = new Client();
  client.on('notification', (msg) => dispatch(msg.channel, msg.payload));
  client.on('error', () => {}); // 'end' follows
  client.on('end', () => {
    if (listener !== client) return;
    listener = null;
    relisten();
  });
  await client.connect();
  await client.query('LISTEN draft_mode');
  await client.query('LISTEN live_preview_lease');
  listener = client;
  // Notifications sent while we were not listening are lost: every stream catches up from the
  // last cursor it sent (customers, who have none, from a snapshot).
  if (started) for (const stream of streams) follow(stream).catch(() => stream.res.end());
}

// Every open stream reads the feed on each of its tenant's changes, so their number is bounded:
// per user (a few tabs) and for the whole server. Beyond them, 429 and 503: EventSource does not
// retry after an error status, and the page says so.
const MAX_STREAMS_PER_USER = Number(process.env.MAX_STREAMS_PER_USER || 5);
const MAX_STREAMS = Number(process.env.MAX_STREAMS || 1000);

const CURSOR = /^c[0-9]{1,18}$/;
function openStream(req, res, user, url) {
  let mine = 0;
  for (const stream of streams) if (stream.user.id === user.id) mine += 1;
  if (mine >= MAX_STREAMS_PER_USER) {
    const message = `at most ${MAX_STREAMS_PER_USER} open event streams per user: close a tab`;
    return sendJson(res, 429, { error: { code: 'too_many_streams', message } });
  }
  if (streams.size >= MAX_STREAMS) {
    res.setHeader('Retry-After', '30');
    const message = 'the server has too many open event streams: try again later';
    return sendJson(res, 503, { error: { code: 'too_many_streams', message } });
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write('retry: 1000\n\n'); // the browser reconnects after 1 s, then catches up
  const stream = { user, res, cursor: null, reading: false, again: false, stalled: null };
  streams.add(stream); // first subscribe, then read: nothing falls between the two
  const heartbeat = setInterval(() => writeStream(stream, ': heartbeat\n\n'), 15000);
  res.on('close', () => { clearInterval(heartbeat); streams.delete(stream); });
  // EventSource sends Last-Event-ID itself when it reconnects; a page that opens a new
  // EventSource passes its last id as ?last_event_id= instead. Customers always start from a
  // snapshot: the feed has drafts, and they may not read it.
  const lastEventId = req.headers['last-event-id'] || url.searchParams.get('last_event_id') || '';
  if (user.role === 'editor' && CURSOR.test(lastEventId)) stream.cursor = lastEventId;
  follow(stream).catch((error) => {
    console.error('catch-up failed:', error.message);
    res.end();
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP: the page (static files), the API, the event stream.
const PUBLIC = path.join(__dirname, 'public');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const STATIC = { '/': 'index.html', '/app.js': 'app.js', '/exact-json.js': 'exact-json.js', '/style.css': 'style.css' };

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && has(STATIC, url.pathname)) {
    const file = STATIC[url.pathname];
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)], 'Cache-Control': 'no-store' });
    return fs.createReadStream(path.join(PUBLIC, file)).pipe(res);
  }
  if (req.method === 'GET' && url.pathname === '/api/users') { // the demo's login screen
    return sendJson(res, 200, Object.entries(USERS).map(([id, u]) => ({ id, name: u.name, tenant: u.tenant, role: u.role })));
  }
  const user = signedIn(req, url);
  if (!user) return sendJson(res, 401, { error: { code: 'unauthenticated', message: 'unknown user' } });

  if (req.method === 'GET' && url.pathname === '/events') return openStream(req, res, user, url);
  if (req.method === 'GET' && url.pathname === '/api/me') {
    // Names of the tenant's users, so the page can say "Alice is editing" for a lease holder.
    // Editors only: customers see no lease, and the editors' names and emails are none of theirs.
    const names = user.role !== 'editor' ? {} : Object.fromEntries(Object.values(USERS)
      .filter((u) => u.tenant === user.tenant).map((u) => [u.actor, u.name]));
    return sendJson(res, 200, { id: user.id, name: user.name, tenant: user.tenant, actor: user.actor, role: user.role, names });
  }
  if (req.method === 'GET' && url.pathname === '/api/sections') {
    const section = url.searchParams.get('section');
    if (section !== null && !SECTION.test(section)) return sendJson(res, 400, { error: { code: 'invalid', message: 'section' } });
    const rows = await inTransaction(user, (client) => readSections(user, client, section), { readOnly: true });
    return sendJson(res, 200, null, sectionsJson(rows));
  }
  const action = req.method === 'POST' && url.pathname.startsWith('/api/') && url.pathname.slice(5);
  if (action && (has(WRITES, action) || has(LEASES, action))) {
    if (user.role !== 'editor') return sendJson(res, 403, { error: { code: 'forbidden', message: 'customers cannot edit' } });
    // Only JSON: a form from another site can send text/plain or form data, not application/json.
    const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      const message = 'the body must be sent as Content-Type: application/json';
      return sendJson(res, 415, { error: { code: 'unsupported_media_type', message } });
    }
    let body;
    try { body = JSON.parse(await readBody(req)); } catch (e) {
      if (e.status !== 413) return sendJson(res, 400, { error: { code: 'invalid', message: 'body is not JSON' } });
      res.setHeader('Connection', 'close'); // the rest of the body is read and dropped meanwhile
      return sendJson(res, 413, { error: { code: 'too_large', message: e.message } });
    }
    const problem = validate(action, body);
    if (problem) return sendJson(res, 400, { error: { code: 'invalid', message: problem } });
    return sendJson(res, 200, await write(user, action, body));
  }
  return sendJson(res, 404, { error: { code: 'not_found', message: 'not found' } });
}

// noDelay: an event is written to its socket at once, not held back to fill a packet.
const server = http.createServer({ noDelay: true }, (req, res) => {
  handle(req, res).catch((error) => (res.headersSent ? res.end() : sendError(res, error)));
});

listen().then(() => {
  started = true;
  server.listen(PORT, HOST, () => console.log(`live preview on http://${HOST}:${server.address().port}/?user=alice`));
}).catch((error) => {
  console.error('cannot LISTEN:', error.message);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const stream of streams) stream.res.end();
    server.close();
    process.exit(0);
  });
}
