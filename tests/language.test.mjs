// French first, English by a visible switch: every view's text changes,
// <html lang> follows, focus stays on the switch, and the choice lives in
// this tab only (sessionStorage), or in the address with ?lang=en.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { assertNoAxeViolations } from './support/axe.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the switch turns the service into English and back, keeping focus and the page', async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url + '/');
  await appReady(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  const sw = page.locator('#language-switch');
  assert.equal(await sw.innerText(), 'English');
  assert.equal(await sw.getAttribute('lang'), 'en', 'the switch is announced in its own language');
  await sw.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.locator('h1').innerText(), 'Where would you like to be vaccinated?');
  assert.equal(await page.title(), 'Where would you like to be vaccinated? – Créneau');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'language-switch', 'focus stays on the switch');
  assert.equal(await sw.innerText(), 'Français');
  assert.match(await page.locator('footer').innerText(), /National helpline/);
  await assertNoAxeViolations(page, 'home in English');
  // An English error message.
  await page.click('button[type=submit]');
  await page.waitForSelector('.error-summary');
  assert.match(await page.locator('.error-summary').innerText(), /There is a problem\s+Enter a postcode, a town or a département/);
  assert.equal(await page.title(), 'Error: Where would you like to be vaccinated? – Créneau');
  // The choice lasts for this tab's next pages and reloads…
  await page.fill('#lieu', '75011');
  await page.click('button[type=submit]');
  await page.waitForSelector('.result-count');
  assert.match(await page.locator('.result-count').innerText(), /^\d+ centres found within 20 km$/);
  assert.match(await page.locator('main').innerText(), /Availability updated at \d{1,2}(:\d\d)?\u00a0(am|pm)/);
  const first = await page.locator('.results > li').first().innerText();
  assert.match(first, /Next free slot: (Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+ at \d{1,2}(:\d\d)?\u00a0(am|pm)/);
  await assertNoAxeViolations(page, 'results in English');
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.result-count');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('.result-count').innerText(), /centres found/);
  // …and is kept in the tab only: nothing in cookies or localStorage.
  assert.deepEqual(await context.cookies(), []);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('creneau.langue')), 'en');
  // Back to French.
  await page.click('#language-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'fr');
  assert.match(await page.locator('.result-count').innerText(), /centres trouvés à moins de 20 km/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a new tab starts in French; ?lang=en opens in English', async () => {
  const fresh = await openPage(browser, { locale: 'en-GB' });
  await fresh.page.goto(server.url + '/departements');
  await appReady(fresh.page);
  assert.equal(await fresh.page.getAttribute('html', 'lang'), 'fr', 'French by default, whatever the browser says');
  assert.equal(await fresh.page.locator('h1').innerText(), 'Choisir un département');
  await fresh.page.goto(server.url + '/centre/demo-0001?lang=en');
  await appReady(fresh.page);
  await fresh.page.waitForSelector('.hours');
  assert.equal(await fresh.page.getAttribute('html', 'lang'), 'en');
  const main = await fresh.page.locator('main').innerText();
  assert.match(main, /Opening hours/);
  assert.match(main, /Monday/);
  assert.doesNotMatch(main, /Horaires|Lundi|Téléphone/);
  await assertNoAxeViolations(fresh.page, 'centre in English');
  await fresh.context.close();
});
