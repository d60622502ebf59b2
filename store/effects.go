package store

import (
	"context"

	"github.com/kesu/kesu"
)

// Change is one change to a complaint as its transaction sees it: created
// (Before is nil), moved through the lifecycle, edited, or given a note,
// message or attachment (Before and After are then the same complaint).
type Change struct {
	Before *kesu.Complaint
	After  *kesu.Complaint
	Event  kesu.Event // the event recorded for the change, with its ID
}

// Created reports whether the change registered the complaint.
func (ch Change) Created() bool { return ch.Before == nil }

// StatusChanged reports whether the change moved the complaint to another
// lifecycle state.
func (ch Change) StatusChanged() bool {
	return ch.Before == nil || ch.Before.Status != ch.After.Status
}

// Effect is work that must commit or fail together with a change to a
// complaint: SLA milestones and timers, outbox messages, derived indexes.
// An effect that returns an error rolls the whole change back, so effects
// must only fail for real storage errors, never for a complaint they do not
// care about. An effect that changes the complaint's row (a risk policy
// raising its priority) updates ch.After to match, so later effects and the
// caller's answer see the complaint as stored. Effects read and write only
// through tx, never through the DB's pool: on PostgreSQL every pooled
// connection may be holding a transaction that waits on an effect, and a
// pool query from inside one would wait for ever.
type Effect func(ctx context.Context, tx *Tx, ch Change) error

// AddEffect registers an effect for every later change. Call it while wiring
// the application, before the database is shared between goroutines.
func (db *DB) AddEffect(e Effect) {
	db.effects = append(db.effects, e)
}

func (tx *Tx) runEffects(ctx context.Context, ch Change) error {
	for _, e := range tx.db.effects {
		if err := e(ctx, tx, ch); err != nil {
			return err
		}
	}
	return nil
}
