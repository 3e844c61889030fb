// The static shell of index.html: heading, message and the national phone
// line are there before the WebAssembly runs, and when it cannot run; on the
// home page, the real search form, usable before the app and taken over by it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Hold the WebAssembly until `release()`: the page stays on its shell. */
async function holdWasm(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\.wasm$/, async (route) => { await held; await route.continue(); });
  return release;
}

test('the shell shows a heading, a message and the phone line before the app loads', async () => {
  const { page, context } = await openPage(browser);
  // Hold the WebAssembly so the page stays on its static shell.
  await page.route(/\.wasm$/, () => {});
  await page.goto(server.url + '/departement/75', { waitUntil: 'domcontentloaded' });
  assert.equal(await page.locator('h1').innerText(), 'Trouver un centre de vaccination');
  assert.match(await page.locator('#shell-message').innerText(), /Chargement/);
  assert.equal(await page.locator('#shell-search').isVisible(), false, 'the search form is the home page’s');
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('shell-home')), false);
  const phone = page.locator('main a[href="tel:+33800009110"]');
  assert.equal(await phone.count(), 1);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await assertNoAxeViolations(page, 'static shell');
  await context.close();
});

test('on the home page the shell is the search form: typed before the app, kept with the focus after', async () => {
  const { page, context } = await openPage(browser);
  const release = await holdWasm(page);
  const index = page.waitForRequest(/\/data\/index\/[0-9a-f]+\.json$/);
  await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
  // The pointer and the index are fetched while the WebAssembly loads.
  await index;
  assert.equal(await page.locator('h1').innerText(), 'Où souhaitez-vous être vacciné ?');
  assert.equal(await page.locator('#shell-message').isVisible(), false);
  // Decided in <head>, before the body is parsed: nothing on the first
  // paint changes afterwards (a script after the body once moved the phone
  // line when the parser painted before running it).
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('shell-home')), true);
  await assertNoAxeViolations(page, 'shell search form');
  await page.locator('label[for=lieu]').click();
  await page.keyboard.type('Metz');
  release();
  await appReady(page);
  assert.equal(await page.inputValue('#lieu'), 'Metz', 'what was typed stays');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lieu', 'and the focus');
  await page.keyboard.type(' 57');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/centres\?lieu=Metz%20\(57\)/);
  await context.close();
});

test('a search sent from the shell before the app loaded lands on the results page, answered', async () => {
  const { page, context } = await openPage(browser);
  const release = await holdWasm(page);
  await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
  await page.fill('#lieu', '75011');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/centres\?q=75011$/);
  release();
  await page.waitForURL(/\/centres\?lieu=Paris%2011e/);
  await page.waitForSelector('.result-count');
  // A place that does not exist is explained on the home page, kept.
  await page.goto(server.url + '/centres?q=Xyzzyville');
  await page.waitForFunction(() => document.querySelector('#lieu-error')?.innerText.includes('Xyzzyville'));
  assert.equal(await page.inputValue('#lieu'), 'Xyzzyville');
  await context.close();
});

test('without JavaScript the page still says what to do and gives the phone line', async () => {
  const { page, context } = await openPage(browser, { javaScriptEnabled: false });
  await page.goto(server.url + '/departement/75');
  assert.equal(await page.locator('h1').innerText(), 'Trouver un centre de vaccination');
  assert.match(await page.locator('main').innerText(), /besoin de JavaScript/);
  assert.match(await page.locator('main').innerText(), /0\s800\s009\s110/);
  // No form that cannot work: the home page says the same.
  await page.goto(server.url + '/');
  assert.equal(await page.locator('#shell-search').isVisible(), false);
  assert.match(await page.locator('main').innerText(), /besoin de JavaScript/);
  await context.close();
});

test('the skip link is the first Tab stop in the shell', async () => {
  const { page, context } = await openPage(browser);
  await page.route(/\.wasm$/, () => {});
  await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await context.close();
});
