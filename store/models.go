package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// Model is a stored classification model (package classify encodes Data).
type Model struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Field     string    `json:"field"`
	Labels    []string  `json:"labels"`
	Examples  int       `json:"examples"`
	Accuracy  *float64  `json:"accuracy,omitempty"` // on a held-out split, when one was made
	MacroF1   *float64  `json:"macro_f1,omitempty"`
	Source    string    `json:"source"`
	CreatedBy int64     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Data      []byte    `json:"-"`
}

// SaveModel stores a model; the newest model of a name is the one in use.
func (db *DB) SaveModel(ctx context.Context, m Model, now time.Time) (Model, error) {
	m.Name, m.Field = strings.TrimSpace(m.Name), strings.TrimSpace(m.Field)
	switch {
	case m.Name == "":
		return m, kesu.FieldError("name", "missing")
	case m.Field == "":
		return m, kesu.FieldError("field", "missing")
	case len(m.Data) == 0:
		return m, kesu.FieldError("data", "empty model")
	}
	labels, err := json.Marshal(m.Labels)
	if err != nil {
		return m, err
	}
	m.CreatedAt = storedTime(now)
	err = db.tx(ctx, func(tx *Tx) error {
		var err error
		m.ID, err = tx.insert(ctx, `INSERT INTO models(name, field, labels, examples, accuracy, macro_f1, source, data,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Name, m.Field, string(labels), m.Examples, m.Accuracy, m.MacroF1, m.Source, m.Data,
			nullID(m.CreatedBy), micros(m.CreatedAt))
		return err
	})
	return m, err
}

const modelColumns = `id, name, field, labels, examples, accuracy, macro_f1, source, COALESCE(created_by, 0), created_at`

func scanModel(s scanner, withData bool) (Model, error) {
	var m Model
	var labels string
	var acc, f1 sql.NullFloat64
	var created int64
	dest := []any{&m.ID, &m.Name, &m.Field, &labels, &m.Examples, &acc, &f1, &m.Source, &m.CreatedBy, &created}
	if withData {
		dest = append(dest, &m.Data)
	}
	if err := s.Scan(dest...); err != nil {
		return m, err
	}
	_ = json.Unmarshal([]byte(labels), &m.Labels)
	if acc.Valid {
		m.Accuracy = &acc.Float64
	}
	if f1.Valid {
		m.MacroF1 = &f1.Float64
	}
	m.CreatedAt = fromMicros(created)
	return m, nil
}

// Models lists the stored models without their data, newest first.
func (db *DB) Models(ctx context.Context) ([]Model, error) {
	return list(ctx, db, func(s scanner) (Model, error) { return scanModel(s, false) },
		`SELECT `+modelColumns+` FROM models ORDER BY id DESC LIMIT 200`)
}

// LatestModel returns the newest model with the given name, with its data.
func (db *DB) LatestModel(ctx context.Context, name string) (Model, error) {
	m, err := scanModel(db.queryRow(ctx, `SELECT `+modelColumns+`, data FROM models WHERE name = ? ORDER BY id DESC LIMIT 1`, name), true)
	if err == sql.ErrNoRows {
		return m, kesu.Errorf(kesu.ENotFound, "no model named %q: train one first (kesu model train)", name)
	}
	return m, db.mapErr(err)
}

// ModelsInUse returns, for each of fields, the newest model predicting it
// (with data); fields without a model are absent.
func (db *DB) ModelsInUse(ctx context.Context, fields ...string) (map[string]Model, error) {
	out := map[string]Model{}
	for _, f := range fields {
		m, err := scanModel(db.queryRow(ctx, `SELECT `+modelColumns+`, data FROM models WHERE field = ? ORDER BY id DESC LIMIT 1`, f), true)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[f] = m
	}
	return out, nil
}

// Suggestion is a model's prediction for one field of a complaint, and what
// an agent made of it.
type Suggestion struct {
	ComplaintID int64      `json:"-"`
	Field       string     `json:"field"`
	Value       string     `json:"value"`
	Confidence  float64    `json:"confidence"`
	ModelID     int64      `json:"model_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	Status      string     `json:"status"`                // pending, confirmed, corrected
	FinalValue  string     `json:"final_value,omitempty"` // what the agent chose
	DecidedBy   int64      `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

// Suggestion statuses.
const (
	SuggestionPending   = "pending"
	SuggestionConfirmed = "confirmed"
	SuggestionCorrected = "corrected"
)

// SaveSuggestions records predictions for a complaint in this transaction
// (replacing pending ones for the same fields; decided ones stay).
func (tx *Tx) SaveSuggestions(ctx context.Context, complaintID int64, ss []Suggestion, now time.Time) error {
	for _, s := range ss {
		if _, err := tx.exec(ctx, `INSERT INTO suggestions(complaint_id, field, value, confidence, model_id, created_at, status)
			VALUES (?, ?, ?, ?, ?, ?, 'pending')
			ON CONFLICT (complaint_id, field) DO UPDATE SET value = excluded.value, confidence = excluded.confidence,
			model_id = excluded.model_id, created_at = excluded.created_at WHERE suggestions.status = 'pending'`,
			complaintID, s.Field, s.Value, s.Confidence, nullID(s.ModelID), micros(now)); err != nil {
			return err
		}
	}
	return nil
}

// SaveSuggestions records predictions for a complaint in a transaction of
// its own (see Tx.SaveSuggestions).
func (db *DB) SaveSuggestions(ctx context.Context, complaintID int64, ss []Suggestion, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error { return tx.SaveSuggestions(ctx, complaintID, ss, now) })
}

const suggestionColumns = `complaint_id, field, value, confidence, COALESCE(model_id, 0), created_at, status, final_value,
	COALESCE(decided_by, 0), decided_at`

func scanSuggestion(s scanner) (Suggestion, error) {
	var g Suggestion
	var created int64
	var decided sql.NullInt64
	err := s.Scan(&g.ComplaintID, &g.Field, &g.Value, &g.Confidence, &g.ModelID, &created, &g.Status, &g.FinalValue,
		&g.DecidedBy, &decided)
	g.CreatedAt, g.DecidedAt = fromMicros(created), fromNullMicros(decided)
	return g, err
}

// Suggestions lists a complaint's suggestions by field.
func (db *DB) Suggestions(ctx context.Context, complaintID int64) ([]Suggestion, error) {
	return list(ctx, db, scanSuggestion, `SELECT `+suggestionColumns+` FROM suggestions WHERE complaint_id = ? ORDER BY field`, complaintID)
}

// DecideSuggestion records an agent's confirmation (value equals the
// suggestion) or correction (another value) of a complaint's suggestion for
// field, with an internal event on the timeline. A field without a
// suggestion gets a decided row anyway: the correction is training data.
func (db *DB) DecideSuggestion(ctx context.Context, complaintID int64, field, value string, actor kesu.Actor, now time.Time) (Suggestion, error) {
	now = storedTime(now)
	var g Suggestion
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		g, err = scanSuggestion(tx.queryRow(ctx, `SELECT `+suggestionColumns+` FROM suggestions WHERE complaint_id = ? AND field = ?`, complaintID, field))
		if err == sql.ErrNoRows {
			g = Suggestion{ComplaintID: complaintID, Field: field, CreatedAt: now}
		} else if err != nil {
			return err
		}
		g.Status = SuggestionCorrected
		if g.Value == value {
			g.Status = SuggestionConfirmed
		}
		g.FinalValue, g.DecidedBy, g.DecidedAt = value, actor.UserID, &now
		if _, err := tx.exec(ctx, `INSERT INTO suggestions(complaint_id, field, value, confidence, model_id, created_at,
			status, final_value, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (complaint_id, field) DO UPDATE SET status = excluded.status, final_value = excluded.final_value,
			decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
			complaintID, field, g.Value, g.Confidence, nullID(g.ModelID), micros(g.CreatedAt),
			g.Status, value, nullID(actor.UserID), micros(now)); err != nil {
			return err
		}
		ev := kesu.NewEvent(complaintID, kesu.EventNote, actor, now, kesu.VisibilityInternal)
		ev.Body = suggestionNote(g)
		ev.Data = map[string]any{"suggestion": map[string]any{"field": field, "suggested": g.Value,
			"confidence": g.Confidence, "status": g.Status, "value": value}}
		_, err = tx.insertEvent(ctx, ev)
		return err
	})
	return g, err
}

func suggestionNote(g Suggestion) string {
	if g.Status == SuggestionConfirmed {
		return "确认系统建议的" + g.Field + "：" + g.FinalValue + " / confirmed the suggested " + g.Field + ": " + g.FinalValue
	}
	if g.Value == "" {
		return "设定" + g.Field + "：" + g.FinalValue + " / set " + g.Field + ": " + g.FinalValue
	}
	return "更正系统建议的" + g.Field + "：" + g.Value + " → " + g.FinalValue +
		" / corrected the suggested " + g.Field + ": " + g.Value + " → " + g.FinalValue
}

// TrainingRow is one labelled text from the organisation's own complaints.
type TrainingRow struct {
	Text  string
	Label string
}

// TrainingRows returns labelled texts for field (category, level or
// department): every closed complaint with the field set, labelled by its
// final value, plus complaints not yet closed whose suggestion an agent
// confirmed or corrected, labelled by the agent's value. At most limit rows,
// newest first.
func (db *DB) TrainingRows(ctx context.Context, field string, limit int) ([]TrainingRow, error) {
	var label string
	switch field {
	case "category":
		label = `(SELECT code FROM categories WHERE id = c.category_id)`
	case "department":
		label = `(SELECT code FROM departments WHERE id = c.department_id)`
	case "level":
		label = `c.level`
	default:
		return nil, kesu.FieldError("field", "complaints can teach category, level or department, not %q", field)
	}
	if limit <= 0 {
		limit = 200000
	}
	scan := func(s scanner) (TrainingRow, error) {
		var r TrainingRow
		var title, desc string
		err := s.Scan(&title, &desc, &r.Label)
		r.Text = title + "\n" + desc
		return r, err
	}
	rows, err := list(ctx, db, scan, `SELECT c.title, c.description, COALESCE(`+label+`, '') FROM complaints c
		WHERE c.status = 'closed' ORDER BY c.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	decided, err := list(ctx, db, scan, `SELECT c.title, c.description, s.final_value FROM suggestions s
		JOIN complaints c ON c.id = s.complaint_id
		WHERE s.field = ? AND s.status <> 'pending' AND c.status <> 'closed' ORDER BY s.decided_at DESC LIMIT ?`, field, limit)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range append(rows, decided...) {
		if r.Label != "" {
			out = append(out, r)
		}
	}
	return out, nil
}

// RiskWord is a stored risk word (package classify matches them).
type RiskWord struct {
	ID         int64     `json:"id"`
	Word       string    `json:"word"`
	Escalation int       `json:"escalation"`
	Priority   string    `json:"priority"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func scanRiskWord(s scanner) (RiskWord, error) {
	var w RiskWord
	var c, u int64
	err := s.Scan(&w.ID, &w.Word, &w.Escalation, &w.Priority, &c, &u)
	w.CreatedAt, w.UpdatedAt = fromMicros(c), fromMicros(u)
	return w, err
}

// RiskWords lists the risk word list.
func (db *DB) RiskWords(ctx context.Context) ([]RiskWord, error) {
	return list(ctx, db, scanRiskWord, `SELECT id, word, escalation, priority, created_at, updated_at FROM risk_words ORDER BY id`)
}

// PutRiskWord adds a risk word, or changes what an existing one raises.
// The caller validates it.
func (db *DB) PutRiskWord(ctx context.Context, w RiskWord, now time.Time) (RiskWord, error) {
	now = storedTime(now)
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		w, err = scanRiskWord(tx.queryRow(ctx, `INSERT INTO risk_words(word, escalation, priority, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (word) DO UPDATE SET escalation = excluded.escalation,
			priority = excluded.priority, updated_at = excluded.updated_at
			RETURNING id, word, escalation, priority, created_at, updated_at`,
			w.Word, w.Escalation, w.Priority, micros(now), micros(now)))
		return err
	})
	return w, err
}

// DeleteRiskWord removes a risk word by id.
func (db *DB) DeleteRiskWord(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM risk_words WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no risk word %d", id)
		}
		return nil
	})
}

// ClassifySetting reads a named JSON setting into v; found is false (and v
// untouched) when it was never set.
func (db *DB) ClassifySetting(ctx context.Context, name string, v any) (found bool, err error) {
	var raw string
	err = db.queryRow(ctx, `SELECT value FROM classify_settings WHERE name = ?`, name).Scan(&raw)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal([]byte(raw), v)
}

// PutClassifySetting stores a named JSON setting.
func (db *DB) PutClassifySetting(ctx context.Context, name string, v any, now time.Time) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO classify_settings(name, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			name, string(raw), micros(storedTime(now)))
		return err
	})
}

// RaiseRisk raises a complaint's escalation and priority inside a change's
// transaction (an effect at intake) and records why as an internal
// "updated" event. It never lowers either.
func (tx *Tx) RaiseRisk(ctx context.Context, c *kesu.Complaint, escalation int, priority kesu.Priority, reason string, data map[string]any, now time.Time) error {
	now = storedTime(now)
	res, err := tx.exec(ctx, `UPDATE complaints SET escalation = ?, priority = ?, updated_at = ?, version = version + 1
		WHERE id = ?`, escalation, string(priority), micros(now), c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kesu.Errorf(kesu.ENotFound, "no complaint #%d", c.ID)
	}
	ev := kesu.NewEvent(c.ID, kesu.EventUpdated, kesu.Actor{Role: kesu.RoleSystem, Name: "风险策略 risk policy"}, now, kesu.VisibilityInternal)
	ev.Body = reason
	ev.Data = map[string]any{}
	if escalation != c.Escalation {
		ev.Data["escalation"] = map[string]any{"before": c.Escalation, "after": escalation}
	}
	if priority != c.Priority {
		ev.Data["priority"] = map[string]any{"before": string(c.Priority), "after": string(priority)}
	}
	for k, v := range data {
		ev.Data[k] = v
	}
	if _, err = tx.insertEvent(ctx, ev); err != nil {
		return err
	}
	// The caller's answer and later effects see the raised complaint.
	c.Escalation, c.Priority, c.UpdatedAt = escalation, priority, now
	c.Version++
	return nil
}

// ComplaintsAfter lists complaints whose id is above after, oldest first:
// how a worker follows intake.
func (db *DB) ComplaintsAfter(ctx context.Context, after int64, limit int) ([]kesu.Complaint, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return list(ctx, db, scanComplaint, db.selectComplaint()+` WHERE c.id > ? ORDER BY c.id LIMIT ?`, after, limit)
}

// LastComplaintID is the highest complaint id (0 when there are none).
func (db *DB) LastComplaintID(ctx context.Context) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM complaints`).Scan(&id)
	return id, err
}

// ComplaintByID reads a complaint inside this transaction.
func (tx *Tx) ComplaintByID(ctx context.Context, id int64) (kesu.Complaint, error) {
	return tx.complaintByID(ctx, id)
}

// Cursor reads a worker's named position (found false when never set).
func (db *DB) Cursor(ctx context.Context, name string) (pos int64, found bool, err error) {
	found, err = db.ClassifySetting(ctx, "cursor:"+name, &pos)
	return pos, found, err
}

// AdvanceCursor runs fn and moves the named cursor from from to to in one
// write transaction, but only if the cursor is still at from (or was never
// set): ok is false when another process got there first, and then nothing
// ran. This is how workers in several processes share one stream.
func (db *DB) AdvanceCursor(ctx context.Context, name string, from, to int64, now time.Time, fn func(tx *Tx) error) (ok bool, err error) {
	key := "cursor:" + name
	err = db.tx(ctx, func(tx *Tx) error {
		ok = false
		q := `SELECT value FROM classify_settings WHERE name = ?`
		if tx.db.dialect == dialectPostgres {
			q += ` FOR UPDATE`
		}
		var raw string
		switch err := tx.queryRow(ctx, q, key).Scan(&raw); {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		default:
			if cur, err := json.Number(strings.TrimSpace(raw)).Int64(); err != nil || cur != from {
				return nil
			}
		}
		if fn != nil {
			if err := fn(tx); err != nil {
				return err
			}
		}
		ok = true
		_, err := tx.exec(ctx, `INSERT INTO classify_settings(name, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			key, strconv.FormatInt(to, 10), micros(storedTime(now)))
		return err
	})
	return ok, err
}
