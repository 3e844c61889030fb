// The centre finder: one question, search by postcode, commune (accents),
// ambiguous name, département number or name, "near me"; results with
// filters in the URL; the centre page; errors; axe on every view and state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady, showAllCentres } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function search(page, text) {
  await page.goto(server.url + '/');
  await appReady(page);
  await page.fill('#lieu', text);
  await page.click('button[type=submit]');
}

test('the home page asks one question and explains an empty answer', async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url + '/');
  await appReady(page);
  assert.equal(await page.title(), 'Où souhaitez-vous être vacciné ? – Créneau');
  assert.equal(await page.locator('h1').innerText(), 'Où souhaitez-vous être vacciné ?');
  await assertNoAxeViolations(page, 'home');
  await page.click('button[type=submit]');
  await page.waitForSelector('.error-summary');
  assert.equal(await page.title(), 'Erreur : Où souhaitez-vous être vacciné ? – Créneau');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'error-summary', 'the summary takes focus');
  assert.equal(await page.locator('.error-summary [role=alert]').count(), 1);
  assert.equal(await page.getAttribute('#lieu', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#lieu', 'aria-describedby'), /lieu-error/);
  assert.match(await page.locator('#lieu-error').textContent(), /^Erreur : Saisissez un code postal/);
  await assertNoAxeViolations(page, 'home with error');
  // The summary link moves focus to the field.
  await page.click('.error-summary a');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lieu');
  // A place that does not exist keeps what was typed.
  await page.fill('#lieu', 'Xyzzyville');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#lieu-error')?.innerText.includes('Xyzzyville'));
  assert.equal(await page.inputValue('#lieu'), 'Xyzzyville');
  // The only console message allowed is the 404 of the search shard that
  // does not exist (no commune starts with "xyz"): that is how absence reads.
  assert.deepEqual(errors.filter((e) => !e.includes('status of 404')), []);
  await context.close();
});

test('a postcode leads to the centres around its arrondissement, sorted by distance', async () => {
  const { page, context } = await openPage(browser);
  await search(page, '75011');
  await page.waitForURL(/\/centres\?lieu=Paris%2011e/);
  await page.waitForSelector('.result-count');
  assert.match(await page.title(), /^Centres de vaccination près de Paris 11e Arrondissement \(75\) – Créneau$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-heading');
  const total = Number((await page.locator('.result-count').innerText()).match(/^(\d+) centres trouvés à moins de 20 km$/)[1]);
  assert.ok(total > 40, `${total} centres near Paris 11e`);
  assert.equal(await page.locator('[role=status]').innerText(), `${total} centres trouvés à moins de 20 km`);
  // Twenty cards at a time: the rest one tap away, focus on the first new card.
  assert.equal(await page.locator('.results > li').count(), 20);
  await page.getByRole('button', { name: `Afficher 20 centres de plus (${total - 20} restants)` }).click();
  await page.waitForFunction(() => document.querySelectorAll('.results > li').length === 40);
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelector('.results > li:nth-child(21) h2')), true, 'focus on the first new card');
  assert.equal(await page.locator('[role=status]').innerText(), `40 centres affichés sur ${total}`);
  const count = await page.locator('.results > li').count();
  // Neighbouring départements are included within the radius.
  const text = await page.locator('.results').innerText();
  assert.match(text, /9[234]\d{3}/, 'a centre of Hauts-de-Seine, Seine-Saint-Denis or Val-de-Marne');
  // "Trier par : Distance" sorts by distance alone, free slots or not.
  const km = [...text.matchAll(/à (\d+(?:,\d+)?)\s*km/g)].map((m) => Number(m[1].replace(',', '.')));
  assert.equal(km.length, count, 'each card says how far it is');
  assert.deepEqual(km, [...km].sort((a, b) => a - b), `nearest first: ${km}`);
  await assertNoAxeViolations(page, 'results');
  await context.close();
});

test('while a postcode is typed, its département\'s files and its neighbours\' are fetched before Enter', async () => {
  const { page, context } = await openPage(browser);
  const fetched = new Set();
  page.on('request', (r) => {
    const m = r.url().match(/\/dep\/(\w+)\.[0-9a-f]+\.json$/);
    if (m) fetched.add(m[1]);
  });
  await page.goto(server.url + '/');
  await appReady(page);
  await page.focus('#lieu');
  await page.keyboard.type('750', { delay: 50 });
  await page.waitForFunction(() => performance.getEntriesByType('resource').filter((e) => /\/dep\/(75|92)\.[0-9a-f]+\.json$/.test(e.name) && e.responseEnd > 0).length === 2);
  const deps = [...fetched].sort();
  assert.deepEqual(deps.filter((d) => !['75', '77', '78', '91', '92', '93', '94', '95'].includes(d)), [], `only Paris's neighbours: ${deps}`);
  assert.equal(page.url(), server.url + '/', 'nothing sent yet');
  await context.close();
});

test('a commune typed without accents, an ambiguous name, and département names', async () => {
  const { page, context } = await openPage(browser);
  // The commune of that very name comes first, before those it begins.
  await search(page, 'saint etienne');
  await page.waitForURL(/\/choisir\?q=/);
  await page.waitForSelector('.choices a');
  assert.match(await page.locator('.choices a').first().innerText(), /^Saint-Étienne, Loire \(42\)/);
  await page.locator('.choices a').first().click();
  await page.waitForURL(/lieu=Saint-%C3%89tienne%20\(42\)/);
  await search(page, 'St-Denis');
  await page.waitForURL(/\/choisir\?q=/);
  await page.waitForSelector('.choices a');
  const choices = await page.locator('.choices a').allInnerTexts();
  assert.ok(choices.some((c) => c.startsWith('Saint-Denis, Seine-Saint-Denis (93)')), String(choices));
  assert.ok(choices.some((c) => c.startsWith('Saint-Denis, La Réunion (974)')), String(choices));
  await assertNoAxeViolations(page, 'choice');
  await page.click('text=Saint-Denis, La Réunion (974)');
  await page.waitForURL(/\/centres\?lieu=Saint-Denis%20\(974\)/);
  await search(page, 'finistère');
  await page.waitForURL('**/departement/29');
  await search(page, '2a');
  await page.waitForURL('**/departement/2A');
  await context.close();
});

test('every name is answered: several communes, a misspelling, a département number, a former commune', async () => {
  const { page, context } = await openPage(browser);
  const choices = async () => {
    await page.waitForURL(/\/choisir\?q=/);
    await page.waitForSelector('.choices a');
    return page.locator('.choices a').allInnerTexts();
  };
  // "Aix" is a commune in Corrèze, and the first word of many others.
  await search(page, 'Aix');
  let offered = await choices();
  assert.match(offered[0], /^Aix, Corrèze \(19\)/);
  assert.ok(offered.some((c) => c.startsWith('Aix-en-Provence, Bouches-du-Rhône (13)')), String(offered));
  assert.ok(offered.some((c) => c.startsWith('Aix-les-Bains, Savoie (73)')), String(offered));
  assert.equal(await page.locator('h1').innerText(), 'Quelle commune : « Aix » ?');
  // One letter missing: a guess, offered, never taken for the person.
  await search(page, 'Marseile');
  offered = await choices();
  assert.match(offered[0], /^Marseille, Bouches-du-Rhône \(13\)/);
  assert.equal(await page.locator('h1').innerText(), 'Vouliez-vous dire… ? (« Marseile »)');
  assert.match(await page.locator('main').innerText(), /Aucune commune ne s’écrit exactement « Marseile »/);
  await assertNoAxeViolations(page, 'spelling corrected');
  // A name and its département number.
  await search(page, 'Saint-Denis 93');
  await page.waitForURL(/\/centres\?lieu=Saint-Denis%20\(93\)/);
  await page.waitForSelector('.result-count');
  // A former commune leads to the commune it is part of now.
  await search(page, 'Aumont-Aubrac');
  await page.waitForURL(/\/centres\?lieu=Aumont-Aubrac%2C%20Peyre%20en%20Aubrac%20\(48\)/);
  await page.waitForSelector('.result-count');
  assert.match(await page.locator('h1').innerText(), /Aumont-Aubrac, Peyre en Aubrac \(48\)/);
  await context.close();
});

test('"Autour de moi" uses the position, and says so plainly when refused', async () => {
  const { page, context } = await openPage(browser, { geolocation: { latitude: 45.764, longitude: 4.8357 }, permissions: ['geolocation'] });
  await page.goto(server.url + '/');
  await appReady(page);
  await page.click('text=Autour de moi');
  await page.waitForURL(/\/centres\?lieu=votre%20position&lat=45\.76400&lon=4\.83570/);
  await page.waitForSelector('.result-count');
  assert.match(await page.locator('.results').innerText(), /Lyon/);
  await context.close();

  const refused = await openPage(browser);
  await refused.page.goto(server.url + '/');
  await appReady(refused.page);
  await refused.page.click('text=Autour de moi');
  await refused.page.waitForSelector('.notice-warning');
  assert.match(await refused.page.locator('.notice-warning').innerText(), /Saisissez plutôt votre code postal/);
  await refused.context.close();
});

test('nothing near: one tap searches up to 50 km, the filters kept', async () => {
  const { page, context } = await openPage(browser);
  // Out at sea off Vendée: no centre within 20 km.
  await page.goto(`${server.url}/centres?lieu=Large%20de%20l%E2%80%99%C3%AEle%20d%E2%80%99Yeu&lat=46.55000&lon=-2.75000&rayon=20&acces=1`);
  await appReady(page);
  await page.waitForSelector('.result-count');
  assert.equal(await page.locator('.result-count').innerText(), 'Aucun centre trouvé à moins de 20 km');
  const wider = page.getByRole('link', { name: 'Chercher jusqu’à 50 km' });
  assert.match(await wider.getAttribute('href'), /rayon=50&acces=1$/);
  await assertNoAxeViolations(page, 'empty results');
  // No free place: "Me prévenir" around the same place and radius.
  const alertHref = await page.getByRole('link', { name: 'Me prévenir quand des places se libèrent' }).getAttribute('href');
  assert.equal(alertHref, '/reserver/alerte?lieu=Large%20de%20l%E2%80%99%C3%AEle%20d%E2%80%99Yeu&lat=46.55000&lon=-2.75000&rayon=20');
  await wider.click();
  await page.waitForURL(/rayon=50/);
  await page.waitForFunction(() => document.querySelector('.result-count')?.innerText.includes('50 km'));
  assert.equal(await page.locator('#acces').isChecked(), true, 'the filter kept');
  assert.equal(await page.getByRole('link', { name: 'Chercher jusqu’à 50 km' }).count(), 0, 'no wider search past 50 km');
  await page.goto(server.url + alertHref);
  await appReady(page);
  assert.equal(await page.locator('h1').innerText(), 'Me prévenir quand des places se libèrent');
  assert.ok((await page.locator('main').innerText()).includes('à moins de 20 km de Large de l’île d’Yeu'));
  await assertNoAxeViolations(page, 'alert sign-up around a place');
  await context.close();
});

test('filters live in the URL and survive a reload', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/centres?lieu=Lyon&lat=45.764&lon=4.8357&rayon=20');
  await appReady(page);
  await page.waitForSelector('.result-count');
  const found = async () => Number((await page.locator('.result-count').innerText()).match(/^(\d+) centres? trouvés? à moins de 20 km$/)[1]);
  const all = await found();
  assert.equal(await page.locator('details.filters').getAttribute('open'), null, 'filters folded when none is set');
  await page.click('details.filters summary');
  await page.check('#acces');
  await page.selectOption('#vaccin', 'moderna');
  await page.selectOption('#tri', 'creneau');
  await page.click('text=Appliquer');
  await page.waitForURL(/tri=creneau&vaccin=moderna&acces=1/);
  await page.waitForSelector('.result-count');
  const filtered = await found();
  assert.ok(filtered < all, `${filtered} < ${all}`);
  assert.equal(await page.locator('.results > li').count(), Math.min(filtered, 20));
  const texts = await page.locator('.results > li').allInnerTexts();
  for (const t of texts) {
    assert.match(t, /Moderna/);
    assert.match(t, /Accessible en fauteuil roulant/);
  }
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.result-count');
  assert.equal(await found(), filtered);
  assert.notEqual(await page.locator('details.filters').getAttribute('open'), null, 'filters shown when set');
  assert.equal(await page.isChecked('#acces'), true);
  assert.equal(await page.inputValue('#vaccin'), 'moderna');
  await assertNoAxeViolations(page, 'filtered results');
  await context.close();
});

test('a filter change that cannot reach the data keeps the list shown, said to be the previous one', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(server.url + '/centres?lieu=Lyon&lat=45.764&lon=4.8357&rayon=20');
  await appReady(page);
  await page.waitForSelector('.result-count');
  const before = await page.locator('.results > li').allInnerTexts();
  const summary = await page.locator('.result-count').innerText();
  assert.ok(before.length > 0);
  await page.route('**/data/**', (route) => route.abort('internetdisconnected'));
  await page.click('details.filters summary');
  await page.selectOption('#rayon', '50');
  await page.click('text=Appliquer');
  await page.waitForURL(/rayon=50/);
  await page.waitForSelector('.notice-warning');
  assert.match(await page.locator('.notice-warning').innerText(), /^Ces résultats n’ont pas pu être mis à jour : Impossible de joindre le service\. Vérifiez votre connexion internet, puis réessayez\. La liste ci-dessous est la précédente/);
  assert.deepEqual(await page.locator('.results > li').allInnerTexts(), before, 'the list is kept');
  assert.equal(await page.locator('.result-count').innerText(), summary);
  await assertNoAxeViolations(page, 'update failed, list kept');
  await context.close();
});

test('the injection filter keeps only centres booking that injection, and says which give second ones only', async () => {
  const { page, context } = await openPage(browser);
  const base = server.url + '/centres?lieu=Paris&lat=48.8566&lon=2.3522&rayon=30';
  const centres = async (url) => {
    await page.goto(url);
    await appReady(page);
    await page.waitForSelector('.result-count');
    await showAllCentres(page);
    return page.locator('.results > li').allInnerTexts();
  };
  const all = await centres(base);
  const secondOnly = all.filter((t) => t.includes('Deuxièmes injections uniquement')).length;
  assert.ok(secondOnly > 0, 'the demo has centres giving second injections only');
  const first = await centres(base + '&injection=1');
  assert.equal(first.length, all.length - secondOnly, 'first injections: the second-only centres are left out');
  assert.ok(first.every((t) => !t.includes('Deuxièmes injections uniquement')));
  assert.equal(await page.inputValue('#injection'), '1', 'the form shows the filter read from the URL');
  const second = await centres(base + '&injection=2');
  assert.ok(second.length < all.length && second.length >= secondOnly, `${second.length} centres for second injections`);
  await context.close();
});

test('keyboard only from a result to its centre page', async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url + '/departement/57');
  await appReady(page);
  await page.waitForSelector('.results a.button');
  const name = await page.locator('.results > li h2').first().innerText();
  await page.locator('.results a.button').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/centre\//);
  await page.waitForFunction((n) => document.title === `${n} – Créneau`, name);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-heading');
  assert.equal(await page.locator('.hours tr').count(), 7);
  assert.ok(await page.locator('.day-list li').count() > 0);
  assert.match(await page.locator('main').innerText(), /Disponibilités mises à jour à/);
  await assertNoAxeViolations(page, 'centre');
  await page.reload();
  await appReady(page);
  await page.waitForFunction((n) => document.title === `${n} – Créneau`, name);
  assert.deepEqual(errors, []);
  await context.close();
});
