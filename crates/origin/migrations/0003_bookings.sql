-- Bookings: the only personal data Créneau keeps, purged a configurable
-- number of days after the second appointment.
CREATE TABLE bookings (
    reference    TEXT PRIMARY KEY,           -- K7P4-QX9M
    centre_id    TEXT NOT NULL REFERENCES centres (id),
    vaccine      TEXT NOT NULL,
    first_at     BIGINT NOT NULL,            -- Unix seconds, first injection
    second_at    BIGINT NOT NULL,            -- Unix seconds, second injection
    person_key   TEXT NOT NULL,              -- SHA-256 of folded names and birth date
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    birth_date   TEXT NOT NULL,              -- YYYY-MM-DD
    phone        TEXT,
    email        TEXT,
    booked_by    TEXT NOT NULL,              -- 'self' or 'helper'
    status       TEXT NOT NULL,              -- 'confirmed' or 'cancelled'
    created_at   BIGINT NOT NULL,
    cancelled_at BIGINT
);
-- One booking to come per person, even when two requests race.
CREATE UNIQUE INDEX bookings_one_per_person ON bookings (person_key) WHERE status = 'confirmed';
CREATE INDEX bookings_first ON bookings (centre_id, first_at);
CREATE INDEX bookings_second ON bookings (centre_id, second_at);

-- Idempotency-Key → the booking it made, so a retried request (lost
-- answer, reload, 503 retry) returns the same booking instead of a second.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    reference    TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
