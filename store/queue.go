package store

import "context"

// CountComplaints counts the complaints matching f (Limit and Cursor are
// ignored), for the workspace's queue counts.
func (db *DB) CountComplaints(ctx context.Context, f Filter) (int, error) {
	f.Cursor = ""
	where, args, err := db.filterSQL(f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.queryRow(ctx, `SELECT COUNT(*) FROM complaints c`+where, args...).Scan(&n)
	return n, db.mapErr(err)
}
