-- Email in and out (issue 5). Mailboxes polled over IMAP, the position
-- reached in each (UIDVALIDITY + last UID, advanced in the same transaction
-- as the complaint a message made), the Message-IDs of every message received
-- or sent per complaint (threading), messages that could not be parsed
-- (quarantine, raw kept) and the auto-reply rate limit per sender.
CREATE TABLE email_accounts (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    address         TEXT NOT NULL,            -- our address: From of replies
    host            TEXT NOT NULL,
    port            INTEGER NOT NULL,
    security        TEXT NOT NULL DEFAULT 'tls', -- tls, starttls, none (loopback tests only)
    username        TEXT NOT NULL,
    password        TEXT NOT NULL,
    mailbox         TEXT NOT NULL DEFAULT 'INBOX',
    poll_seconds    INTEGER NOT NULL DEFAULT 60,
    auto_reply      INTEGER NOT NULL DEFAULT 1,
    active          INTEGER NOT NULL DEFAULT 1,
    uid_validity    INTEGER NOT NULL DEFAULT 0,
    last_uid        INTEGER NOT NULL DEFAULT 0,
    last_success_at INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    last_error_at   INTEGER,
    backlog         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE email_messages (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL,               -- without angle brackets
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    event_id     INTEGER REFERENCES events(id),
    direction    TEXT NOT NULL,               -- in, out
    content_key  TEXT UNIQUE,                 -- inbound: identity of the message, for idempotency
    account_id   INTEGER REFERENCES email_accounts(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX email_messages_message_id ON email_messages(message_id);
CREATE INDEX email_messages_complaint ON email_messages(complaint_id, id);

CREATE TABLE email_quarantine (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER REFERENCES email_accounts(id),
    uid          INTEGER NOT NULL DEFAULT 0,
    content_key  TEXT NOT NULL UNIQUE,
    raw          BLOB NOT NULL,
    error        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'held',  -- held, released
    complaint_id INTEGER REFERENCES complaints(id),
    attempts     INTEGER NOT NULL DEFAULT 0,
    received_at  INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX email_quarantine_held ON email_quarantine(id) WHERE status = 'held';

CREATE TABLE email_senders (
    address      TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    replies      INTEGER NOT NULL
) WITHOUT ROWID;
