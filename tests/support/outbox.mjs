// Test support for messages: a real SMTP server (aiosmtpd, from the test
// virtual environment) that keeps each message it accepts as JSON, a stub
// SMS gateway that records each request, and an origin started, killed and
// started again on one store.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, waitFor } from './server.mjs';

const CRENEAU = join(ROOT, 'target/release/creneau');
const PYTHON = join(ROOT, '.venv/bin/python');

/** aiosmtpd on a free port; `messages()` reads what it accepted, oldest
 * first (with `{ raw: true }` only `count()`: the benchmark's lighter server). */
export async function startSmtp(port, { raw = false } = {}) {
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'creneau-smtp-'));
  const child = spawn(PYTHON, [join(ROOT, 'tests/support/smtp_sink.py'), String(port), dir, ...(raw ? ['--raw'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`aiosmtpd did not start: ${err}`)), 20000);
    child.stdout.on('data', (d) => { if (String(d).includes('ready')) { clearTimeout(timer); ok(); } });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`aiosmtpd exited ${code}: ${err}`)); });
  });
  return {
    port,
    /** How many it accepted: cheap, for polling. */
    count: () => readdirSync(dir).filter((f) => f.endsWith('.json')).length,
    messages: () => readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'))),
    async stop() {
      if (child.exitCode === null) { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An SMS gateway answering `status` to each POST, and the gateway file describing it. */
export async function startSmsGateway(dir, status = 200) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(body) });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const file = join(dir, 'sms.toml');
  writeFileSync(file, [
    `url = "http://127.0.0.1:${server.address().port}/v1/sms"`,
    'content_type = "application/json"',
    'auth_header = "Authorization"',
    'auth_env = "CRENEAU_TEST_SMS_TOKEN"',
    `body = '{"to": {{ to }}, "message": {{ text }}, "sender": "Creneau", "client_ref": {{ id }}}'`,
    '',
  ].join('\n'));
  return { file, requests, stop: () => new Promise((r) => server.close(r)) };
}

/**
 * A demo store in a folder of its own, and `start(extra)` to serve it (the
 * first start writes the snapshot; later ones serve it without
 * publishing): `kill9()` and `stop()` on what it returns.
 */
export function originOnStore() {
  const dir = mkdtempSync(join(tmpdir(), 'creneau-messages-'));
  const database = `sqlite://${join(dir, 'creneau.db')}`;
  execFileSync(CRENEAU, ['--database', database, 'demo', '--data', join(ROOT, 'data')], { stdio: 'ignore' });
  let started = 0;
  return {
    dir,
    database,
    async start(extra = []) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(CRENEAU, ['--database', database, 'serve', '--addr', `127.0.0.1:${port}`, '--metrics-addr', '127.0.0.1:0',
        '--dist', join(ROOT, 'dist'), '--out', join(dir, 'snapshot'), '--public-url', 'https://creneau.example',
        '--bookings-per-minute', '100000', '--lookups-per-minute', '1000', ...(started++ ? ['--no-publisher'] : []), ...extra],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CRENEAU_TEST_SMS_TOKEN: 'Bearer test-token', RUST_LOG: 'info' } });
      let log = '';
      child.stderr.on('data', (d) => { log = (log + d).slice(-262144); });
      await waitFor(`${url}/healthz`, 120000).catch((e) => { child.kill('SIGKILL'); throw new Error(`${e.message}\n${log}`); });
      return {
        url,
        log: () => log,
        kill9: async () => { child.kill('SIGKILL'); await new Promise((r) => child.once('exit', r)); },
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); }
        },
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Wait until `count()` reaches `n` (polling), or fail saying what was seen. */
export async function until(what, count, n, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (count() >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${count()} of ${n} after ${ms} ms`);
}
