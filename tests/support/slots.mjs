// Every free first-injection slot of every centre booked here, two weeks
// ahead, read from a running server's snapshot as the app reads it: one
// [centre id, local time "YYYY-MM-DDTHH:MM", vaccine] each. The booking
// benchmarks send their load to these.
import { snapshotIndex, departementFile, centreFile } from './snapshot.mjs';

export async function bookableSlots(base) {
  const { index } = await snapshotIndex(base);
  const out = [];
  for (const d of index.departements) {
    const dep = await departementFile(base, d.code);
    for (const c of dep.centres.filter((c) => c.booking === 'here' && !c.reserved_for_professionals && c.next_slot && (c.doses ?? [1, 2]).includes(1))) {
      const file = await centreFile(base, c.id);
      for (const day of file.days.slice(0, 14)) {
        for (const run of day.runs) {
          const [h, m] = run.start.split(':').map(Number);
          for (let i = 0; i < run.count; i++) {
            const t = h * 60 + m + i * file.slot_minutes;
            out.push([c.id, `${day.date}T${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`, c.vaccines[0]]);
          }
        }
      }
    }
  }
  return out;
}

/** One booking through the API at the first centre of département `code`
 * booked here with free first injections, at its first free time: the
 * answer's status and body. `extra` adds request fields (`lang`). */
export async function bookOne(base, code, person = { first_name: 'Jeanne', last_name: 'Essai', birth_date: '1940-03-02' }, extra = {}) {
  const dep = await departementFile(base, code);
  const centre = dep.centres.find((c) => c.booking === 'here' && !c.reserved_for_professionals && c.next_slot && (c.doses ?? [1, 2]).includes(1));
  const file = await centreFile(base, centre.id);
  const day = file.days.find((d) => d.runs.length > 0);
  const answer = await fetch(`${base}/api/v1/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `test-${Date.now()}-${String(Math.random()).slice(2)}` },
    body: JSON.stringify({
      centre: centre.id, slot: `${day.date}T${day.runs[0].start}`, vaccine: centre.vaccines[0], booked_by: 'self', person, ...extra,
    }),
  });
  return { status: answer.status, body: await answer.json() };
}
