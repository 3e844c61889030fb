// The booking API against its own description: schemathesis (pinned in the
// Makefile, in the virtual environment `make test` creates) generates
// requests from docs/openapi.json, valid and invalid, and runs every check
// against a live `creneau serve` (rate limits raised so the run is not
// answered 429 throughout). Zero failures: no 5xx, every answer's status,
// headers and body as documented, every schema-invalid request refused,
// every schema-valid one answered as documented (tests/api/schemathesis.toml
// lists the refusals only the store can decide).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ROOT } from './support/server.mjs';
import { bookOne } from './support/slots.mjs';

const SCHEMATHESIS = join(ROOT, '.venv/bin/schemathesis');

let server;
before(async () => {
  server = await startServer([
    '--bookings-per-minute', '1000000', '--lookups-per-minute', '1000000',
    '--wrong-tries-per-reference-per-hour', '1000000', '--wrong-tries-per-address-per-hour', '1000000',
    '--alert-sign-ups-per-hour', '1000000',
  ]);
});
after(async () => { await server?.stop(); });

/** One real booking, so lookup, cancel and move have a reference to work on. */
async function aBooking(base) {
  const { status, body } = await bookOne(base, '57');
  assert.equal(status, 201, JSON.stringify(body));
  return body.reference;
}

test('schemathesis finds no failure with every check on', { timeout: 600_000 }, async () => {
  assert.ok(existsSync(SCHEMATHESIS), `${SCHEMATHESIS} is missing: run \`make test\`, which creates it`);
  const reference = await aBooking(server.url);
  // Not spawnSync: the server's log comes through this process, which must
  // keep reading it while schemathesis runs.
  const child = spawn(SCHEMATHESIS, [
    '--config-file', join(ROOT, 'tests/api/schemathesis.toml'),
    'run', `${server.url}/api/v1/openapi.json`, '--url', `${server.url}/api/v1`,
    '--checks', 'all', '--seed', '1', '--no-color',
  ], { env: { ...process.env, CRENEAU_REFERENCE: reference } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const status = await new Promise((done) => child.once('exit', done));
  const run = { status, stdout, stderr };
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output.slice(-6000));
  assert.match(output, /(\d+) generated, \1 passed/, output.slice(-3000));
});
