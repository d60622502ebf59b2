package store

import "context"

// ExecForTest runs a raw statement in a write transaction (tests only: the
// audit trail's append-only triggers).
func (db *DB) ExecForTest(ctx context.Context, query string) error {
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, query)
		return err
	})
}
