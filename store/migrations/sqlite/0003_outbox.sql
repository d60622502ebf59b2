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
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_complaint ON outbox(complaint_id) WHERE complaint_id IS NOT NULL;
