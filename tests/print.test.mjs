// The results and centre pages on paper: the list and the centre's details
// print; the site chrome, the forms and the notices meant for the screen do not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const shown = (page, selector) => page.$$eval(selector, (els) => els.filter((e) => getComputedStyle(e).display !== 'none').length);

test('a results page prints the list without the header, footer, filters or switch', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/centres?lieu=Lyon&lat=45.764&lon=4.8357&rayon=20');
  await appReady(page);
  await page.waitForSelector('.result-count');
  for (const sel of ['.site-header', '.site-footer', 'details.filters', '#language-switch']) {
    assert.equal(await shown(page, sel), 1, `${sel} on screen`);
  }
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['.site-header', '.site-footer', 'details.filters', '.skip-link']) {
    assert.equal(await shown(page, sel), 0, `${sel} not printed`);
  }
  const results = await page.locator('.results > li').count();
  assert.ok(results > 0);
  assert.equal(await shown(page, '.results > li'), results, 'every centre shown prints');
  assert.equal(await page.locator('.results + p button').count(), 1, 'Lyon has more than twenty centres');
  assert.equal(await page.$eval('.results + p button', (b) => b.checkVisibility()), false, '"Afficher plus" is not printed');
  assert.equal(await shown(page, '.result-count'), 1);
  assert.equal(await shown(page, '.freshness'), 1, 'the time of the availability prints with it');
  const size = await page.evaluate(() => getComputedStyle(document.body).fontSize);
  assert.equal(size, '16px', 'body text is 12 pt on paper');
  await context.close();
});

test('a centre page prints its address, hours and free places', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/centre/demo-0001');
  await appReady(page);
  await page.waitForSelector('.hours');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await shown(page, '.site-header'), 0);
  assert.equal(await shown(page, 'h1'), 1);
  assert.equal(await shown(page, '.hours'), 1);
  assert.equal(await shown(page, '.hours tr'), 7);
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 1000, 'Chromium prints it');
  await context.close();
});
