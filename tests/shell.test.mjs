// The static shell of index.html: heading, message and the national phone
// line are there before the WebAssembly runs, and when it cannot run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the shell shows a heading, a message and the phone line before the app loads', async () => {
  const { page, context } = await openPage(browser);
  // Hold the WebAssembly so the page stays on its static shell.
  await page.route(/\.wasm$/, () => {});
  await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
  assert.equal(await page.locator('h1').innerText(), 'Trouver un centre de vaccination');
  assert.match(await page.locator('#shell-message').innerText(), /Chargement/);
  const phone = page.locator('main a[href="tel:+33800009110"]');
  assert.equal(await phone.count(), 1);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await assertNoAxeViolations(page, 'static shell');
  await context.close();
});

test('without JavaScript the page still says what to do and gives the phone line', async () => {
  const { page, context } = await openPage(browser, { javaScriptEnabled: false });
  await page.goto(server.url + '/departement/75');
  assert.equal(await page.locator('h1').innerText(), 'Trouver un centre de vaccination');
  assert.match(await page.locator('main').innerText(), /besoin de JavaScript/);
  assert.match(await page.locator('main').innerText(), /0\s800\s009\s110/);
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
