package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/kesu/kesu"
)

// ComplaintByExternalID returns the complaint registered with the given
// external id (the idempotency key of imports and channels), for checks
// that must not write, such as an import's dry run.
func (db *DB) ComplaintByExternalID(ctx context.Context, externalID string) (kesu.Complaint, error) {
	c, err := scanComplaint(db.queryRow(ctx, db.selectComplaint()+` WHERE c.external_id = ?`, externalID))
	if err == sql.ErrNoRows {
		return c, notFoundComplaint("with external id " + strconv.Quote(externalID))
	}
	return c, db.mapErr(err)
}
