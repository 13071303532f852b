// Scenario 4 of bench/run: draft_mode.patch_draft against the client-side
// read-modify-write apps do today, over a real driver (node-postgres):
//
//   node bench/rmw.js SECONDS CONNECTIONS ROUNDS      (connects with PG* variables)
//
// Each edit replaces one random price of the 50 KB document (bench.docs).
//   ours: SELECT ... FROM draft_mode.patch_draft($1, $2, $3, $4) with the
//         one-operation patch and the version the previous call returned
//         (notifications on, the default).
//   rmw:  SELECT content, version (node-postgres parses the jsonb), apply the
//         same patch with fast-json-patch, UPDATE ... SET content = $1,
//         version = version + 1 WHERE id = $2 AND version = $3.
// Each of CONNECTIONS connections edits its own document (no conflicts) for
// SECONDS; the two run alternately ROUNDS times each, with named (prepared)
// statements on both sides. Measured per phase: edits per second over all
// connections, bytes the client wrote to and read from its socket per edit
// (net.Socket bytesWritten/bytesRead, protocol framing included), and,
// printed for information only, the backend's peak private memory growth
// (RssAnon in /proc/PID/status, sampled every 10 ms) over its value after
// bench.warm_up(), which keeps what it freed, so this undercounts. Each
// connection calls bench.warm_up() first. Medians over rounds go into
// bench.results.
'use strict';
const fs = require('fs');
const { Client } = require('pg');
const jsonpatch = require('fast-json-patch');

const seconds = Number(process.argv[2] || 20);
const connections = Number(process.argv[3] || 2);
const rounds = Number(process.argv[4] || 2);

// A one-operation patch replacing a random price, as JSON text (two decimals).
function randomPatch() {
  const pick = (n) => Math.floor(Math.random() * n);
  const price = `${1 + pick(199)}.${10 + pick(90)}`;
  return `[{"op": "replace", "path": "/pages/${pick(12)}/sections/${pick(5)}/items/${pick(6)}/price", "value": ${price}}]`;
}

// Edits through patch_draft until the deadline; returns the edits made.
async function editOurs(client, name, deadline) {
  let version = '1';
  let edits = 0;
  let changes = 0;
  while (Date.now() < deadline) {
    const result = await client.query({
      name: 'patch',
      text: 'SELECT version, changed FROM draft_mode.patch_draft($1, $2, $3, $4)',
      values: ['bench', name, randomPatch(), version],
    });
    version = result.rows[0].version;
    edits += 1;
    changes += result.rows[0].changed ? 1 : 0;
  }
  return { edits, check: { expected: 1 + changes, query: 'SELECT version FROM draft_mode.sections WHERE tenant = $1 AND section = $2', values: ['bench', name] } };
}

// Edits by reading the whole document, patching it here and writing it back.
async function editReadModifyWrite(client, name, deadline) {
  let edits = 0;
  while (Date.now() < deadline) {
    const read = await client.query({
      name: 'read',
      text: 'SELECT content, version FROM bench.app_documents WHERE id = $1',
      values: [name],
    });
    const { content, version } = read.rows[0];
    jsonpatch.applyPatch(content, JSON.parse(randomPatch()), false, true);
    const write = await client.query({
      name: 'write',
      text: 'UPDATE bench.app_documents SET content = $1, version = version + 1 WHERE id = $2 AND version = $3',
      values: [JSON.stringify(content), name, version],
    });
    if (write.rowCount !== 1) throw new Error(`rmw: version conflict on ${name} with one writer`);
    edits += 1;
  }
  return { edits, check: { expected: 1 + edits, query: 'SELECT version FROM bench.app_documents WHERE id = $2 AND $1 = $1', values: ['bench', name] } };
}

// The backend's private resident memory (RssAnon) in kB.
function privateKb(pid) {
  return Number(/RssAnon:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

// One connection's phase: warm up, measure, edit until the deadline, measure.
async function runConnection(kind, name, deadline) {
  const client = new Client();
  await client.connect();
  await client.query('SELECT bench.warm_up()');
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const memoryBefore = privateKb(pid);
  let memoryPeak = memoryBefore;
  const sampler = setInterval(() => { memoryPeak = Math.max(memoryPeak, privateKb(pid)); }, 10);
  const socket = client.connection.stream;
  const written = socket.bytesWritten;
  const read = socket.bytesRead;
  const started = Date.now();
  const edit = kind === 'ours' ? editOurs : editReadModifyWrite;
  const { edits, check } = await edit(client, name, deadline);
  const elapsed = (Date.now() - started) / 1000;
  const sent = socket.bytesWritten - written;
  const received = socket.bytesRead - read;
  clearInterval(sampler);
  const version = Number((await client.query(check.query, check.values)).rows[0].version);
  if (version !== check.expected) {
    throw new Error(`${kind} ${name}: version ${version}, expected ${check.expected}: an edit was lost`);
  }
  await client.end();
  return { edits, elapsed, sent, received, memory: memoryPeak - memoryBefore };
}

// One phase: fresh documents, CONNECTIONS connections editing in parallel.
async function runPhase(admin, kind, phase) {
  const names = Array.from({ length: connections }, (_, c) => `rmw-${phase}-${c}`);
  for (const name of names) {
    if (kind === 'ours') {
      await admin.query("SELECT draft_mode.create_section('bench', $1, doc) FROM bench.docs WHERE label = '50 KB'", [name]);
    } else {
      await admin.query("INSERT INTO bench.app_documents SELECT $1, doc, 1 FROM bench.docs WHERE label = '50 KB'", [name]);
    }
  }
  await admin.query('CHECKPOINT');
  const deadline = Date.now() + seconds * 1000;
  const results = await Promise.all(names.map((name) => runConnection(kind, name, deadline)));
  const edits = results.reduce((sum, r) => sum + r.edits, 0);
  return {
    perSecond: edits / Math.max(...results.map((r) => r.elapsed)),
    sent: results.reduce((sum, r) => sum + r.sent, 0) / edits,
    received: results.reduce((sum, r) => sum + r.received, 0) / edits,
    memory: Math.max(...results.map((r) => r.memory)),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  const admin = new Client();
  await admin.connect();
  await admin.query('CREATE TABLE IF NOT EXISTS bench.app_documents (id text PRIMARY KEY, content jsonb NOT NULL, version int8 NOT NULL)');
  const phases = { ours: [], rmw: [] };
  for (let round = 1; round <= rounds; round += 1) {
    for (const kind of ['ours', 'rmw']) {
      const result = await runPhase(admin, kind, `${kind}-${round}`);
      phases[kind].push(result);
      console.log(`${kind} round ${round}: ${result.perSecond.toFixed(1)} edits/s, ` +
                  `${result.sent.toFixed(0)} bytes sent and ${result.received.toFixed(0)} received per edit, ` +
                  `backend private memory after warm-up +${(result.memory / 1024).toFixed(1)} MB`);
    }
  }
  const summary = {};
  for (const kind of ['ours', 'rmw']) {
    summary[kind] = {};
    for (const figure of ['perSecond', 'sent', 'received', 'memory']) {
      summary[kind][figure] = median(phases[kind].map((p) => p[figure]));
    }
  }
  const { ours, rmw } = summary;
  const label = `${connections} connection${connections === 1 ? '' : 's'}`;
  await admin.query('SELECT bench.report($1, $2, $3, $4, $5, $6)', [
    `4. patch_draft vs client read-modify-write, 50 KB, node-postgres, ${label}: edits/s`,
    ours.perSecond.toFixed(0), rmw.perSecond.toFixed(0), ours.perSecond / rmw.perSecond, '>= 3x',
    ours.perSecond / rmw.perSecond >= 3]);
  await admin.query('SELECT bench.report($1, $2, $3, $4, $5, $6)', [
    '4. bytes sent by the client per edit',
    `${ours.sent.toFixed(0)} B`, `${rmw.sent.toFixed(0)} B`, ours.sent / rmw.sent, '<= 0.05x (20x fewer)',
    rmw.sent / ours.sent >= 20]);
  await admin.query('SELECT bench.report($1, $2, $3, $4, $5, $6)', [
    '4. bytes received by the client per edit (info)',
    `${ours.received.toFixed(0)} B`, `${rmw.received.toFixed(0)} B`, ours.received / rmw.received, null, null]);
  await admin.end();
}

main().catch((error) => {
  console.error(`bench/rmw.js: ${error.stack || error}`);
  process.exit(1);
});
