-- "Me prévenir": a person asks to be told when places free up around a
-- place (or at one centre), for any vaccine or one. Double opt-in: an
-- alert is `pending` until its confirmation link is followed, and nothing
-- but that link is sent before. Only a hash of the confirmation token is
-- kept. The unsubscribe token is kept as is: every message carries it, and
-- it can do nothing but end this alert. An alert lasts 30 days from its
-- confirmation; once ended (unsubscribed, expired, or never confirmed) its
-- recipient is emptied at once and the row goes a day later.
CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,        -- random; its messages' `reference` in the outbox
    confirm_hash  TEXT NOT NULL UNIQUE,    -- SHA-256 of the confirmation token
    stop_token    TEXT NOT NULL UNIQUE,    -- the one-click unsubscribe token
    channel       TEXT NOT NULL,           -- email | sms
    recipient     TEXT,                    -- NULL once ended
    recipient_key TEXT NOT NULL,           -- SHA-256 of the recipient: limits and one message a day per person
    lat           DOUBLE PRECISION,
    lon           DOUBLE PRECISION,
    radius_km     INTEGER,
    place         TEXT,                    -- what the person searched for
    centre_id     TEXT,                    -- instead of a circle
    vaccine       TEXT,
    lang          TEXT NOT NULL,
    state         TEXT NOT NULL,           -- pending | active | ended
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    expires_at    BIGINT NOT NULL,         -- pending: the link's end; active: the alert's
    ended_at      BIGINT,
    last_sent_day TEXT                     -- YYYY-MM-DD (Paris): at most one message a day
);
-- The tidy-up's: which alerts are past their time. (Not on `state`: nearly
-- every row is active, and SQLite would prefer such an index to the
-- primary key when the day's messages name their alerts by id.)
CREATE INDEX alerts_expiry ON alerts (expires_at);
CREATE INDEX alerts_recipient ON alerts (recipient_key, created_at);
-- Who has been told today: left out of the next comparisons.
CREATE INDEX alerts_told ON alerts (last_sent_day);

-- An alert's messages carry a one-click unsubscribe address
-- (List-Unsubscribe, RFC 8058); emptied with the rest once sent.
ALTER TABLE outbox ADD COLUMN unsubscribe TEXT;
