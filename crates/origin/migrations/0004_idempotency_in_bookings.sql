-- The Idempotency-Key moves into the booking row: one insert records both,
-- and a reused key is caught by its unique index in the same statement.
ALTER TABLE bookings ADD COLUMN idempotency_key TEXT;
ALTER TABLE bookings ADD COLUMN request_hash TEXT;
CREATE UNIQUE INDEX bookings_idempotency_key ON bookings (idempotency_key);
DROP TABLE idempotency_keys;
