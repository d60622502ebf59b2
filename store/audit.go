package store

import (
	"context"
	"time"

	"github.com/kesu/kesu"
)

// Audit actions.
const (
	AuditUnmask   = "unmask"   // personal data revealed
	AuditExport   = "export"   // complaints exported
	AuditLogin    = "login"    // signed in
	AuditPassword = "password" // password changed
)

// AuditEvent is one row of the privacy audit trail (append-only, enforced by
// triggers like the complaint timeline).
type AuditEvent struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	ActorID     int64     `json:"actor_id,omitempty"`
	ActorName   string    `json:"actor_name,omitempty"`
	ActorRole   kesu.Role `json:"actor_role,omitempty"`
	Action      string    `json:"action"`
	ComplaintID int64     `json:"complaint_id,omitempty"`
	Number      string    `json:"number,omitempty"`
	Detail      string    `json:"detail,omitempty"`
}

// Audit records an audit event in a transaction of its own.
func (db *DB) Audit(ctx context.Context, actor kesu.Actor, action string, complaintID int64, detail string, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error { return tx.Audit(ctx, actor, action, complaintID, detail, now) })
}

// Audit records an audit event in this transaction.
func (tx *Tx) Audit(ctx context.Context, actor kesu.Actor, action string, complaintID int64, detail string, now time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO audit_events(at, actor_id, actor_name, actor_role, action, complaint_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, micros(now), nullID(actor.UserID), actor.Name, string(actor.Role), action,
		nullID(complaintID), truncateText(detail, 2000))
	return err
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	Action      string
	ComplaintID int64
	Limit       int // default 100, at most 1000
}

// AuditEvents lists the audit trail.
func (db *DB) AuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	q := `SELECT a.id, a.at, COALESCE(a.actor_id, 0), a.actor_name, a.actor_role, a.action, COALESCE(a.complaint_id, 0),
		COALESCE(c.number, ''), a.detail FROM audit_events a LEFT JOIN complaints c ON c.id = a.complaint_id WHERE 1=1`
	var args []any
	if f.Action != "" {
		q += ` AND a.action = ?`
		args = append(args, f.Action)
	}
	if f.ComplaintID != 0 {
		q += ` AND a.complaint_id = ?`
		args = append(args, f.ComplaintID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = min(max(f.Limit, 100), 1000)
	}
	q += ` ORDER BY a.id DESC LIMIT ?`
	args = append(args, f.Limit)
	return list(ctx, db, func(s scanner) (AuditEvent, error) {
		var e AuditEvent
		var at int64
		err := s.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.ActorRole, &e.Action, &e.ComplaintID, &e.Number, &e.Detail)
		e.At = fromMicros(at)
		return e, err
	}, q, args...)
}
