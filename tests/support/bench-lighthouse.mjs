// Browser benchmark (not a test): Lighthouse 12.2.3 mobile (its simulated
// Slow 4G and 4× CPU) on every kind of page of the journey (home, results,
// département, centre, the booking flow's first question), median of RUNS
// per page as the scores vary on a shared machine. Writes
// target/bench-lighthouse.md. Run after `make build` and
// `npm ci --prefix bench/lighthouse` (what `make bench` does):
//   node tests/support/bench-lighthouse.mjs [runs]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, ROOT } from './server.mjs';
import { departementFile } from './snapshot.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const LIGHTHOUSE = join(ROOT, 'bench/lighthouse/node_modules/.bin/lighthouse');

/** One Lighthouse run into `report`; a run whose trace Chromium lost
 * (Lighthouse's NO_NAVSTART, now and then on a loaded machine) is run again. */
function lighthouse(url, report, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(LIGHTHOUSE, [url, '--quiet', '--only-categories=performance', '--output=json',
        `--output-path=${report}`, '--chrome-flags=--headless=new --no-sandbox --disable-gpu'],
      { env: { ...process.env, CHROME_PATH: process.env.CHROMIUM || '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'pipe'] });
      return;
    } catch (e) {
      if (attempt >= attempts) throw new Error(`Lighthouse on ${url} failed ${attempts} times: ${e.stderr}`);
      console.error(`Lighthouse on ${url}: ${String(e.stderr).trim()} (run again)`);
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer();
try {
  const dep = await departementFile(server.url, '75');
  const centre = dep.centres.find((c) => c.booking === 'here' && c.next_slot && !c.reserved_for_professionals) ?? dep.centres[0];
  const pages = [
    ['home', '/'],
    ['results', '/centres?lieu=Paris%2011e&lat=48.8592&lon=2.3797&rayon=20'],
    ['département', '/departement/75'],
    ['centre', `/centre/${centre.id}`],
    ['booking, first question', `/reserver/centre/${centre.id}`],
  ];
  const out = mkdtempSync(join(tmpdir(), 'creneau-lighthouse-'));
  const rows = [];
  for (const [name, path] of pages) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const report = join(out, 'report.json');
      lighthouse(server.url + path, report);
      const r = JSON.parse(readFileSync(report, 'utf8'));
      const metric = (id) => r.audits[id]?.numericValue ?? NaN;
      runs.push({
        score: Math.round(r.categories.performance.score * 100),
        fcp: metric('first-contentful-paint'),
        lcp: metric('largest-contentful-paint'),
        tbt: metric('total-blocking-time'),
        cls: metric('cumulative-layout-shift'),
        si: metric('speed-index'),
      });
    }
    const m = (k) => median(runs.map((r) => r[k]));
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    rows.push(`| ${name} | ${m('score')} | ${runs.map((r) => r.score).join(', ')} | ${s(m('fcp'))} | ${s(m('lcp'))} | ${Math.round(m('tbt'))} ms | ${m('cls').toFixed(3)} | ${s(m('si'))} |`);
    console.log(rows.at(-1));
  }
  rmSync(out, { recursive: true, force: true });
  const lines = [
    '# Lighthouse, mobile',
    '',
    `Lighthouse 12.2.3, mobile defaults (simulated Slow 4G, CPU 4× slower), performance only; the demo data on \`creneau serve\`; median of ${RUNS} per page. Goal (issue 11): at least 98 on every page, CLS 0.`,
    '',
    '| page | score (median) | runs | FCP | LCP | TBT | CLS | Speed Index |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
  mkdirSync(join(ROOT, 'target'), { recursive: true });
  writeFileSync(join(ROOT, 'target/bench-lighthouse.md'), lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  await server.stop();
}
