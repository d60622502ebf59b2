-- Classification models, their suggestions on complaints, the agents'
-- confirmations and corrections (next training's data), and the risk word
-- list and policy (package classify).
CREATE TABLE models (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,             -- what people call it; `kesu model eval --name`
    field      TEXT NOT NULL,             -- what it predicts: category, level, department or another name
    labels     TEXT NOT NULL,             -- JSON array
    examples   INTEGER NOT NULL,
    accuracy   REAL,                      -- on its held-out split, when one was made
    macro_f1   REAL,
    source     TEXT NOT NULL DEFAULT '',  -- csv file name, or "closed complaints"
    data       BLOB NOT NULL,             -- classify.Model.MarshalBinary
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
-- The newest model of a name (and of a field) is the one in use.
CREATE INDEX models_name ON models(name, id);
CREATE INDEX models_field ON models(field, id);

CREATE TABLE suggestions (
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    field        TEXT NOT NULL,           -- category, level, department
    value        TEXT NOT NULL,
    confidence   REAL NOT NULL,
    model_id     INTEGER REFERENCES models(id),
    created_at   INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending', -- pending, confirmed, corrected
    final_value  TEXT NOT NULL DEFAULT '',
    decided_by   INTEGER REFERENCES users(id),
    decided_at   INTEGER,
    PRIMARY KEY (complaint_id, field)
) WITHOUT ROWID;
CREATE INDEX suggestions_decided ON suggestions(field, decided_at) WHERE status <> 'pending';

CREATE TABLE risk_words (
    id         INTEGER PRIMARY KEY,
    word       TEXT NOT NULL UNIQUE,
    escalation INTEGER NOT NULL DEFAULT 1,
    priority   TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO risk_words(word, escalation, priority, created_at, updated_at) VALUES
    ('媒体', 2, 'urgent', 0, 0), ('曝光', 2, 'urgent', 0, 0), ('记者', 2, 'urgent', 0, 0),
    ('3·15', 2, 'urgent', 0, 0), ('律师', 2, 'high', 0, 0), ('起诉', 2, 'high', 0, 0),
    ('法院', 2, 'high', 0, 0), ('12315', 1, 'high', 0, 0), ('消协', 1, 'high', 0, 0),
    ('投诉到底', 1, 'high', 0, 0), ('监管', 1, 'high', 0, 0), ('消费者协会', 1, 'high', 0, 0),
    ('media', 2, 'urgent', 0, 0), ('journalist', 2, 'urgent', 0, 0), ('lawyer', 2, 'high', 0, 0),
    ('attorney', 2, 'high', 0, 0), ('sue', 2, 'high', 0, 0), ('lawsuit', 2, 'high', 0, 0);

-- Named JSON settings of classification, e.g. risk_policy.
CREATE TABLE classify_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
