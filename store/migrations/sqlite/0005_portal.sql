-- Customer portal (no account): one-time codes, customer sessions, rate
-- limits and the key that signs its CSRF tokens. Kept in the database so that
-- several kesu processes can serve one portal.

-- A one-time code asked for a complaint number. complaint_id is NULL when the
-- number does not exist: the request is recorded all the same, so that the
-- answer (and its cost) does not tell whether the number exists.
CREATE TABLE portal_codes (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL,
    complaint_id INTEGER REFERENCES complaints(id),
    code_hash    BLOB NOT NULL,            -- SHA-256 of salt, number and code
    salt         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER
);
CREATE INDEX portal_codes_number ON portal_codes(number, id);
CREATE INDEX portal_codes_expires ON portal_codes(expires_at);

-- A verified customer's session on one complaint; the cookie holds the
-- token, the database its SHA-256.
CREATE TABLE portal_sessions (
    token_hash   BLOB PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX portal_sessions_expires ON portal_sessions(expires_at);

-- Fixed-window counters: key (what is limited: a number, a client address, a
-- recipient) x window start.
CREATE TABLE portal_rate (
    key          TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX portal_rate_window ON portal_rate(window_start);

-- The portal's signing key, made once by whichever process starts first.
CREATE TABLE portal_keys (
    id         INTEGER PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
