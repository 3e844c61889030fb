// Size report (bytes, brotli quality 11 as served): the pointer, the Paris
// and median département files, a centre file, the first search shard, and
// the app's first load. Run after `make build` and a published snapshot:
//   node tests/support/size-report.mjs [snapshot-dir]
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT } from './server.mjs';
import { departementPath } from './snapshot.mjs';

const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
let snap = process.argv[2];
if (!snap) {
  const dir = mkdtempSync(join(tmpdir(), 'creneau-size-'));
  const db = `sqlite://${join(dir, 'db')}`;
  const bin = join(ROOT, 'target/release/creneau');
  execFileSync(bin, ['--database', db, 'demo', '--data', join(ROOT, 'data')], { stdio: 'ignore' });
  execFileSync(bin, ['--database', db, 'snapshot', '--once', '--out', join(dir, 'snapshot')], { stdio: 'ignore' });
  snap = join(dir, 'snapshot');
}
const file = (p) => readFileSync(join(snap, p));
const pointer = JSON.parse(file('latest.json'));
const index = JSON.parse(file(pointer.index));
const deps = index.departements.map((d) => ({ code: d.code, file: d.file, size: statSync(join(snap, d.file)).size }));
deps.sort((a, b) => a.size - b.size);
const median = deps[Math.floor(deps.length / 2)];
const parisPath = departementPath(index, '75');
const paris = JSON.parse(file(parisPath));
const centre = paris.centres.find((c) => c.next_slot) ?? paris.centres[0];
const rows = [
  ['pointer latest.json', file('latest.json')],
  ['index', file(pointer.index)],
  ['département 75 (Paris)', file(parisPath)],
  [`département ${median.code} (median)`, file(median.file)],
  [`centre ${centre.id}`, file(centre.file)],
  ['search shard cp-75 (first postcode search)', file(pointer.search.replace('{shard}', 'cp-75'))],
  ['search shard nom-saint-de (largest kind)', file(pointer.search.replace('{shard}', 'nom-saint-de'))],
];
const dist = join(ROOT, 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
let first = br(Buffer.from(html));
for (const f of readdirSync(dist)) {
  if (/\.(js|wasm|css)$/.test(f) && !f.startsWith('print') && html.includes(f)) first += br(readFileSync(join(dist, f)));
}
let out = '# Sizes (bytes)\n\n| file | raw | brotli |\n|---|---:|---:|\n';
for (const [name, buf] of rows) out += `| ${name} | ${buf.length} | ${br(buf)} |\n`;
out += `| app first load (HTML + JS + wasm + CSS) | | ${first} |\n`;
console.log(out);
writeFileSync(join(ROOT, 'target/size-report.md'), out);
