-- kesu core schema (SQLite). Times are INTEGER microseconds since the Unix
-- epoch (UTC) in both dialects, so one Go code path reads and writes them.

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES departments(id),
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

CREATE TABLE categories (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    name_en       TEXT NOT NULL DEFAULT '',
    parent_id     INTEGER REFERENCES categories(id),
    department_id INTEGER REFERENCES departments(id),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    password_hash TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL DEFAULT '',
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

-- One customer per contact key (phone, else email, else messaging id), so a
-- customer's complaints from every channel link up.
CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    contact_key TEXT UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    wechat_id   TEXT NOT NULL DEFAULT '',
    vip         INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX customers_phone ON customers(phone) WHERE phone <> '';
CREATE INDEX customers_email ON customers(email) WHERE email <> '';

CREATE TABLE number_counters (
    scope TEXT PRIMARY KEY,
    last  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE complaints (
    id                   INTEGER PRIMARY KEY,
    number               TEXT NOT NULL UNIQUE,
    status               TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    channel              TEXT NOT NULL,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL,
    customer_id          INTEGER REFERENCES customers(id),
    nature               TEXT NOT NULL DEFAULT '',
    timing               TEXT NOT NULL DEFAULT '',
    level                TEXT NOT NULL,
    priority             TEXT NOT NULL,
    category_id          INTEGER REFERENCES categories(id),
    cause                TEXT NOT NULL DEFAULT '',
    cause_note           TEXT NOT NULL DEFAULT '',
    validity             TEXT NOT NULL,
    intent               TEXT NOT NULL,
    tags                 TEXT NOT NULL DEFAULT '[]',
    product              TEXT NOT NULL DEFAULT '',
    product_model        TEXT NOT NULL DEFAULT '',
    order_no             TEXT NOT NULL DEFAULT '',
    amount               INTEGER NOT NULL DEFAULT 0,
    currency             TEXT NOT NULL,
    staff_involved       TEXT NOT NULL DEFAULT '',
    location             TEXT NOT NULL DEFAULT '',
    expect_remedy        TEXT NOT NULL DEFAULT '',
    expect_amount        INTEGER NOT NULL DEFAULT 0,
    expect_note          TEXT NOT NULL DEFAULT '',
    demand_reasonable    INTEGER,
    external_id          TEXT,
    occurred_at          INTEGER,
    registered_at        INTEGER NOT NULL,
    department_id        INTEGER REFERENCES departments(id),
    co_departments       TEXT NOT NULL DEFAULT '[]',
    assignee_id          INTEGER REFERENCES users(id),
    escalation           INTEGER NOT NULL DEFAULT 0,
    proposal             TEXT,
    resolution           TEXT NOT NULL DEFAULT '',
    reject_reason        TEXT NOT NULL DEFAULT '',
    upheld               TEXT NOT NULL DEFAULT '',
    recourse             TEXT NOT NULL DEFAULT '',
    duplicate_of         INTEGER REFERENCES complaints(id),
    satisfaction         INTEGER NOT NULL DEFAULT 0,
    satisfaction_comment TEXT NOT NULL DEFAULT '',
    return_count         INTEGER NOT NULL DEFAULT 0,
    reopen_count         INTEGER NOT NULL DEFAULT 0,
    appeal_count         INTEGER NOT NULL DEFAULT 0,
    resolved_at          INTEGER,
    closed_at            INTEGER,
    reviewed_at          INTEGER,
    created_by           INTEGER,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX complaints_registered ON complaints(registered_at, id);
CREATE INDEX complaints_status ON complaints(status, registered_at);
-- Partial: a new complaint has neither yet, so intake writes no entry.
CREATE INDEX complaints_department ON complaints(department_id, registered_at) WHERE department_id IS NOT NULL;
CREATE INDEX complaints_category ON complaints(category_id, registered_at) WHERE category_id IS NOT NULL;
CREATE INDEX complaints_customer ON complaints(customer_id);
CREATE UNIQUE INDEX complaints_external_id ON complaints(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX complaints_assignee ON complaints(assignee_id) WHERE assignee_id IS NOT NULL;

-- The audit trail: append-only, written in the same transaction as the change.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    at           INTEGER NOT NULL,
    actor_id     INTEGER,
    actor_role   TEXT NOT NULL,
    actor_name   TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL,
    action       TEXT NOT NULL DEFAULT '',
    from_status  TEXT NOT NULL DEFAULT '',
    to_status    TEXT NOT NULL DEFAULT '',
    visibility   TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    data         TEXT
);
CREATE INDEX events_complaint ON events(complaint_id, id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    event_id     INTEGER REFERENCES events(id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    visibility   TEXT NOT NULL,
    uploaded_by  INTEGER,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX attachments_complaint ON attachments(complaint_id, id);

CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

-- Search index: pre-tokenized text (see package tokenize), rowid = complaint id.
-- The tokens are already split, lowercased and separated by spaces; FTS5's
-- 'ascii' tokenizer keeps bytes above 127 inside tokens and only splits on
-- ASCII separators, which is exactly that, without unicode61's folding cost.
CREATE VIRTUAL TABLE complaint_search USING fts5(tokens, content='', contentless_delete=1, tokenize='ascii');
-- FTS5 merges index segments a little at every commit; merging 8 segments at a
-- time instead of 4 halves how often that happens (intake: +8%, BENCHMARKS.md).
INSERT INTO complaint_search(complaint_search, rank) VALUES ('automerge', 8);
