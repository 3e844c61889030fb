// Messages to people, delivered for real: e-mail to an SMTP server
// (aiosmtpd) and SMS to a stub gateway, read back and checked. The
// confirmation and the cancellation by API, in the booking's language; a
// booking made in the app in English, whose e-mail link opens "Manage my
// appointment" with the reference filled in; messages acknowledged while
// the relay is down surviving `kill -9`, each delivered once; two origins
// on PostgreSQL never sending one message twice; an alert ("Me prévenir")
// asked in the app, confirmed from its e-mail, sent when a generation has
// free places, and ended in one click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSmtp, startSmsGateway, originOnStore, until } from './support/outbox.mjs';
import { freePort, launchBrowser, openPage, appReady } from './support/server.mjs';
import { startOrigins } from './support/edge.mjs';
import { bookOne, bookableSlots } from './support/slots.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';

const PERSON = { first_name: 'Jeanne', last_name: 'Essai', birth_date: '1940-03-02', email: 'jeanne.essai@example.org', phone: '06 12 34 56 78' };
/** Characters outside GSM-7 that French text tends to bring. */
const NOT_GSM7 = /[çêâîôûëïœ’\u00a0\u202f«»–—]/;

let smtp, gateway, store, origin, browser;
before(async () => {
  smtp = await startSmtp();
  store = originOnStore();
  gateway = await startSmsGateway(store.dir);
  origin = await store.start(mailFlags(smtp.port, ['--sms-gateway', gateway.file]));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await origin?.stop();
  await gateway?.stop();
  await smtp?.stop();
  store?.remove();
});

function mailFlags(port, extra = []) {
  return ['--smtp-relay', '127.0.0.1', '--smtp-port', String(port), '--smtp-tls', 'none',
    '--mail-from', 'Créneau <rendez-vous@creneau.example>', ...extra];
}

async function post(base, path, body) {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

test('a booking and its cancellation each send an e-mail and an SMS, in the booking\'s language, with nothing personal logged', async () => {
  const booked = await bookOne(origin.url, '57', PERSON, { lang: 'en' });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const { reference, centre } = booked.body;
  await until('e-mails', () => smtp.messages().length, 1);
  await until('SMS', () => gateway.requests.length, 1);

  const [mail] = smtp.messages();
  assert.deepEqual(mail.rcpt_to, [PERSON.email]);
  assert.equal(mail.from, 'Créneau <rendez-vous@creneau.example>');
  assert.match(mail.subject, /^Vaccination appointment confirmed: \w+day \d+ \w+ 20\d\d at /);
  assert.equal(mail.content_type, 'multipart/alternative', 'plain text and HTML');
  assert.equal(mail.list_unsubscribe, null, 'a transactional message');
  assert.match(mail.message_id, /^<[0-9a-f]{32}@creneau\.example>$/);
  const link = `https://creneau.example/reserver/gerer?ref=${reference}&lang=en`;
  for (const expected of ['Hello Jeanne Essai,', `Reference: ${reference}`, centre.name, centre.address, link]) {
    assert.ok(mail.text.includes(expected), `${expected} in\n${mail.text}`);
  }
  assert.match(mail.text, /First injection: \w+day \d+ \w+ 20\d\d at /);
  assert.match(mail.text, /Second injection: \w+day \d+ \w+ 20\d\d at /);
  assert.ok(!mail.text.includes('1940') && !mail.html.includes('1940'), 'never the birth date');
  assert.ok(mail.html.includes(`<a href="${link.replace('&', '&amp;')}">`), mail.html);
  assert.match(mail.html, /<html lang="en">/);

  const [sms] = gateway.requests;
  assert.equal(sms.headers.authorization, 'Bearer test-token', 'the auth header from the environment');
  assert.equal(sms.body.to, '+33612345678');
  assert.equal(sms.body.sender, 'Creneau');
  assert.match(sms.body.client_ref, /^[0-9a-f]{32}$/);
  assert.ok(sms.body.message.startsWith('Vaccination confirmed: 1st '), sms.body.message);
  assert.ok(sms.body.message.includes(reference) && sms.body.message.includes(link), sms.body.message);
  assert.doesNotMatch(sms.body.message, NOT_GSM7, 'GSM-7');
  assert.ok(sms.body.message.length <= 160, `one segment: ${sms.body.message.length} characters`);

  const cancelled = await post(origin.url, `/api/v1/bookings/${reference}/cancel`, { birth_date: PERSON.birth_date });
  assert.equal(cancelled.status, 200);
  await until('the cancellation e-mail', () => smtp.messages().length, 2);
  await until('the cancellation SMS', () => gateway.requests.length, 2);
  const cancelMail = smtp.messages()[1];
  assert.equal(cancelMail.subject, 'Vaccination appointment cancelled');
  assert.ok(cancelMail.text.includes(`Reference: ${reference}`));
  assert.ok(!cancelMail.text.includes('First injection'), 'no appointment left to list');
  assert.ok(gateway.requests[1].body.message.startsWith('Vaccination appointment cancelled'), gateway.requests[1].body.message);

  const log = origin.log();
  for (const personal of [PERSON.email, 'jeanne', 'Essai', '612345678', '12 34 56 78']) {
    assert.ok(!log.toLowerCase().includes(personal.toLowerCase()), `${personal} in the log`);
  }
});

test('booked in the app in English, the e-mail comes in English and its link opens "Manage my appointment" with the reference', async () => {
  const { page, context, errors } = await openPage(browser, { locale: 'en-GB' });
  const before = smtp.messages().length;
  const slots = await bookableSlots(origin.url);
  const [centreId] = slots[slots.length - 1];
  await page.goto(`${origin.url}/reserver/centre/${centreId}?lang=en`);
  await appReady(page);
  await page.waitForURL(/\/reserver\/etape\/naissance/);
  await page.fill('#naissance-jour', '4');
  await page.fill('#naissance-mois', '5');
  await page.fill('#naissance-annee', '1938');
  await page.click('button[type=submit]');
  await page.click('.choices li:nth-child(2) a');
  await page.waitForSelector('input[name=heure]');
  await page.check('#heure-0');
  await page.click('button[type=submit]');
  await page.waitForSelector('#keep-second');
  await page.click('#keep-second');
  await page.waitForURL(/pour-qui/);
  await page.check('#qui-0');
  await page.click('button[type=submit]');
  await page.waitForURL(/etape\/nom/);
  await page.fill('#prenom', 'Agnès');
  await page.fill('#nom', 'Lettre');
  await page.click('button[type=submit]');
  await page.waitForURL(/contact/);
  await page.fill('#email', 'agnes.lettre@example.org');
  await page.click('button[type=submit]');
  await page.waitForURL(/verifier/);
  await page.click('#confirm-booking');
  await page.waitForURL(/confirmation/);
  const reference = (await page.locator('.reference').first().innerText()).trim();

  await until('the e-mail', () => smtp.messages().length, before + 1);
  const mail = smtp.messages().at(-1);
  assert.deepEqual(mail.rcpt_to, ['agnes.lettre@example.org']);
  assert.ok(mail.text.startsWith('Hello Agnès Lettre,'), mail.text);
  assert.ok(mail.text.includes(`Reference: ${reference}`), mail.text);
  const link = mail.text.match(/https:\/\/creneau\.example(\/reserver\/gerer\?ref=[^ )\n]+)/)[1];

  // A new tab, as from a mail reader: the reference is there, the birth date asked.
  const fresh = await openPage(browser, { locale: 'en-GB' });
  await fresh.page.goto(`${origin.url}${link}`);
  await appReady(fresh.page);
  assert.equal(await fresh.page.inputValue('#reference'), reference);
  assert.equal(await fresh.page.inputValue('#gerer-jour'), '', 'the birth date never comes from a link');
  assert.equal(await fresh.page.getAttribute('html', 'lang'), 'en');
  await assertNoAxeViolations(fresh.page, 'manage, opened from a message');
  await fresh.page.fill('#gerer-jour', '4');
  await fresh.page.fill('#gerer-mois', '5');
  await fresh.page.fill('#gerer-annee', '1938');
  await fresh.page.click('button[type=submit]');
  await fresh.page.waitForSelector('#cancel-booking');
  assert.ok((await fresh.page.locator('main').innerText()).includes(reference));
  assert.deepEqual([...errors, ...fresh.errors], []);
  await fresh.context.close();
  await context.close();
});

test('"Me prévenir": asked on a centre page, confirmed from its e-mail, an alert comes with a one-click unsubscribe, and ends', async () => {
  const other = originOnStore();
  const alerting = await other.start(mailFlags(smtp.port, ['--interval', '2']));
  const { page, context, errors } = await openPage(browser);
  const address = 'alerte.essai@example.org';
  const mine = () => smtp.messages().filter((m) => m.rcpt_to.includes(address));
  try {
    const [[centreId]] = await bookableSlots(alerting.url);
    await page.goto(`${alerting.url}/centre/${centreId}`);
    await appReady(page);
    // The link shows once the centre's file is read, and its name with it.
    const alertLink = page.getByRole('link', { name: 'Me prévenir quand des places se libèrent dans ce centre' });
    await alertLink.waitFor();
    const centreName = (await page.locator('h1').innerText()).trim();
    await alertLink.click();
    await page.waitForURL(/\/reserver\/alerte\?centre=/);
    await page.waitForSelector('h1:has-text("Me prévenir quand des places se libèrent")');
    assert.ok((await page.locator('main').innerText()).includes(`au centre ${centreName}`));
    await assertNoAxeViolations(page, 'alert sign-up');

    // Nothing given: the error summary, focused, links to the field.
    await page.click('button[type=submit]');
    await page.waitForSelector('.error-summary');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'error-summary');
    assert.match(await page.title(), /^Erreur : /);
    assert.equal(await page.getAttribute('#email', 'aria-invalid'), 'true');
    await assertNoAxeViolations(page, 'alert sign-up with an error');
    await page.fill('#email', address);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:has-text("Vérifiez vos messages")');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'page-heading');

    // Only the confirmation link, without List-Unsubscribe.
    await until('the confirmation e-mail', () => mine().length, 1);
    const [confirmation] = mine();
    assert.equal(confirmation.subject, 'Confirmez votre alerte Créneau');
    assert.equal(confirmation.list_unsubscribe, null);
    const confirmLink = confirmation.text.match(/https:\/\/creneau\.example(\/reserver\/alerte\/confirmer\?token=[0-9a-f]{32})/)[1];
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(mine().length, 1, 'nothing else before the confirmation, generations passing');

    // Opening the link changes nothing; its button confirms.
    await page.goto(`${alerting.url}${confirmLink}`);
    await appReady(page);
    await assertNoAxeViolations(page, 'alert confirmation');
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:has-text("Votre alerte est confirmée")');
    assert.match(await page.locator('main').innerText(), /prend fin d’elle-même le \d+(er)? \p{L}+ 20\d\d/u);

    // The next generation has free places there: one message.
    await until('the alert e-mail', () => mine().length, 2);
    const alert = mine()[1];
    assert.ok(alert.subject.startsWith(`Places de vaccination libres au centre ${centreName}`), alert.subject);
    assert.ok(alert.text.includes(`https://creneau.example/centre/${centreId}`), alert.text);
    const oneClick = alert.list_unsubscribe.match(/^<https:\/\/creneau\.example(\/api\/v1\/alerts\/unsubscribe\?token=[0-9a-f]{32})>$/)[1];
    assert.equal(alert.list_unsubscribe_post, 'List-Unsubscribe=One-Click');
    const stopLink = alert.text.match(/https:\/\/creneau\.example(\/reserver\/alerte\/arreter\?token=[0-9a-f]{32})/)[1];

    // A mail client's one click (RFC 8058), then the page's button: ended.
    const click = await fetch(`${alerting.url}${oneClick}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(click.status, 204);
    await page.goto(`${alerting.url}${stopLink}`);
    await appReady(page);
    await assertNoAxeViolations(page, 'alert stop');
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:has-text("L’alerte est arrêtée")');
    await page.goto(`${alerting.url}${confirmLink}`);
    await appReady(page);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:has-text("Ce lien ne fonctionne pas")');
    assert.ok((await page.locator('main').innerText()).includes('Ce lien n’est plus valable'));
    // The browser reports the unknown link's 404 itself; nothing else.
    assert.deepEqual(errors.filter((e) => !e.includes('status of 404')), []);
    assert.ok(!alerting.log().includes(address), 'no address in the log');
  } finally {
    await context.close();
    await alerting.stop();
    other.remove();
  }
});

test('messages acknowledged while the relay is down survive kill -9 and are each delivered once', async () => {
  const other = originOnStore();
  const relayPort = await freePort();
  const flags = mailFlags(relayPort, ['--message-retry-after', '1']);
  let first = await other.start(flags);
  let relay;
  try {
    const slots = await bookableSlots(first.url);
    const emails = [];
    for (let i = 0; emails.length < 5 && i < slots.length; i += 7) {
      const [centre, slot, vaccine] = slots[i];
      const email = `personne${emails.length}@example.org`;
      const r = await fetch(`${first.url}/api/v1/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `crash-${i}-${Date.now()}` },
        body: JSON.stringify({ centre, slot, vaccine, booked_by: 'self', person: { first_name: 'Personne', last_name: `N${String.fromCharCode(97 + emails.length)}`, birth_date: '1941-06-01', email } }),
      });
      if (r.status === 201) emails.push(email);
    }
    assert.equal(emails.length, 5);
    await until('a failed try', () => (first.log().match(/message not sent/g) || []).length, 5);
    await first.kill9();
    relay = await startSmtp(relayPort);
    first = await other.start(flags);
    // A row claimed at the kill comes back when its lease (120 s) runs out.
    await until('every message', () => relay.messages().length, 5, 150000);
    await new Promise((r) => setTimeout(r, 3000));
    const delivered = relay.messages();
    assert.deepEqual(delivered.flatMap((m) => m.rcpt_to).sort(), emails.sort(), 'each person once');
    assert.equal(new Set(delivered.map((m) => m.message_id)).size, 5);
  } finally {
    await first.stop();
    await relay?.stop();
    other.remove();
  }
});

test('two origins on one PostgreSQL never send one message twice', async () => {
  const relay = await startSmtp();
  const { origins, stop } = await startOrigins(2, mailFlags(relay.port, ['--public-url', 'https://creneau.example']));
  try {
    const slots = await bookableSlots(origins[0].url);
    let booked = 0;
    for (let i = 0; booked < 20 && i < slots.length; i += 3) {
      const [centre, slot, vaccine] = slots[i];
      const origin = origins[booked % 2];
      const r = await fetch(`${origin.url}/api/v1/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `pg-msg-${i}-${Date.now()}` },
        body: JSON.stringify({ centre, slot, vaccine, booked_by: 'self', person: { first_name: 'Double', last_name: `P${i}`, birth_date: '1939-09-09', email: `double${i}@example.org` } }),
      });
      if (r.status === 201) booked++;
    }
    assert.equal(booked, 20);
    await until('every message', () => relay.messages().length, 20, 60000);
    await new Promise((r) => setTimeout(r, 4000));
    const delivered = relay.messages();
    assert.equal(delivered.length, 20, 'no message twice');
    assert.equal(new Set(delivered.map((m) => m.rcpt_to[0])).size, 20);
  } finally {
    await stop();
    await relay.stop();
  }
});
