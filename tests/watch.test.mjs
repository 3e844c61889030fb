// Freshness: while a page is open the pointer is read again about every
// minute; a newer generation with new availability is offered
// ("Nouvelles disponibilités : actualiser"), never swapped in under the
// reader, and one with nothing new is not; a lost connection keeps
// what is shown and says so with a retry and the phone line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';
import { bookOne } from './support/slots.mjs';

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

test('a newer snapshot is offered only when availability changed, not swapped in, and "actualiser" loads it', async () => {
  const { page, context, errors } = await openPage(browser);
  // The index files the page reads (each named by its content).
  const indexes = [];
  page.on('request', (r) => {
    const m = r.url().match(/\/data\/(index\/[0-9a-f]+\.json)$/);
    if (m) indexes.push(m[1]);
  });
  await page.clock.install();
  await page.goto(server.url + '/departement/75');
  await appReady(page);
  await page.waitForSelector('.results');
  const before = await page.locator('.results').innerHTML();
  assert.equal(await page.locator('#newer-snapshot').count(), 0);
  const pointer = async () => (await fetch(`${server.url}/data/latest.json`)).json();
  const waitFor = async (changed, what) => {
    for (let i = 0; i < 300 && !(await changed()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await changed(), what);
  };
  // Newer generations with nothing changed: nothing is offered.
  const first = await pointer();
  await waitFor(async () => (await pointer()).version !== first.version, 'the server published a new generation');
  assert.equal((await pointer()).index, first.index, 'nothing changed, the same index');
  await page.clock.runFor(95_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await page.locator('#newer-snapshot').count(), 0, 'no new availability, no notice');
  // A booking in Paris changes the index: now it is offered.
  const booked = await bookOne(server.url, '75');
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  await waitFor(async () => (await pointer()).index !== first.index, 'the booking reached the snapshot');
  await page.clock.runFor(95_000);
  await appears(page, '#newer-snapshot');
  assert.equal(await page.locator('.results').innerHTML(), before, 'the list did not move under the reader');
  assert.deepEqual([...new Set(indexes)], [first.index], 'nothing of the newer generation was loaded before the reader asked');
  assert.match(await page.locator('[role=status]').innerText(), /nouvelles disponibilités/i);
  await assertNoAxeViolations(page, 'newer snapshot notice');
  await page.click('#newer-snapshot button');
  await appears(page, '#newer-snapshot', false);
  await appears(page, '.results');
  assert.ok(await shownVersion(page));
  // "Actualiser" loaded the newer index and what it names.
  for (let i = 0; i < 100 && !indexes.some((x) => x !== first.index); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(indexes.some((x) => x !== first.index), 'the list now comes from the newer index');
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
