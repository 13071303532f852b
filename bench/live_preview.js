// Latency of the live-preview example (examples/live-preview), run by bench/live-preview:
//
//   node bench/live_preview.js EDITS INTERVAL_MS TABS...      (connects with PG* variables)
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
      env: { ...process.env, PORT: '0', PGUSER: 'live_preview_server' },
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

async function run(browser, base, server, tabs, writer) {
  const rssBefore = rssKb(server.pid);
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${base}/?user=bob`);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'live');
    pages.push(page);
  }
  await sleep(1000);
  const rssAfter = rssKb(server.pid);
  await begin(writer);
  const { rows } = await writer.query("SELECT version FROM draft_mode.get_section('acme', 'home/products')");
  await writer.query('COMMIT');
  let version = Number(rows[0].version);
  await Promise.all(pages.map((page) => page.evaluate(() => { window.renders.length = 0; })));

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
  await Promise.all(pages.map((page) => page.waitForFunction((v) => window.renders.some((r) => r.version === v), last, { timeout: 60000 })));
  const cpuUsed = cpuMs(server.pid) - cpuBefore;
  const latencies = [];
  const arrivals = []; // COMMIT sent to the event's arrival in the page, before rendering
  for (const page of pages) {
    const renders = await page.evaluate(() => window.renders);
    const seen = new Set();
    for (const r of renders) {
      if (r.section !== 'home/products' || !commits.has(r.version)) continue;
      seen.add(r.version);
      latencies.push(r.t - commits.get(r.version));
      arrivals.push(r.received - commits.get(r.version));
    }
    if (seen.size !== commits.size) throw new Error(`a tab rendered ${seen.size} of ${commits.size} edits`);
    const shown = await page.locator(`#draft-preview [data-field="home/products/items/${lastItem}/price"]`).textContent();
    if (shown !== `$${price}`) throw new Error(`a tab shows ${shown}, expected $${price}`);
  }
  for (const page of pages) await page.context().close();
  latencies.sort((a, b) => a - b);
  arrivals.sort((a, b) => a - b);
  return {
    tabs, edits, interval,
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
    for (const tabs of tabCounts) {
      const r = await run(browser, base, server, tabs, writer);
      results.push(r);
      console.error(`  ${tabs} tabs done`);
    }
  } finally {
    await writer.end();
    await browser.close();
    server.kill('SIGTERM');
  }
  const ms = (x) => x.toFixed(1);
  console.log(`edits: ${edits} per row, one every ${interval} ms; latency from COMMIT sent to the change rendered in a tab;`);
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} on ${os.cpus().length} cores`);
  console.log('| tabs listening | renders measured | p50 | p95 | p99 | max | arrival p50 / p99 | server CPU per edit | server CPU per edit per tab | server memory per tab |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.tabs} | ${r.edits * r.tabs} | ${ms(r.p50)} ms | ${ms(r.p95)} ms | ${ms(r.p99)} ms | ${ms(r.max)} ms | ${ms(r.arrivalP50)} / ${ms(r.arrivalP99)} ms | ${(r.cpuPerEdit * 1000).toFixed(0)} µs | ${(r.cpuPerEditPerTab * 1000).toFixed(0)} µs | ${Math.round(r.rssPerTabKb)} kB |`);
  }
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
