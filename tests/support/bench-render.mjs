// Browser benchmark (not a test): time from the arrival of a snapshot file
// to the rendered results, and the time to resolve a search, in headless
// Chromium with the CPU slowed 4× (a modest phone). Writes
// target/bench-render.md. Run after `make build`:
//   node tests/support/bench-render.mjs [runs]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, appReady, ROOT } from './server.mjs';
import { snapshotIndex, departementPath } from './snapshot.mjs';

const RUNS = Number(process.argv[2] ?? 9);
const SLOWDOWN = 4;

// In the page: when the results list last changed, and when a search was
// submitted and when the router moved to its answer.
const PROBE = () => {
  window.__bench = { listChangedAt: 0, submittedAt: 0, navigatedAt: 0 };
  new MutationObserver(() => {
    if (document.querySelector('.results')) window.__bench.listChangedAt = performance.now();
  }).observe(document, { childList: true, subtree: true });
  document.addEventListener('submit', () => { window.__bench.submittedAt = performance.now(); }, true);
  const push = history.pushState.bind(history);
  history.pushState = (...args) => { window.__bench.navigatedAt = performance.now(); return push(...args); };
};

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1] };
};
const fmt = (x) => `${x.toFixed(1)} ms`;

async function slowPage(browser) {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
  await page.addInitScript(PROBE);
  return { context, page };
}

/** Arrival of dep/<code>.json → last change of the list, over RUNS loads. */
async function renderTimes(browser, url, code, expected, replaceWith) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const { context, page } = await slowPage(browser);
    if (replaceWith) {
      await page.route(`**/dep/${code}.*.json`, (route) => route.fulfill({ contentType: 'application/json', body: replaceWith }));
    }
    await page.goto(url);
    await appReady(page);
    await page.waitForFunction((n) => document.querySelectorAll('.results > li').length === n, expected, { timeout: 60000 });
    const t = await page.evaluate((c) => {
      const file = performance.getEntriesByType('resource').find((e) => e.name.endsWith(`/dep/${c}.json`));
      return window.__bench.listChangedAt - file.responseEnd;
    }, code);
    times.push(t);
    await context.close();
  }
  return stats(times);
}

async function searchTimes(browser, base, text, urlPattern) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const { context, page } = await slowPage(browser);
    await page.goto(base + '/');
    await appReady(page);
    await page.fill('#lieu', text);
    await page.click('button[type=submit]');
    await page.waitForURL(urlPattern);
    times.push(await page.evaluate(() => window.__bench.navigatedAt - window.__bench.submittedAt));
    await context.close();
  }
  return stats(times);
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const { index } = await snapshotIndex(server.url);
  const largest = [...index.departements].sort((a, b) => b.centres - a.centres)[0];
  const depPath = departementPath(index, largest.code);
  const file = await (await fetch(`${server.url}/data/${depPath}`)).json();
  // The same département grown to 2,000 centres: a worst case far beyond
  // any real one (the largest of January 2021 had a few dozen).
  const big = { ...file, centres: Array.from({ length: 2000 }, (_, i) => ({ ...file.centres[i % file.centres.length], id: `bench-${i}` })) };
  const rows = [];
  const largestTimes = await renderTimes(browser, `${server.url}/departement/${largest.code}`, largest.code, file.centres.length);
  rows.push([`département ${largest.code} (${file.centres.length} centres, largest of the demo)`, largestTimes]);
  const bigTimes = await renderTimes(browser, `${server.url}/departement/${largest.code}`, largest.code, 2000, JSON.stringify(big));
  rows.push([`the same grown to 2,000 centres (${(JSON.stringify(big).length / 1024).toFixed(0)} KiB of JSON)`, bigTimes]);
  const search = [
    ['search "75011" → results page', await searchTimes(browser, server.url, '75011', /\/centres\?/)],
    ['search "saint denis" → choice page', await searchTimes(browser, server.url, 'saint denis', /\/choisir\?/)],
    ['search "finistere" → département page', await searchTimes(browser, server.url, 'finistere', /\/departement\/29/)],
  ];
  const lines = [
    '# Render and search benchmark',
    '',
    `Headless Chromium, CPU slowed ${SLOWDOWN}×, ${RUNS} fresh loads each, local server (network time is not counted:`,
    'the clock starts when the file has arrived).',
    '',
    '| snapshot file arrived → results rendered | median | p90 | max |',
    '|---|---|---|---|',
    ...rows.map(([name, s]) => `| ${name} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.max)} |`),
    '',
    '| search submitted → next view chosen (pointer + shard fetched, query resolved) | median | p90 | max |',
    '|---|---|---|---|',
    ...search.map(([name, s]) => `| ${name} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.max)} |`),
    '',
  ];
  mkdirSync(join(ROOT, 'target'), { recursive: true });
  writeFileSync(join(ROOT, 'target/bench-render.md'), lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  await browser.close();
  await server.stop();
}
