package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/sla"
)

// SLA persistence (issue 3): calendars and policies as JSON specs, one
// sla_clocks row per complaint with the instant of its next timer, and
// extensions. The maths lives in package sla; the timer worker and the
// effect that keeps clocks current live in package sla/engine.

// --- calendars ---

// SLACalendars lists every calendar, by name.
func (db *DB) SLACalendars(ctx context.Context) ([]sla.CalendarSpec, error) {
	return list(ctx, db, scanCalendarSpec, `SELECT spec FROM sla_calendars ORDER BY name`)
}

// SLACalendar returns one calendar.
func (db *DB) SLACalendar(ctx context.Context, name string) (sla.CalendarSpec, error) {
	spec, err := scanCalendarSpec(db.queryRow(ctx, `SELECT spec FROM sla_calendars WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return spec, kesu.Errorf(kesu.ENotFound, "no calendar %q", name)
	}
	return spec, db.mapErr(err)
}

func scanCalendarSpec(s scanner) (sla.CalendarSpec, error) {
	var raw string
	var spec sla.CalendarSpec
	if err := s.Scan(&raw); err != nil {
		return spec, err
	}
	err := json.Unmarshal([]byte(raw), &spec)
	if spec.Days == nil {
		spec.Days = []sla.Day{}
	}
	return spec, err
}

// PutSLACalendar creates or replaces a calendar (validated by the caller
// with sla.Compile); created reports whether it is new.
func (db *DB) PutSLACalendar(ctx context.Context, spec sla.CalendarSpec, mustBeNew bool, now time.Time) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *Tx) error {
		if mustBeNew {
			_, err := tx.exec(ctx, `INSERT INTO sla_calendars(name, department, spec, updated_at) VALUES (?, ?, ?, ?)`,
				spec.Name, spec.Department, string(b), micros(now))
			if kesu.ErrorCodeOf(err) == kesu.EConflict {
				return kesu.FieldError("name", "a calendar %q exists", spec.Name)
			}
			return err
		}
		res, err := tx.exec(ctx, `UPDATE sla_calendars SET department = ?, spec = ?, updated_at = ? WHERE name = ?`,
			spec.Department, string(b), micros(now), spec.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no calendar %q", spec.Name)
		}
		return nil
	})
}

// DeleteSLACalendar removes a calendar; "default" cannot be removed.
func (db *DB) DeleteSLACalendar(ctx context.Context, name string) error {
	if name == "default" {
		return kesu.Errorf(kesu.EConflict, "the default calendar cannot be deleted; change it instead")
	}
	return db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM sla_calendars WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no calendar %q", name)
		}
		return nil
	})
}

// AddSLACalendarDays merges days (holidays, adjusted working days) into a
// calendar's own days; a day already listed takes the new kind. check
// validates the result before it is saved.
func (db *DB) AddSLACalendarDays(ctx context.Context, name string, days []sla.Day, check func(sla.CalendarSpec) error, now time.Time) (sla.CalendarSpec, error) {
	var spec sla.CalendarSpec
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		spec, err = scanCalendarSpec(tx.queryRow(ctx, `SELECT spec FROM sla_calendars WHERE name = ?`, name))
		if err == sql.ErrNoRows {
			return kesu.Errorf(kesu.ENotFound, "no calendar %q", name)
		} else if err != nil {
			return err
		}
		index := map[string]int{}
		for i, d := range spec.Days {
			index[d.Date] = i
		}
		for _, d := range days {
			if i, ok := index[d.Date]; ok {
				spec.Days[i] = d
				continue
			}
			index[d.Date] = len(spec.Days)
			spec.Days = append(spec.Days, d)
		}
		if err := check(spec); err != nil {
			return err
		}
		b, err := json.Marshal(spec)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE sla_calendars SET spec = ?, updated_at = ? WHERE name = ?`, string(b), micros(now), name)
		return err
	})
	return spec, err
}

// SeedSLA writes the default calendar and policies on first start. The
// calendar's insert decides: exactly one process seeds, once.
func (db *DB) SeedSLA(ctx context.Context, cal sla.CalendarSpec, policies []sla.Policy, now time.Time) error {
	b, err := json.Marshal(cal)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO sla_calendars(name, department, spec, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, cal.Name, cal.Department, string(b), micros(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, p := range policies {
			if _, err := tx.insertPolicy(ctx, &p, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// --- policies ---

// SLAPolicies lists every policy by id.
func (db *DB) SLAPolicies(ctx context.Context) ([]sla.Policy, error) {
	return list(ctx, db, scanPolicy, `SELECT id, spec, active, created_at, updated_at FROM sla_policies ORDER BY id`)
}

// SLAPolicy returns one policy.
func (db *DB) SLAPolicy(ctx context.Context, id int64) (sla.Policy, error) {
	p, err := scanPolicy(db.queryRow(ctx, `SELECT id, spec, active, created_at, updated_at FROM sla_policies WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return p, kesu.Errorf(kesu.ENotFound, "no SLA policy %d", id)
	}
	return p, db.mapErr(err)
}

func scanPolicy(s scanner) (sla.Policy, error) {
	var p sla.Policy
	var raw string
	var id, created, updated int64
	var active bool
	if err := s.Scan(&id, &raw, &active, &created, &updated); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, err
	}
	p.ID, p.Active, p.CreatedAt, p.UpdatedAt = id, active, fromMicros(created), fromMicros(updated)
	if p.PauseStates == nil {
		p.PauseStates = []kesu.Status{}
	}
	return p, nil
}

func (tx *Tx) insertPolicy(ctx context.Context, p *sla.Policy, now time.Time) (int64, error) {
	p.CreatedAt, p.UpdatedAt = storedTime(now), storedTime(now)
	b, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	id, err := tx.insert(ctx, `INSERT INTO sla_policies(name, spec, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		p.Name, string(b), p.Active, micros(now), micros(now))
	p.ID = id
	return id, err
}

// CreateSLAPolicy stores a validated policy and returns it with its id.
func (db *DB) CreateSLAPolicy(ctx context.Context, p sla.Policy, now time.Time) (sla.Policy, error) {
	err := db.tx(ctx, func(tx *Tx) error {
		_, err := tx.insertPolicy(ctx, &p, now)
		return err
	})
	return p, err
}

// UpdateSLAPolicy replaces a policy (validated by the caller).
func (db *DB) UpdateSLAPolicy(ctx context.Context, p sla.Policy, now time.Time) (sla.Policy, error) {
	p.UpdatedAt = storedTime(now)
	b, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	err = db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE sla_policies SET name = ?, spec = ?, active = ?, updated_at = ? WHERE id = ?`,
			p.Name, string(b), p.Active, micros(now), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no SLA policy %d", p.ID)
		}
		return nil
	})
	return p, err
}

// DeleteSLAPolicy removes a policy. Clocks already planned keep their
// deadlines.
func (db *DB) DeleteSLAPolicy(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM sla_policies WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no SLA policy %d", id)
		}
		return nil
	})
}

// --- clocks ---

// InsertSLAClock writes a new complaint's clock (in its create transaction).
func (tx *Tx) InsertSLAClock(ctx context.Context, complaintID int64, k *sla.Clock, now time.Time) error {
	b, err := k.Encode()
	if err != nil {
		return err
	}
	status, due := k.Status()
	_, err = tx.exec(ctx, `INSERT INTO sla_clocks(complaint_id, clock, next_due, status, due_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		complaintID, string(b), nullMicros(k.Next()), status, nullMicros(due), micros(now))
	return err
}

// SaveSLAClock replaces a complaint's clock.
func (tx *Tx) SaveSLAClock(ctx context.Context, complaintID int64, k *sla.Clock, now time.Time) error {
	b, err := k.Encode()
	if err != nil {
		return err
	}
	status, due := k.Status()
	_, err = tx.exec(ctx, `UPDATE sla_clocks SET clock = ?, next_due = ?, status = ?, due_at = ?, updated_at = ? WHERE complaint_id = ?`,
		string(b), nullMicros(k.Next()), status, nullMicros(due), micros(now), complaintID)
	return err
}

// SLAClock reads a complaint's clock in this transaction; found is false for
// a complaint without one.
func (tx *Tx) SLAClock(ctx context.Context, complaintID int64) (k sla.Clock, found bool, err error) {
	var raw string
	err = tx.queryRow(ctx, `SELECT clock FROM sla_clocks WHERE complaint_id = ?`, complaintID).Scan(&raw)
	if err == sql.ErrNoRows {
		return k, false, nil
	} else if err != nil {
		return k, false, err
	}
	k, err = sla.DecodeClock([]byte(raw))
	return k, true, err
}

// SLAClock reads a complaint's clock; found is false for a complaint without one.
func (db *DB) SLAClock(ctx context.Context, complaintID int64) (k sla.Clock, found bool, err error) {
	var raw string
	err = db.queryRow(ctx, `SELECT clock FROM sla_clocks WHERE complaint_id = ?`, complaintID).Scan(&raw)
	if err == sql.ErrNoRows {
		return k, false, nil
	} else if err != nil {
		return k, false, err
	}
	k, err = sla.DecodeClock([]byte(raw))
	return k, true, err
}

// SLAState is a complaint's deadline summary for lists: the clock's status
// (running, warning, breached, paused, done) and its earliest unmet deadline.
type SLAState struct {
	Status string
	Due    *time.Time
}

// SLAStates reads the deadline summaries of the complaints with ids (those
// without a clock are absent from the map).
func (db *DB) SLAStates(ctx context.Context, ids []int64) (map[int64]SLAState, error) {
	out := make(map[int64]SLAState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	type row struct {
		id    int64
		state SLAState
	}
	rows, err := list(ctx, db, func(s scanner) (row, error) {
		var r row
		var due sql.NullInt64
		err := s.Scan(&r.id, &r.state.Status, &due)
		if due.Valid {
			t := fromMicros(due.Int64)
			r.state.Due = &t
		}
		return r, err
	}, `SELECT complaint_id, status, due_at FROM sla_clocks WHERE complaint_id IN (`+qmarks(len(ids))+`)`, args...)
	for _, r := range rows {
		out[r.id] = r.state
	}
	return out, err
}

// Milestones returns a complaint's SLA milestones (empty if it has none):
// notify reads the resolve deadline for the acknowledgement, the workspace
// shows countdowns.
func (db *DB) Milestones(ctx context.Context, complaintID int64) ([]sla.Milestone, error) {
	k, _, err := db.SLAClock(ctx, complaintID)
	if k.Milestones == nil {
		k.Milestones = []sla.Milestone{}
	}
	return k.Milestones, err
}

// NextSLADue is the earliest timer instant of any complaint, nil if none.
func (db *DB) NextSLADue(ctx context.Context) (*time.Time, error) {
	var v sql.NullInt64
	if err := db.queryRow(ctx, `SELECT MIN(next_due) FROM sla_clocks WHERE next_due IS NOT NULL`).Scan(&v); err != nil {
		return nil, err
	}
	return fromNullMicros(v), nil
}

// SLAFireFunc runs a complaint's due timers: it updates k and returns what
// fired and the complaint's new escalation level.
type SLAFireFunc func(c *kesu.Complaint, k *sla.Clock) ([]sla.Fired, int)

// SLAFiring is one timer that fired, with its complaint.
type SLAFiring struct {
	ComplaintID int64
	sla.Fired
}

// FireSLA runs the timers of up to limit complaints whose next timer is due
// at now, in one transaction: each fired timer becomes an event (through the
// effects, so notifications follow), escalation raises complaints.escalation,
// and the clock is saved with its next instant, so each timer fires exactly
// once. On PostgreSQL several processes share the work: due rows are claimed
// with FOR UPDATE SKIP LOCKED (complaint row first, the order every change
// locks in).
func (db *DB) FireSLA(ctx context.Context, now time.Time, limit int, fire SLAFireFunc) ([]SLAFiring, error) {
	now = storedTime(now)
	var out []SLAFiring
	err := db.tx(ctx, func(tx *Tx) error {
		out = out[:0]
		q := `SELECT s.complaint_id FROM sla_clocks s WHERE s.next_due IS NOT NULL AND s.next_due <= ? ORDER BY s.next_due LIMIT ?`
		if db.dialect == dialectPostgres {
			q = `SELECT s.complaint_id FROM sla_clocks s JOIN complaints c ON c.id = s.complaint_id
				WHERE s.next_due IS NOT NULL AND s.next_due <= ? ORDER BY s.next_due LIMIT ? FOR UPDATE SKIP LOCKED`
		}
		ids, err := txList(ctx, tx, scanInt64, q, micros(now), limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			fired, err := tx.fireOne(ctx, id, now, fire)
			if err != nil {
				return err
			}
			out = append(out, fired...)
		}
		return nil
	})
	return out, err
}

func (tx *Tx) fireOne(ctx context.Context, id int64, now time.Time, fire SLAFireFunc) ([]SLAFiring, error) {
	c, err := tx.complaintByID(ctx, id)
	if err != nil {
		return nil, err
	}
	k, found, err := tx.SLAClock(ctx, id)
	if err != nil || !found {
		return nil, err
	}
	fired, level := fire(&c, &k)
	var out []SLAFiring
	for _, f := range fired {
		before := c
		ev := kesu.NewEvent(c.ID, slaEventType(f.Kind), kesu.SystemActor, now, kesu.VisibilityInternal)
		ev.Data = map[string]any{"due": f.At.UTC().Format(time.RFC3339Nano)}
		if f.Milestone != "" {
			ev.Data["milestone"] = string(f.Milestone)
		}
		if f.Kind == sla.Escalate {
			ev.Data["from"], ev.Data["to"] = c.Escalation, level
			c.Escalation = level
			c.UpdatedAt = now
			c.Version++
			if _, err := tx.exec(ctx, `UPDATE complaints SET escalation = ?, updated_at = ?, version = ? WHERE id = ?`,
				level, micros(now), c.Version, c.ID); err != nil {
				return nil, err
			}
		}
		if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
			return nil, err
		}
		if err := tx.runEffects(ctx, Change{Before: &before, After: &c, Event: ev}); err != nil {
			return nil, err
		}
		out = append(out, SLAFiring{ComplaintID: id, Fired: f})
	}
	return out, tx.SaveSLAClock(ctx, id, &k, now)
}

func slaEventType(k sla.Kind) kesu.EventType {
	switch k {
	case sla.Warning:
		return kesu.EventSLAWarning
	case sla.Breach:
		return kesu.EventSLABreach
	case sla.Escalate:
		return kesu.EventEscalated
	}
	return kesu.EventReminder
}

// WithSLAClock runs fn on a complaint and its clock in one transaction (the
// complaint row locked), then records the events fn returns (through the
// effects) and saves the clock. For extensions and their decisions.
func (db *DB) WithSLAClock(ctx context.Context, number string, now time.Time,
	fn func(tx *Tx, c *kesu.Complaint, k *sla.Clock) ([]kesu.Event, error)) error {
	now = storedTime(now)
	return db.tx(ctx, func(tx *Tx) error {
		c, err := tx.lockComplaint(ctx, number)
		if err != nil {
			return err
		}
		k, found, err := tx.SLAClock(ctx, c.ID)
		if err != nil {
			return err
		}
		if !found {
			return kesu.Errorf(kesu.EConflict, "complaint %s has no SLA deadlines", number)
		}
		events, err := fn(tx, &c, &k)
		if err != nil {
			return err
		}
		for _, ev := range events {
			if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
				return err
			}
			if err := tx.runEffects(ctx, Change{Before: &c, After: &c, Event: ev}); err != nil {
				return err
			}
		}
		return tx.SaveSLAClock(ctx, c.ID, &k, now)
	})
}

// --- extensions ---

// Extension is a request to move a milestone's deadline (延期).
type Extension struct {
	ID           int64             `json:"id"`
	ComplaintID  int64             `json:"complaint_id"`
	Milestone    sla.MilestoneName `json:"milestone"`
	Reason       string            `json:"reason"`
	NewDue       time.Time         `json:"new_due"`
	Status       string            `json:"status"` // approved, pending, denied
	RequestedBy  int64             `json:"requested_by,omitempty"`
	RequestedAt  time.Time         `json:"requested_at"`
	DecidedBy    int64             `json:"decided_by,omitempty"`
	DecidedAt    *time.Time        `json:"decided_at,omitempty"`
	DecisionNote string            `json:"decision_note,omitempty"`
}

// InsertExtension records an extension request in this transaction.
func (tx *Tx) InsertExtension(ctx context.Context, e *Extension) error {
	var err error
	e.ID, err = tx.insert(ctx, `INSERT INTO sla_extensions(complaint_id, milestone, reason, new_due, status, requested_by,
		requested_at, decided_by, decided_at, decision_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ComplaintID, string(e.Milestone), e.Reason, micros(e.NewDue), e.Status, nullID(e.RequestedBy),
		micros(e.RequestedAt), nullID(e.DecidedBy), nullMicros(e.DecidedAt), e.DecisionNote)
	return err
}

// DecideExtension marks a pending extension approved or denied.
func (tx *Tx) DecideExtension(ctx context.Context, e *Extension) error {
	res, err := tx.exec(ctx, `UPDATE sla_extensions SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?
		WHERE id = ? AND status = 'pending'`, e.Status, nullID(e.DecidedBy), nullMicros(e.DecidedAt), e.DecisionNote, e.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kesu.Errorf(kesu.EConflict, "extension %d is not pending", e.ID)
	}
	return nil
}

const extensionSelect = `SELECT id, complaint_id, milestone, reason, new_due, status, COALESCE(requested_by, 0), requested_at,
	COALESCE(decided_by, 0), decided_at, decision_note FROM sla_extensions`

func scanExtension(s scanner) (Extension, error) {
	var e Extension
	var due, req int64
	var decided sql.NullInt64
	err := s.Scan(&e.ID, &e.ComplaintID, &e.Milestone, &e.Reason, &due, &e.Status, &e.RequestedBy, &req,
		&e.DecidedBy, &decided, &e.DecisionNote)
	e.NewDue, e.RequestedAt, e.DecidedAt = fromMicros(due), fromMicros(req), fromNullMicros(decided)
	return e, err
}

// ExtensionByID reads an extension in this transaction.
func (tx *Tx) ExtensionByID(ctx context.Context, id int64) (Extension, error) {
	e, err := scanExtension(tx.queryRow(ctx, extensionSelect+` WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return e, kesu.Errorf(kesu.ENotFound, "no extension %d", id)
	}
	return e, err
}

// ComplaintNumberOfExtension finds the complaint an extension belongs to.
func (db *DB) ComplaintNumberOfExtension(ctx context.Context, id int64) (string, error) {
	var number string
	err := db.queryRow(ctx, `SELECT c.number FROM sla_extensions e JOIN complaints c ON c.id = e.complaint_id WHERE e.id = ?`, id).Scan(&number)
	if err == sql.ErrNoRows {
		return "", kesu.Errorf(kesu.ENotFound, "no extension %d", id)
	}
	return number, db.mapErr(err)
}

// Extensions lists a complaint's extensions, oldest first.
func (db *DB) Extensions(ctx context.Context, complaintID int64) ([]Extension, error) {
	return list(ctx, db, scanExtension, extensionSelect+` WHERE complaint_id = ? ORDER BY id`, complaintID)
}

// PendingExtensions lists extensions awaiting a decision, oldest first.
func (db *DB) PendingExtensions(ctx context.Context, limit int) ([]Extension, error) {
	return list(ctx, db, scanExtension, extensionSelect+` WHERE status = 'pending' ORDER BY id LIMIT ?`, limit)
}

// slaFilterSQL adds the SLA conditions of a complaint list filter.
func slaFilterSQL(f Filter, add func(string, ...any)) error {
	switch strings.TrimSpace(f.SLA) {
	case "":
	case "warning", "breached", "paused", "running":
		add(`c.id IN (SELECT complaint_id FROM sla_clocks WHERE status = ?)`, f.SLA)
	default:
		return kesu.FieldError("sla", "must be warning, breached, paused or running")
	}
	if f.DueBefore != nil {
		add(`c.id IN (SELECT complaint_id FROM sla_clocks WHERE due_at < ?)`, micros(*f.DueBefore))
	}
	return nil
}

// BenchClock is one complaint the SLA benchmark seeds.
type BenchClock struct {
	Number       string
	RegisteredAt time.Time
	Clock        sla.Clock
}

// SeedSLABench writes minimal open complaints with their clocks in large
// multi-row inserts, for `kesu bench sla` (a million complaints through
// intake would take the benchmark's whole budget). Not for real data: no
// customer, event or search index is written.
func (db *DB) SeedSLABench(ctx context.Context, rows []BenchClock) error {
	const per = 200 // rows per statement: 9 placeholders each stays under every limit
	return db.tx(ctx, func(tx *Tx) error {
		for i := 0; i < len(rows); i += per {
			chunk := rows[i:min(i+per, len(rows))]
			var q strings.Builder
			q.WriteString(`INSERT INTO complaints(number, status, kind, channel, title, description, level, priority,
				validity, intent, currency, registered_at, updated_at, version) VALUES `)
			args := make([]any, 0, len(chunk)*4)
			for j, r := range chunk {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString(`(?, 'registered', 'complaint', 'api', 'bench', 'bench', 'general', 'normal', 'pending',
					'good_faith', 'CNY', ?, ?, 1)`)
				args = append(args, r.Number, micros(r.RegisteredAt), micros(r.RegisteredAt))
			}
			q.WriteString(" RETURNING id")
			rs, err := tx.tx.QueryContext(tx.statementContext(ctx), db.q(q.String()), args...)
			if err != nil {
				return err
			}
			var ids []int64
			for rs.Next() {
				var id int64
				if err := rs.Scan(&id); err != nil {
					rs.Close()
					return err
				}
				ids = append(ids, id)
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return err
			}
			if len(ids) != len(chunk) {
				return kesu.Errorf(kesu.EInternal, "seeded %d complaints, expected %d", len(ids), len(chunk))
			}
			q.Reset()
			q.WriteString(`INSERT INTO sla_clocks(complaint_id, clock, next_due, status, due_at, updated_at) VALUES `)
			args = args[:0]
			for j, r := range chunk {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString(`(?, ?, ?, ?, ?, ?)`)
				b, err := r.Clock.Encode()
				if err != nil {
					return err
				}
				status, due := r.Clock.Status()
				args = append(args, ids[j], string(b), nullMicros(r.Clock.Next()), status, nullMicros(due), micros(r.RegisteredAt))
			}
			if _, err := tx.tx.ExecContext(tx.statementContext(ctx), db.q(q.String()), args...); err != nil {
				return err
			}
		}
		return nil
	})
}
