// The nginx edge of deploy/nginx, as an operator runs it, in front of two
// origins on one PostgreSQL: the snapshot cached (a crowd of cold requests
// reaches the origins once), the app's files and their encodings, both
// apps' deep links, the origins' security headers on every answer, the
// booking API's failover when an origin dies, and its shedding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ROOT } from './support/server.mjs';
import { startEdge, startOrigins, dataRequests } from './support/edge.mjs';
import { snapshotIndex, departementPath } from './support/snapshot.mjs';
import { bookOne } from './support/slots.mjs';

let cluster;
let edge;

before(async () => {
  cluster = await startOrigins(2);
  edge = await startEdge(cluster.origins.map((o) => o.address));
});

after(async () => {
  await edge?.stop();
  await cluster?.stop();
});

const SECURITY = ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options',
  'permissions-policy', 'cross-origin-opener-policy'];

async function originDataRequests() {
  let sum = 0;
  for (const o of cluster.origins) if (o.child.exitCode === null && o.child.signalCode === null) sum += await dataRequests(o);
  return sum;
}

/** `n` requests at once; each answer's status, headers and body bytes. */
async function crowd(url, n, init = {}) {
  return Promise.all(Array.from({ length: n }, async () => {
    const r = await fetch(url, init);
    return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
  }));
}

test('200 cold requests at once for the pointer, and for a département file, reach the origins once each', async () => {
  // The edge has served nothing yet: both are cold.
  for (const path of ['latest.json', null]) {
    const file = path ?? departementPath((await snapshotIndex(cluster.origins[0].url)).index, '57');
    const before = await originDataRequests();
    const answers = await crowd(`${edge.url}/data/${file}`, 200, { headers: { 'accept-encoding': 'br' } });
    const after = await originDataRequests();
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], file);
    assert.equal(after - before, 1, `${file}: requests that reached the origins`);
    const statuses = answers.map((a) => a.headers.get('x-cache-status'));
    assert.equal(statuses.filter((s) => s === 'MISS').length, 1, `${file}: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 'HIT').length, 199, file);
    // Every copy the same bytes.
    assert.equal(new Set(answers.map((a) => a.body.toString('base64'))).size, 1);
  }
  const pointer = await fetch(`${edge.url}/data/latest.json`);
  assert.match(pointer.headers.get('cache-control'), /max-age=30\b/);
});

test('the app\'s files and the snapshot\'s come in the encoding asked for, the same bytes decoded', async () => {
  const html = readFileSync(join(ROOT, 'dist/index.html'), 'utf8');
  const wasm = html.match(/\/(creneau-web-[0-9a-f]+_bg\.wasm)/)[1];
  const raw = readFileSync(join(ROOT, 'dist', wasm));
  const { index } = await snapshotIndex(edge.url);
  const dep = departementPath(index, '2A');
  const plain = Buffer.from(await (await fetch(`${cluster.origins[0].url}/data/${dep}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
  for (const [path, expected, immutable] of [[wasm, raw, true], [`data/${dep}`, plain, true]]) {
    for (const [asked, encoding, decode] of [
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync],
      ['identity', null, (b) => b],
    ]) {
      // Node's fetch would decode: ask with a raw request.
      const r = await rawGet(`${edge.url}/${path}`, { 'accept-encoding': asked });
      assert.equal(r.status, 200, `${path} ${asked}`);
      assert.equal(r.headers['content-encoding'] ?? null, encoding, `${path} ${asked}`);
      assert.match(r.headers.vary ?? '', /accept-encoding/i, path);
      assert.ok(decode(r.body).equals(expected), `${path} ${asked}: decoded bytes`);
      if (immutable) assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', path);
    }
  }
  // The .br twin on disk is what the edge sent.
  const br = await rawGet(`${edge.url}/${wasm}`, { 'accept-encoding': 'br' });
  assert.ok(br.body.equals(readFileSync(join(ROOT, 'dist', `${wasm}.br`))));
});

function rawGet(url, headers) {
  return import('node:http').then(({ get }) => new Promise((ok, fail) => {
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail);
  }));
}

/** The route patterns of crates/model/src/routes.rs, the origin's list. */
function appRoutes() {
  const source = readFileSync(join(ROOT, 'crates/model/src/routes.rs'), 'utf8');
  return ['FINDER', 'BOOKING'].flatMap((name) => {
    const list = source.match(new RegExp(`pub const ${name}: &\\[&str\\] = &\\[([\\s\\S]*?)\\];`))[1];
    return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1].replace(/:[a-z]+/g, '57-001'));
  });
}

test('both apps\' deep links answer as the origins do: their page with 200, anything else the finder\'s page with 404', async () => {
  const finder = readFileSync(join(ROOT, 'dist/index.html'));
  const booking = readFileSync(join(ROOT, 'dist/reserver/index.html'));
  const known = appRoutes();
  assert.ok(known.length > 20 && known.includes('/reserver/etape/verifier'), known.join(' '));
  const unknown = ['/nope', '/centre/', '/centre/1/2', '/reserver/nope', '/reserver/etape/', '/index.php', '/centres/', '/missing-0123456789abcdef.js'];
  for (const path of [...known, ...unknown]) {
    const [atEdge, atOrigin] = await Promise.all([rawGet(`${edge.url}${path}`, {}), rawGet(`${cluster.origins[0].url}${path}`, {})]);
    assert.equal(atEdge.status, atOrigin.status, `${path}: edge ${atEdge.status}, origin ${atOrigin.status}`);
    assert.equal(atEdge.status, known.includes(path) ? 200 : 404, path);
    if (path !== '/accessibilite/') {
      const page = path.startsWith('/reserver/') ? booking : finder;
      assert.ok(atEdge.body.equals(page), `${path}: the app's page`);
      assert.equal(atEdge.headers['cache-control'], 'no-cache', path);
    }
  }
});

test('every answer carries the origins\' security headers, the edge\'s own errors included', async () => {
  const reference = await rawGet(`${cluster.origins[0].url}/`, {});
  assert.match(reference.headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  const { index } = await snapshotIndex(edge.url);
  const answers = {
    page: await rawGet(`${edge.url}/`, {}),
    'deep link': await rawGet(`${edge.url}/reserver/etape/nom`, {}),
    'hashed file': await rawGet(`${edge.url}/${readFileSync(join(ROOT, 'dist/index.html'), 'utf8').match(/\/(creneau-web-[0-9a-f]+\.js)/)[1]}`, {}),
    pointer: await rawGet(`${edge.url}/data/latest.json`, {}),
    'snapshot file': await rawGet(`${edge.url}/data/${index.centre_directory.replace('{shard}', '0')}`, {}),
    'api answer': await rawGet(`${edge.url}/api/v1/openapi.json`, {}),
    'api 404': await rawGet(`${edge.url}/api/v1/nope`, {}),
    'page 404': await rawGet(`${edge.url}/nope`, {}),
    'edge 413': await new Promise((ok, fail) => import('node:http').then(({ request }) => {
      const req = request(`${edge.url}/api/v1/bookings`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume(); res.on('end', () => ok({ status: res.statusCode, headers: res.headers }));
      });
      req.on('error', fail);
      // Over the 16 KB allowed, small enough to be written whole before
      // the answer (no broken pipe).
      req.end('x'.repeat(20 * 1024));
    })),
  };
  assert.equal(answers['edge 413'].status, 413);
  for (const [what, answer] of Object.entries(answers)) {
    for (const name of SECURITY) {
      assert.equal(answer.headers[name], reference.headers[name], `${what} (${answer.status}): ${name}`);
    }
  }
  // The API's answers are the origins', not cached here.
  assert.equal(answers['api 404'].status, 404);
  assert.equal(JSON.parse(answers['api 404'].body).error, 'not_found');
  assert.equal(answers['api answer'].headers['x-cache-status'], undefined);
});

test('with one origin killed, reads and bookings go on through the other', async () => {
  const [dead] = cluster.origins;
  dead.child.kill('SIGKILL');
  await new Promise((r) => dead.child.once('exit', r));
  const { index } = await snapshotIndex(edge.url);
  const statuses = [];
  for (const { code } of index.departements.slice(-6)) {
    statuses.push((await fetch(`${edge.url}/api/v1/openapi.json`)).status);
    // Files the edge has not cached yet: fetched from the live origin.
    statuses.push((await fetch(`${edge.url}/data/${departementPath(index, code)}`)).status);
  }
  assert.equal(statuses.length, 12);
  assert.deepEqual([...new Set(statuses)], [200]);
  const booking = await bookOne(edge.url, '67');
  assert.equal(booking.status, 201, JSON.stringify(booking.body));
  // Kept by the store: the living origin finds it.
  const lookup = await fetch(`${cluster.origins[1].url}/api/v1/bookings/${booking.body.reference}/lookup`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ birth_date: '1940-03-02' }),
  });
  assert.equal(lookup.status, 200);
});

test('past the per-address limit the edge answers 503 at once, with Retry-After and the API\'s own error body', async () => {
  const answers = await crowd(`${edge.url}/api/v1/openapi.json`, 200);
  const shed = answers.filter((a) => a.status === 503);
  const passed = answers.filter((a) => a.status === 200);
  // 5 a second with a burst of 20 (deploy/nginx/creneau.conf), less what
  // the tests before used.
  assert.ok(passed.length >= 5 && passed.length <= 30, `passed ${passed.length}`);
  assert.equal(shed.length + passed.length, 200);
  const api = (lang) => JSON.parse(readFileSync(join(ROOT, `locales/api/${lang}.json`), 'utf8'));
  for (const a of shed) {
    assert.equal(a.headers.get('retry-after'), '2');
    assert.equal(a.headers.get('x-shed-by'), 'edge');
    assert.match(a.headers.get('content-type'), /^application\/json/);
    const body = JSON.parse(a.body);
    assert.deepEqual(body, {
      error: 'overloaded',
      message: { fr: findMessage(api('fr'), 'overloaded'), en: findMessage(api('en'), 'overloaded') },
      retry_after: 2,
    });
  }
});

/** A message by its key anywhere in a locale file. */
function findMessage(tree, key) {
  for (const [k, v] of Object.entries(tree)) {
    if (k === key && typeof v === 'string') return v;
    if (v && typeof v === 'object') { const found = findMessage(v, key); if (found) return found; }
  }
  return undefined;
}
