// The booking journey's dead ends and surprises, each reproduced as a
// person meets it: links between the two apps, /reserver/ opened on its
// own, unknown addresses (404), "Étape n sur m" on every step, "Effacer
// mes réponses" on every step, the finder clearing a booking left behind,
// a second person in the same tab seeing nothing of the first, Web Crypto
// idempotency keys, times that never wrap, phone numbers as the French
// write them. Axe on every new view and state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';
import { departementFile } from './support/snapshot.mjs';

let server, browser;
before(async () => {
  server = await startServer(['--bookings-per-minute', '1000', '--lookups-per-minute', '1000']);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

const NBSP = '\u00a0';

/** A centre booked here, first injections, one vaccine, free days (département 57). */
async function bookableCentre(index = 0) {
  const dep = await departementFile(server.url, '57');
  const found = dep.centres.filter((c) => c.booking === 'here' && !c.reserved_for_professionals && c.next_slot
    && (c.doses ?? [1, 2]).includes(1) && c.vaccines.length === 1);
  assert.ok(found.length > index, 'the demo data has bookable centres in 57');
  return found[index];
}

async function heading(page, text) {
  await page.waitForFunction((t) => document.querySelector('h1')?.innerText === t, text);
}

async function indicator(page) {
  return page.locator('#step-indicator').innerText();
}

/** Into the booking flow of `centre`: the date of birth first, then the day page. */
async function throughBirth(page, centre, birth = ['1940', '3', '2']) {
  await page.goto(`${server.url}/reserver/centre/${centre.id}`);
  await appReady(page);
  await page.waitForURL(/\/reserver\/etape\/naissance$/);
  await heading(page, 'Quelle est la date de naissance de la personne à vacciner ?');
  assert.equal(await indicator(page), 'Étape 1 sur 8');
  await page.fill('#naissance-jour', birth[2]);
  await page.fill('#naissance-mois', birth[1]);
  await page.fill('#naissance-annee', birth[0]);
  await page.click('button[type=submit]');
}

/** Birth, day, time, who, name, contact; stops on the check page. */
async function toCheck(page, centre, { first, last }) {
  await throughBirth(page, centre);
  await heading(page, 'Quel jour souhaitez-vous venir ?');
  assert.equal(await indicator(page), 'Étape 2 sur 8');
  await page.click('.choices li:nth-child(2) a'); // not today: a slot minutes away may pass
  await page.waitForSelector('input[name=heure]');
  assert.equal(await indicator(page), 'Étape 3 sur 8');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-heading', 'the time step focuses its heading');
  await page.check('#heure-0');
  await page.click('button[type=submit]');
  await keepSecond(page);
  await page.waitForURL(/pour-qui/);
  assert.equal(await indicator(page), 'Étape 5 sur 8');
  await page.check('#qui-0');
  await page.click('button[type=submit]');
  await page.waitForURL(/etape\/nom/);
  assert.equal(await indicator(page), 'Étape 6 sur 8');
  await page.fill('#prenom', first);
  await page.fill('#nom', last);
  await page.click('button[type=submit]');
  await page.waitForURL(/contact/);
  assert.equal(await indicator(page), 'Étape 7 sur 8');
  await page.click('button[type=submit]');
  await page.waitForURL(/verifier/);
  await heading(page, 'Vérifiez votre rendez-vous avant de confirmer');
  assert.equal(await indicator(page), 'Étape 8 sur 8');
}

/** The second injection's step: the proposed appointment kept. */
async function keepSecond(page) {
  await page.waitForURL(/\/reserver\/etape\/deuxieme-injection$/);
  await heading(page, 'Votre deuxième injection');
  assert.equal(await indicator(page), 'Étape 4 sur 8');
  await page.waitForSelector('#keep-second');
  await page.click('#keep-second');
}

test('the brand link and "page introuvable" lead from the booking app to the finder; /reserver/ leads somewhere', async () => {
  const { page, context, errors } = await openPage(browser);
  const centre = await bookableCentre();
  for (const path of [`/reserver/centre/${centre.id}`, '/reserver/etape/heure?jour=2021-01-01', '/reserver/etape/pour-qui',
    '/reserver/etape/nom', '/reserver/etape/naissance', '/reserver/etape/contact', '/reserver/etape/verifier',
    '/reserver/etape/deuxieme-injection', '/reserver/etape/deuxieme-injection/heure?jour=2021-01-01',
    '/reserver/etape/premiere-injection', '/reserver/gerer/deplacer?dose=2', '/reserver/gerer/deplacer/heure?dose=1&jour=2021-01-01',
    '/reserver/confirmation', '/reserver/gerer', '/reserver/']) {
    await page.goto(`${server.url}${path}`);
    await appReady(page);
    await page.click('a.brand');
    await page.waitForURL(`${server.url}/`);
    await appReady(page);
    assert.doesNotMatch(await page.locator('h1').innerText(), /Page introuvable/, `brand link from ${path}`);
    assert.ok(await page.locator('input#recherche, input[type=search], form input').count() > 0, `the finder's search from ${path}`);
  }
  // /reserver/ on its own: where to go from here.
  await page.goto(`${server.url}/reserver/`);
  await appReady(page);
  await heading(page, 'Prendre ou gérer un rendez-vous');
  await assertNoAxeViolations(page, 'booking start');
  await page.click('text=Gérer mon rendez-vous >> nth=0');
  await heading(page, 'Gérer mon rendez-vous');
  // The booking app's own "page introuvable" links home to the finder.
  await page.goto(`${server.url}/reserver/nulle-part`);
  await appReady(page);
  await heading(page, 'Page introuvable');
  await page.click('main a[href="/"]');
  await page.waitForURL(`${server.url}/`);
  await appReady(page);
  assert.doesNotMatch(await page.locator('h1').innerText(), /Page introuvable/);
  // The one console line expected: the unknown address's own 404.
  assert.deepEqual(errors, ['console: Failed to load resource: the server responded with a status of 404 (Not Found)']);
  await context.close();
});

test('unknown addresses answer 404 with the app saying so; both apps\' addresses answer 200', async () => {
  const { page, context } = await openPage(browser);
  const centre = await bookableCentre();
  for (const path of ['/', '/centres?q=57000', '/departements', '/departement/57', `/centre/${centre.id}`,
    '/reserver/', '/reserver/gerer', `/reserver/centre/${centre.id}`, '/reserver/etape/verifier',
    '/reserver/etape/deuxieme-injection', '/reserver/etape/deuxieme-injection/heure', '/reserver/etape/premiere-injection',
    '/reserver/gerer/deplacer', '/reserver/gerer/deplacer/heure']) {
    const response = await page.goto(`${server.url}${path}`);
    assert.equal(response.status(), 200, path);
  }
  for (const path of ['/nulle-part', '/centre/1/2', '/reserver/nulle-part', '/admin.php']) {
    const response = await page.goto(`${server.url}${path}`);
    assert.equal(response.status(), 404, path);
    await appReady(page);
    await heading(page, 'Page introuvable');
    await assertNoAxeViolations(page, `not found ${path}`);
  }
  await context.close();
});

test('"Effacer mes réponses" on every step; the finder clears a booking left behind; Back shows nothing personal', async () => {
  const { page, context, errors } = await openPage(browser);
  const centre = await bookableCentre(1);
  await toCheck(page, centre, { first: 'Germaine', last: 'Partagé' });
  await assertNoAxeViolations(page, 'check with indicator');
  for (const path of ['/reserver/etape/pour-qui', '/reserver/etape/nom', '/reserver/etape/naissance', '/reserver/etape/contact', `/reserver/centre/${centre.id}`]) {
    await page.goto(`${server.url}${path}`);
    await appReady(page);
    await page.waitForSelector('#clear-answers');
  }
  await page.goto(`${server.url}/reserver/etape/verifier`);
  await appReady(page);
  await page.click('#clear-answers');
  await page.waitForURL(/\/reserver\/\?efface=1/);
  await heading(page, 'Prendre ou gérer un rendez-vous');
  assert.match(await page.locator('#answers-cleared').innerText(), /Vos réponses ont été effacées/);
  assert.match(await page.locator('[role=status]').innerText(), /Vos réponses ont été effacées/);
  await assertNoAxeViolations(page, 'answers cleared');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('creneau.reservation')), null);
  await page.goBack();
  await appReady(page);
  assert.doesNotMatch(await page.locator('main').innerText(), /Germaine|Partagé/, 'Back shows nothing personal');

  // Answers left half-way, then the finder: they are gone.
  await toCheck(page, centre, { first: 'Lucienne', last: 'Oubli' });
  await page.click('a.brand');
  await page.waitForURL(`${server.url}/`);
  await appReady(page);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('creneau.reservation')), null);
  await page.goBack();
  await appReady(page);
  assert.doesNotMatch(await page.locator('main').innerText(), /Lucienne|Oubli/, 'Back after leaving shows nothing personal');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a helper books for two people in a row: the second sees nothing of the first; keys come from Web Crypto', async () => {
  const { page, context } = await openPage(browser);
  const keys = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/bookings')) keys.push(r.headers()['idempotency-key']); });
  for (const [i, person] of [{ first: 'Albert', last: 'Premier' }, { first: 'Berthe', last: 'Seconde' }].entries()) {
    await toCheck(page, await bookableCentre(2 + i), person);
    await page.click('#confirm-booking');
    await page.waitForURL(/confirmation/);
    await heading(page, 'Rendez-vous confirmé');
    assert.equal(await page.locator('[role=status]').innerText(), '', 'no "Confirmation en cours…" once confirmed');
    assert.equal(await page.locator('#booking-person').innerText(), `Rendez-vous de ${person.first} ${person.last}`);
    assert.match(await page.locator('main').innerText(), /Première injection : \p{L}+ \d+(er)? \p{L}+ 20\d\d à/u, 'dates with their year');
    const ics = decodeURIComponent((await page.getAttribute('a[download]', 'href')).split(',')[1]);
    assert.equal((ics.match(/BEGIN:VALARM/g) || []).length, 2, 'a reminder the day before each');
    assert.equal((ics.match(/TRIGGER:-P1D/g) || []).length, 2);
    for (const line of ics.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `folded: ${line}`);
    // On paper: black on white, the person, the reference, both appointments, where to manage it.
    await page.emulateMedia({ media: 'print' });
    const panel = await page.$eval('.panel-confirmation', (e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
    assert.deepEqual(panel, ['rgb(255, 255, 255)', 'rgb(0, 0, 0)']);
    for (const id of ['#booking-person', '#booking-reference', '#print-address']) {
      assert.ok(await page.$eval(id, (e) => e.offsetParent !== null || getComputedStyle(e).display !== 'none'), `${id} prints`);
    }
    assert.match(await page.locator('#print-address').innerText(), new RegExp(`${server.url}/reserver/gerer`));
    assert.equal((await page.locator('.appointments li').allInnerTexts()).length, 2);
    await page.emulateMedia({ media: 'screen' });
    await page.click('#finish');
    await page.waitForURL(`${server.url}/`);
    await appReady(page);
    // The second person's first step shows nothing of the first.
    await page.goto(`${server.url}/reserver/etape/verifier`);
    await appReady(page);
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /Albert|Premier|Berthe|Seconde/);
    await page.goto(`${server.url}/reserver/confirmation`);
    await appReady(page);
    assert.doesNotMatch(await page.locator('main').innerText(), /Albert|Premier|Berthe|Seconde/);
  }
  assert.equal(keys.length, 2);
  for (const key of keys) assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(keys[0], keys[1]);
  await context.close();
});

test('times never wrap, one format per language; phone numbers as written in France, dialled internationally', async () => {
  const { page, context } = await openPage(browser);
  const centre = await bookableCentre();
  await throughBirth(page, centre);
  await page.waitForSelector('.choices a');
  await page.click('.choices a');
  await page.waitForSelector('input[name=heure]');
  const label = await page.locator('label[for=heure-0]').innerText();
  assert.match(label, new RegExp(`^\\d{1,2}${NBSP}h(${NBSP}\\d{2})? \\(`), label);
  // The footer's national line.
  const line = page.locator('footer a.phone');
  assert.equal(await line.innerText(), `0${NBSP}800${NBSP}009${NBSP}110`);
  assert.equal(await line.getAttribute('href'), 'tel:+33800009110');
  // A centre's phone: "03 87 …" with tel:+33….
  const withPhone = page.locator('a.phone[href^="tel:+33"]');
  await page.goto(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  await page.waitForSelector('main');
  const phones = await page.locator('main a.phone').allInnerTexts();
  for (const p of phones) assert.match(p, new RegExp(`^0\\d(${NBSP}\\d{2}){4}$`), p);
  assert.ok(await withPhone.count() >= 1);
  // English: "2:30 pm", no space before a colon in hidden text.
  // (The finder's centre page ended that booking: the date of birth again.)
  await page.goto(`${server.url}/reserver/centre/${centre.id}?lang=en`);
  await appReady(page);
  await page.waitForURL(/naissance/);
  await page.fill('#naissance-jour', '2');
  await page.fill('#naissance-mois', '3');
  await page.fill('#naissance-annee', '1940');
  await page.click('button[type=submit]');
  await page.waitForSelector('.choices a');
  await page.click('.choices a');
  await page.waitForSelector('input[name=heure]');
  const english = await page.locator('label[for=heure-0]').innerText();
  assert.match(english, new RegExp(`^\\d{1,2}(:\\d{2})?${NBSP}(am|pm) \\(`), english);
  await context.close();
});

test('left alone, a booking warns first (it can be extended), then clears the answers', async () => {
  const { page, context } = await openPage(browser);
  await page.clock.install();
  // Nothing to clear, nothing to warn about.
  await page.goto(`${server.url}/reserver/`);
  await appReady(page);
  await page.clock.runFor(25 * 60_000);
  assert.equal(await page.evaluate(() => document.querySelector('#timeout-warning').open), false, 'no answers, no warning');
  const centre = await bookableCentre(4);
  await throughBirth(page, centre);
  await page.waitForSelector('.choices a');
  await page.click('.choices a');
  await page.waitForSelector('input[name=heure]');
  await page.check('#heure-0');
  await page.click('button[type=submit]');
  await keepSecond(page);
  await page.waitForURL(/pour-qui/);
  // Nineteen minutes idle: nothing yet.
  await page.clock.runFor(19 * 60_000);
  assert.equal(await page.evaluate(() => document.querySelector('#timeout-warning').open), false);
  // Past twenty: the warning, with focus on "Continuer la réservation".
  await page.clock.runFor(61_000);
  assert.equal(await page.evaluate(() => document.querySelector('#timeout-warning').open), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'timeout-continue');
  assert.match(await page.locator('#timeout-warning').innerText(), /Voulez-vous continuer \?[\s\S]*effacées dans 2 minutes/);
  await assertNoAxeViolations(page, 'timeout warning');
  // Carry on: the answers stay.
  await page.click('#timeout-continue');
  assert.equal(await page.evaluate(() => document.querySelector('#timeout-warning').open), false);
  assert.ok(await page.evaluate(() => sessionStorage.getItem('creneau.reservation')));
  // Left alone again past the warning: cleared, and said.
  await page.clock.runFor(23 * 60_000);
  await page.waitForURL(/\/reserver\/\?efface=1/);
  assert.match(await page.locator('#answers-cleared').innerText(), /Vos réponses ont été effacées/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('creneau.reservation')), null);
  await context.close();
});

test('eligibility first: the rule in words, and someone too young is told why at once, with nothing kept', async () => {
  const { page, context, errors } = await openPage(browser);
  const centre = await bookableCentre(5);
  await page.goto(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  await page.click('a[href^="/reserver/centre/"]');
  await page.waitForURL(/\/reserver\/etape\/naissance$/);
  await appReady(page);
  await page.waitForSelector('#naissance-rule');
  assert.match(await page.locator('#naissance-rule').innerText(), /Vous pouvez prendre rendez-vous pour une personne qui aura 75 ans ou plus le jour de sa première injection/);
  const young = String(new Date().getFullYear() - 60);
  await page.fill('#naissance-jour', '1');
  await page.fill('#naissance-mois', '6');
  await page.fill('#naissance-annee', young);
  await page.click('button[type=submit]');
  await heading(page, 'Vous ne pouvez pas encore prendre rendez-vous');
  const text = await page.locator('main').innerText();
  assert.match(text, /ouverte aux personnes de 75 ans et plus[\s\S]*la personne aura (59|60) ans le/);
  assert.match(text, /0\s800\s009\s110/);
  assert.match(text, /Vos réponses ont été effacées/);
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('creneau.reservation')), null, 'nothing kept');
  await assertNoAxeViolations(page, 'not eligible');
  // Retour from the first step leads back to the centre, in the finder.
  await page.goto(`${server.url}/reserver/centre/${centre.id}`);
  await appReady(page);
  await page.waitForURL(/naissance/);
  await page.click('a.back-link');
  await page.waitForURL(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  assert.doesNotMatch(await page.locator('h1').innerText(), /Page introuvable/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('every page links the accessibility statement with its status; the statement reads without JavaScript, in French and English', async () => {
  const { page, context } = await openPage(browser);
  for (const path of ['/', '/reserver/gerer']) {
    await page.goto(`${server.url}${path}`);
    await appReady(page);
    assert.equal(await page.locator('#accessibility-link').innerText(), 'Accessibilité : non conforme', path);
    await page.click('#accessibility-link');
    await page.waitForURL(`${server.url}/accessibilite/`);
    await heading(page, 'Déclaration d’accessibilité');
  }
  const response = await page.goto(`${server.url}/accessibilite/`);
  assert.equal(response.status(), 200);
  const text = await page.locator('main').innerText();
  for (const part of ['État de conformité', 'non conforme', 'RGAA', 'Contenus non accessibles', 'Obtenir le contenu autrement', 'Voies de recours', 'Défenseur des droits']) {
    assert.ok(text.includes(part), part);
  }
  assert.match(text, /0\s800\s009\s110/);
  assert.equal(await page.getAttribute('#english', 'lang'), 'en');
  assert.match(await page.locator('#english').innerText(), /Accessibility statement[\s\S]*not compliant[\s\S]*Défenseur des droits/);
  await assertNoAxeViolations(page, 'accessibility statement');
  // Without JavaScript it is all there.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await plain.newPage();
  await p2.goto(`${server.url}/accessibilite/`);
  assert.match(await p2.locator('h1').innerText(), /Déclaration d’accessibilité/);
  await plain.close();
  await context.close();
});
