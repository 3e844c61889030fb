// Message sender benchmark (not a test): how many e-mails a second one
// origin's sender delivers to a local SMTP server (aiosmtpd, the one the
// tests use, on the same machine). N bookings with an e-mail address are
// made with the sender off (`--no-sender`), so their confirmations wait in
// the outbox; the origin is started again with its sender, and the time
// from its start to the last message accepted is measured. Writes
// target/bench-messages.md. Run after `make build` and `make api-tools`:
//   node tests/support/bench-messages.mjs [messages]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort } from './server.mjs';
import { originOnStore, startSmtp, until } from './outbox.mjs';
import { bookableSlots } from './slots.mjs';

const N = Number(process.argv[2] ?? 2000);
const store = originOnStore();
const relayPort = await freePort();
const flags = ['--smtp-relay', '127.0.0.1', '--smtp-port', String(relayPort), '--smtp-tls', 'none'];
let origin = await store.start([...flags, '--no-sender']);
let relay;
try {
  const slots = await bookableSlots(origin.url);
  if (slots.length < N) throw new Error(`only ${slots.length} free slots for ${N} bookings`);
  let next = 0;
  let booked = 0;
  const worker = async () => {
    while (booked < N && next < slots.length) {
      const i = next++;
      const [centre, slot, vaccine] = slots[i];
      const r = await fetch(`${origin.url}/api/v1/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `bench-msg-${i}` },
        body: JSON.stringify({ centre, slot, vaccine, booked_by: 'self', person: { first_name: 'Banc', last_name: `Essai ${i}`, birth_date: '1940-01-01', email: `banc${i}@example.org` } }),
      });
      if (r.status === 201) booked++;
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  if (booked < N) throw new Error(`${booked} bookings made of ${N}`);
  await origin.stop();
  relay = await startSmtp(relayPort, { raw: true });
  const started = performance.now();
  origin = await store.start(flags);
  await until('messages', () => relay.count(), booked, 600000);
  const seconds = (performance.now() - started) / 1000;
  const delivered = relay.count();
  const rate = delivered / seconds;
  const report = [
    '# Message sender',
    '',
    `${delivered} confirmations waiting in the outbox (SQLite), delivered by one origin's sender to aiosmtpd on 127.0.0.1`,
    '(keeping each message as received, unparsed),',
    `timed from the origin's start (which opens the store and serves the snapshot already written) to the last message accepted.`,
    '',
    '| messages | seconds | messages/s |',
    '|---:|---:|---:|',
    `| ${delivered} | ${seconds.toFixed(1)} | ${rate.toFixed(0)} |`,
    '',
    `Machine: ${(await import('node:os')).cpus().length} CPUs, shared by the origin, the SMTP server (Python) and this script.`,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'target/bench-messages.md'), report);
  console.log(report);
} finally {
  await origin.stop();
  await relay?.stop();
  store.remove();
}
