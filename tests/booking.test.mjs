// The booking flow in the browser, against a real `creneau serve`: for
// oneself and for someone else by keyboard, errors, the 409 and 503 paths
// (503 from the server's own overload setting), reload of the confirmation,
// manage and cancel, and no personal data left in storage. Axe on each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launchBrowser, openPage, appReady, ROOT } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';
import { departementFile } from './support/snapshot.mjs';

let server, browser;
before(async () => {
  server = await startServer(['--bookings-per-minute', '1000', '--lookups-per-minute', '1000']);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

/** Centres booked here with free days, from the snapshot (département 57). */
async function bookableCentres(base) {
  const found = [];
  for (const code of ['57', '54', '67', '88']) {
    const dep = await departementFile(base, code);
    found.push(...dep.centres.filter((c) => c.booking === 'here' && !c.reserved_for_professionals && c.next_slot && (c.doses ?? [1, 2]).includes(1)));
  }
  return found;
}

/** Keyboard only: focus by selector, then the key a person would press. */
async function press(page, selector, key = 'Enter') {
  await page.focus(selector);
  await page.keyboard.press(key);
}

async function heading(page, text) {
  await page.waitForFunction((t) => document.querySelector('h1')?.innerText === t, text);
}

async function step(page, url, title, label) {
  await page.waitForURL(url);
  await heading(page, title);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-heading', `${label}: focus on the heading`);
  assert.equal(await page.title(), `${title} – Créneau`);
  await assertNoAxeViolations(page, label);
}

/** From the centre page to the check page; returns the chosen slot's label. */
async function answer(page, centre, who, { first, last, birth, phone }) {
  await page.goto(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  await page.waitForSelector('a[href^="/reserver/centre/"]');
  await press(page, 'a[href^="/reserver/centre/"]');
  // Eligibility first: the rule in words and the date of birth.
  await page.waitForURL(/\/reserver\/etape\/naissance$/);
  await appReady(page);
  const birthTitle = 'Quelle est la date de naissance de la personne à vacciner ?';
  await heading(page, birthTitle);
  assert.equal(await page.title(), `${birthTitle} – Créneau`);
  await page.waitForSelector('#naissance-rule');
  assert.match(await page.locator('#naissance-rule').innerText(), /75 ans ou plus le jour de sa première injection/);
  assert.equal(await page.getAttribute('#naissance-jour', 'autocomplete'), 'off', 'maybe someone else: no autofill');
  await assertNoAxeViolations(page, 'birth');
  await page.focus('#naissance-jour'); await page.keyboard.type('31');
  await page.focus('#naissance-mois'); await page.keyboard.type('2');
  await page.focus('#naissance-annee'); await page.keyboard.type(birth[0]);
  await press(page, 'button[type=submit]');
  await page.waitForSelector('#naissance-jour-error');
  assert.match(await page.locator('#naissance-jour-error').innerText(), /La date de naissance doit être une vraie date/);
  assert.equal(await page.inputValue('#naissance-annee'), birth[0], 'what was typed stays');
  await assertNoAxeViolations(page, 'birth with error');
  await page.fill('#naissance-jour', birth[2]);
  await page.fill('#naissance-mois', birth[1]);
  await press(page, 'button[type=submit]');
  await page.waitForURL(/\/reserver\/centre\//);
  await heading(page, 'Quel jour souhaitez-vous venir ?');
  await assertNoAxeViolations(page, 'day');
  await page.waitForSelector('.choices a');
  await press(page, '.choices li:nth-child(2) a'); // not today: a slot minutes away may pass during the test
  await page.waitForURL(/\/reserver\/etape\/heure\?jour=/);
  await page.waitForSelector('input[name=heure]');
  assert.match(await page.locator('h1').innerText(), /^À quelle heure, le \w+ \d+/);
  await assertNoAxeViolations(page, 'time');
  // Continue without choosing: the error summary, focused, links to the first radio.
  await press(page, 'button[type=submit]');
  await page.waitForSelector('.error-summary');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'error-summary');
  assert.match(await page.title(), /^Erreur : À quelle heure/);
  await assertNoAxeViolations(page, 'time with error');
  await press(page, '.error-summary a');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'heure-0');
  await page.keyboard.press('Space');
  const slotLabel = await page.locator('label[for=heure-0]').innerText();
  await press(page, 'button[type=submit]');
  if (centre.vaccines.length > 1) {
    await step(page, /vaccin/, 'Quel vaccin ?', 'vaccine');
    await press(page, '#vaccin-1', 'Space');
    await press(page, 'button[type=submit]');
  }
  await step(page, /deuxieme-injection$/, 'Votre deuxième injection', 'second injection');
  await page.waitForSelector('#keep-second');
  await press(page, '#keep-second');
  await step(page, /pour-qui/, 'Pour qui est ce rendez-vous ?', 'who');
  await press(page, who === 'self' ? '#qui-0' : '#qui-1', 'Space');
  await press(page, 'button[type=submit]');
  const nameTitle = who === 'self' ? 'Quel est votre nom ?' : 'Nom de la personne à vacciner';
  await step(page, /etape\/nom/, nameTitle, 'name');
  assert.equal(await page.getAttribute('#prenom', 'autocomplete'), who === 'self' ? 'given-name' : 'off');
  await press(page, 'button[type=submit]');
  await page.waitForSelector('.error-summary');
  assert.match(await page.locator('.error-summary').innerText(), /Saisissez le prénom[\s\S]*Saisissez le nom de famille/);
  assert.equal(await page.getAttribute('#prenom', 'aria-invalid'), 'true');
  await assertNoAxeViolations(page, 'name with errors');
  await page.focus('#prenom');
  await page.keyboard.type(first);
  await page.focus('#nom');
  await page.keyboard.type(last);
  await press(page, 'button[type=submit]');
  await step(page, /contact/, who === 'self' ? 'Comment le centre peut-il vous joindre ? (facultatif)' : 'Comment le centre peut-il joindre la personne ? (facultatif)', 'contact');
  if (phone) { await page.focus('#telephone'); await page.keyboard.type(phone); }
  await press(page, 'button[type=submit]');
  await step(page, /verifier/, 'Vérifiez votre rendez-vous avant de confirmer', 'check answers');
  const summary = await page.locator('.summary-list').innerText();
  assert.match(summary, new RegExp(`${first} ${last}`));
  // The date of birth in words, which cannot be misread: "2 mars 1940".
  const month = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'][Number(birth[1]) - 1];
  assert.match(summary, new RegExp(`${birth[2] === '1' ? '1er' : birth[2]} ${month} ${birth[0]}`));
  return slotLabel;
}

async function storageReport(page) {
  return page.evaluate(async () => ({
    local: localStorage.length,
    session: Object.keys(sessionStorage),
    databases: (await indexedDB.databases()).length,
    cookies: document.cookie,
  }));
}

test('booking for oneself, by keyboard, to a confirmation that survives a reload and is cleared at the end', async () => {
  const { page, context, errors } = await openPage(browser);
  const centres = await bookableCentres(server.url);
  const centre = centres.find((c) => c.vaccines.length === 1);
  await answer(page, centre, 'self', { first: 'Marie', last: 'Durand', birth: ['1940', '3', '2'] });
  await press(page, '#confirm-booking');
  await step(page, /\/reserver\/confirmation$/, 'Rendez-vous confirmé', 'confirmation');
  const reference = await page.locator('#booking-reference').innerText();
  assert.match(reference, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  const text = await page.locator('main').innerText();
  assert.match(text, /Première injection : \w+ \d+/);
  assert.match(text, /Deuxième injection : \w+ \d+/);
  assert.match(text, /À apporter/);
  assert.match(text, /Gérer mon rendez-vous/);
  const ics = decodeURIComponent((await page.getAttribute('a[download]', 'href')).split(',')[1]);
  assert.equal((ics.match(/BEGIN:VEVENT/g) || []).length, 2);
  assert.match(ics, new RegExp(`UID:${reference}-1@creneau`));
  // A reload shows the same confirmation (from this tab's storage only).
  await page.reload();
  await appReady(page);
  assert.equal(await page.locator('#booking-reference').innerText(), reference);
  let storage = await storageReport(page);
  assert.deepEqual({ local: storage.local, databases: storage.databases, cookies: storage.cookies }, { local: 0, databases: 0, cookies: '' });
  assert.ok(storage.session.includes('creneau.confirmation'));
  assert.ok(!storage.session.includes('creneau.reservation'), 'the answers went once booked');
  // "Terminer et effacer" leaves nothing personal behind.
  await press(page, '#finish');
  await page.waitForURL(`${server.url}/`);
  await appReady(page);
  storage = await storageReport(page);
  assert.deepEqual(storage.session.filter((k) => k !== 'creneau.langue'), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a day tapped on the centre page leads, once the date of birth is given, straight to its times', async () => {
  const [centre] = await bookableCentres(server.url);
  const { page, context } = await openPage(browser);
  await page.goto(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  const days = page.locator('.day-list a');
  await days.nth(1).waitFor();
  const day = new URL(await days.nth(1).getAttribute('href'), server.url).searchParams.get('jour');
  assert.match(day, /^\d{4}-\d{2}-\d{2}$/);
  await days.nth(1).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/reserver\/etape\/naissance$/);
  await appReady(page);
  await page.fill('#naissance-jour', '2');
  await page.fill('#naissance-mois', '3');
  await page.fill('#naissance-annee', '1940');
  await press(page, 'button[type=submit]');
  await page.waitForURL(new RegExp(`/reserver/etape/heure\\?jour=${day}$`));
  await page.waitForSelector('input[name=heure]');
  // A day with no free place left says so, and offers the others.
  await page.goto(`${server.url}/reserver/centre/${centre.id}?jour=2021-01-04`);
  await appReady(page);
  await page.waitForSelector('.notice-warning');
  assert.match(await page.locator('.notice-warning').innerText(), /^Le lundi 4 janvier n’a plus de place libre/);
  assert.ok(await page.locator('.choices a').count() > 0);
  await assertNoAxeViolations(page, 'tapped day gone');
  await context.close();
});

test('while a bookable centre page is read, the booking app is fetched, and "Choisir un créneau" finds it in the cache', async () => {
  const [centre] = await bookableCentres(server.url);
  const { page, context } = await openPage(browser);
  // The browser's own record of each response (page.route would turn the
  // HTTP cache off): where the booking app's WebAssembly came from.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const wasm = [];
  cdp.on('Network.responseReceived', (e) => {
    if (/\/reserver\/creneau-booking-[0-9a-f]+_bg\.wasm$/.test(e.response.url)) {
      wasm.push({ cached: e.response.fromDiskCache || e.response.fromPrefetchCache || false });
    }
  });
  await page.goto(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  await page.waitForSelector('link[rel=prefetch][href$="_bg.wasm"]', { state: 'attached' });
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('_bg.wasm') && e.name.includes('/reserver/') && e.responseEnd > 0));
  assert.deepEqual(wasm, [{ cached: false }], 'fetched once, from the network, while the page is read');
  await press(page, 'a[href^="/reserver/centre/"]');
  await page.waitForURL(/\/reserver\/etape\/naissance$/);
  await appReady(page);
  assert.equal(wasm.length, 2);
  assert.equal(wasm[1].cached, true, 'the booking app came from the cache');
  // A centre that cannot be booked here fetches nothing of the booking app.
  const dep = await departementFile(server.url, '57');
  const elsewhere = dep.centres.find((c) => c.booking !== 'here');
  const other = await openPage(browser);
  await other.page.goto(`${server.url}/centre/${elsewhere.id}`);
  await appReady(other.page);
  await other.page.waitForSelector('main h2');
  assert.equal(await other.page.locator('link[rel=prefetch]').count(), 0);
  await other.context.close();
  await context.close();
});

test('booking for someone else says "la personne", asks the vaccine when there is a choice, and can be managed and cancelled', async () => {
  const { page, context } = await openPage(browser);
  const centres = await bookableCentres(server.url);
  const centre = centres.find((c) => c.vaccines.length > 1);
  assert.ok(centre, 'the demo data has a centre near Metz offering a choice of vaccine');
  await answer(page, centre, 'helper', { first: 'Jeanne', last: 'Voisin', birth: ['1935', '11', '9'], phone: '06 12 34 56 78' });
  assert.match(await page.locator('.summary-list').innerText(), /Pour un proche ou une personne que j’aide/);
  // Change an answer: back to the check page after it.
  await press(page, 'a[href="/reserver/etape/nom?retour=1"]');
  await step(page, /nom\?retour=1/, 'Nom de la personne à vacciner', 'change name');
  assert.equal(await page.inputValue('#prenom'), 'Jeanne');
  await page.fill('#prenom', 'Jeannette');
  await press(page, 'button[type=submit]');
  await step(page, /verifier/, 'Vérifiez votre rendez-vous avant de confirmer', 'check after change');
  assert.match(await page.locator('.summary-list').innerText(), /Jeannette Voisin/);
  await press(page, '#confirm-booking');
  await page.waitForURL(/confirmation/);
  const reference = await page.locator('#booking-reference').innerText();
  // Manage: a wrong birth date finds nothing; the right one finds it.
  await page.goto(`${server.url}/reserver/gerer`);
  await appReady(page);
  await heading(page, 'Gérer mon rendez-vous');
  await assertNoAxeViolations(page, 'manage');
  await page.fill('#reference', reference.toLowerCase().replace('-', ' '));
  await page.fill('#gerer-jour', '9'); await page.fill('#gerer-mois', '11'); await page.fill('#gerer-annee', '1936');
  await press(page, 'button[type=submit]');
  await page.waitForSelector('.error-summary');
  assert.match(await page.locator('.error-summary').innerText(), /Aucun rendez-vous ne correspond/);
  await assertNoAxeViolations(page, 'manage not found');
  await page.fill('#gerer-annee', '1935');
  await press(page, 'button[type=submit]');
  await heading(page, 'Rendez-vous confirmé');
  assert.match(await page.locator('main').innerText(), /Jeannette Voisin/);
  await assertNoAxeViolations(page, 'manage found');
  await press(page, 'button.button-warning');
  await heading(page, 'Voulez-vous vraiment annuler ce rendez-vous ?');
  await assertNoAxeViolations(page, 'cancel confirmation step');
  await press(page, '#cancel-yes');
  await heading(page, 'Rendez-vous annulé');
  // The API agrees.
  const check = await fetch(`${server.url}/api/v1/bookings/${reference}/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ birth_date: '1935-11-09' }) });
  assert.equal((await check.json()).status, 'cancelled');
  await context.close();
});

test('a slot taken meanwhile: "Ce créneau vient d’être pris", other times offered for the first, then for the second, answers kept', async () => {
  const { page, context } = await openPage(browser);
  const centres = await bookableCentres(server.url);
  const centre = centres.find((c) => c.vaccines.length === 1 && c.id !== centres[0].id);
  assert.ok(centre, 'the demo data has a second centre near Metz with one vaccine');
  await answer(page, centre, 'self', { first: 'Paul', last: 'Tardif', birth: ['1938', '6', '15'] });
  // Someone else takes every remaining place of that slot.
  const draft = JSON.parse(await page.evaluate(() => sessionStorage.getItem('creneau.reservation')));
  for (let i = 0; i < 10; i++) {
    const r = await fetch(`${server.url}/api/v1/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `other-person-${i}-${Date.now()}` },
      body: JSON.stringify({ centre: draft.centre, slot: draft.slot, vaccine: draft.vaccine, booked_by: 'self', person: { first_name: `Autre ${i}`, last_name: 'Personne', birth_date: '1930-01-01' } }),
    });
    if (r.status === 409) break;
    assert.equal(r.status, 201);
  }
  await press(page, '#confirm-booking');
  await page.waitForSelector('#slot-taken');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'slot-taken', 'the message takes focus');
  assert.match(await page.locator('#slot-taken').innerText(), /Ce créneau vient d’être pris/);
  assert.match(await page.locator('.summary-list').innerText(), /Paul Tardif/, 'answers kept');
  await assertNoAxeViolations(page, 'slot taken');
  const offered = await page.locator('#slot-taken button').first().innerText();
  await press(page, '#slot-taken button');
  const when = offered.replace('Choisir cet horaire : ', '');
  // The check page gives the year too.
  assert.match(await page.locator('.summary-list').innerText(), new RegExp(when.replace(' à ', ' \\d{4} à ')));
  // The others' second injections took the one proposed at the same time
  // three weeks later: a 409 for the second, with its own alternatives.
  await press(page, '#confirm-booking');
  await page.waitForSelector('#slot-taken');
  assert.match(await page.locator('#slot-taken h2').innerText(), /Ce créneau de deuxième injection vient d’être pris/);
  await assertNoAxeViolations(page, 'second slot taken');
  const second = (await page.locator('#slot-taken button').first().innerText()).replace('Choisir cet horaire : ', '');
  await press(page, '#slot-taken button');
  const summary = await page.locator('.summary-list').innerText();
  assert.match(summary, new RegExp(`Deuxième injection\\s+${second.replace(' à ', ' \\d{4} à ')}`), summary);
  assert.match(summary, new RegExp(when.replace(' à ', ' \\d{4} à ')), 'the first stays as chosen');
  await press(page, '#confirm-booking');
  await page.waitForURL(/confirmation/);
  // The confirmation gives the year too: "jeudi 21 janvier 2021 à 14 h 30".
  assert.match(await page.locator('main').innerText(), new RegExp(`Première injection : ${when.replace(' à ', ' \\d{4} à ')}`));
  await context.close();
});

test('overloaded: a countdown, automatic retries with the same request, answers kept on leaving and coming back', async () => {
  const busy = await startServer(['--max-in-flight', '0', '--retry-after', '3']);
  const { page, context } = await openPage(browser);
  try {
    const centres = await bookableCentres(busy.url);
    const base = server.url;
    server.url = busy.url; // answer() reads server.url
    try {
      await answer(page, centres.find((c) => c.vaccines.length === 1), 'self', { first: 'Lucie', last: 'Patiente', birth: ['1941', '1', '1'] });
    } finally {
      server.url = base;
    }
    const keyBefore = await page.evaluate(() => JSON.parse(sessionStorage.getItem('creneau.reservation')).key);
    assert.equal(keyBefore, null);
    await press(page, '#confirm-booking');
    await page.waitForSelector('#booking-waiting');
    const first = await page.locator('#booking-waiting').innerText();
    assert.match(first, /Beaucoup de demandes en ce moment\. Nouvel essai automatique dans \d+ s\./);
    assert.match(await page.locator('[role=status]').innerText(), /Beaucoup de demandes en ce moment/);
    const seconds = Number(first.match(/dans (\d+) s/)[1]);
    assert.ok(seconds >= 3 && seconds <= 6, `${seconds} s`);
    await page.waitForFunction((s) => {
      const m = document.querySelector('#booking-waiting')?.innerText.match(/dans (\d+) s/);
      return m && Number(m[1]) < s;
    }, seconds);
    await assertNoAxeViolations(page, 'overloaded');
    const key = await page.evaluate(() => JSON.parse(sessionStorage.getItem('creneau.reservation')).key);
    assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'one key (a Web Crypto UUID) for every retry');
    // It retries by itself (the server still refuses), keeping the same key.
    await page.waitForFunction(() => /Confirmation en cours|dans [56] s/.test(document.querySelector('main').innerText), null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('creneau.reservation')).key), key);
    // Leave for another page of the booking app and come back: nothing
    // to type again (leaving for the finder would clear the answers).
    await page.goto(`${busy.url}/reserver/gerer`);
    await appReady(page);
    await page.goto(`${busy.url}/reserver/etape/verifier`);
    await appReady(page);
    assert.match(await page.locator('.summary-list').innerText(), /Lucie Patiente/);
  } finally {
    await context.close();
    await busy.stop();
  }
});

test('the connection drops after the server booked: the same request is sent again and there is one booking', async () => {
  const { page, context } = await openPage(browser);
  const centres = await bookableCentres(server.url);
  const centre = centres.filter((c) => c.vaccines.length === 1)[3];
  assert.ok(centre, 'the demo data has four centres near Metz with one vaccine');
  await answer(page, centre, 'self', { first: 'Odile', last: 'Coupure', birth: ['1939', '4', '4'] });
  let calls = 0;
  await page.route('**/api/v1/bookings', async (route) => {
    calls += 1;
    if (calls === 1) {
      await route.fetch(); // the server books…
      await route.abort('connectionreset'); // …but the answer never arrives
    } else {
      await route.continue();
    }
  });
  await press(page, '#confirm-booking');
  await page.waitForSelector('#booking-waiting');
  assert.match(await page.locator('#booking-waiting').innerText(), /La connexion a été perdue pendant la confirmation/);
  await page.waitForURL(/confirmation/, { timeout: 20000 });
  const reference = await page.locator('#booking-reference').innerText();
  assert.equal(calls, 2);
  const draftDate = await page.evaluate(() => JSON.parse(sessionStorage.getItem('creneau.confirmation')).appointments[0].at.slice(0, 10));
  const csv = execFileSync(`${ROOT}/target/release/creneau`, ['--database', server.database, 'bookings', 'export', '--centre', centre.id, '--date', draftDate], { encoding: 'utf8' });
  const mine = csv.split('\n').filter((l) => l.includes('Coupure'));
  assert.equal(mine.length, 1, csv);
  assert.ok(mine[0].endsWith(reference));
  await context.close();
});
