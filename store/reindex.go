package store

import "context"

// Reindex rewrites every complaint's search tokens (with its messages) and
// duplicate fingerprint, a batch per transaction: after an upgrade whose
// migration changed what is indexed (0008 added order-number fragments and
// fingerprints), or to repair an index. It returns how many complaints it
// rewrote; progress, if not nil, hears the running count after each batch.
func (db *DB) Reindex(ctx context.Context, progress func(done int)) (int, error) {
	var after int64
	done := 0
	for {
		batch, err := db.ComplaintsAfter(ctx, after, 500)
		if err != nil || len(batch) == 0 {
			return done, err
		}
		err = db.tx(ctx, func(tx *Tx) error {
			for i := range batch {
				if err := tx.reindexComplaint(ctx, &batch[i]); err != nil {
					return err
				}
				if err := tx.writeSimHash(ctx, &batch[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		after = batch[len(batch)-1].ID
		done += len(batch)
		if progress != nil {
			progress(done)
		}
	}
}
