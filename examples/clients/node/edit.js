// node-postgres (pg) calling draft_mode: the things that catch people, as a program that
// test/tap/clients.t runs against a throwaway cluster and whose output it checks
// (expected-output.txt). Connection settings come from PGHOST, PGPORT, PGUSER, PGDATABASE.
'use strict';
const { Client } = require('pg');

const tenant = 'acme';
const section = 'node/pricing';

// Runs fn(client) in a transaction whose tenant and actor are set with set_config(..., true): the
// transaction-local form of SET LOCAL, with bind parameters, safe with a pool and PgBouncer.
async function inTenant(client, actor, fn) {
  await client.query('BEGIN');
  try {
    await client.query(
      "SELECT set_config('draft_mode.tenant', $1, true), set_config('draft_mode.actor', $2, true)",
      [tenant, actor]);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function main() {
  const client = new Client();
  await client.connect();

  // 1. Documents go in as JSON text. JSON.stringify({price: 19.90}) would already write 19.9: a
  //    JavaScript number has no trailing zero to keep. Text written by hand (or by a
  //    number-preserving serializer) keeps 19.90.
  const created = await inTenant(client, 'node-editor', () => client.query(
    'SELECT version FROM draft_mode.create_section($1, $2, $3)',
    [tenant, section, '{"title": "Pricing", "plan": {"name": "Pro", "price": 19.90}}']));

  // 2. bigint comes back as a string: versions are bigint, and node-postgres does not turn int8
  //    into a Number (it could lose precision). Convert it, or pass it back as it came.
  const version = created.rows[0].version;
  console.log(`create_section version: ${JSON.stringify(version)} (${typeof version})`);
  let expected = Number(version);

  // 3. A JavaScript array as the patch argument is sent as a PostgreSQL array literal
  //    ({"{\"op\":...}"}), which is not JSON: error 22P02. Send JSON.stringify(patch).
  const patch = [{ op: 'replace', path: '/title', value: 'Plans and pricing' }];
  try {
    await inTenant(client, 'node-editor', () => client.query(
      'SELECT version FROM draft_mode.patch_draft($1, $2, $3, $4)', [tenant, section, patch, expected]));
  } catch (error) {
    console.log(`patch as a JS array: error ${error.code} (${error.message})`);
  }
  const patched = await inTenant(client, 'node-editor', () => client.query(
    'SELECT version FROM draft_mode.patch_draft($1, $2, $3, $4)',
    [tenant, section, JSON.stringify(patch), expected]));
  expected = Number(patched.rows[0].version);
  console.log(`patch as JSON.stringify(patch): version ${expected}`);

  // 4. jsonb is parsed with JSON.parse: 19.90 arrives as the number 19.9. Select content::text
  //    (and parse it with a decimal-aware parser) where the digits matter.
  const read = await inTenant(client, 'node-editor', () => client.query(
    'SELECT content, content::text AS content_text FROM draft_mode.get_section($1, $2)', [tenant, section]));
  console.log(`content parsed by node-postgres: ${JSON.stringify(read.rows[0].content.plan)}`);
  console.log(`content::text: ${read.rows[0].content_text}`);

  // 5. A stale write is error PT409 (error.code), the current version in error.detail (JSON).
  try {
    await inTenant(client, 'other-tab', () => client.query(
      'SELECT version FROM draft_mode.merge_draft($1, $2, $3, $4)',
      [tenant, section, '{"title": "Stale"}', expected - 1]));
  } catch (error) {
    if (error.code !== 'PT409') throw error;
    const detail = JSON.parse(error.detail);
    console.log(`stale write: ${error.code}, current_version ${detail.current_version}`);
    const retried = await inTenant(client, 'other-tab', () => client.query(
      'SELECT version FROM draft_mode.merge_draft($1, $2, $3, $4)',
      [tenant, section, '{"subtitle": "Monthly or yearly"}', detail.current_version]));
    console.log(`retried against version ${detail.current_version}: version ${retried.rows[0].version}`);
  }

  await client.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
