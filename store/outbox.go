package store

import (
	"context"
	"database/sql"
	"encoding/json"
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
	return err
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
	Limit       int // default 100, at most 1000
}

// Outbox lists messages: the delivery log an administrator reads.
func (db *DB) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxMessage, error) {
	q := `SELECT id, channel, recipient, template, locale, COALESCE(complaint_id, 0), data, idempotency_key, status,
		attempts, next_attempt_at, last_error, created_at, sent_at FROM outbox WHERE 1=1`
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
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = min(max(f.Limit, 100), 1000)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	return list(ctx, db, scanOutbox, q, args...)
}

func scanOutbox(s scanner) (OutboxMessage, error) {
	var m OutboxMessage
	var data string
	var next, created int64
	var sent sql.NullInt64
	err := s.Scan(&m.ID, &m.Channel, &m.Recipient, &m.Template, &m.Locale, &m.ComplaintID, &data, &m.IdempotencyKey,
		&m.Status, &m.Attempts, &next, &m.LastError, &created, &sent)
	if err != nil {
		return m, err
	}
	if data != "" && data != "{}" {
		if err := json.Unmarshal([]byte(data), &m.Data); err != nil {
			return m, err
		}
	}
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromMicros(next), fromMicros(created), fromNullMicros(sent)
	return m, nil
}
