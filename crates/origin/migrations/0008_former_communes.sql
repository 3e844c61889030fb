-- Former communes (kind 'former'): merged into a commune nouvelle or
-- associated with another, still searched by their old name. `part_of` is
-- the INSEE code of the commune they belong to now; their postcodes and
-- position are that commune's, read through it.
ALTER TABLE communes ADD COLUMN part_of TEXT;
