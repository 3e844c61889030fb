// Reading a running server's snapshot as the app reads it (schema 2):
// pointer → index → département file → centre file, each named by the one
// before it; a link to a centre finds its département in the centre
// directory. Files come back as of now, today's past slots dropped, as
// `CentreSummary::at` and `CentreFile::at` do in the app.

async function json(base, path) {
  const answer = await fetch(`${base}/data/${path}`);
  if (!answer.ok) throw new Error(`${path}: ${answer.status}`);
  return answer.json();
}

/** The pointer and the index it names. */
export async function snapshotIndex(base) {
  const pointer = await json(base, 'latest.json');
  return { pointer, index: await json(base, pointer.index) };
}

/** The path of a département's file, from the index. */
export function departementPath(index, code) {
  const entry = index.departements.find((d) => d.code === code);
  if (!entry) throw new Error(`département ${code} is not in the index`);
  return entry.file;
}

/** 32-bit FNV-1a of the UTF-8 bytes: the centre directory's shard. */
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}

/** A summary as of `now`: today's slots already past dropped. */
function summaryAt(centre, now) {
  if (!centre.today) return centre;
  const step = centre.today.slot_minutes * 60000;
  const remaining = [];
  let passed = 0;
  for (const run of centre.today.runs) {
    const start = run.at * 1000;
    const gone = now < start ? 0 : Math.min(run.count, Math.floor((now - start) / step) + 1);
    passed += gone * run.free;
    if (gone < run.count) {
      const offset = run.start.slice(19);
      const local = new Date(start + gone * step + offsetMinutes(offset) * 60000).toISOString().slice(0, 19);
      remaining.push({ start: `${local}${offset}`, at: run.at + gone * step / 1000, count: run.count - gone, free: run.free });
    }
  }
  const free = [...centre.free_by_day];
  const day = centre.today.day;
  if (day < free.length) free[day] = Math.max(0, free[day] - passed);
  return {
    ...centre,
    free_by_day: free,
    next_slot: remaining[0]?.start ?? centre.next_slot,
    today: remaining.length ? { ...centre.today, runs: remaining } : undefined,
  };
}

function offsetMinutes(offset) {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  return sign * (h * 60 + m);
}

/** A département's file as of now. */
export async function departementFile(base, code, now = Date.now()) {
  const { index } = await snapshotIndex(base);
  const file = await json(base, departementPath(index, code));
  return { ...file, centres: file.centres.map((c) => summaryAt(c, now)) };
}

/** A centre's file as of now, found through the centre directory. */
export async function centreFile(base, id, now = Date.now()) {
  const { index } = await snapshotIndex(base);
  const shard = fnv1a(id) % index.centre_directory_shards;
  const directory = await json(base, index.centre_directory.replace('{shard}', String(shard)));
  const code = directory.centres[id];
  if (!code) throw new Error(`centre ${id} is not in the centre directory`);
  const departement = await json(base, departementPath(index, code));
  const summary = departement.centres.find((c) => c.id === id);
  const file = await json(base, summary.file);
  const today = file.centre.today;
  const centre = summaryAt(file.centre, now);
  if (!today) return file;
  const runs = (centre.today?.runs ?? []).map((r) => ({ start: r.start.slice(11, 16), count: r.count, free: r.free }));
  const days = file.days
    .map((d) => (d.date === today.date ? { ...d, runs } : d))
    .filter((d) => d.runs.length > 0);
  return { ...file, centre, days };
}
