// The first page of the app: choose a département, list its centres from the
// snapshot, with the freshness line; deep links; focus and titles; axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady, showAllCentres } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';
import { departementFile } from './support/snapshot.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function snapshotFile(kind, code) {
  assert.equal(kind, 'departement');
  return departementFile(server.url, code);
}

test('the list of départements leads to one by keyboard', async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url + '/departements');
  await appReady(page);
  assert.equal(await page.title(), 'Choisir un département – Créneau');
  await page.waitForSelector('.dep-list a');
  assert.equal(await page.locator('.dep-list a').count(), 101);
  await assertNoAxeViolations(page, 'départements');

  // Keyboard only: skip link, then Tab to Paris and follow it.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'contenu', 'skip link moves focus into main');
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement.getAttribute('href')) === '/departement/75') break;
  }
  await page.keyboard.press('Enter');
  await page.waitForURL('**/departement/75');
  await page.waitForFunction(() => document.title.startsWith('Centres de vaccination : Paris'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-heading', 'focus on the new heading');
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  assert.match(await page.locator('main').innerText(), /Démonstration/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a département lists every centre of its snapshot file, soonest slot first', async () => {
  const file = await snapshotFile('departement', '13');
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url + '/departement/13');
  await appReady(page);
  await page.waitForSelector('.results');
  assert.equal(await page.locator('.results > li').count(), Math.min(file.centres.length, 20), 'twenty at a time');
  const status = await page.locator('[role=status]').innerText();
  await showAllCentres(page);
  const names = await page.locator('.results > li h2').allInnerTexts();
  assert.equal(names.length, file.centres.length);
  assert.deepEqual([...names].sort(), file.centres.map((c) => c.name).sort());
  const bookable = file.centres.filter((c) => c.next_slot).sort((a, b) => a.next_slot.localeCompare(b.next_slot));
  // Soonest free slot first (centres with the same one: nearest the middle first).
  const slotOf = new Map(file.centres.map((c) => [c.name, c.next_slot]));
  assert.equal(slotOf.get(names[0]), bookable[0].next_slot, 'soonest free slot first');
  assert.match(await page.locator('.freshness').innerText(), /^Disponibilités mises à jour à \d{1,2}\u00a0h(\u00a0\d{2})?$/);
  assert.match(status, new RegExp(`^${file.centres.length} centres, dont ${bookable.length} avec des créneaux libres$`));
  // Centres without a slot say so in words, not only by colour.
  const unavailable = page.locator('.result-unavailable');
  if (await unavailable.count()) assert.match(await unavailable.first().innerText(), /Aucun créneau libre/);
  await assertNoAxeViolations(page, 'département 13');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a département takes the filters and orders of results, with distances from its middle', async () => {
  const file = await snapshotFile('departement', '13');
  const accessible = file.centres.filter((c) => c.accessible === true);
  assert.ok(accessible.length > 1, 'the demo data has accessible centres in 13');
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/departement/13');
  await appReady(page);
  await page.waitForSelector('.results');
  assert.equal(await page.locator('details.filters').getAttribute('open'), null, 'folded when nothing is chosen');
  await page.click('details.filters summary');
  assert.equal(await page.locator('#rayon').count(), 0, 'no radius: the whole département');
  assert.equal(await page.inputValue('#tri'), 'creneau', 'soonest first unless asked');
  await page.selectOption('#tri', 'distance');
  await page.check('#acces');
  await page.click('text=Appliquer');
  await page.waitForURL(/\/departement\/13\?tri=distance&acces=1$/);
  const summary = `${accessible.length} centres sur ${file.centres.length} correspondent à vos critères`;
  await page.waitForFunction((t) => document.querySelector('.result-count')?.innerText === t, summary);
  await showAllCentres(page);
  const items = await page.locator('.results > li').allInnerTexts();
  assert.equal(items.length, accessible.length);
  for (const t of items) assert.match(t, /Accessible en fauteuil roulant/);
  const km = items.map((t) => t.match(/ – à ([\d,]+) km/)?.[1]).filter(Boolean).map((d) => Number(d.replace(',', '.')));
  assert.ok(km.length > 1, String(items.slice(0, 2)));
  assert.deepEqual(km, [...km].sort((a, b) => a - b), 'nearest the middle first');
  assert.match(await page.locator('main').innerText(), /Distances à vol d’oiseau depuis le milieu du département/);
  await assertNoAxeViolations(page, 'département filtered');
  // The choice is in the address: a reload keeps it.
  await page.reload();
  await appReady(page);
  await page.waitForFunction((t) => document.querySelector('.result-count')?.innerText === t, summary);
  assert.equal(await page.isChecked('#acces'), true);
  assert.equal(await page.inputValue('#tri'), 'distance');
  await context.close();
});

test('deep links reload on every route and Back restores focus to the heading', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/departement/974');
  await appReady(page);
  await page.waitForFunction(() => document.title.startsWith('Centres de vaccination : La Réunion'));
  await page.reload();
  await appReady(page);
  await page.waitForFunction(() => document.title.startsWith('Centres de vaccination : La Réunion'));
  await page.click('text=Choisir un autre département');
  await page.waitForURL(server.url + '/departements');
  await page.waitForFunction(() => document.activeElement?.id === 'page-heading');
  await page.goBack();
  await page.waitForURL('**/departement/974');
  await page.waitForFunction(() => document.activeElement?.id === 'page-heading' && document.title.includes('La Réunion'));
  await context.close();
});

test('an unknown département and an unknown page say so plainly', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/departement/99');
  await appReady(page);
  await page.waitForFunction(() => document.title === 'Département introuvable – Créneau');
  assert.match(await page.locator('main').innerText(), /0\s800\s009\s110/);
  await assertNoAxeViolations(page, 'unknown département');
  await page.goto(server.url + '/nulle-part');
  await appReady(page);
  assert.equal(await page.title(), 'Page introuvable – Créneau');
  await assertNoAxeViolations(page, 'not found');
  await context.close();
});

test('when the snapshot cannot be fetched the page says so with the phone line', async () => {
  const { page, context } = await openPage(browser);
  await page.route('**/data/**', (route) => route.abort('internetdisconnected'));
  await page.goto(server.url + '/departement/75');
  await appReady(page);
  await page.waitForSelector('.notice-warning');
  assert.match(await page.locator('.notice-warning').innerText(), /Vérifiez votre connexion internet/);
  assert.match(await page.locator('.notice-warning').innerText(), /0\s800\s009\s110/);
  await assertNoAxeViolations(page, 'offline');
  // Back online, one tap on "Réessayer" shows the page.
  await page.unroute('**/data/**');
  await page.getByRole('link', { name: 'Réessayer' }).click();
  await page.waitForSelector('main ul li');
  assert.equal(await page.locator('.notice-warning').count(), 0);
  await context.close();
});

test('a centre page drops the day\'s times already past by the browser\'s clock', async () => {
  // The snapshot lists a centre's slots of the day from its opening, past
  // ones included, so its files do not change as the day goes by; the app
  // drops those not after its own clock.
  let centre;
  for (const code of ['75', '13', '69', '57', '33', '59', '67', '31']) {
    const published = await departementFile(server.url, code, 0); // as published: nothing dropped
    centre = published.centres.find((c) => c.today && c.booking === 'here' && !c.reserved_for_professionals);
    if (centre) break;
  }
  assert.ok(centre, 'a centre with free slots today in the demo data');
  const { runs, slot_minutes: minutes, date } = centre.today;
  const last = runs[runs.length - 1];
  const opens = runs[0].at * 1000;
  const closes = (last.at + last.count * minutes * 60) * 1000;
  for (const [time, today] of [[opens - 60_000, true], [closes + 60_000, false]]) {
    const { page, context } = await openPage(browser);
    await page.clock.install({ time });
    await page.goto(`${server.url}/centre/${centre.id}`);
    await appReady(page);
    await page.waitForSelector('ul.day-list li');
    const day = page.locator(`ul.day-list a[href*="jour=${date}"]`);
    assert.equal(await day.count(), today ? 1 : 0, `${date} at ${new Date(time).toISOString()}`);
    if (today) {
      // Its first time is the day's first ("8 h 30", as the page writes times).
      const [h, m] = runs[0].start.slice(11, 16).split(':').map(Number);
      const first = m === 0 ? `${h}\u00a0h` : `${h}\u00a0h\u00a0${String(m).padStart(2, '0')}`;
      assert.ok((await day.innerText()).includes(first), `${await day.innerText()} names ${first}`);
    }
    await context.close();
  }
});
