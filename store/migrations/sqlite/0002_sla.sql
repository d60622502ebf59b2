-- SLA (issue 3): business calendars, policies, each complaint's milestone
-- clock with its next timer instant, and extensions (延期).

-- A named business calendar; spec is the JSON sla.CalendarSpec (hours per
-- weekday, lunch breaks, on-call coverage, holiday set, own days).
CREATE TABLE sla_calendars (
    name       TEXT PRIMARY KEY,
    department TEXT NOT NULL DEFAULT '', -- department code whose calendar this is
    spec       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sla_calendars_department ON sla_calendars(department) WHERE department <> '';

-- SLA policies; spec is the JSON sla.Policy (match fields, targets ...).
CREATE TABLE sla_policies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    spec       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One row per complaint: its milestones (JSON sla.Clock) and the instant of
-- its next timer, which the timer worker looks up by index.
CREATE TABLE sla_clocks (
    complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),
    clock        TEXT NOT NULL,
    next_due     INTEGER,             -- earliest warning/breach/escalation/reminder; NULL when none
    status       TEXT NOT NULL,      -- running, warning, breached, paused, done
    due_at       INTEGER,             -- earliest deadline of an unmet milestone
    updated_at   INTEGER NOT NULL
);
CREATE INDEX sla_clocks_next ON sla_clocks(next_due) WHERE next_due IS NOT NULL;
CREATE INDEX sla_clocks_status ON sla_clocks(status, complaint_id) WHERE status IN ('warning', 'breached');
CREATE INDEX sla_clocks_due ON sla_clocks(due_at) WHERE due_at IS NOT NULL;

-- Extensions of a milestone's deadline: granted at once up to the policy's
-- limit, above it pending a supervisor's approval.
CREATE TABLE sla_extensions (
    id            INTEGER PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id),
    milestone     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    new_due       INTEGER NOT NULL,
    status        TEXT NOT NULL,      -- approved, pending, denied
    requested_by  INTEGER REFERENCES users(id),
    requested_at  INTEGER NOT NULL,
    decided_by    INTEGER REFERENCES users(id),
    decided_at    INTEGER,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sla_extensions_complaint ON sla_extensions(complaint_id, id);
CREATE INDEX sla_extensions_pending ON sla_extensions(id) WHERE status = 'pending';
