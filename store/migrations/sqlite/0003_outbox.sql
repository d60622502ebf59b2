-- Transactional outbox: every message that leaves the process (email, SMS,
-- webhook, in-app notification) is written here in the same transaction as
-- its cause, then delivered by workers with retries (package notify).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,            -- email, sms, webhook, inapp
    recipient       TEXT NOT NULL,            -- address, phone, endpoint name or user id
    template        TEXT NOT NULL,            -- message template key (ack, otp, ...)
    locale          TEXT NOT NULL DEFAULT 'zh-CN',
    complaint_id    INTEGER REFERENCES complaints(id),
    data            TEXT NOT NULL DEFAULT '{}', -- template variables, JSON
    idempotency_key TEXT NOT NULL UNIQUE,     -- sent with the message; a repeat enqueue is ignored
    status          TEXT NOT NULL DEFAULT 'pending', -- pending, sent, dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    -- A claimed message is leased until locked_until (next_attempt_at is moved
    -- there too): a worker that dies between sending and marking it sent
    -- leaves it due again when the lease ends, so it is retried, not lost.
    locked_until    INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_complaint ON outbox(complaint_id) WHERE complaint_id IS NOT NULL;

-- Every delivery attempt of an outbox message: the delivery log.
CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox(id),
    attempt     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0, -- HTTP status or SMTP reply code, 0 if none
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_message ON outbox_attempts(outbox_id, attempt);

-- Webhook endpoints an administrator subscribes to complaint events.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,               -- HMAC-SHA256 key of the signature header
    event_types TEXT NOT NULL DEFAULT ',*,', -- comma-wrapped list: ',created,transition.dispatch,' or ',*,'
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- In-app notifications for staff, written by the outbox worker (channel
-- inapp) exactly once per message.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    outbox_id    INTEGER UNIQUE REFERENCES outbox(id),
    complaint_id INTEGER REFERENCES complaints(id),
    kind         TEXT NOT NULL,               -- sla_warning, sla_breach, escalated, reminder, assigned, dispatched ...
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    read_at      INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, id) WHERE read_at IS NULL;
