// Test support: a real `creneau serve` on a free loopback port with a fresh
// store loaded with the demo data, and headless Debian Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
const CRENEAU = join(ROOT, 'target/release/creneau');

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => ok(port)); });
    srv.on('error', fail);
  });
}

export async function waitFor(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** Start a server on demo data; `extra` adds serve flags. */
export async function startServer(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'creneau-test-'));
  const database = `sqlite://${join(dir, 'creneau.db')}`;
  execFileSync(CRENEAU, ['--database', database, 'demo', '--data', join(ROOT, 'data')], { stdio: 'ignore' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(CRENEAU, ['--database', database, 'serve', '--addr', `127.0.0.1:${port}`, '--metrics-addr', '127.0.0.1:0',
    '--dist', join(ROOT, 'dist'), '--out', join(dir, 'snapshot'), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-65536); });
  // The first generation (6,228 files, each compressed twice) is written
  // before the socket opens: about 15 s on an idle machine, more on a busy one.
  await waitFor(`${url}/healthz`, 120000).catch((e) => { child.kill(); throw new Error(`${e.message}\n${log}`); });
  return {
    url,
    dir,
    database,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page whose console errors and page errors fail the test. */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ locale: 'fr-FR', ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return { context, page, errors };
}

/** Wait until the WebAssembly app has replaced the static shell. */
export async function appReady(page) {
  await page.waitForFunction(() => !document.getElementById('shell-message') && document.querySelector('h1#page-heading'));
}

/** Press "Afficher … de plus" under a list of centres until every one is shown. */
export async function showAllCentres(page) {
  const more = page.locator('button', { hasText: /^Afficher (\d+ centres de plus|le dernier centre)/ });
  for (let i = 0; i < 100 && await more.count(); i++) {
    const before = await page.locator('.results > li').count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('.results > li').length > n, before);
  }
}
