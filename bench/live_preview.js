// Latency of the live-preview example (examples/live-preview), run by bench/live-preview:
//
//   node bench/live_preview.js EDITS INTERVAL_MS TABS...      (connects with PG* variables;
//   LP_KINDS="tabs streams" picks the kinds of listener)
//
// Starts the example's server.js, opens TABS editor tabs (each its own browser context, so each
// has its own connection for the event stream) in headless Chromium, then makes EDITS
// patch_draft calls (one replaced price each, exact two-decimal text) from this process, one
// every INTERVAL_MS (an open loop: the next edit does not wait for the tabs). Each edit is a
// transaction as the server makes it (SET LOCAL ROLE, tenant and actor, patch_draft, COMMIT).
//
// Latency of one edit in one tab: from the moment this process sends COMMIT to the moment that
// tab has applied the change and re-rendered its page (window.renders, timestamps from the page:
// performance.timeOrigin + performance.now(), the same clock as this process's). Every tab must
// render every edit, and end with the last price, exactly; otherwise the run fails.
//
// Server cost: the server process's CPU time (utime + stime, /proc/PID/stat) over the edits,
// per edit and per edit per tab, and its resident memory (VmRSS) growth from before the tabs
// opened to after, per tab.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const example = path.join(__dirname, '..', 'examples', 'live-preview');
const exampleRequire = createRequire(path.join(example, 'package.json'));
const { Client } = exampleRequire('pg');
const { chromium } = exampleRequire('playwright-core');

const edits = Number(process.argv[2] || 2000);
const interval = Number(process.argv[3] || 20);
const tabCounts = process.argv.slice(4).map(Number);
if (!tabCounts.length) tabCounts.push(1, 10, 50);
// tabs: Chromium pages (the latency a user sees, with every tab's browser on this machine);
// streams: plain event-stream readers in this process (the server's part alone).
const kinds = (process.env.LP_KINDS || 'tabs streams').split(' ');

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ticks = Number(process.env.CLK_TCK || 100); // getconf CLK_TCK

function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks; // utime, stime
}
function rssKb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function startServer() {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [path.join(example, 'server.js')], {
      env: { ...process.env, PORT: '0', PGUSER: 'live_preview_server', MAX_STREAMS_PER_USER: '100' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    server.stdout.on('data', (chunk) => {
      const match = /http:\/\/([\d.]+:\d+)\//.exec(String(chunk));
      if (match) resolve({ server, base: `http://${match[1]}` });
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

// A transaction as the server begins one for an editor of tenant acme.
async function begin(client) {
  await client.query('BEGIN');
  await client.query('SET LOCAL ROLE live_preview_editor');
  await client.query("SELECT set_config('draft_mode.tenant', 'acme', true), set_config('draft_mode.actor', 'bench@acme.example', true)");
}

// A listener without a browser: reads the event stream as a tab would and timestamps each change
// on arrival. Has the same interface as the part of a page the benchmark uses.
function streamClient(base) {
  return new Promise((resolve, reject) => {
    const renders = [];
    let last = { version: 0, price: null };
    const request = http.get(`${base}/events?user=bob`, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        buffer += chunk;
        for (let end; (end = buffer.indexOf('\n\n')) >= 0; buffer = buffer.slice(end + 2)) {
          const block = buffer.slice(0, end);
          if (block.startsWith('event: snapshot')) resolve(client);
          if (!block.startsWith('event: change')) continue;
          const t = now();
          const data = block.slice(block.indexOf('data: ') + 6);
          const version = Number(/"version": ([0-9]+)/.exec(data)[1]);
          const price = /"value": ([0-9.]+)/.exec(data);
          renders.push({ section: /"section": "([^"]+)"/.exec(data)[1], version, received: t, t });
          last = { version, price: price && price[1] };
        }
      });
    });
    request.on('error', reject);
    const client = {
      renders: () => renders,
      clear: () => { renders.length = 0; },
      lastPrice: () => last.price,
      close: () => request.destroy(),
    };
  });
}

function pageClient(page) {
  return {
    renders: () => page.evaluate(() => window.renders),
    clear: () => page.evaluate(() => { window.renders.length = 0; }),
    lastPrice: async (item) => (await page.locator(`#draft-preview [data-field="home/products/items/${item}/price"]`).textContent()).slice(1),
    close: () => page.context().close(),
  };
}

async function run(browser, base, server, tabs, writer, kind) {
  const rssBefore = rssKb(server.pid);
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    if (kind === 'streams') {
      pages.push(await streamClient(base));
      continue;
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${base}/?user=bob`);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'live');
    pages.push(pageClient(page));
  }
  await sleep(1000);
  const rssAfter = rssKb(server.pid);
  await begin(writer);
  const { rows } = await writer.query("SELECT version FROM draft_mode.get_section('acme', 'home/products')");
  await writer.query('COMMIT');
  let version = Number(rows[0].version);
  await Promise.all(pages.map((page) => page.clear()));

  const commits = new Map(); // version -> time COMMIT was sent
  let price = '';
  const cpuBefore = cpuMs(server.pid);
  const start = now();
  for (let i = 0; i < edits; i++) {
    const due = start + i * interval;
    while (now() < due) await sleep(Math.max(0, Math.min(5, due - now())));
    price = `${10 + (i % 80)}.${String(i % 100).padStart(2, '0')}`; // 10.00 .. 89.99, two decimals kept
    await begin(writer);
    const result = await writer.query({
      name: 'patch',
      text: 'SELECT version FROM draft_mode.patch_draft($1, $2, $3, $4)',
      values: ['acme', 'home/products', `[{"op": "replace", "path": "/items/${i % 3}/price", "value": ${price}}]`, String(version)],
    });
    version = Number(result.rows[0].version);
    commits.set(version, now());
    await writer.query('COMMIT');
  }
  // Wait for every tab to have rendered the last edit, then read the timestamps.
  const last = version;
  const lastItem = (edits - 1) % 3;
  const deadline = Date.now() + 60000;
  for (const page of pages) {
    while (!(await page.renders()).some((r) => r.version === last)) {
      if (Date.now() > deadline) throw new Error('a tab did not get the last edit within 60 s');
      await sleep(20);
    }
  }
  const cpuUsed = cpuMs(server.pid) - cpuBefore;
  const latencies = [];
  const arrivals = []; // COMMIT sent to the event's arrival in the page, before rendering
  for (const page of pages) {
    const renders = await page.renders();
    const seen = new Set();
    for (const r of renders) {
      if (r.section !== 'home/products' || !commits.has(r.version)) continue;
      seen.add(r.version);
      latencies.push(r.t - commits.get(r.version));
      arrivals.push(r.received - commits.get(r.version));
    }
    if (seen.size !== commits.size) throw new Error(`a tab rendered ${seen.size} of ${commits.size} edits`);
    const shown = await page.lastPrice(lastItem);
    if (shown !== price) throw new Error(`a tab shows ${shown}, expected ${price}`);
  }
  for (const page of pages) await page.close();
  latencies.sort((a, b) => a - b);
  arrivals.sort((a, b) => a - b);
  return {
    kind, tabs, edits, interval,
    arrivalP50: percentile(arrivals, 50), arrivalP99: percentile(arrivals, 99),
    p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1],
    cpuPerEdit: cpuUsed / edits, cpuPerEditPerTab: cpuUsed / edits / tabs,
    rssPerTabKb: (rssAfter - rssBefore) / tabs,
  };
}

async function main() {
  const { server, base } = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const writer = new Client({ user: 'live_preview_server' });
  await writer.connect();
  const results = [];
  try {
    for (const kind of kinds) {
      for (const tabs of tabCounts) {
        results.push(await run(browser, base, server, tabs, writer, kind));
        console.error(`  ${tabs} ${kind} done`);
      }
    }
  } finally {
    await writer.end();
    await browser.close();
    server.kill('SIGTERM');
  }
  const ms = (x) => x.toFixed(1);
  console.log(`edits: ${edits} per row, one every ${interval} ms; latency from COMMIT sent to the change rendered in a tab;`);
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} on ${os.cpus().length} cores`);
  console.log('| listeners | renders measured | p50 | p95 | p99 | max | arrival p50 / p99 | server CPU per edit | server CPU per edit per tab | server memory per tab |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.tabs} ${r.kind === 'tabs' ? 'Chromium tabs' : 'event streams (no browser)'} | ${r.edits * r.tabs} | ${ms(r.p50)} ms | ${ms(r.p95)} ms | ${ms(r.p99)} ms | ${ms(r.max)} ms | ${ms(r.arrivalP50)} / ${ms(r.arrivalP99)} ms | ${(r.cpuPerEdit * 1000).toFixed(0)} µs | ${(r.cpuPerEditPerTab * 1000).toFixed(0)} µs | ${Math.round(r.rssPerTabKb)} kB |`);
  }
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
