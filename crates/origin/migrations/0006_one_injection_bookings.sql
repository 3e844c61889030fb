-- A booking may hold one injection here instead of two:
-- - the second only, the first having been given elsewhere
--   (first_elsewhere_on: its date; first_at: NULL);
-- - the first only, once the second was cancelled on its own
--   (second_cancelled_at: when; second_at: NULL).
-- A NULL time holds no place, so counting a slot's bookings stays
-- "bookings whose first_at or second_at is that slot". Columns cannot drop
-- NOT NULL in SQLite, so the table is rebuilt (the same SQL runs on
-- PostgreSQL); its rows and indexes are carried over as they were.
CREATE TABLE bookings_rebuilt (
    reference           TEXT PRIMARY KEY,
    centre_id           TEXT NOT NULL REFERENCES centres (id),
    vaccine             TEXT NOT NULL,
    first_at            BIGINT,              -- Unix seconds; NULL: given elsewhere
    second_at           BIGINT,              -- Unix seconds; NULL: cancelled alone
    first_elsewhere_on  TEXT,                -- YYYY-MM-DD of a first injection elsewhere
    second_cancelled_at BIGINT,
    person_key          TEXT NOT NULL,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    phone               TEXT,
    email               TEXT,
    booked_by           TEXT NOT NULL,
    status              TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    cancelled_at        BIGINT,
    idempotency_key     TEXT,
    request_hash        TEXT,
    CHECK (first_at IS NOT NULL OR second_at IS NOT NULL),
    CHECK (first_at IS NOT NULL OR first_elsewhere_on IS NOT NULL)
);
INSERT INTO bookings_rebuilt (reference, centre_id, vaccine, first_at, second_at, person_key,
    first_name, last_name, birth_date, phone, email, booked_by, status, created_at, cancelled_at,
    idempotency_key, request_hash)
SELECT reference, centre_id, vaccine, first_at, second_at, person_key,
    first_name, last_name, birth_date, phone, email, booked_by, status, created_at, cancelled_at,
    idempotency_key, request_hash
FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_rebuilt RENAME TO bookings;
CREATE UNIQUE INDEX bookings_one_per_person ON bookings (person_key) WHERE status = 'confirmed';
CREATE UNIQUE INDEX bookings_idempotency_key ON bookings (idempotency_key);
CREATE INDEX bookings_first ON bookings (centre_id, first_at);
CREATE INDEX bookings_second ON bookings (centre_id, second_at);
