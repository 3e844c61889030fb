-- Reference data and centres. Portable SQL: runs on SQLite and PostgreSQL.

CREATE TABLE departements (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL
);

-- One row per commune or municipal arrondissement (Paris, Lyon, Marseille).
CREATE TABLE communes (
    insee       TEXT NOT NULL,
    kind        TEXT NOT NULL,              -- 'commune' | 'arrondissement'
    name        TEXT NOT NULL,
    departement TEXT NOT NULL,
    postcodes   TEXT NOT NULL,              -- '|'-separated
    lat         DOUBLE PRECISION,
    lon         DOUBLE PRECISION,
    population  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (insee, kind)
);

CREATE TABLE centres (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    postcode        TEXT NOT NULL,
    insee           TEXT NOT NULL,
    commune         TEXT NOT NULL,
    departement     TEXT NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    phone           TEXT,
    booking_mode    TEXT NOT NULL,          -- snapshot::BookingMode
    booking_url     TEXT,
    accessible      INTEGER,                -- 1, 0, or NULL when not said
    reserved_pro    INTEGER NOT NULL DEFAULT 0,
    hours_json      TEXT NOT NULL,          -- hours::WeekHours as JSON
    slot_minutes    INTEGER NOT NULL,
    capacity        INTEGER NOT NULL,       -- people per slot
    vaccines        TEXT NOT NULL,          -- '|'-separated vaccine codes
    opening_date    TEXT,                   -- YYYY-MM-DD
    closing_date    TEXT,
    demo            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX centres_by_departement ON centres (departement);

-- Places taken in each slot: availability is capacity minus taken. Slots
-- themselves are computed from hours, so only taken slots have a row.
CREATE TABLE slot_usage (
    centre_id   TEXT NOT NULL REFERENCES centres (id),
    starts_at   BIGINT NOT NULL,            -- Unix seconds, UTC
    taken       INTEGER NOT NULL,
    PRIMARY KEY (centre_id, starts_at)
);
