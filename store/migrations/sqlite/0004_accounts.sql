-- Accounts, sessions, privacy audit, reply scripts and remedy approvals
-- (issue 4). Sessions live in the database so that several kesu processes
-- can serve one user.

-- The first administrator (and any account whose password an administrator
-- set) must choose a new password at the next login.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- A browser session: the cookie holds a random token, the database its
-- SHA-256; csrf_token is echoed in forms and the X-CSRF-Token header.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    client       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- Every login attempt, for rate limiting and lockout by account and by
-- client address.
CREATE TABLE login_attempts (
    id     INTEGER PRIMARY KEY,
    email  TEXT NOT NULL,
    client TEXT NOT NULL,
    ok     INTEGER NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts(email, at);
CREATE INDEX login_attempts_client ON login_attempts(client, at);

-- Privacy audit: every reveal of personal data and every export.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT NOT NULL DEFAULT '',
    actor_role   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,            -- unmask, export, login, password ...
    complaint_id INTEGER REFERENCES complaints(id),
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_complaint ON audit_events(complaint_id) WHERE complaint_id IS NOT NULL;
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

-- Reply scripts (话术) by scenario, with {{name}}-style variables.
CREATE TABLE reply_scripts (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    scenario   TEXT NOT NULL,              -- acknowledge, apology, explain, propose, close
    name       TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    body_en    TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Compensation authority per role (minor units; -1 = no limit). Roles
-- without a row use kesu.DefaultAuthority.
CREATE TABLE role_limits (
    role       TEXT PRIMARY KEY,
    max_amount INTEGER NOT NULL
) WITHOUT ROWID;

-- A remedy proposed above the proposer's limit waits here for an approver
-- whose limit covers it; approval performs the propose transition.
CREATE TABLE approvals (
    id             INTEGER PRIMARY KEY,
    complaint_id   INTEGER NOT NULL REFERENCES complaints(id),
    requested_by   INTEGER REFERENCES users(id),
    requested_name TEXT NOT NULL DEFAULT '',
    remedy         TEXT NOT NULL,
    amount         INTEGER NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'pending', -- pending, approved, rejected
    decided_by     INTEGER REFERENCES users(id),
    decided_at     INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX approvals_complaint ON approvals(complaint_id, id);
CREATE INDEX approvals_pending ON approvals(created_at) WHERE status = 'pending';
