package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// OutboxMessage is one message to send: written in the same transaction as
// the change that causes it, delivered later by package notify.
type OutboxMessage struct {
	ID          int64          `json:"id"`
	Channel     string         `json:"channel"`   // email, sms, webhook, inapp
	Recipient   string         `json:"recipient"` // address, phone, webhook endpoint name or user id
	Template    string         `json:"template"`  // template key, e.g. "ack", "otp"
	Locale      string         `json:"locale"`    // zh-CN (default) or en
	ComplaintID int64          `json:"complaint_id,omitempty"`
	Data        map[string]any `json:"data,omitempty"` // template variables
	// IdempotencyKey is unique: enqueuing the same key again does nothing, and
	// the key travels with the message so receivers can drop repeats.
	IdempotencyKey string     `json:"idempotency_key"`
	Status         string     `json:"status"` // pending, sent, dead
	Attempts       int        `json:"attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	LastError      string     `json:"last_error,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	// LockedUntil is the end of the lease of a worker delivering it now.
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

// Enqueue writes m to the outbox in this transaction; it is sent at or after
// m.NextAttemptAt (now when zero). A message whose key is already queued is
// ignored.
func (tx *Tx) Enqueue(ctx context.Context, m OutboxMessage, now time.Time) error {
	m.Channel = strings.TrimSpace(m.Channel)
	switch {
	case m.Channel == "":
		return kesu.FieldError("channel", "missing")
	case strings.TrimSpace(m.Recipient) == "":
		return kesu.FieldError("recipient", "missing")
	case m.Template == "":
		return kesu.FieldError("template", "missing")
	case m.IdempotencyKey == "":
		return kesu.FieldError("idempotency_key", "missing")
	}
	if m.Locale == "" {
		m.Locale = "zh-CN"
	}
	data := []byte("{}")
	if len(m.Data) > 0 {
		var err error
		if data, err = json.Marshal(m.Data); err != nil {
			return err
		}
	}
	now = storedTime(now)
	due := now
	if !m.NextAttemptAt.IsZero() {
		due = storedTime(m.NextAttemptAt)
	}
	_, err := tx.exec(ctx, `INSERT INTO outbox(channel, recipient, template, locale, complaint_id, data,
		idempotency_key, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
		m.Channel, m.Recipient, m.Template, m.Locale, nullID(m.ComplaintID), string(data),
		m.IdempotencyKey, micros(due), micros(now))
	if err == nil {
		tx.wakeOutbox(m.Channel)
	}
	return err
}

// OnOutbox registers fn to be called after every transaction that enqueued
// outbox messages of one of channels commits (the delivery worker's
// wake-up). Messages no worker here delivers (email without SMTP, say) wake
// nobody: they wait for a process that can send them. Call it while wiring,
// before the database is shared between goroutines.
func (db *DB) OnOutbox(channels []string, fn func()) {
	db.outboxWake = append(db.outboxWake, outboxWaker{channels: channels, fn: fn})
}

type outboxWaker struct {
	channels []string
	fn       func()
}

// wakeOutbox wakes, after the commit, the workers that deliver channel; an
// empty channel (a replay of any message) wakes them all.
func (tx *Tx) wakeOutbox(channel string) {
	for _, w := range tx.db.outboxWake {
		if channel == "" || slices.Contains(w.channels, channel) {
			tx.AfterCommit(w.fn)
		}
	}
}

// Enqueue writes m to the outbox in a transaction of its own, for messages
// whose cause is not a database change (a one-time code, a test message).
func (db *DB) Enqueue(ctx context.Context, m OutboxMessage, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error { return tx.Enqueue(ctx, m, now) })
}

// OutboxFilter selects outbox messages, newest first.
type OutboxFilter struct {
	Status      string // pending, sent, dead; empty for all
	Channel     string
	ComplaintID int64
	Template    string
	Recipient   string
	BeforeID    int64 // only messages with a smaller id: the next page
	Limit       int   // default 100, at most 1000
}

// Outbox lists messages: the delivery log an administrator reads.
func (db *DB) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxMessage, error) {
	q := `SELECT ` + outboxCols + ` FROM outbox WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Channel != "" {
		q += ` AND channel = ?`
		args = append(args, f.Channel)
	}
	if f.ComplaintID != 0 {
		q += ` AND complaint_id = ?`
		args = append(args, f.ComplaintID)
	}
	if f.Template != "" {
		q += ` AND template = ?`
		args = append(args, f.Template)
	}
	if f.Recipient != "" {
		q += ` AND recipient = ?`
		args = append(args, f.Recipient)
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = min(max(f.Limit, 100), 1000)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	return list(ctx, db, scanOutbox, q, args...)
}

const outboxCols = `id, channel, recipient, template, locale, COALESCE(complaint_id, 0), data, idempotency_key, status,
	attempts, next_attempt_at, last_error, created_at, sent_at, locked_until`

func scanOutbox(s scanner) (OutboxMessage, error) {
	var m OutboxMessage
	var data string
	var next, created int64
	var sent, locked sql.NullInt64
	err := s.Scan(&m.ID, &m.Channel, &m.Recipient, &m.Template, &m.Locale, &m.ComplaintID, &data, &m.IdempotencyKey,
		&m.Status, &m.Attempts, &next, &m.LastError, &created, &sent, &locked)
	if err != nil {
		return m, err
	}
	if data != "" && data != "{}" {
		if err := json.Unmarshal([]byte(data), &m.Data); err != nil {
			return m, err
		}
	}
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromMicros(next), fromMicros(created), fromNullMicros(sent)
	m.LockedUntil = fromNullMicros(locked)
	return m, nil
}

// OutboxMessageByID returns one message.
func (db *DB) OutboxMessageByID(ctx context.Context, id int64) (OutboxMessage, error) {
	m, err := scanOutbox(db.queryRow(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id))
	if err != nil {
		if err == sql.ErrNoRows {
			return m, kesu.Errorf(kesu.ENotFound, "no outbox message %d", id)
		}
		return m, db.mapErr(err)
	}
	return m, nil
}

// ClaimOutbox leases up to limit due messages of the given channels to the
// caller until now+lease and counts the attempt. A lease that ends before the
// message is marked sent or failed (the worker died) makes it due again, with
// the same idempotency key. PostgreSQL workers in several processes skip each
// other's locked rows; SQLite claims through its single writer.
func (db *DB) ClaimOutbox(ctx context.Context, channels []string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error) {
	if len(channels) == 0 || limit <= 0 {
		return nil, nil
	}
	now = storedTime(now)
	until := micros(now.Add(lease))
	inList, args := placeholders(channels)
	sub := `SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? AND channel IN (` + inList + `)
		ORDER BY next_attempt_at LIMIT ?`
	if db.dialect == dialectPostgres {
		sub += ` FOR UPDATE SKIP LOCKED`
	}
	q := `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, locked_until = ?
		WHERE id IN (` + sub + `) RETURNING ` + outboxCols
	all := append([]any{until, until, micros(now)}, args...)
	all = append(all, limit)
	var out []OutboxMessage
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		out, err = txList(ctx, tx, scanOutbox, q, all...)
		return err
	})
	return out, err
}

func placeholders(vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return qmarks(len(vals)), args
}

// NextOutboxDue returns when the next pending message of the given channels
// is due (ok is false when none is pending): the worker sleeps until then.
func (db *DB) NextOutboxDue(ctx context.Context, channels []string) (due time.Time, ok bool, err error) {
	if len(channels) == 0 {
		return time.Time{}, false, nil
	}
	// One MIN per channel, each read off the end of the index.
	parts := make([]string, len(channels))
	args := make([]any, len(channels))
	for i, ch := range channels {
		parts[i] = `SELECT MIN(next_attempt_at) AS due FROM outbox WHERE status = 'pending' AND channel = ?`
		args[i] = ch
	}
	var next sql.NullInt64
	err = db.queryRow(ctx, `SELECT MIN(due) FROM (`+strings.Join(parts, ` UNION ALL `)+`) AS per_channel`,
		args...).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, db.mapErr(err)
	}
	return fromMicros(next.Int64), true, nil
}

// Attempt is one delivery attempt of an outbox message, as the delivery log
// shows it.
type Attempt struct {
	ID         int64         `json:"id"`
	OutboxID   int64         `json:"outbox_id"`
	Attempt    int           `json:"attempt"`
	StartedAt  time.Time     `json:"started_at"`
	Duration   time.Duration `json:"duration_us"` // microseconds in JSON
	OK         bool          `json:"ok"`
	StatusCode int           `json:"status_code,omitempty"` // HTTP status or SMTP reply code
	Error      string        `json:"error,omitempty"`
}

// MarshalJSON writes Duration in microseconds.
func (a Attempt) MarshalJSON() ([]byte, error) {
	type plain Attempt
	return json.Marshal(struct {
		plain
		Duration int64 `json:"duration_us"`
	}{plain(a), a.Duration.Microseconds()})
}

func (tx *Tx) logAttempt(ctx context.Context, m OutboxMessage, a Attempt) error {
	if len(a.Error) > 2000 {
		a.Error = a.Error[:2000]
	}
	_, err := tx.exec(ctx, `INSERT INTO outbox_attempts(outbox_id, attempt, started_at, duration_us, ok, status_code, error)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.Attempts, micros(storedTime(a.StartedAt)), a.Duration.Microseconds(),
		a.OK, a.StatusCode, a.Error)
	return err
}

// OutboxSent records a successful attempt of a claimed message and marks it
// sent. data, when not nil, replaces the stored template data (a one-time
// code is blanked once sent).
func (db *DB) OutboxSent(ctx context.Context, m OutboxMessage, a Attempt, data map[string]any, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error { return tx.outboxSent(ctx, m, a, data, now) })
}

func (tx *Tx) outboxSent(ctx context.Context, m OutboxMessage, a Attempt, data map[string]any, now time.Time) error {
	a.OK = true
	if err := tx.logAttempt(ctx, m, a); err != nil {
		return err
	}
	q := `UPDATE outbox SET status = 'sent', sent_at = ?, locked_until = NULL, last_error = ''`
	args := []any{micros(storedTime(now))}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		q += `, data = ?`
		args = append(args, string(b))
	}
	// Whichever claim finishes first marks it; a late one changes nothing.
	_, err := tx.exec(ctx, q+` WHERE id = ? AND status = 'pending'`, append(args, m.ID)...)
	return err
}

// OutboxFailed records a failed attempt of a claimed message: it is retried
// at retryAt, or dead when retryAt is nil. A message claimed again since
// (its lease ran out) is left to the newer claim.
func (db *DB) OutboxFailed(ctx context.Context, m OutboxMessage, a Attempt, retryAt *time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		a.OK = false
		if err := tx.logAttempt(ctx, m, a); err != nil {
			return err
		}
		msg := a.Error
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if retryAt == nil {
			_, err := tx.exec(ctx, `UPDATE outbox SET status = 'dead', locked_until = NULL, last_error = ?
				WHERE id = ? AND status = 'pending' AND attempts = ?`, msg, m.ID, m.Attempts)
			return err
		}
		_, err := tx.exec(ctx, `UPDATE outbox SET next_attempt_at = ?, locked_until = NULL, last_error = ?
			WHERE id = ? AND status = 'pending' AND attempts = ?`, micros(storedTime(*retryAt)), msg, m.ID, m.Attempts)
		return err
	})
}

// ReplayOutbox queues a message again (sent or dead ones included), due now,
// with its original idempotency key: receivers that already have it drop it.
func (db *DB) ReplayOutbox(ctx context.Context, id int64, now time.Time) (OutboxMessage, error) {
	err := db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE outbox SET status = 'pending', next_attempt_at = ?, locked_until = NULL
			WHERE id = ?`, micros(storedTime(now)), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no outbox message %d", id)
		}
		tx.wakeOutbox("")
		return nil
	})
	if err != nil {
		return OutboxMessage{}, err
	}
	return db.OutboxMessageByID(ctx, id)
}

// OutboxAttempts lists a message's delivery attempts, oldest first.
func (db *DB) OutboxAttempts(ctx context.Context, outboxID int64) ([]Attempt, error) {
	return list(ctx, db, func(s scanner) (Attempt, error) {
		var a Attempt
		var started, dur int64
		err := s.Scan(&a.ID, &a.OutboxID, &a.Attempt, &started, &dur, &a.OK, &a.StatusCode, &a.Error)
		a.StartedAt, a.Duration = fromMicros(started), time.Duration(dur)*time.Microsecond
		return a, err
	}, `SELECT id, outbox_id, attempt, started_at, duration_us, ok, status_code, error FROM outbox_attempts
		WHERE outbox_id = ? ORDER BY id`, outboxID)
}
