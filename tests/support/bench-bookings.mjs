// Booking load benchmark (not a test), with wrk (Debian package) and
// bench/bookings.lua: every request a new person for a real slot of the
// demo snapshot. After each run, `creneau bookings check` verifies that no
// slot is oversold and that the counts match the bookings kept.
// Writes target/bench-bookings.md. Run after `make build`:
//   node tests/support/bench-bookings.mjs [seconds]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, ROOT } from './server.mjs';
import { bookableSlots } from './slots.mjs';

const SECONDS = Number(process.argv[2] ?? 15);
const CRENEAU = join(ROOT, 'target/release/creneau');


function wrk(url, { connections, seconds, delayMs = 0, slotsFile }) {
  const text = execFileSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(ROOT, 'bench/bookings.lua'), url], {
    env: { ...process.env, CRENEAU_SLOTS: slotsFile, WRK_DELAY_MS: String(delayMs), CRENEAU_RUN: String(Date.now()) },
    encoding: 'utf8',
  });
  const statuses = JSON.parse(text.match(/STATUSES (\{.*\})/)[1]);
  // Per status, from each answer matched to its request by X-Request-Id;
  // "admitted" is every answer but 503 and 429.
  const byStatus = JSON.parse(text.match(/LATENCY_BY_STATUS (\{.*\})/)[1]);
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { statuses, total, perSecond: total / seconds, created: (statuses['201'] ?? 0) / seconds, admitted: byStatus.admitted, refused: byStatus['503'] };
}

function check(server) {
  return execFileSync(CRENEAU, ['--database', server.database, 'bookings', 'check'], { encoding: 'utf8' }).trim();
}

async function scenario(label, serveFlags, run, synchronous = 'full') {
  // The server inherits this: FULL (the default, a 201 survives a power
  // cut) or NORMAL (the earlier setting), to compare them in one run.
  process.env.CRENEAU_SQLITE_SYNCHRONOUS = synchronous;
  const server = await startServer(['--bookings-per-minute', '100000000', '--lookups-per-minute', '100000000', ...serveFlags]);
  try {
    const slots = await bookableSlots(server.url);
    const slotsFile = join(tmpdir(), `creneau-bench-slots-${process.pid}.txt`);
    writeFileSync(slotsFile, slots.map((s) => s.join(';')).join('\n') + '\n');
    // Warm-up (caches, first generation), not measured.
    wrk(server.url, { slotsFile, ...run, seconds: 2 });
    const result = wrk(server.url, { slotsFile, ...run });
    result.check = check(server);
    result.label = label;
    result.slots = slots.length;
    console.log(label, JSON.stringify(result));
    return result;
  } finally {
    await server.stop();
  }
}

const only = process.argv[3]?.split(',').map(Number);
const wanted = (i) => !only || only.includes(i);
const results = [];
if (wanted(1)) results.push(await scenario('Most bookings per second (64 connections, no pause), synchronous = NORMAL (before)', [], { connections: 64, seconds: SECONDS }, 'normal'));
if (wanted(1)) results.push(await scenario('Most bookings per second (64 connections, no pause), synchronous = FULL (now: durable 201)', [], { connections: 64, seconds: SECONDS }));
if (wanted(2)) results.push(await scenario('About 1,000 requests per second (50 connections, 50 ms pause each)', [], { connections: 50, seconds: SECONDS, delayMs: 50 }));
if (wanted(3)) results.push(await scenario('Over capacity: 200 connections, 20 ms pause each (bound 64 in flight)', [], { connections: 200, seconds: SECONDS, delayMs: 20 }));
if (wanted(4)) results.push(await scenario('Far over capacity: 1,000 connections, 20 ms pause each (bound 64)', [], { connections: 1000, seconds: SECONDS, delayMs: 20 }));
if (wanted(5)) results.push(await scenario('Refusals alone: bound 0, every answer a 503 (64 connections)', ['--max-in-flight', '0'], { connections: 64, seconds: Math.min(SECONDS, 5) }));
const fmt = (x) => x.toFixed(1);
const span = (l) => (l ? `${fmt(l.p50)} / ${fmt(l.p99)} / ${fmt(l.max)}` : '—');
const lines = [
  '# Booking load benchmark',
  '',
  `wrk 4 (2 threads) and \`creneau serve\` on the same 2-core machine, SQLite (WAL), demo data;`,
  `${SECONDS} s per run after a 2 s warm-up; each request books a new person (first and second injection).`,
  'Latencies: each answer matched to its request by `X-Request-Id` (bench/bookings.lua), from the moment wrk wrote',
  'the request; "admitted" is every answer but 503 (201 and 409 here). "check" is `creneau bookings check` after the run.',
  '',
  '| run | answers/s | bookings (201)/s | answers by status | admitted p50 / p99 / max ms | 503 p50 / p99 / max ms | check |',
  '|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.label} | ${fmt(r.perSecond)} | ${fmt(r.created)} | ${JSON.stringify(r.statuses)} | ${span(r.admitted)} | ${span(r.refused)} | ${r.check} |`),
  '',
];
mkdirSync(join(ROOT, 'target'), { recursive: true });
writeFileSync(join(ROOT, 'target/bench-bookings.md'), lines.join('\n'));
console.log(lines.join('\n'));
