// Test support: the nginx edge of deploy/nginx in front of origins, run
// as the operator would (same files) with this test's site files, as a
// non-daemon process with its own prefix under target/ (no system service).
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, waitFor } from './server.mjs';

const NGINX = '/usr/sbin/nginx';
const CRENEAU = join(ROOT, 'target/release/creneau');

/**
 * Start the edge on a free port in front of `origins` (["127.0.0.1:port", …]).
 * `clients` is the body of site/clients.conf (who the client is).
 */
export async function startEdge(origins, { clients = '' } = {}) {
  const port = await freePort();
  const prefix = join(ROOT, 'target', `edge-${process.pid}-${port}`);
  const conf = join(prefix, 'conf');
  mkdirSync(join(conf, 'site'), { recursive: true });
  for (const dir of ['logs', 'temp', 'cache']) mkdirSync(join(prefix, dir), { recursive: true });
  for (const file of readdirSync(join(ROOT, 'deploy/nginx')).filter((f) => f.endsWith('.conf'))) {
    copyFileSync(join(ROOT, 'deploy/nginx', file), join(conf, file));
  }
  const site = {
    'listen.conf': `listen 127.0.0.1:${port} backlog=8192;\nserver_name _;\n`,
    'origins.conf': origins.map((o) => `server ${o} max_fails=1 fail_timeout=10s;\n`).join(''),
    'app.conf': `root ${join(ROOT, 'dist')};\n`,
    'clients.conf': clients,
    'csp.conf': execFileSync(CRENEAU, ['edge-csp', '--dist', join(ROOT, 'dist')], { encoding: 'utf8' }),
  };
  for (const [name, text] of Object.entries(site)) writeFileSync(join(conf, 'site', name), text);
  // As root, the workers would run as `nobody`, who may not read a
  // checkout under /root: run them as the user who runs the tests.
  const user = process.getuid() === 0 ? ' user root;' : '';
  const args = ['-p', prefix, '-c', join(conf, 'nginx.conf'), '-e', 'stderr', '-g', `daemon off;${user}`];
  execFileSync(NGINX, [...args, '-t', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const child = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-65536); });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, 20000).catch((e) => { child.kill(); throw new Error(`${e.message}\n${log}`); });
  return {
    url,
    prefix,
    pid: child.pid,
    log: () => log,
    async stop() {
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * A throwaway PostgreSQL (tests/support/postgres.sh, on a port and in a
 * folder of its own) loaded with the demo data, and `count` origins on it
 * sharing one snapshot folder, each trusting the edge on 127.0.0.1.
 * `extra` adds serve flags.
 */
export async function startOrigins(count, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'creneau-origins-'));
  const pgEnv = { ...process.env, CRENEAU_PG_PORT: String(await freePort()), TMPDIR: dir };
  const pg = join(ROOT, 'tests/support/postgres.sh');
  if (process.getuid() === 0) chmodSync(dir, 0o755);
  const database = execFileSync(pg, ['start'], { env: pgEnv, encoding: 'utf8' }).trim();
  const stopPg = () => execFileSync(pg, ['stop'], { env: pgEnv, stdio: 'ignore' });
  const origins = [];
  try {
    execFileSync(CRENEAU, ['--database', database, 'demo', '--data', join(ROOT, 'data')], { stdio: 'ignore' });
    for (let i = 0; i < count; i++) {
      const [port, metrics] = [await freePort(), await freePort()];
      const child = spawn(CRENEAU, ['--database', database, 'serve', '--addr', `127.0.0.1:${port}`,
        '--metrics-addr', `127.0.0.1:${metrics}`, '--dist', join(ROOT, 'dist'), '--out', join(dir, 'snapshot'),
        '--trusted-proxy', '127.0.0.1', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.on('data', (d) => { log = (log + d).slice(-65536); });
      const origin = { address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, metrics: `http://127.0.0.1:${metrics}/metrics`, child, log: () => log };
      origins.push(origin);
      // The first origin writes the first generation before it listens.
      await waitFor(`${origin.url}/healthz`, 120000).catch((e) => { throw new Error(`${e.message}\n${log}`); });
    }
    await waitFor(`${origins[0].url}/data/latest.json`, 60000);
  } catch (e) {
    for (const o of origins) o.child.kill('SIGKILL');
    stopPg();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    origins,
    database,
    async stop() {
      for (const o of origins) {
        if (o.child.exitCode === null && o.child.signalCode === null) {
          o.child.kill('SIGTERM');
          await new Promise((r) => o.child.once('exit', r));
        }
      }
      stopPg();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Requests an origin has answered under `/data/` (its metrics). */
export async function dataRequests(origin) {
  const text = await (await fetch(origin.metrics)).text();
  return text.split('\n')
    .filter((l) => l.startsWith('creneau_http_requests_total{') && l.includes('route="/data/*"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
