// Both appointments, as a person meets them: the second injection proposed
// after the first and another day and time chosen in its window; a second
// injection alone, after a first given elsewhere; "Gérer mon rendez-vous"
// moving an appointment and cancelling only the second; "already booked"
// said on the first page. Axe on every new view and state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';
import { snapshotIndex, departementFile, centreFile } from './support/snapshot.mjs';

let server, browser;
before(async () => {
  server = await startServer(['--bookings-per-minute', '1000', '--lookups-per-minute', '1000']);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** Centres booked here, open to the public, with free places, one vaccine; `doses` as asked. */
async function centres(doses) {
  const found = [];
  for (const code of ['57', '54', '67', '88', '75', '13', '69']) {
    const dep = await departementFile(server.url, code);
    found.push(...dep.centres.filter((c) => c.booking === 'here' && !c.reserved_for_professionals && c.next_slot
      && c.vaccines.length === 1 && JSON.stringify(c.doses ?? [1, 2]) === JSON.stringify(doses)));
  }
  return found;
}

async function heading(page, text) {
  await page.waitForFunction((t) => document.querySelector('h1')?.innerText === t, text);
}

async function birth(page, centre, [y, m, d]) {
  await page.goto(`${server.url}/reserver/centre/${centre.id}`);
  await appReady(page);
  await page.waitForURL(/naissance$/);
  await page.fill('#naissance-jour', d);
  await page.fill('#naissance-mois', m);
  await page.fill('#naissance-annee', y);
  await page.click('button[type=submit]');
}

async function whoNameContact(page, first, last) {
  await page.waitForURL(/pour-qui/);
  await page.check('#qui-0');
  await page.click('button[type=submit]');
  await page.waitForURL(/etape\/nom/);
  await page.fill('#prenom', first);
  await page.fill('#nom', last);
  await page.click('button[type=submit]');
  await page.waitForURL(/contact/);
  await page.click('button[type=submit]');
  await page.waitForURL(/verifier/);
}

/** "2021-02-11" → "11 février 2021" (with the year: what the person keeps). */
function words(date) {
  const [y, m, d] = date.split('-').map(Number);
  return `${d === 1 ? '1er' : d} ${MONTHS[m - 1]} ${y}`;
}

function addDays(date, n) {
  const t = new Date(`${date}T12:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

test('book for oneself with a chosen second appointment: proposed in its window, another day and time chosen, shown with year everywhere', async () => {
  const { page, context, errors } = await openPage(browser);
  const [centre] = await centres([1, 2]);
  assert.ok(centre, 'the demo has a centre booking both injections');
  await birth(page, centre, ['1940', '3', '2']);
  await page.waitForSelector('.choices a');
  await page.click('.choices li:nth-child(2) a'); // not today: a slot minutes away may pass
  await page.waitForSelector('input[name=heure]');
  await page.check('#heure-0');
  const firstTime = (await page.locator('label[for=heure-0]').innerText()).split(' (')[0];
  await page.click('button[type=submit]');
  await page.waitForURL(/deuxieme-injection$/);
  await heading(page, 'Votre deuxième injection');
  await page.waitForSelector('#second-proposed');
  // The window in words, the proposal with weekday and year, near the first's time.
  const window = await page.locator('#second-window').innerText();
  assert.match(window, /se fait 21 à 28 jours après la première : entre le .+ 2\d{3} et le .+ 2\d{3}\./, window);
  const proposed = await page.locator('#second-proposed').innerText();
  assert.match(proposed, /(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+ \S+ 2\d{3} à /, proposed);
  assert.ok(proposed.includes(firstTime), `the proposal keeps the first's time when free: ${proposed} / ${firstTime}`);
  assert.ok(await page.locator('#second-days a').count() >= 2, 'other days of the window are offered');
  await assertNoAxeViolations(page, 'second injection proposed');
  // Another day: the last listed, then its last time.
  const days = page.locator('#second-days a');
  const href = await days.nth((await days.count()) - 1).getAttribute('href');
  const chosenDay = href.match(/jour=(\d{4}-\d{2}-\d{2})/)[1];
  await days.nth((await days.count()) - 1).click();
  await page.waitForURL(/deuxieme-injection\/heure\?jour=/);
  await page.waitForSelector('input[name=heure]');
  assert.equal(await page.locator('#step-indicator').innerText(), 'Étape 4 sur 8');
  assert.equal(await page.locator('#second-time-hint').innerText(), 'Deuxième injection');
  await assertNoAxeViolations(page, 'second injection time');
  const radios = page.locator('input[name=heure]');
  const last = (await radios.count()) - 1;
  await page.check(`#heure-${last}`);
  const secondTime = (await page.locator(`label[for=heure-${last}]`).innerText()).split(' (')[0];
  await page.click('button[type=submit]');
  await whoNameContact(page, 'Odette', 'Choisie');
  const summary = await page.locator('.summary-list').innerText();
  assert.ok(summary.includes(`${words(chosenDay)} à ${secondTime}`), `${summary}\n${chosenDay} ${secondTime}`);
  // "Modifier" the second returns to its step, and back to the check page.
  await page.click('a[href="/reserver/etape/deuxieme-injection?retour=1"]');
  await page.waitForSelector('#second-proposed');
  assert.ok((await page.locator('#second-proposed').innerText()).includes(`${secondTime}`), 'the person\'s choice is what is shown');
  await page.click('#keep-second');
  await page.waitForURL(/verifier/);
  await page.click('#confirm-booking');
  await page.waitForURL(/confirmation/);
  const text = await page.locator('#appointments').innerText();
  assert.ok(text.includes(`Deuxième injection : `) && text.includes(`${words(chosenDay)} à ${secondTime}`), text);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a second injection alone, after a first given elsewhere: its date asked, only its window offered, one appointment booked', async () => {
  const { page, context, errors } = await openPage(browser);
  const [centre] = await centres([2]);
  assert.ok(centre, 'the demo has a centre giving second injections only, with free places');
  // The card and the centre page say the same thing, and lead to booking.
  await page.goto(`${server.url}/centre/${centre.id}`);
  await appReady(page);
  await page.waitForSelector('a[href^="/reserver/centre/"]');
  assert.match(await page.locator('main').innerText(), /Deuxièmes injections uniquement : elles se réservent ici/);
  // Born in 1990: no age refusal for a second injection.
  await birth(page, centre, ['1990', '5', '6']);
  await page.waitForURL(/premiere-injection$/);
  await heading(page, 'Quand la première injection a-t-elle été faite ?');
  assert.equal(await page.locator('#step-indicator').innerText(), 'Étape 2 sur 8');
  await assertNoAxeViolations(page, 'first injection date');
  // A date in the future: said in words, what was typed kept.
  const file = await centreFile(server.url, centre.id);
  const today = (await snapshotIndex(server.url)).index.horizon_start;
  const future = addDays(today, 3).split('-');
  await page.fill('#premiere-jour', String(Number(future[2])));
  await page.fill('#premiere-mois', String(Number(future[1])));
  await page.fill('#premiere-annee', future[0]);
  await page.click('button[type=submit]');
  await page.waitForSelector('#premiere-jour-error');
  assert.match(await page.locator('#premiere-jour-error').innerText(), /doit être aujourd’hui ou dans le passé/);
  await assertNoAxeViolations(page, 'first injection date with error');
  // A first injection 18 days ago: Pfizer's window is days 21 to 28 after it.
  const firstDay = addDays(today, -18);
  const [y, m, d] = firstDay.split('-');
  await page.fill('#premiere-jour', String(Number(d)));
  await page.fill('#premiere-mois', String(Number(m)));
  await page.fill('#premiere-annee', y);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/reserver\/centre\//);
  await page.waitForSelector('#day-intro');
  assert.match(await page.locator('#day-intro').innerText(), /entre le .+ et le /);
  const offered = await page.locator('.choices a').evaluateAll((as) => as.map((a) => a.href.match(/jour=([\d-]+)/)[1]));
  const from = addDays(firstDay, 21); const to = addDays(firstDay, 28);
  assert.ok(offered.length > 0, 'days in the window');
  for (const day of offered) assert.ok(day >= from && day <= to, `${day} outside ${from}…${to}`);
  const inWindow = file.days.filter((x) => x.date >= from && x.date <= to).map((x) => x.date);
  assert.deepEqual(offered, inWindow.slice(0, 10));
  await assertNoAxeViolations(page, 'second-only days');
  await page.click('.choices a');
  await page.waitForSelector('input[name=heure]');
  await page.check('#heure-0');
  await page.click('button[type=submit]');
  await whoNameContact(page, 'Seule', 'Deuxième');
  const summary = await page.locator('.summary-list').innerText();
  assert.match(summary, new RegExp(`Faite le ${words(firstDay)}, dans un autre centre`));
  await assertNoAxeViolations(page, 'second-only check');
  await page.click('#confirm-booking');
  await page.waitForURL(/confirmation/);
  const text = await page.locator('#appointments').innerText();
  assert.match(text, new RegExp(`Première injection : faite le ${words(firstDay)}, dans un autre centre`));
  assert.match(text, /Deuxième injection : \w+ \d+/);
  const ics = decodeURIComponent((await page.getAttribute('a[download]', 'href')).split(',')[1]);
  assert.equal((ics.match(/BEGIN:VEVENT/g) || []).length, 1, 'one appointment, one event');
  await assertNoAxeViolations(page, 'second-only confirmation');
  assert.deepEqual(errors, []);
  await context.close();
});

/** Book through the API (a person who booked earlier); returns the reference. */
async function bookedEarlier(centre, first) {
  const file = await centreFile(server.url, centre.id);
  // The horizon's last day, away from the other tests' bookings: its
  // second injection lies after the horizon (the centre file's later_days).
  const day = file.days[file.days.length - 1];
  const run = day.runs[day.runs.length - 1];
  const response = await fetch(`${server.url}/api/v1/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `appointments-${first}-${Date.now()}` },
    body: JSON.stringify({
      centre: centre.id, slot: `${day.date}T${run.start}`, vaccine: centre.vaccines[0], booked_by: 'self',
      person: { first_name: first, last_name: 'Déplace', birth_date: '1938-07-14' },
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  return body;
}

test('"Gérer mon rendez-vous" moves the second appointment in its window and cancels only the second', async () => {
  const { page, context, errors } = await openPage(browser);
  const [centre] = await centres([1, 2]);
  const booking = await bookedEarlier(centre, 'Lucienne');
  await page.goto(`${server.url}/reserver/gerer`);
  await appReady(page);
  await page.fill('#reference', booking.reference);
  await page.fill('#gerer-jour', '14'); await page.fill('#gerer-mois', '7'); await page.fill('#gerer-annee', '1938');
  await page.click('button[type=submit]');
  await page.waitForSelector('#move-2');
  await assertNoAxeViolations(page, 'manage with actions');
  // Move the second: only days of its window, then a time.
  await page.click('#move-2');
  await page.waitForURL(/deplacer\?dose=2/);
  await heading(page, 'Nouveau jour pour la deuxième injection');
  await page.waitForSelector('#move-days a');
  const firstDay = booking.appointments[0].at.slice(0, 10);
  const days = await page.locator('#move-days a').evaluateAll((as) => as.map((a) => a.href.match(/jour=([\d-]+)/)[1]));
  const { index } = await snapshotIndex(server.url);
  const horizonEnd = addDays(index.horizon_start, index.horizon_days);
  assert.ok(days.some((day) => day >= horizonEnd), `days after the horizon are offered: ${days}`);
  for (const day of days) assert.ok(day >= addDays(firstDay, 21) && day <= addDays(firstDay, 28), day);
  await assertNoAxeViolations(page, 'move: days');
  await page.locator('#move-days a').nth(days.length - 1).click();
  await page.waitForURL(/deplacer\/heure/);
  await page.waitForSelector('input[name=heure]');
  await assertNoAxeViolations(page, 'move: times');
  await page.click('#move-confirm');
  await page.waitForSelector('.error-summary');
  assert.match(await page.locator('.error-summary').innerText(), /Choisissez une heure/);
  await page.check('#heure-1');
  await page.click('#move-confirm');
  await page.waitForURL(/\/reserver\/gerer$/);
  await page.waitForSelector('#manage-notice');
  assert.match(await page.locator('#manage-notice').innerText(), /Rendez-vous déplacé\. Deuxième injection : .+ 2\d{3} à /);
  assert.ok((await page.locator('#appointment-2').innerText()).includes(words(days[days.length - 1])));
  await assertNoAxeViolations(page, 'moved');
  // What the API now says is what the page says.
  const looked = await (await fetch(`${server.url}/api/v1/bookings/${booking.reference}/lookup`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ birth_date: '1938-07-14' }),
  })).json();
  assert.equal(looked.appointments[1].at.slice(0, 10), days[days.length - 1]);
  assert.equal(looked.appointments[0].at, booking.appointments[0].at, 'the first did not move');
  // Cancel only the second: asked first, then the first stands.
  await page.click('#cancel-second');
  await heading(page, 'Annuler la deuxième injection ?');
  await assertNoAxeViolations(page, 'cancel second: confirm');
  await page.click('#cancel-yes');
  await page.waitForSelector('#manage-notice');
  assert.match(await page.locator('#manage-notice').innerText(), /La deuxième injection est annulée\. La première reste réservée\./);
  assert.equal(await page.locator('#appointment-2').innerText(), 'Deuxième injection : annulée');
  assert.match(await page.locator('#appointment-1').innerText(), /^Première injection : /);
  assert.equal(await page.locator('#move-2').count(), 0);
  assert.equal(await page.locator('#cancel-second').count(), 0);
  await assertNoAxeViolations(page, 'second cancelled');
  // A reload forgets the booking (never stored): the move pages ask to look it up.
  await page.goto(`${server.url}/reserver/gerer/deplacer?dose=1`);
  await appReady(page);
  await page.waitForSelector('text=Retrouvez d’abord votre rendez-vous.');
  assert.deepEqual(errors, []);
  await context.close();
});

test('"already booked" is said on the first page, before any answer, with the way to manage it', async () => {
  const { page, context } = await openPage(browser);
  const [centre] = await centres([1, 2]);
  await page.goto(`${server.url}/reserver/centre/${centre.id}`);
  await appReady(page);
  await page.waitForURL(/naissance$/);
  const hint = page.locator('#already-booked-hint');
  assert.match(await hint.innerText(), /Vous avez déjà un rendez-vous \? Ne réservez pas une seconde fois : Gérer mon rendez-vous/);
  assert.equal(await hint.locator('a').getAttribute('href'), '/reserver/gerer');
  await context.close();
});
