// Crash-cycle benchmark (not a test): one SQLite store, `creneau serve`
// killed with SIGKILL under booking load, restarted, twenty times. Reports
// for each cycle the acknowledged bookings per second before the kill and
// the size of the write-ahead log, so a rate that falls or a log that grows
// from cycle to cycle shows. After the last cycle `creneau bookings check`
// verifies the store. Writes target/bench-crash-cycles.md. Run after
// `make build`:
//   node tests/support/bench-crash-cycles.mjs [cycles] [seconds-per-cycle]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ROOT } from './server.mjs';
import { bookableSlots } from './slots.mjs';

const CYCLES = Number(process.argv[2] ?? 20);
const SECONDS = Number(process.argv[3] ?? 3);
const CRENEAU = join(ROOT, 'target/release/creneau');

const freePort = () => new Promise((ok) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => ok(port)); });
});

async function up(url) {
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${url}/healthz`)).ok) return; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}


const dir = mkdtempSync(join(tmpdir(), 'creneau-crash-cycles-'));
const dbPath = join(dir, 'creneau.db');
const database = `sqlite://${dbPath}`;
execFileSync(CRENEAU, ['--database', database, 'demo', '--data', join(ROOT, 'data')], { stdio: 'ignore' });
const walSize = () => (existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0);
const slotsFile = join(dir, 'slots.txt');
const rows = [];
let slots = [];
try {
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const walAtStart = walSize();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawn(CRENEAU, ['--database', database, 'serve', '--addr', `127.0.0.1:${port}`, '--metrics-addr', '127.0.0.1:0', '--dist', join(ROOT, 'dist'),
      '--out', join(dir, 'snapshot'), '--bookings-per-minute', '100000000', '--max-in-flight', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr.on('data', (d) => { if (process.env.CYCLE_LOG) process.stderr.write(`[${cycle}] ${d}`); });
    const started = Date.now();
    await up(url);
    const startupMs = Date.now() - started;
    if (cycle === 1) slots = (await bookableSlots(url)).map((s) => s.join(';'));
    // A new order each cycle, so each starts on free slots, as a crowd
    // spread over the country would, rather than on those the last one filled.
    for (let i = slots.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [slots[i], slots[j]] = [slots[j], slots[i]];
    }
    writeFileSync(slotsFile, slots.join('\n') + '\n');
    // wrk runs past the kill; only answers before it count.
    const load = spawn('wrk', ['-t2', '-c64', `-d${SECONDS + 2}s`, '--timeout', '5s', '-s', join(ROOT, 'bench/bookings.lua'), url], {
      env: { ...process.env, CRENEAU_SLOTS: slotsFile, CRENEAU_RUN: `${cycle}-${Date.now()}` },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    load.stdout.on('data', (d) => { out += d; });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    server.kill(process.env.CYCLE_SIGNAL ?? 'SIGKILL');
    await new Promise((r) => server.once('exit', r));
    await new Promise((r) => load.once('exit', r));
    const statuses = JSON.parse(out.match(/STATUSES (\{.*\})/)?.[1] ?? '{}');
    const answered = Object.entries(statuses).filter(([s]) => s !== '503').reduce((a, [, n]) => a + n, 0);
    const row = { cycle, startupMs, created: (statuses['201'] ?? 0) / SECONDS, answered: answered / SECONDS, walAtStart, walAtKill: walSize() };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  const check = execFileSync(CRENEAU, ['--database', database, 'bookings', 'check'], { encoding: 'utf8' }).trim();
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const firstFive = median(rows.slice(0, 5).map((r) => r.created));
  const lastFive = median(rows.slice(-5).map((r) => r.created));
  const mb = (b) => (b / 1e6).toFixed(1);
  const lines = [
    '# Crash-cycle benchmark',
    '',
    `\`creneau serve\` on one SQLite store (demo data), ${SECONDS} s of booking load (wrk, 64 connections, bench/bookings.lua),`,
    `then SIGKILL, ${CYCLES} times. "WAL" is the size of the write-ahead log when the server started and when it was killed.`,
    '',
    '| cycle | start-up ms | bookings (201)/s before the kill | answers but 503/s | WAL at start MB | WAL at kill MB |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.cycle} | ${r.startupMs} | ${r.created.toFixed(0)} | ${r.answered.toFixed(0)} | ${mb(r.walAtStart)} | ${mb(r.walAtKill)} |`),
    '',
    `Median of the first five cycles ${firstFive.toFixed(0)}/s, of the last five ${lastFive.toFixed(0)}/s (ratio ${(lastFive / firstFive).toFixed(2)}).`,
    `Largest WAL ${mb(Math.max(...rows.map((r) => r.walAtKill)))} MB. After the last cycle: ${check}`,
    '',
  ];
  mkdirSync(join(ROOT, 'target'), { recursive: true });
  writeFileSync(join(ROOT, 'target/bench-crash-cycles.md'), lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
