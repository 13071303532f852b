// End-to-end test of the live-preview example in headless Chromium, printing TAP.
//
//   PGHOST=... PGPORT=... PGDATABASE=... node test/browser.js
//
// The database must have draft_mode and setup.sql loaded, fresh (test/tap/live_preview.t does
// that). Starts server.js on a free port, then drives three browsers, each a WebDriver session
// with a profile of its own (test/webdriver.js, through chromedriver): Alice and Bob (editors of
// tenant acme) and Carol (a customer); the checks of the server's limits and refusals also send
// plain HTTP requests from here and read the server's stderr. The server runs with MAX_STREAMS=10,
// so the test reaches the limit on open streams. LIVE_PREVIEW_SCREENSHOTS=DIR saves the
// screenshots used in the README there; CHROMIUM overrides /usr/bin/chromium, CHROMEDRIVER
// /usr/bin/chromedriver.
// Needs pg (node-postgres): Debian's node-pg (NODE_PATH=/usr/share/nodejs) or `npm ci`'s.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const { startChromedriver } = require('./webdriver');
const http = require('http');
const net = require('net');
const { Client } = require('pg');

const SHOTS = process.env.LIVE_PREVIEW_SCREENSHOTS || null;
let count = 0;
let failed = 0;

function report(passed, description, diagnostic) {
  count += 1;
  console.log(`${passed ? 'ok' : 'not ok'} ${count} - ${description}`);
  if (!passed) {
    failed += 1;
    console.log(String(diagnostic).split('\n').map((l) => `# ${l}`).join('\n'));
  }
}
// The open pages by user; after each check, any uncaught error in one of them fails a test of
// its own (playwright's pageerror, read here from the browser's console log).
const pages = new Map();
async function reportPageErrors() {
  for (const [user, page] of pages) {
    for (const message of await page.pageErrors()) report(false, `no script error in ${user}'s page`, message);
  }
}
async function check(description, body) {
  try {
    await body();
    report(true, description);
  } catch (error) {
    report(false, description, error.stack || error);
  }
  await reportPageErrors();
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls until `probe` returns what `want` accepts; fails with the last value seen.
async function until(probe, want, what, timeout = 5000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await probe(); } catch (error) { last = error.message; }
    if (want(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: got ${JSON.stringify(last)}`);
    await sleep(25);
  }
}
const textIs = (page, selector, expected) =>
  until(() => page.textContent(selector), (t) => t === expected, `${selector} should be ${JSON.stringify(expected)}`);
const visible = (page, selector) =>
  until(() => page.isVisible(selector), (v) => v === true, `${selector} should be visible`);
const hidden = (page, selector) =>
  until(() => page.count(selector), (n) => n === 0, `${selector} should be gone`);

const card = (section) => `.card[data-section="${section}"]`;
const field = (section, pointer) => `[data-testid="field:${section}${pointer}"]`;
const draft = (section, pointer) => `#draft-preview [data-field="${section}${pointer}"]`;
const live = (section, pointer) => `#live-preview [data-field="${section}${pointer}"]`;

async function edit(page, section, pointer, value) {
  await page.fill(field(section, pointer), value);
  await page.press(field(section, pointer), 'Enter');
}

// One query as the superuser the test runs as (PGUSER).
async function sql(query, params = []) {
  const client = new Client();
  await client.connect();
  try { return await client.query(query, params); } finally { await client.end(); }
}
const feedEnd = async () => (await sql("SELECT draft_mode.feed_end('acme') AS cursor")).rows[0].cursor;

// Waits until the page shows the section at its current version (its badge, vN). A page's writes
// carry the version it has seen: one that acts right after its own write (a take-over makes a
// version too) must first have seen that write come back on its stream, as a user would.
async function current(page, section) {
  const { rows } = await sql("SELECT version FROM draft_mode.sections WHERE tenant = 'acme' AND section = $1", [section]);
  await until(() => page.textContent(`${card(section)} .badge`), (t) => t.startsWith(`v${rows[0].version} `),
    `${section} should be at v${rows[0].version}`);
}

// The first n events of an event stream opened with these headers: [{ event, id, data }].
function readEvents(url, headers, n) {
  return new Promise((resolve, reject) => {
    const events = [];
    const request = http.get(url, { headers }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        buffer += chunk;
        for (let end; (end = buffer.indexOf('\n\n')) >= 0; buffer = buffer.slice(end + 2)) {
          const fields = Object.fromEntries(buffer.slice(0, end).split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
          if (fields.event) events.push({ event: fields.event, id: fields.id, data: fields.data });
        }
        if (events.length >= n) { clearTimeout(timer); request.destroy(); resolve(events.slice(0, n)); }
      });
    });
    request.on('error', reject);
    const timer = setTimeout(() => { request.destroy(); reject(new Error(`events: ${JSON.stringify(events)}`)); }, 5000);
  });
}

// One HTTP request to the server from this process (not a page): full control over headers and
// body. Resolves to { status, headers, text }.
function request(base, method, url, { user = null, headers = {}, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const all = { ...(user ? { 'X-Demo-User': user } : {}), ...headers };
    const req = http.request(`${base}${url}`, { method, headers: all }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const postJson = (base, url, user, value) =>
  request(base, 'POST', url, { user, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

// What the server wrote to stderr, for checks on what it logs (also passed on to ours).
let serverLog = '';
const logged = (pattern, what, timeout) => until(() => pattern.test(serverLog), (found) => found === true, what, timeout);

function startServer() {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [path.join(__dirname, '..', 'server.js')], {
      // At most 10 event streams in all (the default is 1000), so the test reaches the limit.
      env: { ...process.env, PORT: '0', PGUSER: 'live_preview_server', MAX_STREAMS: '10' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr.on('data', (chunk) => {
      serverLog += chunk;
      process.stderr.write(chunk);
    });
    server.stdout.on('data', (chunk) => {
      const match = /http:\/\/([\d.]+:\d+)\//.exec(String(chunk));
      if (match) resolve({ server, base: `http://${match[1]}` });
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function main() {
  const { server, base } = await startServer();
  const driver = await startChromedriver().catch((error) => { server.kill('SIGTERM'); throw error; });
  // One WebDriver session per user: a browser with a fresh profile, as a playwright context.
  const open = async (user, viewport = { width: 1280, height: 640 }) => {
    const page = await driver.newPage(viewport);
    pages.set(user, page);
    await page.goto(`${base}/?user=${user}`);
    await textIs(page, '#status', user === 'carol' ? 'live' : 'live');
    return page;
  };
  const shot = async (page, name, clip) => { if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name), clip }); };
  const editorAndDraft = { x: 0, y: 0, width: 838, height: 500 }; // the editor column and the draft preview

  try {
    const alice = await open('alice');
    const bob = await open('bob');

    await check('both editors load the storefront; 19.90 shows as $19.90, not $19.9', async () => {
      await textIs(alice, draft('home/hero', '/title'), 'The autumn collection');
      await textIs(bob, draft('home/products', '/items/1/price'), '$19.90');
      await until(() => bob.inputValue(field('home/products', '/items/1/price')), (v) => v === '19.90', 'price field');
    });

    await check("A edits the title: B's draft preview shows it, B's live view does not", async () => {
      await edit(alice, 'home/hero', '/title', 'Summer sale');
      await textIs(bob, draft('home/hero', '/title'), 'Summer sale');
      await textIs(bob, live('home/hero', '/title'), 'The autumn collection');
      await textIs(bob, `${card('home/hero')} .badge`, 'v2 · draft · live is v1');
    });

    await check('A sets a price to 17.50: B sees exactly 17.50 (field and preview)', async () => {
      await edit(alice, 'home/products', '/items/1/price', '17.50');
      await textIs(bob, draft('home/products', '/items/1/price'), '$17.50');
      await until(() => bob.inputValue(field('home/products', '/items/1/price')), (v) => v === '17.50', 'price field');
      await textIs(bob, live('home/products', '/items/1/price'), '$19.90');
    });

    await check('B edits a stale field: the conflict message names both versions', async () => {
      await bob.fill(field('home/hero', '/subtitle'), 'Knitwear for everyone'); // typing, not sent yet
      await edit(alice, 'home/hero', '/title', 'Summer sale, 20% off'); // meanwhile A edits
      await textIs(bob, draft('home/hero', '/title'), 'Summer sale, 20% off');
      await until(() => bob.inputValue(field('home/hero', '/subtitle')), (v) => v === 'Knitwear for everyone', "B's typing is kept");
      await bob.press(field('home/hero', '/subtitle'), 'Enter');
      await visible(bob, `${card('home/hero')} [data-testid=conflict]`);
      await until(() => bob.textContent(`${card('home/hero')} [data-testid=conflict]`),
        (t) => t.includes('you started at v2, it is now v3'), 'conflict text');
    });
    await shot(bob, 'conflict.png', editorAndDraft);

    await check("B clicks 'Apply my change on top': both edits land, A sees them", async () => {
      await bob.click(`${card('home/hero')} [data-testid=rebase]`);
      await hidden(bob, `${card('home/hero')} [data-testid=conflict]`);
      await textIs(alice, draft('home/hero', '/subtitle'), 'Knitwear for everyone');
      await textIs(alice, draft('home/hero', '/title'), 'Summer sale, 20% off');
      await textIs(alice, `${card('home/hero')} .badge`, 'v4 · draft · live is v1');
    });
    await shot(alice, 'editor.png');

    await check('B edits the same field as A from a stale view: no rebase, overwrite offered', async () => {
      await bob.fill(field('home/hero', '/cta'), 'Shop knitwear');
      await edit(alice, 'home/hero', '/cta', 'See the sale');
      await textIs(bob, draft('home/hero', '/cta'), 'See the sale');
      await bob.press(field('home/hero', '/cta'), 'Enter');
      await bob.click(`${card('home/hero')} [data-testid=rebase]`);
      await until(() => bob.textContent(`${card('home/hero')} [data-testid=conflict]`),
        (t) => t.includes('Someone else changed the same field (cta)'), 'overlap text');
      await visible(bob, `${card('home/hero')} [data-testid=overwrite]`);
      await bob.click(`${card('home/hero')} [data-testid=drop-mine]`);
      await hidden(bob, `${card('home/hero')} [data-testid=conflict]`);
      await until(() => bob.inputValue(field('home/hero', '/cta')), (v) => v === 'See the sale', "B's field shows A's value again");
    });

    await check("A locks the hero: B sees 'Alice is editing' and cannot write", async () => {
      await alice.click(`${card('home/hero')} [data-testid=lock]`);
      await visible(alice, `${card('home/hero')} [data-testid=lease-mine]`);
      await textIs(bob, `${card('home/hero')} [data-testid=lease-banner]`, 'Alice is editing this sectionTake over');
      await until(() => bob.isDisabled(field('home/hero', '/title')), (d) => d === true, "B's fields are disabled");
      const attempt = await bob.evaluate(async () => {
        const response = await fetch('/api/patch', {
          method: 'POST', headers: { 'X-Demo-User': 'bob', 'Content-Type': 'application/json' },
          body: JSON.stringify({ section: 'home/hero', expected_version: '5', patch: '[{"op":"replace","path":"/title","value":"x"}]' }),
        });
        return { status: response.status, body: await response.json() };
      });
      if (attempt.status !== 423 || attempt.body.error.code !== 'DM201') throw new Error(JSON.stringify(attempt));
    });

    await check("B cannot write with, renew or release A's lease token: 423, and A keeps the lease", async () => {
      // Tokens are sequential numbers: B can guess A's. Here B is simply given it.
      const token = await alice.evaluate(() => state.sections.get('home/hero').leaseToken);
      if (!token) throw new Error('A holds no token');
      const { rows } = await sql("SELECT version FROM draft_mode.sections WHERE tenant = 'acme' AND section = 'home/hero'");
      for (const [action, extra] of [
        ['patch', { expected_version: String(rows[0].version), patch: '[{"op":"replace","path":"/title","value":"Bob was here"}]' }],
        ['publish', { expected_version: String(rows[0].version) }],
        ['renew', {}],
        ['release', {}],
      ]) {
        const result = await postJson(base, `/api/${action}`, 'bob', { section: 'home/hero', lease_token: token, ...extra });
        const { error } = JSON.parse(result.text);
        if (result.status !== 423 || error.code !== 'lease_not_held' || error.detail.holder !== 'alice@acme.example') {
          throw new Error(`${action}: ${result.status} ${result.text}`);
        }
      }
      const after = await sql(`SELECT s.version, l.held, l.holder FROM draft_mode.sections s, draft_mode.lease_status('acme', 'home/hero') l
                                WHERE s.tenant = 'acme' AND s.section = 'home/hero'`);
      const { version, held, holder } = after.rows[0];
      if (version !== rows[0].version || !held || holder !== 'alice@acme.example') throw new Error(JSON.stringify(after.rows[0]));
      await visible(alice, `${card('home/hero')} [data-testid=lease-mine]`);
    });
    await shot(bob, 'lease.png', editorAndDraft);

    await check('B takes over: B can write, A now sees the banner', async () => {
      await bob.click(`${card('home/hero')} [data-testid=take-over]`);
      await visible(bob, `${card('home/hero')} [data-testid=lease-mine]`);
      await textIs(alice, `${card('home/hero')} [data-testid=lease-banner]`, 'Bob is editing this sectionTake over');
      await until(() => alice.isDisabled(field('home/hero', '/title')), (d) => d === true, "A's fields are disabled");
      await current(bob, 'home/hero');
      await edit(bob, 'home/hero', '/cta', 'Shop the sale');
      await textIs(alice, draft('home/hero', '/cta'), 'Shop the sale');
    });

    await check('undo and redo, seen in the other tab', async () => {
      await current(bob, 'home/hero');
      await bob.click(`${card('home/hero')} [data-testid=undo]`);
      await textIs(alice, draft('home/hero', '/cta'), 'See the sale');
      await current(bob, 'home/hero');
      await bob.click(`${card('home/hero')} [data-testid=redo]`);
      await textIs(alice, draft('home/hero', '/cta'), 'Shop the sale');
    });

    let carol;
    await check('B publishes the hero: a customer sees it, but not the unpublished price', async () => {
      await current(bob, 'home/hero');
      await bob.click(`${card('home/hero')} [data-testid=publish]`);
      await textIs(alice, live('home/hero', '/title'), 'Summer sale, 20% off');
      carol = await open('carol', { width: 900, height: 560 });
      await textIs(carol, '[data-field="home/hero/title"]', 'Summer sale, 20% off');
      await textIs(carol, '[data-field="home/hero/cta"]', 'Shop the sale');
      await textIs(carol, '[data-field="home/products/items/1/price"]', '$19.90');
      if (await carol.count('#editor, [data-testid^="field:"]')) throw new Error('the customer sees an editor');
    });

    await check("the customer's page updates live on publish, and only then", async () => {
      await edit(alice, 'home/announcement', '/text', 'Winter sale starts Friday');
      await textIs(bob, draft('home/announcement', '/text'), 'Winter sale starts Friday');
      await sleep(300);
      await textIs(carol, '[data-field="home/announcement/text"]', 'Free shipping on orders over $50');
      await current(alice, 'home/announcement');
      await alice.click(`${card('home/announcement')} [data-testid=publish]`);
      await textIs(carol, '[data-field="home/announcement/text"]', 'Winter sale starts Friday');
    });
    await shot(carol, 'customer.png');

    await check('A scraps the draft price: both editors are back to 19.90', async () => {
      await alice.click(`${card('home/products')} [data-testid=scrap]`);
      await textIs(alice, draft('home/products', '/items/1/price'), '$19.90');
      await textIs(bob, draft('home/products', '/items/1/price'), '$19.90');
      await textIs(bob, `${card('home/products')} .badge`, 'v3 · published');
    });

    // Catch-up comes from the change feed: no new snapshot, and the tab ends at the feed's end.
    const feedOf = (page) => page.evaluate(() => window.livePreview.feed());
    const caughtUp = async (page, before, changes) => {
      const end = await feedEnd();
      const after = await until(() => feedOf(page), (f) => f.lastEventId === end, `last event id ${end}`);
      if (after.snapshots !== before.snapshots) throw new Error(`a snapshot was sent: ${JSON.stringify(after)}`);
      if (after.changes < before.changes + changes) throw new Error(`changes missed: ${JSON.stringify([before, after])}`);
    };

    await check('a tab that lost its stream catches up from the change feed when it reconnects', async () => {
      const before = await feedOf(bob);
      await bob.evaluate(() => window.livePreview.disconnect());
      await edit(alice, 'home/announcement', '/text', 'Back on Monday');
      await edit(alice, 'home/products', '/items/0/price', '74.90');
      await sleep(200);
      await textIs(bob, draft('home/announcement', '/text'), 'Winter sale starts Friday');
      await bob.evaluate(() => window.livePreview.reconnect());
      await textIs(bob, draft('home/announcement', '/text'), 'Back on Monday');
      await textIs(bob, draft('home/products', '/items/0/price'), '$74.90');
      await caughtUp(bob, before, 2);
      // What EventSource does by itself on a reconnect: Last-Event-ID gets the changes after it.
      const events = await readEvents(`${base}/events?user=bob`, { 'Last-Event-ID': before.lastEventId }, 2);
      if (events.some((e) => e.event !== 'change' || !/^c[0-9]+$/.test(e.id))) throw new Error(JSON.stringify(events));
      const data = events.map((e) => e.data).join('\n');
      if (!data.includes('"Back on Monday"') || !data.includes(': 74.90')) throw new Error(data);
    });

    await check("the server's LISTEN connection drops: it reconnects and every tab catches up from the feed", async () => {
      const before = [await feedOf(alice), await feedOf(bob)];
      const { rows } = await sql(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'");
      if (rows.length !== 1 || !rows[0].done) throw new Error(`terminated ${JSON.stringify(rows)}`);
      await edit(alice, 'home/announcement', '/text', 'Open all weekend'); // while nobody listens
      await edit(alice, 'home/products', '/items/0/price', '72.00');
      await textIs(bob, draft('home/announcement', '/text'), 'Open all weekend');
      await textIs(alice, draft('home/announcement', '/text'), 'Open all weekend');
      await textIs(bob, draft('home/products', '/items/0/price'), '$72.00');
      await caughtUp(alice, before[0], 2);
      await caughtUp(bob, before[1], 2);
    });

    await check('a forged notification costs a read, nothing else', async () => {
      const before = await feedOf(bob);
      const next = `c${Number(before.lastEventId.slice(1)) + 1}`;
      await sql("SELECT pg_notify('draft_mode', $1)", [JSON.stringify({ tenant: 'acme', section: 'home/announcement',
        version: 99, kind: 'patch', cursor: next, patch: [{ op: 'replace', path: '/text', value: 'forged' }] })]);
      await sleep(500);
      await textIs(bob, draft('home/announcement', '/text'), 'Open all weekend');
      const after = await feedOf(bob);
      if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(JSON.stringify([before, after]));
    });

    await check('the browser cannot pick a tenant, and inputs are validated', async () => {
      const call = (user, method, url, body) => alice.evaluate(async ([u, m, p, b]) => {
        const response = await fetch(p, { method: m, headers: { ...(u ? { 'X-Demo-User': u } : {}), 'Content-Type': 'application/json' }, body: b });
        return { status: response.status, text: await response.text() };
      }, [user, method, url, body]);
      const anonymous = await call(null, 'GET', '/api/sections');
      if (anonymous.status !== 401) throw new Error(`anonymous: ${anonymous.status}`);
      const dave = await call('dave', 'GET', '/api/sections');
      if (!dave.text.includes('Globex') || dave.text.includes('Summer sale')) throw new Error(`dave sees ${dave.text}`);
      const daveWrites = await call('dave', 'POST', '/api/patch', JSON.stringify({
        tenant: 'acme', section: 'home/hero', expected_version: '1', patch: '[{"op":"replace","path":"/title","value":"pwned"}]' }));
      if (daveWrites.status !== 200) throw new Error(`dave's write to his own tenant: ${daveWrites.text}`);
      await sleep(200);
      await textIs(alice, draft('home/hero', '/title'), 'Summer sale, 20% off'); // acme untouched
      for (const [body, status] of [
        [{ section: 'home/hero', expected_version: 'x', patch: '[]' }, 400],
        // Only a string of digits or a JSON integer: String(["2"]) would be "2".
        [{ section: 'home/hero', expected_version: ['2'], patch: '[{"op":"add","path":"/a","value":1}]' }, 400],
        [{ section: 'home/hero', expected_version: { 2: 2 }, patch: '[{"op":"add","path":"/a","value":1}]' }, 400],
        [{ section: 'home/hero', expected_version: 2.5, patch: '[{"op":"add","path":"/a","value":1}]' }, 400],
        [{ section: 'home/hero', expected_version: '2', lease_token: [1], patch: '[{"op":"add","path":"/a","value":1}]' }, 400],
        [{ section: 'home/hero', expected_version: '2', patch: '[{"op":"copy","from":["/title"],"path":"/a"}]' }, 400],
        [{ section: 'home/hero', expected_version: 2, patch: '[{"op":"add","path":"/a","value":1}]' }, 423], // a number is fine
        [{ section: 'home/hero', expected_version: '9', patch: '{"op":"add"}' }, 400],
        [{ section: '../etc', expected_version: '9', patch: '[{"op":"add","path":"/a","value":1}]' }, 400],
        [{ section: 'home/hero', expected_version: '9', patch: '[{"op":"replace","path":"/nope","value":1}]' }, 423],
      ]) {
        const result = await call('alice', 'POST', '/api/patch', JSON.stringify(body));
        if (result.status !== status) throw new Error(`${JSON.stringify(body)}: ${result.status} ${result.text}`);
      }
      const customer = await call('carol', 'POST', '/api/undo', JSON.stringify({ section: 'home/hero', expected_version: '1' }));
      if (customer.status !== 403) throw new Error(`customer write: ${customer.status}`);
    });

    await check('a patch that would grow a section past 1MB gets 413 (54000) and changes nothing', async () => {
      // Each copy of the whole document into itself doubles it: 16 of them make about 8 MB, under
      // draft_mode's default limit (64MB) and over the one setup.sql sets for the server (1MB).
      const { rows } = await sql("SELECT version FROM draft_mode.sections WHERE tenant = 'acme' AND section = 'home/announcement'");
      const patch = JSON.stringify(Array.from({ length: 16 }, (_, i) => ({ op: 'copy', from: '', path: `/copy${i}` })));
      const result = await postJson(base, '/api/patch', 'alice', { section: 'home/announcement', expected_version: String(rows[0].version), patch });
      const { error } = JSON.parse(result.text);
      if (result.status !== 413 || error.code !== '54000' || !/document size limit of 1048576 bytes/.test(error.message)) throw new Error(`${result.status} ${result.text}`);
      const after = await sql("SELECT version FROM draft_mode.sections WHERE tenant = 'acme' AND section = 'home/announcement'");
      if (after.rows[0].version !== rows[0].version) throw new Error('the section changed');
    });

    await check('an event stream that is not read is dropped, not buffered without end', async () => {
      // A client that opens dave's stream and stops reading, then 40 changes of 500 kB each
      // (20 MB of events). The server drops the stream past 1 MB waiting in it (it says so); the
      // client, once it reads again, finds the connection closed, well before 20 MB.
      await sql(`SELECT set_config('draft_mode.tenant', 'globex', false), set_config('draft_mode.actor', 'test', false),
                        draft_mode.create_section('globex', 'flood', '{"text": ""}')`);
      const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
      let received = 0;
      const ended = new Promise((resolve) => socket.on('close', resolve));
      socket.on('error', () => {}); // a reset is an end too
      socket.on('data', (chunk) => { received += chunk.length; });
      socket.write('GET /events?user=dave HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await until(() => received, (n) => n > 0, 'the stream opened');
      await sleep(200); // the snapshot
      socket.pause();
      const client = new Client();
      await client.connect();
      try {
        await client.query(`SET draft_mode.notify = on;
          SELECT set_config('draft_mode.tenant', 'globex', false), set_config('draft_mode.actor', 'test', false);
          DO $$ BEGIN
            FOR i IN 1..40 LOOP
              PERFORM draft_mode.patch_draft('globex', 'flood',
                jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/text', 'value', repeat('x', 500000) || i)), i);
            END LOOP;
          END $$`);
      } finally { await client.end(); }
      await logged(/dropping the event stream of dave: more than \d+ bytes unread/, 'the server drops the stream', 10000);
      socket.resume();
      await Promise.race([ended, sleep(5000).then(() => { throw new Error(`still open after ${received} bytes`); })]);
      if (received > 10000000) throw new Error(`received ${received} bytes`);
    });

    await check('idle database connections terminated: the server logs it and keeps answering', async () => {
      // A few requests at once leave a few idle connections in the pool.
      await Promise.all([1, 2, 3].map(() => request(base, 'GET', '/api/sections', { user: 'alice' })));
      const { rows } = await sql(
        `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
          WHERE datname = current_database() AND usename = 'live_preview_server' AND state = 'idle'
            AND query NOT LIKE 'LISTEN %'`);
      if (rows.length === 0 || !rows.every((row) => row.done)) throw new Error(`terminated ${JSON.stringify(rows)}`);
      await logged(/idle database connection lost/, 'the server logs the lost connection');
      for (const user of ['alice', 'bob']) {
        const after = await request(base, 'GET', '/api/sections', { user });
        if (after.status !== 200) throw new Error(`${user}: ${after.status} ${after.text}`);
      }
      if (server.exitCode !== null || server.signalCode !== null) throw new Error('the server exited');
      await edit(alice, 'home/announcement', '/text', 'Still here');
      await textIs(bob, draft('home/announcement', '/text'), 'Still here');
    });

    await check('a "__proto__" key added by one editor is content in the other\'s page, not its prototype', async () => {
      // Two patches: /__proto__ as an object, then a member in it. A page that set members with
      // object[key] = value would make the first the object's prototype and, at the second, write
      // to Object.prototype itself.
      const section = 'home/announcement';
      const patch = async (ops) => {
        const { rows } = await sql("SELECT version FROM draft_mode.sections WHERE tenant = 'acme' AND section = $1", [section]);
        const result = await postJson(base, '/api/patch', 'alice', { section, expected_version: String(rows[0].version), patch: JSON.stringify(ops) });
        if (result.status !== 200) throw new Error(`${JSON.stringify(ops)}: ${result.status} ${result.text}`);
      };
      await patch([{ op: 'add', path: '/__proto__', value: {} }]);
      await patch([{ op: 'add', path: '/__proto__/polluted', value: 'yes' }]);
      for (const page of [bob, alice]) {
        await until(() => page.inputValue(field(section, '/__proto__/polluted')), (v) => v === 'yes', 'the key shows as a field');
        const clean = await page.evaluate(() => ({}).polluted === undefined && !('polluted' in Object.prototype));
        if (!clean) throw new Error('Object.prototype was changed');
      }
      // The same from a snapshot or a re-read (the parser), and through get().
      const parsed = await bob.evaluate(() => {
        const doc = window.ExactJSON.parse('{"__proto__": {"polluted": "yes"}, "text": "x"}');
        return { text: window.ExactJSON.stringify(doc), clean: ({}).polluted === undefined,
          constructor: window.ExactJSON.get(doc, '/constructor') === undefined };
      });
      if (parsed.text !== '{"__proto__":{"polluted":"yes"},"text":"x"}' || !parsed.clean || !parsed.constructor) throw new Error(JSON.stringify(parsed));
      await patch([{ op: 'remove', path: '/__proto__' }]);
      await hidden(bob, field(section, '/__proto__/polluted'));
    });

    await check('event streams: at most 5 per user (429), and at most MAX_STREAMS in all (503)', async () => {
      // Open streams, kept open until the end; the three pages have one each.
      const open = [];
      const openEvents = (user) => new Promise((resolve, reject) => {
        const req = http.get(`${base}/events?user=${user}`, (response) => {
          if (response.statusCode === 200) open.push(req); else response.resume();
          resolve(response.statusCode);
        });
        req.on('error', reject);
      });
      try {
        const dave = [];
        for (let i = 0; i < 6; i++) dave.push(await openEvents('dave'));
        if (dave.join() !== '200,200,200,200,200,429') throw new Error(`dave: ${dave}`);
        open.shift().destroy(); // one closes: dave may open one again
        await until(() => openEvents('dave'), (status) => status === 200, 'a stream after one closed');
        // 3 pages + 5 of dave's: two more for alice (3 with her page), then the server is full.
        const alice = [];
        for (let i = 0; i < 3; i++) alice.push(await openEvents('alice'));
        if (alice.join() !== '200,200,503') throw new Error(`alice: ${alice}`);
      } finally {
        for (const req of open) req.destroy();
      }
    });

    await check('API calls take the user from X-Demo-User only, and writes only JSON (415)', async () => {
      const body = JSON.stringify({ section: 'home/hero', expected_version: '1', patch: '[{"op":"replace","path":"/title","value":"csrf"}]' });
      const json = { 'Content-Type': 'application/json' };
      for (const [what, result, status] of [
        ['a write with ?user= and no header', await request(base, 'POST', '/api/patch?user=alice', { headers: json, body }), 401],
        ['a read with ?user= and no header', await request(base, 'GET', '/api/sections?user=alice'), 401],
        ['a write as text/plain (what a form or a plain fetch can send)', await request(base, 'POST', '/api/patch', { user: 'alice', headers: { 'Content-Type': 'text/plain' }, body }), 415],
        ['a write as form data', await request(base, 'POST', '/api/patch', { user: 'alice', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body }), 415],
        ['a write with no Content-Type', await request(base, 'POST', '/api/patch', { user: 'alice', body }), 415],
      ]) {
        if (result.status !== status) throw new Error(`${what}: ${result.status} ${result.text}`);
      }
      const stream = await readEvents(`${base}/events?user=alice`, {}, 1); // EventSource cannot set headers
      if (stream[0].event !== 'snapshot') throw new Error(JSON.stringify(stream));
    });

    await check('POST /api/NAME for a name on Object.prototype is 404, not a 500', async () => {
      for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
        const result = await postJson(base, `/api/${name}`, 'alice', { section: 'home/hero', expected_version: '1' });
        if (result.status !== 404) throw new Error(`${name}: ${result.status} ${result.text}`);
      }
      if (/internal error/.test(serverLog)) throw new Error(`the server logged an internal error:\n${serverLog}`);
    });

    await check('a body over 64 KB gets a 413 answer, not a reset', async () => {
      const patch = JSON.stringify([{ op: 'replace', path: '/text', value: 'x'.repeat(1000000) }]);
      const body = JSON.stringify({ section: 'home/announcement', expected_version: '1', patch });
      const result = await request(base, 'POST', '/api/patch', { user: 'alice', headers: { 'Content-Type': 'application/json' }, body });
      if (result.status !== 413 || JSON.parse(result.text).error.code !== 'too_large') throw new Error(`${result.status} ${result.text}`);
      const fromPage = await alice.evaluate(async () => {
        const response = await fetch('/api/patch', {
          method: 'POST', headers: { 'X-Demo-User': 'alice', 'Content-Type': 'application/json' },
          body: JSON.stringify({ section: 'home/announcement', expected_version: '1', patch: 'x'.repeat(200000) }),
        });
        return { status: response.status, body: await response.json() };
      });
      if (fromPage.status !== 413 || fromPage.body.error.code !== 'too_large') throw new Error(JSON.stringify(fromPage));
    });

    await check("/api/me gives editors their co-editors' names, and customers none", async () => {
      const alice = JSON.parse((await request(base, 'GET', '/api/me', { user: 'alice' })).text);
      if (alice.names['bob@acme.example'] !== 'Bob') throw new Error(JSON.stringify(alice));
      const carol = await request(base, 'GET', '/api/me', { user: 'carol' });
      const me = JSON.parse(carol.text);
      if (carol.status !== 200 || me.role !== 'customer' || Object.keys(me.names).length !== 0 || /@/.test(carol.text)) {
        throw new Error(carol.text);
      }
    });
  } finally {
    await driver.close();
    server.kill('SIGTERM');
  }
  console.log(`1..${count}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  report(false, 'the test ran to its end', error.stack || error);
  console.log(`1..${count}`);
  process.exit(1);
});
