-- Channels (issue 5): WeChat accounts and their guided intake sessions, the
-- replay cache of every signed callback, intake webhook sources, call
-- recordings of the hotline and the health of every channel.

CREATE TABLE wechat_accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,      -- in the callback URL /channels/wechat/{name}
    kind        TEXT NOT NULL,             -- mp (公众号) or wecom (企业微信)
    app_id      TEXT NOT NULL,             -- AppID, or the CorpID for WeCom (receiveid)
    token       TEXT NOT NULL,
    aes_key     TEXT NOT NULL DEFAULT '',  -- EncodingAESKey (43 chars); empty: plain mode
    max_skew    INTEGER NOT NULL DEFAULT 300, -- accepted timestamp skew, seconds
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

-- The guided exchange with one WeChat user who has no open complaint yet, or
-- the complaint their later messages go to.
CREATE TABLE wechat_sessions (
    account_id   INTEGER NOT NULL REFERENCES wechat_accounts(id),
    open_id      TEXT NOT NULL,
    step         TEXT NOT NULL DEFAULT '', -- what the next message answers: description, phone; '' when done
    draft        TEXT NOT NULL DEFAULT '{}',
    complaint_id INTEGER REFERENCES complaints(id),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, open_id)
) WITHOUT ROWID;

-- Signed callbacks seen recently (nonces, message ids): a repeat is a replay
-- or a platform retry; a retry gets the reply recorded for the first.
CREATE TABLE channel_replay (
    channel  TEXT NOT NULL,
    account  TEXT NOT NULL,
    key      TEXT NOT NULL,
    reply    TEXT NOT NULL DEFAULT '',
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (channel, account, key)
) WITHOUT ROWID;
CREATE INDEX channel_replay_seen ON channel_replay(seen_at);

CREATE TABLE intake_sources (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,      -- in the URL /api/v1/intake/{name}
    auth        TEXT NOT NULL,             -- hmac (X-Kesu-Signature: sha256=hex) or bearer
    secret      TEXT NOT NULL,
    channel     TEXT NOT NULL DEFAULT 'api',
    mapping     TEXT NOT NULL DEFAULT '{}', -- complaint field -> path in the source's JSON
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

-- Hotline call recordings: an audio attachment plus the call it came from.
CREATE TABLE call_recordings (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id),
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id),
    caller        TEXT NOT NULL DEFAULT '',
    started_at    INTEGER,
    duration_ms   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX call_recordings_complaint ON call_recordings(complaint_id);

CREATE TABLE channel_health (
    channel         TEXT NOT NULL,         -- email, wechat, intake, import ...
    account         TEXT NOT NULL,         -- mailbox, account or source name
    last_success_at INTEGER,
    last_error_at   INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    successes       INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,
    backlog         INTEGER NOT NULL DEFAULT 0,
    quarantined     INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (channel, account)
);
