// Size budget of the app's first load (bytes are deterministic, so this is a
// test, not a benchmark): index.html and every script, stylesheet and
// WebAssembly file it loads, as the server sends them with brotli.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { startServer, launchBrowser, openPage, appReady, ROOT } from './support/server.mjs';

// The finder's first load: 250 KiB (254,143 B) until this session added
// the spelling correction, the choice page for every name, former
// communes, the shell's search form and its take-over, the list kept when
// an update fails, tappable days, the département page's filters and
// distances, and fetching while the person types: 262,340 B (+8.2 KB,
// mostly view code, by twiggy); 263,165 B with the stylesheet written into
// the page; 264,409 → 267,164 B (+2.7 KB) with centres shown twenty at a
// time (ui/centre_list), which took the results page's Lighthouse Total
// Blocking Time from 637 to 272 ms; 277,611 B (+10.4 KB) with the snapshot
// named by content (schema 2: readers of the centre directory, of each
// file's path and of today's slots, and the dropping of past slots, all
// serde-derived code), which let a generation write only what changed.
// 278,583 B (+1 KB) with the links to "Me prévenir" on results without a
// free place and on centre pages (the form itself is in the booking app).
// The goal is 200 KB, then 150 KB: that needs a smaller app or a
// split that shares the runtime, not done (see docs/architecture.md).
const BUDGET = 273 * 1024;
const FIRST_SEARCH_BUDGET = 60 * 1024;
// The booking app, loaded only to book: 38 KiB more than the finder's first
// load since it gained the eligibility step, the timeout warning, the step
// indicator, clearing, the calendar reminders (256 KiB), then the second
// appointment's step, the second injection alone, and moving and
// cancelling on "Gérer mon rendez-vous" (+25 KB of view code: 288 KiB).
// The finder/booking split is to be redesigned (issue "one download for
// the whole journey", ≤ 300 KB from home to confirmation, with twiggy to
// see what takes the bytes), which brings this back down. 296,266 B
// (+7.5 KB) with the snapshot named by content: a centre's file is found
// through the index, the centre directory and its département's file.
// 325,211 B (+28.8 KB) with "Me prévenir" (the sign-up form about 21 KB,
// its confirm and stop pages about 8 KB, measured by leaving each route
// out): it lives here, where forms and the API's calls already are,
// rather than in the finder, whose first load it grew by 23 KB.
const BOOKING_BUDGET = 318 * 1024;
let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

async function brotliBytes(path) {
  const r = await fetch(server.url + path, { headers: { 'accept-encoding': 'br' } });
  assert.equal(r.status, 200, path);
  assert.equal(r.headers.get('content-encoding'), 'br', `${path} is served precompressed`);
  // fetch decodes the body; the bytes on the wire are the Content-Length.
  const length = Number(r.headers.get('content-length'));
  assert.ok(length > 0, `${path} has a Content-Length`);
  await r.arrayBuffer();
  return length;
}

async function firstLoad(page) {
  const html = await (await fetch(server.url + page)).text();
  const assets = [...html.matchAll(/(?:href|src)=["']?([^"' >]+\.(?:js|wasm|css))/g)]
    .map((m) => m[1])
    .filter((p) => !p.includes('print'));
  // The stylesheet is written into the page (counted with it).
  assert.ok(assets.some((a) => a.endsWith('.wasm')) && assets.some((a) => a.endsWith('.js')), String(assets));
  assert.ok(/<style>[^]{1000,}?<\/style>/.test(html), 'the stylesheet is in the page');
  let total = await brotliBytes(page);
  const sizes = { [page]: total };
  for (const asset of new Set(assets)) {
    sizes[asset] = await brotliBytes(asset);
    total += sizes[asset];
  }
  console.log(`first load of ${page} (brotli bytes):`, JSON.stringify(sizes), 'total', total);
  return total;
}

test(`the app's first load is at most ${BUDGET} bytes with brotli`, async () => {
  const total = await firstLoad('/');
  assert.ok(total <= BUDGET, `first load ${total} B > budget ${BUDGET} B`);
});

test(`the booking flow, a second app loaded only to book, is at most ${BOOKING_BUDGET} bytes with brotli`, async () => {
  const total = await firstLoad('/reserver/gerer');
  assert.ok(total <= BOOKING_BUDGET, `booking app ${total} B > budget ${BOOKING_BUDGET} B`);
});

test(`the data for a first postcode search is at most ${FIRST_SEARCH_BUDGET} bytes with brotli`, async () => {
  const browser = await launchBrowser();
  const { page, context } = await openPage(browser);
  const sizes = {};
  page.on('response', async (r) => {
    if (!r.url().includes('/data/')) return;
    const headers = await r.allHeaders();
    assert.equal(headers['content-encoding'], 'br', `${r.url()} sent with brotli`);
    sizes[new URL(r.url()).pathname] = Number(headers['content-length']);
  });
  await page.goto(server.url + '/');
  await appReady(page);
  await page.fill('#lieu', '75011');
  await page.click('button[type=submit]');
  await page.waitForSelector('.result-count');
  await context.close();
  await browser.close();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log('first postcode search (brotli bytes):', JSON.stringify(sizes), 'total', total);
  assert.ok(Object.keys(sizes).some((p) => p.includes('/search/')), 'the search shard was fetched');
  const deps = Object.keys(sizes).filter((p) => p.includes('/dep/')).map((p) => p.match(/dep\/(\w+)\.[0-9a-f]+\.json/)[1]).sort();
  // Île-de-France départements reach within 20 km of Paris 11e; nothing farther.
  assert.deepEqual(deps.filter((d) => !['75', '77', '78', '91', '92', '93', '94', '95'].includes(d)), [], `only nearby départements: ${deps}`);
  assert.ok(deps.includes('75'), String(deps));
  assert.ok(total <= FIRST_SEARCH_BUDGET, `first search ${total} B > budget ${FIRST_SEARCH_BUDGET} B`);
});

test('no build-machine path ships in either app\'s WebAssembly', async () => {
  // Panic locations name source files; built with --remap-path-prefix
  // (Makefile), they name `crates/…` and `src/…`, not the home folder's
  // cargo registry or the checkout's path.
  const cargoHome = process.env.CARGO_HOME ?? `${homedir()}/.cargo`;
  for (const page of ['/', '/reserver/gerer']) {
    const html = await (await fetch(server.url + page)).text();
    const wasm = html.match(/[^"' ]+\.wasm/)?.[0];
    assert.ok(wasm, `${page} names its WebAssembly`);
    const bytes = Buffer.from(await (await fetch(new URL(wasm, server.url + page))).arrayBuffer());
    assert.ok(bytes.length > 100_000, `${wasm} fetched whole`);
    const text = bytes.toString('latin1');
    assert.ok(text.includes('tachys-'), `${wasm} still names crates' files (the remap keeps them readable)`);
    for (const path of [cargoHome, ROOT, '/.cargo/registry/']) {
      assert.ok(!text.includes(path), `${wasm} contains the build path ${path}`);
    }
  }
});
