-- Which injections a centre books: '1|2' (both, the default), '1' (first
-- injections, the second booked with them) or '2' (second injections for
-- people whose first was given elsewhere).
ALTER TABLE centres ADD COLUMN doses TEXT NOT NULL DEFAULT '1|2';
