// `make surge` (a measurement, not a test): the 14 January 2021 pattern on
// loopback, against the nginx edge of deploy/nginx in front of two origins
// on one PostgreSQL. Three loads, each bounded in time and count, traffic
// only to 127.0.0.1:
//   1. reads: h2load opening SURGE_RATE (8,000) new connections a second
//      for SURGE_SECONDS (60), one request each, over the pointer, the
//      index, a département file and a centre file (a quarter each);
//   2. citizens: Goose (bench/citizens) users arriving SURGE_USERS_RATE a
//      second for SURGE_SECONDS, each following a person through the app,
//      one in twenty booking, while wrk (bench/bookings.lua) books at a
//      steady pace beside them;
//   3. a bookings burst past what the origins take (wrk, unpaced, 20 s);
//   afterwards `creneau bookings check`, and every 201 looked for.
// Writes target/surge.md. Run after `make build` (and with nginx, h2load,
// wrk and the citizens tool: `make surge` installs them).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus, loadavg } from 'node:os';
import { ROOT } from './server.mjs';
import { startEdge, startOrigins, dataRequests } from './edge.mjs';
import { snapshotIndex, departementPath } from './snapshot.mjs';
import { bookableSlots } from './slots.mjs';

const SECONDS = Number(process.env.SURGE_SECONDS ?? 60);
const RATE = Number(process.env.SURGE_RATE ?? 8000);
const USERS_RATE = Number(process.env.SURGE_USERS_RATE ?? 200);
// Bookings beside the citizens: each connection books, waits 200 ms, books
// again (at most 320 a second offered); then a burst that does not wait.
const STEADY = { connections: 64, delayMs: 200 };
const BURST = { connections: Number(process.env.SURGE_BURST_CONNECTIONS ?? 256), seconds: 20 };
const CRENEAU = join(ROOT, 'target/release/creneau');
const CITIZENS = join(ROOT, 'target/citizens/release/creneau-citizens');
const OUT = join(ROOT, 'target');
const work = join(tmpdir(), `creneau-surge-${process.pid}`);
mkdirSync(work, { recursive: true });

// --- Kernel limits, raised here only, put back at the end -------------------
const SYSCTL = {
  // More ephemeral ports for 8,000 new connections a second (each leaves a
  // TIME_WAIT; loopback reuses them with tcp_tw_reuse = 2, the default).
  'net/ipv4/ip_local_port_range': '1024 65000',
};
const kernel = [];
for (const [name, value] of Object.entries(SYSCTL)) {
  const path = `/proc/sys/${name}`;
  const before = readFileSync(path, 'utf8').trim();
  try {
    writeFileSync(path, value);
    kernel.push({ name: name.replaceAll('/', '.'), before, during: readFileSync(path, 'utf8').trim() });
  } catch (e) {
    kernel.push({ name: name.replaceAll('/', '.'), before, during: `${before} (not raised: ${e.code})` });
  }
}
const twReuse = readFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', 'utf8').trim();
function restoreKernel() {
  for (const k of kernel) {
    if (k.during !== k.before && !k.during.includes('not raised')) writeFileSync(`/proc/sys/${k.name.replaceAll('.', '/')}`, k.before);
  }
}

// --- CPU use of the machine, sampled from /proc/stat -------------------------
function cpuTimes() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  const idle = n[3] + n[4];
  return { idle, total: n.reduce((a, b) => a + b, 0) };
}
function busySince(start) {
  const now = cpuTimes();
  return 1 - (now.idle - start.idle) / (now.total - start.total);
}

/** CPU seconds used so far by the processes `pids` and their children. */
function cpuSeconds(pids) {
  let ticks = 0;
  const all = [...pids];
  for (const pid of pids) {
    try { all.push(...execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number)); } catch { /* none */ }
  }
  for (const pid of all) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* gone */ }
  }
  return ticks / 100;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p / 100))];
}

/** Run a load tool; past `limitSeconds` it gets SIGINT (Goose then stops
 * its users and writes its report). */
function run(cmd, args, env = {}, limitSeconds = SECONDS + 60) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let limited = false;
    const limit = setTimeout(() => {
      limited = true;
      stopped.push(`${cmd.split('/').pop()} was stopped at ${limitSeconds} s`);
      child.kill('SIGINT');
    }, limitSeconds * 1000);
    child.on('close', () => clearTimeout(limit));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err = (err + d).slice(-20000); });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 || limited ? ok(out) : fail(new Error(`${cmd} exited ${code}\n${err}\n${out.slice(-4000)}`))));
  });
}

async function originData(cluster) {
  let sum = 0;
  for (const o of cluster.origins) sum += await dataRequests(o);
  return sum;
}

/** One h2load at `rate` new connections a second for SECONDS, one request each. */
async function h2load(url, rate, label) {
  const perPeriod = Math.max(1, Math.round(rate / 20));
  const total = perPeriod * 20 * SECONDS;
  const log = join(work, `h2load-${label}.tsv`);
  const out = await run('h2load', ['--h1', '-t1', '-r', String(perPeriod), '--rate-period', '50ms', '-c', String(total), '-n', String(total),
    '-H', 'accept-encoding: br', '-T', '10', '-N', '10', '--log-file', log, url]);
  const durations = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')).filter((f) => f.length >= 3);
  const ok = durations.filter((f) => f[1] === '200').map((f) => Number(f[2]) / 1000).sort((a, b) => a - b);
  const finished = Number(out.match(/finished in ([\d.]+)(m?s)/)?.[1] ?? NaN) * (out.match(/finished in [\d.]+(m?s)/)?.[1] === 'ms' ? 0.001 : 1);
  const requests = out.match(/requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/);
  if (!requests) throw new Error(`h2load ${label}: no summary in its output\n${out.slice(-3000)}`);
  const [, totalN, , done, succeeded, failed, errored, timeout] = requests.map(Number);
  return { label, url, asked: totalN, done, succeeded, failed, errored, timeout, seconds: finished,
    perSecond: done / finished, p50: percentile(ok, 50), p99: percentile(ok, 99), max: ok.at(-1) };
}

const stopped = [];
const report = { started: new Date().toISOString(), cpus: cpus().length, model: cpus()[0]?.model };
let cluster;
let edge;
try {
  cluster = await startOrigins(2, ['--bookings-per-minute', '100000000', '--lookups-per-minute', '100000000', '--interval', '60']);
  // The surge's site configuration: the load tools stand for people with
  // addresses of their own, given in X-Forwarded-For, which the edge
  // believes from loopback only here (site/clients.conf).
  edge = await startEdge(cluster.origins.map((o) => o.address), {
    clients: 'set_real_ip_from 127.0.0.1;\nreal_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n',
  });
  const { pointer, index } = await snapshotIndex(edge.url);
  const dep = departementPath(index, '57');
  const depFile = await (await fetch(`${edge.url}/data/${dep}`)).json();
  const centre = depFile.centres.find((c) => c.file);
  const reads = {
    pointer: `${edge.url}/data/latest.json`,
    index: `${edge.url}/data/${pointer.index}`,
    'département file': `${edge.url}/data/${dep}`,
    'centre file': `${edge.url}/data/${centre.file}`,
  };
  // Warm: each file once in the encoding asked (a first visitor's).
  for (const url of Object.values(reads)) await fetch(url, { headers: { 'accept-encoding': 'br' } });

  // --- 1. Reads --------------------------------------------------------------
  console.log(`reads: ${RATE} new connections/s for ${SECONDS} s`);
  let before = await originData(cluster);
  let cpu = cpuTimes();
  const nginxBefore = cpuSeconds([edge.pid]);
  const readsStarted = Date.now();
  const readResults = await Promise.all(Object.entries(reads).map(([label, url]) => h2load(url, RATE / 4, label)));
  const nginxCpus = (cpuSeconds([edge.pid]) - nginxBefore) / ((Date.now() - readsStarted) / 1000);
  report.reads = { results: readResults, busy: busySince(cpu), nginxCpus, load: loadavg()[0], originRequests: (await originData(cluster)) - before };
  console.log(JSON.stringify(report.reads));

  // --- 2. Citizens, with bookings going on at the same time -----------------
  const slots = await bookableSlots(edge.url);
  const slotsFile = join(work, 'slots.txt');
  writeFileSync(slotsFile, slots.map((s) => s.join(';')).join('\n') + '\n');
  const confirmedBefore = check();
  before = await originData(cluster);
  cpu = cpuTimes();
  console.log(`citizens: ${USERS_RATE} a second for ${SECONDS} s, with ${STEADY.connections} connections booking`);
  const [citizensOut, steady] = await Promise.all([
    run(CITIZENS, ['--host', edge.url, '--users', String(USERS_RATE * SECONDS), '--increase-rate', String(USERS_RATE),
      '--iterations', '1', '--quiet', '--timeout', '10',
      '--report-file', join(OUT, 'surge-citizens.md')], { CRENEAU_DIST: join(ROOT, 'dist') }),
    wrkBookings(slotsFile, STEADY.connections, SECONDS, STEADY.delayMs),
  ]);
  report.mixed = { busy: busySince(cpu), load: loadavg()[0], originRequests: (await originData(cluster)) - before, steady };
  report.citizens = readFileSync(join(OUT, 'surge-citizens.md'), 'utf8');

  // --- 3. A bookings burst past what the origins take --------------------------
  console.log(`burst: ${BURST.connections} connections booking as fast as answered for ${BURST.seconds} s`);
  cpu = cpuTimes();
  const burst = await wrkBookings(slotsFile, BURST.connections, BURST.seconds, 0);
  report.burst = { ...burst, busy: busySince(cpu), load: loadavg()[0] };

  const confirmedAfter = check();
  const citizen201 = Number(report.citizens.match(/└─ 201 \([^)]*\) \| (\d+)/)?.[1] ?? 0);
  const made = confirmedAfter.confirmed - confirmedBefore.confirmed;
  const acknowledged = (steady.statuses['201'] ?? 0) + (burst.statuses['201'] ?? 0) + citizen201;
  report.store = {
    citizen201, made, acknowledged,
    lost: Math.max(0, acknowledged - made),
    unanswered: made - acknowledged,
    before: confirmedBefore.confirmed, after: confirmedAfter.confirmed, line: confirmedAfter.line,
  };
  writeReport();
  if (report.store.lost > 0) throw new Error(`${report.store.lost} bookings answered 201 are not in the store`);
} finally {
  await edge?.stop();
  await cluster?.stop();
  restoreKernel();
  rmSync(work, { recursive: true, force: true });
}

/** wrk with bench/bookings.lua through the edge: each request a new person
 * with an address of their own. */
async function wrkBookings(slotsFile, connections, seconds, delayMs) {
  const out = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(ROOT, 'bench/bookings.lua'), edge.url],
    { CRENEAU_SLOTS: slotsFile, CRENEAU_RUN: `surge${Date.now()}`, CRENEAU_FORWARDED_FOR: '1', WRK_DELAY_MS: String(delayMs) });
  return {
    connections, seconds, delayMs,
    statuses: JSON.parse(out.match(/STATUSES (\{.*\})/)[1]),
    byStatus: JSON.parse(out.match(/LATENCY_BY_STATUS (\{.*\})/)[1]),
    shedByEdge: Number(out.match(/SHED_BY_EDGE (\d+)/)[1]),
  };
}

function check() {
  const line = execFileSync(CRENEAU, ['--database', cluster.database, 'bookings', 'check'], { encoding: 'utf8' }).trim();
  return { line, confirmed: Number(line.match(/^(\d+) confirmed/)[1]) };
}

function bookingTable(title, b) {
  const origin503 = (b.statuses['503'] ?? 0) - b.shedByEdge;
  return [
    `### ${title}`,
    '',
    '| Answers | Count | Per second |',
    '|---|---:|---:|',
    ...Object.entries(b.statuses).sort().map(([code, n]) => `| ${code} | ${n} | ${Math.round(n / b.seconds)} |`),
    `| 503 shed by the edge | ${b.shedByEdge} | ${Math.round(b.shedByEdge / b.seconds)} |`,
    `| 503 shed by the origins | ${origin503} | ${Math.round(origin503 / b.seconds)} |`,
    '',
    `Admitted requests (all but 503 and 429): p50 ${b.byStatus.admitted?.p50 ?? '–'} ms, p99 **${b.byStatus.admitted?.p99 ?? '–'} ms**.`,
    '',
  ];
}

function ms(x) { return Number.isFinite(x) ? x.toFixed(1) : '–'; }

function writeReport() {
  const r = report.reads;
  const held = r.results.reduce((a, x) => a + x.perSecond, 0);
  const errors = r.results.reduce((a, x) => a + x.failed + x.errored + x.timeout, 0);
  const lines = [
    '# The 14 January surge, on loopback',
    '',
    `Run ${report.started} by \`make surge\` (tests/support/surge.mjs) on ${report.cpus} CPUs (${report.model}),`,
    'load generators, nginx (deploy/nginx), two origins and PostgreSQL all on this machine.',
    `Kernel: ${kernel.map((k) => `\`${k.name}\` ${k.before} → ${k.during}`).join('; ')}; \`net.ipv4.tcp_tw_reuse\` ${twReuse} (left as it is).`,
    '',
    `## 1. Reads: ${RATE} new connections a second asked for ${SECONDS} s, one request each (h2load)`,
    '',
    '| File | Requests done | Per second | p50 ms | p99 ms | max ms | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.results.map((x) => `| ${x.label} | ${x.done} of ${x.asked} | ${Math.round(x.perSecond)} | ${ms(x.p50)} | ${ms(x.p99)} | ${ms(x.max)} | ${x.failed + x.errored + x.timeout} |`),
    `| **all** | ${r.results.reduce((a, x) => a + x.done, 0)} | **${Math.round(held)}** new connections/s held | | | | **${errors}** |`,
    '',
    `Requests that reached the origins meanwhile: **${r.originRequests}** (every file was in the edge's cache; the pointer is refreshed every 30 s).`,
    `Machine: ${(r.busy * 100).toFixed(0)} % of all CPUs busy during the reads, nginx's workers ${r.nginxCpus.toFixed(2)} CPU of it`,
    `(${Math.round(held / r.nginxCpus)} new connections a second per CPU of nginx); load average ${r.load.toFixed(1)} at the end.`,
    '',
    `## 2. Citizens (Goose, ${USERS_RATE} people arriving a second for ${SECONDS} s), with bookings going on`,
    '',
    `Machine: ${(report.mixed.busy * 100).toFixed(0)} % of all CPUs busy; load average ${report.mixed.load.toFixed(1)} at the end. Requests under /data/ that reached the origins: ${report.mixed.originRequests}.`,
    '',
    ...bookingTable(`Bookings beside them (wrk, ${STEADY.connections} connections, ${STEADY.delayMs} ms between a connection's bookings)`, report.mixed.steady),
    '### The citizens (Goose\'s report)',
    '',
    stopped.length ? `Time bound: ${stopped.join('; ')} (the users not yet started never arrived).` : 'Every user arrived and finished within the time bound.',
    '',
    report.citizens.replace(/^# .*$/m, '').replace(/^## /gm, '#### ').trim(),
    '',
    `## 3. A bookings burst past what the origins take (${BURST.seconds} s)`,
    '',
    `Machine: ${(report.burst.busy * 100).toFixed(0)} % of all CPUs busy; load average ${report.burst.load.toFixed(1)} at the end.`,
    '',
    ...bookingTable(`wrk, ${BURST.connections} connections, each booking sent as soon as the last is answered`, report.burst),
    '## The store afterwards',
    '',
    `\`creneau bookings check\`: ${report.store.line}.`,
    `Confirmed bookings ${report.store.before} → ${report.store.after}: ${report.store.made} new, for ${report.store.acknowledged} answers 201`,
    `(${report.store.citizen201} of them to the citizens): every 201 is in the store (${report.store.lost} missing); ${report.store.unanswered} bookings were made`,
    'whose answer no load tool read (requests in flight when a tool stopped: at most one per connection).',
  ];
  writeFileSync(join(OUT, 'surge.md'), lines.join('\n') + '\n');
  console.log(`wrote ${join(OUT, 'surge.md')}`);
}
