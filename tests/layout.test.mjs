// Comfort checks from ACCESSIBILITY.md that axe does not make: body text
// size, 320 px width and 200 % text without horizontal scrolling, text
// spacing override (user styles, injected past the CSP as a user
// stylesheet would be), touch targets of at least 44 × 44 px, a visible focus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, appReady } from './support/server.mjs';
import { departementFile, centreFile } from './support/snapshot.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const VIEWS = ['/', '/departement/75', '/centres?lieu=Lyon&lat=45.764&lon=4.8357&rayon=20', '/departements'];

async function ready(page, path) {
  await page.goto(server.url + path);
  await appReady(page);
  if (path !== '/') await page.waitForSelector('main ul');
}

test('body text is at least 20 px and inputs at least 16 px', async () => {
  const { page, context } = await openPage(browser);
  await ready(page, '/');
  const sizes = await page.evaluate(() => ({
    body: parseFloat(getComputedStyle(document.body).fontSize),
    line: parseFloat(getComputedStyle(document.body).lineHeight) / parseFloat(getComputedStyle(document.body).fontSize),
    input: parseFloat(getComputedStyle(document.querySelector('#lieu')).fontSize),
  }));
  assert.ok(sizes.body >= 20, `body ${sizes.body}px`);
  assert.ok(sizes.line >= 1.5, `line height ${sizes.line}`);
  assert.ok(sizes.input >= 16, `input ${sizes.input}px`);
  await context.close();
});

test('at 320 px wide, with text at 200 %, nothing needs horizontal scrolling', async () => {
  const { page, context } = await openPage(browser, { viewport: { width: 320, height: 640 }, bypassCSP: true });
  for (const path of VIEWS) {
    await ready(page, path);
    await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path}: ${overflow}px of horizontal scrolling`);
  }
  await context.close();
});

test('at 320 px with 200 % text: opening hours, filters, booking headings and a long e-mail fit', async () => {
  const dep = await departementFile(server.url, '57');
  const centre = dep.centres.find((c) => c.booking === 'here' && c.next_slot && (c.doses ?? [1, 2]).includes(1));
  const file = await centreFile(server.url, centre.id);
  const day = file.days[1].date;
  const later = new Date(Date.parse(day) + 28 * 864e5).toISOString().slice(0, 10);
  // Answers as the booking flow keeps them in the tab, with long names and
  // a long e-mail address.
  const draft = {
    centre: centre.id, centre_name: centre.name, vaccines: centre.vaccines, vaccine: centre.vaccines[0],
    slot: `${day}T10:00`, second_slot: `${later}T10:00`, second_only: false,
    first_dose_day: '', first_dose_month: '', first_dose_year: '', who: 'self',
    first_name: 'Marie-Thérèse-Antoinette', last_name: 'de La Rochefoucauld-Montbazon',
    birth_day: '2', birth_month: '3', birth_year: '1940', phone: '0612345678',
    email: 'marie-therese.delarochefoucauld-montbazon@exemple-de-fournisseur.fr', key: null,
  };
  const { page, context } = await openPage(browser, { viewport: { width: 320, height: 640 }, bypassCSP: true });
  const views = [
    [`/centre/${centre.id}`, 'table.hours'],
    ['/centres?lieu=Lyon&lat=45.764&lon=4.8357&rayon=20&acces=1', '.filters[open] fieldset'],
    ['/reserver/etape/naissance', '#naissance-jour'],
    [`/reserver/etape/heure?jour=${day}`, 'input[name=heure]'],
    ['/reserver/etape/verifier', '.summary-list'],
  ];
  for (const [path, shown] of views) {
    if (path.startsWith('/reserver/')) {
      // The finder forgets booking answers when it loads: set them from the booking app.
      await page.goto(server.url + '/reserver/gerer');
      await appReady(page);
      await page.evaluate((d) => sessionStorage.setItem('creneau.reservation', JSON.stringify(d)), draft);
    }
    await page.goto(server.url + path);
    await appReady(page);
    await page.waitForSelector(shown);
    await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
    const out = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const sticking = [...document.querySelectorAll('main *')]
        .filter((el) => el.offsetParent !== null && !el.closest('.visually-hidden'))
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${Math.round(el.getBoundingClientRect().right)}px`);
      return { scroll: document.documentElement.scrollWidth - width, sticking: sticking.slice(0, 5) };
    });
    assert.deepEqual(out, { scroll: 0, sticking: [] }, path);
  }
  if (await page.locator('.summary-list').count()) {
    assert.match(await page.locator('.summary-list').innerText(), /exemple-de-fournisseur\.fr/, 'the whole address is there');
  }
  await context.close();
});

test('a text-spacing override loses no content', async () => {
  const { page, context } = await openPage(browser, { viewport: { width: 375, height: 700 }, bypassCSP: true });
  for (const path of VIEWS) {
    await ready(page, path);
    await page.addStyleTag({ content: '* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; } p { margin-bottom: 2em !important; }' });
    const clipped = await page.evaluate(() => [...document.querySelectorAll('main *')]
      .filter((el) => !el.closest('.visually-hidden') && getComputedStyle(el).overflow === 'hidden' && el.scrollHeight > el.clientHeight + 1)
      .map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(clipped, [], path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path}: ${overflow}px of horizontal scrolling`);
  }
  await context.close();
});

test('every link, button and field is at least 44 × 44 px or an inline text link', async () => {
  const { page, context } = await openPage(browser, { viewport: { width: 375, height: 700 } });
  for (const path of VIEWS) {
    await ready(page, path);
    const small = await page.evaluate(() => [...document.querySelectorAll('a, button, input, select, summary')]
      .filter((el) => !el.closest('.visually-hidden') && !el.classList.contains('skip-link') && el.offsetParent !== null)
      // Links inside a sentence are exempt (WCAG 2.5.8 inline exception).
      .filter((el) => !(el.tagName === 'A' && el.closest('p, li, dd') && getComputedStyle(el).display === 'inline'))
      .map((el) => ({ el: el.outerHTML.slice(0, 60), ...el.getBoundingClientRect().toJSON() }))
      .filter((r) => r.width < 44 || r.height < 44)
      .filter((r) => !(r.el.startsWith('<input type="checkbox"') && r.width >= 24 && r.height >= 24)));
    assert.deepEqual(small, [], path);
  }
  await context.close();
});

test('the focused element is clearly marked', async () => {
  const { page, context } = await openPage(browser);
  await ready(page, '/');
  await page.keyboard.press('Tab'); // skip link
  await page.keyboard.press('Tab'); // brand link
  const style = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { background: s.backgroundColor, shadow: s.boxShadow };
  });
  assert.equal(style.background, 'rgb(255, 221, 0)', 'yellow focus background');
  assert.notEqual(style.shadow, 'none');
  await context.close();
});

test('nothing moves once shown: no layout shift from the shell to the page', async () => {
  // A phone's viewport. Layout shifts are summed from the first paint
  // (Chromium's Layout Instability API, as Lighthouse's CLS): the shell's
  // footer pushed down by the page's content used to count 0.23–0.29.
  const { page, context } = await openPage(browser, { viewport: { width: 412, height: 823 } });
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.hadRecentInput) window.__shifts.push({ value: e.value, nodes: e.sources.map((s) => s.node?.nodeName + '.' + (s.node?.className || '')) });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const centre = await firstCentre();
  // The booking flow's first question too: its rule (from the snapshot)
  // once arrived above the date boxes, moving them 0.11.
  for (const path of [...VIEWS, '/centre/' + centre, '/reserver/centre/' + centre]) {
    if (path.startsWith('/reserver/')) {
      await page.goto(server.url + path);
      await page.waitForSelector('#naissance-rule');
    } else {
      await ready(page, path);
    }
    await page.waitForTimeout(300);
    const shifts = await page.evaluate(() => window.__shifts);
    const cls = shifts.reduce((a, s) => a + s.value, 0);
    assert.ok(cls < 0.001, `${path}: layout shift ${cls.toFixed(3)} ${JSON.stringify(shifts)}`);
  }
  await context.close();
});

async function firstCentre() {
  const file = await departementFile(server.url, '75');
  return file.centres.find((c) => c.next_slot && c.booking === 'here' && !c.reserved_for_professionals).id;
}
