-- Messages to people: confirmations, changes, cancellations and reminders,
-- written in the same transaction as the booking step they tell of, and
-- sent afterwards by the sender task (src/notify). A row's personal data
-- (recipient, subject, bodies) is emptied once it is sent or given up;
-- what is left says only that a message of this kind was sent, and goes
-- with its booking at the purge.
ALTER TABLE bookings ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';

CREATE TABLE outbox (
    id            TEXT PRIMARY KEY,     -- random; the e-mail's Message-ID, the SMS's client reference
    reference     TEXT NOT NULL,        -- the booking it tells of
    kind          TEXT NOT NULL,        -- booked | moved | cancelled | reminder
    dose          INTEGER,              -- a reminder's injection (1 or 2)
    channel       TEXT NOT NULL,        -- email | sms
    recipient     TEXT,                 -- NULL once sent or given up
    subject       TEXT,
    body_text     TEXT,
    body_html     TEXT,
    send_at       BIGINT NOT NULL,      -- Unix seconds: not before (a reminder's day, a retry's backoff)
    tries         INTEGER NOT NULL DEFAULT 0,
    claimed_until BIGINT,               -- a sender is on it until then (a lease: a killed sender's rows come back)
    sent_at       BIGINT,
    failed_at     BIGINT,
    created_at    BIGINT NOT NULL
);
-- What the sender asks for every few seconds: the rows still to send.
CREATE INDEX outbox_to_send ON outbox (send_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_reference ON outbox (reference);
