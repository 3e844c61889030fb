-- Repairs of stored data that SQL alone cannot make (they need the
-- application's parsing and hashing), run once each by `db::connect` after
-- the migrations and recorded here.
CREATE TABLE data_repairs (
    name    TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL,
    report  TEXT NOT NULL
);
