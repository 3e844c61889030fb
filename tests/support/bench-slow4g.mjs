// Browser benchmark (not a test): the finder on a slow phone, as the issue
// measures it: DevTools' "Slow 4G" (562.5 ms latency, 1.47 Mbit/s down,
// 675 kbit/s up, Lighthouse's adjusted values) and the CPU slowed 4×, a
// fresh cache each run, median of RUNS. Writes target/bench-slow4g.md.
// Run after `make build`:   node tests/support/bench-slow4g.mjs [runs]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, ROOT } from './server.mjs';
import { departementFile } from './snapshot.mjs';

const RUNS = Number(process.argv[2] ?? 5);
// How long a person reads a centre page before tapping "Choisir un créneau".
const READING_MS = Number(process.env.READING_MS ?? 5000);
const NETWORK = { offline: false, latency: 562.5, downloadThroughput: (1474.56 * 1024) / 8, uploadThroughput: (675 * 1024) / 8 };

// In the page, from navigation start: first contentful paint, when the
// search field could first be typed in (visible: in the shell, or drawn by
// the app), when the app took over, when a search was sent, and when the
// first result card appeared.
const PROBE = () => {
  const b = (window.__bench = { usable: 0, app: 0, submitted: 0, firstCard: 0 });
  const check = () => {
    const now = performance.now();
    const field = document.getElementById('lieu');
    if (!b.usable && field && field.offsetParent !== null) b.usable = now;
    if (!b.app && document.getElementById('page-heading')) b.app = now;
    if (!b.firstCard && document.querySelector('.results > li')) b.firstCard = now;
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
  document.addEventListener('submit', () => { b.submitted = performance.now(); }, true);
  document.addEventListener('DOMContentLoaded', check);
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function slowPage(browser) {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 412, height: 823 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.addInitScript(PROBE);
  return { context, page };
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const dep = await departementFile(server.url, '75');
  const bookable = dep.centres.find((c) => c.booking === 'here' && c.next_slot && !c.reserved_for_professionals);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const { context, page } = await slowPage(browser);
    await page.goto(server.url + '/', { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__bench?.usable > 0, null, { timeout: 120000 });
    const fcp = await page.evaluate(() => new Promise((resolve) => {
      new PerformanceObserver((list) => {
        const entry = list.getEntries().find((e) => e.name === 'first-contentful-paint');
        if (entry) resolve(entry.startTime);
      }).observe({ type: 'paint', buffered: true });
    }));
    await page.waitForFunction(() => window.__bench.app > 0, null, { timeout: 120000 });
    // Typed as a person types (150 ms a key), then Enter.
    await page.locator('#lieu').pressSequentially('75011', { delay: 150 });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__bench.firstCard > 0, null, { timeout: 120000 });
    const b = await page.evaluate(() => window.__bench);
    if (process.env.BENCH_DEBUG) {
      console.log(await page.evaluate((t) => performance.getEntriesByType('resource').filter((e) => e.name.includes('/data/'))
        .map((e) => `${e.name.replace(/.*\/data\//, '')} start=${Math.round(e.startTime - t)} dur=${Math.round(e.duration)} size=${e.transferSize}`), b.submitted));
    }
    // Finder → booking: a bookable centre's "Choisir un créneau" to the
    // booking flow's first question on screen (a second app, fetched while
    // the centre page is read: READING_MS, as a person reads before tapping).
    await page.goto(`${server.url}/centre/${bookable.id}`);
    const booking = page.locator('a[href^="/reserver/centre/"]').first();
    let toBooking = NaN;
    if (await booking.waitFor({ timeout: 60000 }).then(() => true, () => false)) {
      await page.waitForTimeout(READING_MS);
      await booking.click();
      await page.waitForURL(/\/reserver\//, { timeout: 120000 });
      await page.waitForFunction(() => document.getElementById('page-heading'), null, { timeout: 120000 });
      toBooking = await page.evaluate(() => performance.now());
    }
    runs.push({ fcp, usable: Math.max(b.usable, fcp), app: b.app, card: b.firstCard - b.submitted, toBooking });
    await context.close();
  }
  const row = (name, key, goal) => `| ${name} | ${s(median(runs.map((r) => r[key])))} | ${runs.map((r) => s(r[key])).join(', ')} | ${goal} |`;
  const lines = [
    '# The finder on a slow phone',
    '',
    `Headless Chromium, Slow 4G (562.5 ms, 1.47 Mbit/s down) and CPU 4× slower, a fresh cache each run; median of ${RUNS}.`,
    `Times from navigation start, except the search (typed 150 ms a key once the app is there, timed from Enter) and the booking (from the tap, a new page, after reading the centre page for ${READING_MS / 1000} s).`,
    '',
    '| measure | median | runs | goal (issue) |',
    '|---|---|---|---|',
    row('first contentful paint', 'fcp', '—'),
    row('navigation → search usable (the field on screen, in the shell or the app)', 'usable', '≤ 1.0 s'),
    row('navigation → the app has taken over', 'app', '—'),
    row('Enter on "75011" → first result card', 'card', '≤ 0.8 s'),
    row('"Choisir un créneau" → the booking flow\'s first question', 'toBooking', '—'),
    '',
  ];
  mkdirSync(join(ROOT, 'target'), { recursive: true });
  writeFileSync(join(ROOT, 'target/bench-slow4g.md'), lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  await browser.close();
  await server.stop();
}
