// Size budget of the app's first load (bytes are deterministic, so this is a
// test, not a benchmark): index.html and every script, stylesheet and
// WebAssembly file it loads, as the server sends them with brotli.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';

const BUDGET = 250 * 1024;
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

test(`the app's first load is at most ${BUDGET} bytes with brotli`, async () => {
  const html = await (await fetch(server.url + '/')).text();
  const assets = [...html.matchAll(/(?:href|src)=["']?([^"' >]+\.(?:js|wasm|css))/g)]
    .map((m) => m[1])
    .filter((p) => !p.includes('print'));
  assert.ok(assets.some((a) => a.endsWith('.wasm')) && assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), String(assets));
  let total = await brotliBytes('/');
  const sizes = { '/': total };
  for (const asset of new Set(assets)) {
    sizes[asset] = await brotliBytes(asset);
    total += sizes[asset];
  }
  console.log('first load (brotli bytes):', JSON.stringify(sizes), 'total', total);
  assert.ok(total <= BUDGET, `first load ${total} B > budget ${BUDGET} B`);
});
