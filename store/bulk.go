package store

import (
	"context"
	"time"

	"github.com/kesu/kesu"
)

// BulkChunk is how many rows CreateComplaints writes in one transaction:
// large enough that the per-transaction cost (commit, WAL flush) vanishes,
// small enough that the single SQLite writer is not held for long (about a
// tenth of a second) and live intake keeps flowing beside an import.
const BulkChunk = 500

// BulkResult is what CreateComplaints did with one row.
type BulkResult struct {
	// Complaint is the registered complaint. For a replay (Replayed) only
	// ID, Number and ExternalID are filled in.
	Complaint kesu.Complaint
	// Replayed is true when the row's external id was registered already
	// (earlier, or by an earlier row of the same call): nothing was written.
	Replayed bool
	// Err is the row's own fault (a *kesu.Error: bad data, an inactive
	// category); nothing was written for the row, the others went on.
	Err error
}

// CreateComplaints registers many complaints, each exactly as
// CreateComplaint would (validation, customer, number, created event,
// search index, effects), idempotent by external id, with a result per row
// in input order. Rows are written a chunk at a time: numbers are reserved
// per chunk and day, statements are prepared once, and a chunk is one
// transaction. The error is for failures that are not a row's fault (the
// database); rows before the failing chunk are committed.
func (db *DB) CreateComplaints(ctx context.Context, ins []kesu.NewComplaint, actor kesu.Actor, now time.Time) ([]BulkResult, error) {
	now = storedTime(now)
	res := make([]BulkResult, len(ins))
	cats, err := db.categoryStates(ctx)
	if err != nil {
		return res, err
	}
	// Pipelined: while the writer stores one chunk, the next one is
	// validated, tokenized and checked for replays here.
	chunk := func(start int) (lo, hi int) { return start, min(start+BulkChunk, len(ins)) }
	lo, hi := chunk(0)
	next, err := db.prepareChunk(ctx, ins[lo:hi], res[lo:hi], cats, actor, now)
	if err != nil {
		return res, err
	}
	for start := 0; start < len(ins); start += BulkChunk {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		cur := next
		done := make(chan error, 1)
		go func() { done <- db.writeChunk(ctx, cur, actor, now) }()
		var prepErr error
		if nlo, nhi := chunk(start + BulkChunk); nlo < len(ins) {
			next, prepErr = db.prepareChunk(ctx, ins[nlo:nhi], res[nlo:nhi], cats, actor, now)
		}
		if err := <-done; err != nil {
			return res, err
		}
		if prepErr != nil {
			return res, prepErr
		}
	}
	return res, nil
}

// categoryStates maps category codes to whether they are active.
func (db *DB) categoryStates(ctx context.Context) (map[string]bool, error) {
	cats, err := db.Categories(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(cats))
	for _, c := range cats {
		m[c.Code] = c.Active
	}
	return m, nil
}

// bulkRow is a row of a chunk on its way into the database.
type bulkRow struct {
	i   int // index in the chunk
	c   kesu.Complaint
	doc intakeDoc
}

// preparedChunk is a chunk validated and checked for replays, ready to write.
type preparedChunk struct {
	ins   []kesu.NewComplaint
	res   []BulkResult
	rows  []bulkRow
	dupOf map[int]int // index of a repeated row -> index of its first row
}

// prepareChunk validates and tokenizes a chunk outside the transaction (the
// SQLite writer is the bottleneck, so it should only write) and answers the
// rows whose external id is registered already.
func (db *DB) prepareChunk(ctx context.Context, ins []kesu.NewComplaint, res []BulkResult, cats map[string]bool, actor kesu.Actor, now time.Time) (*preparedChunk, error) {
	var rows []bulkRow
	firstOf := map[string]int{} // external id -> index of its first row in the chunk
	dupOf := map[int]int{}      // index of a repeated row -> index of its first row
	var extIDs []any
	for i, in := range ins {
		c, err := in.Build(now, actor)
		if err == nil && c.Category != "" && !cats[c.Category] {
			err = kesu.FieldError("category", "no active category %q", c.Category)
		}
		if err != nil {
			res[i].Err = err
			continue
		}
		if c.ExternalID != "" {
			if first, ok := firstOf[c.ExternalID]; ok {
				dupOf[i] = first
				continue
			}
			firstOf[c.ExternalID] = i
			extIDs = append(extIDs, c.ExternalID)
		}
		rows = append(rows, bulkRow{i: i, c: c, doc: intakeDocOf(&c)})
	}
	// Rows whose external id is registered already are replays.
	if len(extIDs) > 0 {
		present, err := db.complaintsByExternalID(ctx, extIDs)
		if err != nil {
			return nil, err
		}
		kept := rows[:0]
		for _, r := range rows {
			if p, ok := present[r.c.ExternalID]; ok {
				res[r.i] = BulkResult{Complaint: p, Replayed: true}
				continue
			}
			kept = append(kept, r)
		}
		rows = kept
	}
	return &preparedChunk{ins: ins, res: res, rows: rows, dupOf: dupOf}, nil
}

// writeChunk registers a prepared chunk in one transaction; when a row
// clashes with something the preparation could not see, it registers the
// chunk row by row instead.
func (db *DB) writeChunk(ctx context.Context, p *preparedChunk, actor kesu.Actor, now time.Time) error {
	ins, res, rows, dupOf := p.ins, p.res, p.rows, p.dupOf
	if len(rows) > 0 {
		if db.dialect == dialectPostgres {
			// As for single creates: numbers are reserved outside the
			// transaction so the day's counter row is not locked for the chunk.
			if err := db.tryTx(ctx, func(tx *Tx) error {
				if _, err := tx.exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
					return err
				}
				return tx.reserveNumbers(ctx, rows)
			}); err != nil {
				return err
			}
		}
		created := make([]kesu.Complaint, len(rows))
		err := db.tx(ctx, func(tx *Tx) error {
			if db.dialect == dialectSQLite {
				if err := tx.reserveNumbers(ctx, rows); err != nil {
					return err
				}
			}
			for k := range rows {
				created[k] = rows[k].c
				if err := tx.insertComplaint(ctx, &created[k], actor, rows[k].doc); err != nil {
					return err
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for k, r := range rows {
				res[r.i] = BulkResult{Complaint: created[k]}
			}
		case rowFault(err):
			// A row clashed with something the checks above could not see (a
			// concurrent create with the same external id, a category
			// deactivated meanwhile): register the chunk row by row, so only
			// the faulty rows fail.
			for _, r := range rows {
				cr, err := db.CreateComplaint(ctx, ins[r.i], actor, now, nil)
				switch {
				case err == nil:
					res[r.i] = BulkResult{Complaint: cr.Complaint, Replayed: cr.Replayed}
				case rowFault(err):
					res[r.i] = BulkResult{Err: err}
				default:
					return err
				}
			}
		default:
			return err
		}
	}
	for i, first := range dupOf {
		switch {
		case res[first].Err != nil:
			// The first row with this id failed: this one is judged on its
			// own by the next call (a re-run), not silently dropped.
			res[i] = BulkResult{Err: kesu.FieldError("external_id", "repeats the external id of a row that failed")}
		default:
			c := res[first].Complaint
			res[i] = BulkResult{Complaint: kesu.Complaint{ID: c.ID, Number: c.Number, ExternalID: c.ExternalID}, Replayed: true}
		}
	}
	return nil
}

// rowFault reports whether err is one row's own fault rather than a failure
// of the database.
func rowFault(err error) bool {
	switch kesu.ErrorCodeOf(err) {
	case kesu.EInvalid, kesu.ENotFound, kesu.EConflict, kesu.EForbidden, kesu.ETooLarge:
		return true
	}
	return false
}

// reserveNumbers gives every row its number, taking each day's (scope's)
// block of sequence numbers with one statement.
func (tx *Tx) reserveNumbers(ctx context.Context, rows []bulkRow) error {
	count := map[string]int64{}
	var scopes []string
	for _, r := range rows {
		s := tx.db.numbers.Scope(r.c.RegisteredAt.In(tx.db.loc))
		if count[s] == 0 {
			scopes = append(scopes, s)
		}
		count[s]++
	}
	next := map[string]int64{}
	for _, s := range scopes {
		var last int64
		err := tx.queryRow(ctx, `INSERT INTO number_counters(scope, last) VALUES (?, ?)
			ON CONFLICT(scope) DO UPDATE SET last = number_counters.last + excluded.last RETURNING last`,
			s, count[s]).Scan(&last)
		if err != nil {
			return tx.db.mapErr(err)
		}
		next[s] = last - count[s] + 1
	}
	for k := range rows {
		t := rows[k].c.RegisteredAt.In(tx.db.loc)
		s := tx.db.numbers.Scope(t)
		rows[k].c.Number = tx.db.numbers.Format(t, next[s])
		next[s]++
	}
	return nil
}

// complaintsByExternalID finds the complaints registered with the given
// external ids (ID, Number and ExternalID filled in).
func (db *DB) complaintsByExternalID(ctx context.Context, ids []any) (map[string]kesu.Complaint, error) {
	out := map[string]kesu.Complaint{}
	const page = 500
	for start := 0; start < len(ids); start += page {
		part := ids[start:min(start+page, len(ids))]
		ph := qmarks(len(part))
		rows, err := db.reader.QueryContext(ctx, db.q(`SELECT id, number, external_id FROM complaints WHERE external_id IN (`+ph+`)`), part...)
		if err != nil {
			return nil, db.mapErr(err)
		}
		for rows.Next() {
			var c kesu.Complaint
			if err := rows.Scan(&c.ID, &c.Number, &c.ExternalID); err != nil {
				rows.Close()
				return nil, err
			}
			out[c.ExternalID] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
