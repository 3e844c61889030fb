// Every free first-injection slot of every centre booked here, two weeks
// ahead, read from a running server's snapshot as the app reads it: one
// [centre id, local time "YYYY-MM-DDTHH:MM", vaccine] each. The booking
// benchmarks send their load to these.
export async function bookableSlots(base) {
  const pointer = await (await fetch(`${base}/data/latest.json`)).json();
  const index = await (await fetch(`${base}/data/${pointer.index}`)).json();
  const out = [];
  for (const d of index.departements) {
    const dep = await (await fetch(`${base}/data/${pointer.departement.replace('{code}', d.code)}`)).json();
    for (const c of dep.centres.filter((c) => c.booking === 'here' && !c.reserved_for_professionals && c.next_slot && (c.doses ?? [1, 2]).includes(1))) {
      const file = await (await fetch(`${base}/data/${pointer.centre.replace('{id}', c.id)}`)).json();
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
