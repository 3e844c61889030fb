// Freshness: while a page is open the pointer is read again about every
// minute; a newer generation is offered ("Nouvelles disponibilités :
// actualiser"), never swapped in under the reader; a lost connection keeps
// what is shown and says so with a retry and the phone line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';

let server, browser;
// The server publishes every 2 s here, so a newer generation exists soon.
before(async () => { server = await startServer(['--interval', '2']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

// With the page clock faked, Playwright's own waiting may not advance:
// poll from Node, in real time.
async function appears(page, selector, present = true) {
  for (let i = 0; i < 100; i++) {
    if ((await page.locator(selector).count() > 0) === present) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${selector} never ${present ? 'appeared' : 'went away'}`);
}

const shownVersion = (page) => page.evaluate(async () => {
  // The freshness line does not carry the version; compare list identity instead.
  return document.querySelector('.freshness')?.innerText;
});

test('a newer snapshot is offered, not swapped in, and "actualiser" loads it', async () => {
  const { page, context, errors } = await openPage(browser);
  // Which generation each snapshot file the page reads belongs to.
  const generations = [];
  page.on('request', (r) => {
    const m = r.url().match(/\/data\/v\/([^/]+)\//);
    if (m) generations.push(m[1]);
  });
  await page.clock.install();
  await page.goto(server.url + '/departement/75');
  await appReady(page);
  await page.waitForSelector('.results');
  const before = await page.locator('.results').innerHTML();
  assert.equal(await page.locator('#newer-snapshot').count(), 0);
  // Wait (real time) until the server has published a newer generation.
  const latest = async () => (await (await fetch(`${server.url}/data/latest.json`)).json()).version;
  const first = await latest();
  for (let i = 0; i < 300 && (await latest()) === first; i++) await new Promise((r) => setTimeout(r, 100));
  assert.notEqual(await latest(), first, 'the server published a new generation');
  await page.clock.runFor(95_000);
  await appears(page, '#newer-snapshot');
  assert.equal(await page.locator('.results').innerHTML(), before, 'the list did not move under the reader');
  const shown = generations[0];
  assert.ok(shown, 'the page read a generation');
  assert.deepEqual([...new Set(generations)], [shown], 'nothing of the newer generation was loaded before the reader asked');
  assert.match(await page.locator('[role=status]').innerText(), /nouvelles disponibilités/i);
  await assertNoAxeViolations(page, 'newer snapshot notice');
  await page.click('#newer-snapshot button');
  await appears(page, '#newer-snapshot', false);
  await appears(page, '.results');
  assert.ok(await shownVersion(page));
  // "Actualiser" loaded the newer generation's files.
  for (let i = 0; i < 100 && !generations.some((g) => g !== shown); i++) await new Promise((r) => setTimeout(r, 100));
  const loaded = generations.filter((g) => g !== shown);
  assert.ok(loaded.length > 0, 'the list now comes from a newer generation');
  assert.ok(loaded.every((g) => g > shown), `${loaded} are newer than ${shown}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('when the pointer cannot be read, the page keeps its list and says so', async () => {
  const { page, context } = await openPage(browser);
  await page.clock.install();
  await page.goto(server.url + '/departement/13');
  await appReady(page);
  await page.waitForSelector('.results');
  const count = await page.locator('.results > li').count();
  await page.route('**/data/latest.json', (route) => route.abort('internetdisconnected'));
  await page.clock.runFor(95_000);
  await appears(page, '#snapshot-offline');
  assert.equal(await page.locator('.results > li').count(), count, 'what was shown stays');
  assert.match(await page.locator('#snapshot-offline').innerText(), /0\s800\s009\s110/);
  await assertNoAxeViolations(page, 'offline notice');
  // Back online: "Réessayer maintenant" clears the notice without waiting.
  await page.unroute('**/data/latest.json');
  await page.click('#snapshot-offline button');
  await page.clock.runFor(2_000);
  await appears(page, '#snapshot-offline', false);
  await context.close();
});
