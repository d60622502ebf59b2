package store

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

// Search support: the index query behind Filter.Match, the index's text
// (with messages), SimHash fingerprints and the lookups that duplicate and
// similar-case detection (package search) build on.

// matchSQL is the condition that keeps complaints whose index holds every
// token: the index's matches are read and joined. For a common token set
// SQLite instead walks the newest complaints (walkMatch); PostgreSQL's
// planner makes that choice itself from the tsvector statistics.
func (db *DB) matchSQL(f Filter) (string, any) {
	if db.dialect == dialectPostgres {
		return `c.id IN (SELECT complaint_id FROM complaint_search WHERE tokens @@ to_tsquery('simple', ?))`, tsQuery(f.Match, " & ")
	}
	return `c.id IN (SELECT rowid FROM complaint_search WHERE complaint_search MATCH ?)`, ftsQuery(f.Match, " AND ")
}

// ftsQuery writes tokens as an FTS5 query: "退款" AND "ord"*.
func ftsQuery(toks []tokenize.Token, op string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteString(`"` + strings.ReplaceAll(t.Text, `"`, `""`) + `"`)
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// tsQuery writes tokens as a PostgreSQL tsquery: '退款' & 'ord':*.
func tsQuery(toks []tokenize.Token, op string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteString(`'` + strings.ReplaceAll(strings.ReplaceAll(t.Text, `\`, `\\`), `'`, `''`) + `'`)
		if t.Prefix {
			b.WriteString(":*")
		}
	}
	return b.String()
}

// Walking the newest complaints costs about limit*total/matches index rows
// (plus a range read of the search index per chunk); reading every match
// costs about matches rows joined and sorted, each several times dearer
// than a walked row (measured with kesu bench search, BENCHMARKS.md).
const (
	walkCost    = 1
	matchCost   = 4
	walkChunk   = 1000
	maxWalkRows = 20_000 // then the rest is read from the index's matches
)

// planMatch decides on SQLite whether f's tokens are common enough to walk
// the newest complaints instead of reading every match, from the index's own
// document counts (fts5vocab).
func (db *DB) planMatch(ctx context.Context, f *Filter) error {
	f.denseMatch = false
	if db.dialect != dialectSQLite || len(f.Match) == 0 || (f.Order != "" && f.Order != OrderNewest) {
		return nil // the walk goes newest first
	}
	est := int64(math.MaxInt64)
	for _, t := range f.Match {
		n, _, err := db.termDocCount(ctx, t)
		if err != nil {
			return err
		}
		est = min(est, n)
	}
	var total sql.NullInt64
	if err := db.queryRow(ctx, `SELECT MAX(id) FROM complaints`).Scan(&total); err != nil {
		return db.mapErr(err)
	}
	limit := float64(max(f.Limit, 50))
	f.denseMatch = est > 0 && float64(est)*matchCost > limit*float64(total.Int64)/float64(est)*walkCost+float64(walkChunk)
	return nil
}

// termDocs caches document counts of search tokens: fts5vocab counts a
// token by reading its whole list of documents (40% of a ranked search's CPU
// at a million complaints), and a plan needs only their size.
type termDocs struct {
	mu sync.Mutex
	m  map[tokenize.Token]termDocCount
	// PostgreSQL: the planner's most common tokens and their shares.
	pgFreqs map[string]float64
	pgAt    time.Time
}

type termDocCount struct {
	n     int64
	broad bool
	at    time.Time
}

// termDocsFresh is how long a count is used; termDocsMax bounds the cache.
const (
	termDocsFresh = time.Minute
	termDocsMax   = 10_000
)

// termDocCount is how many complaints hold t (for a prefix, an upper bound:
// the documents of at most 1,000 tokens with the prefix) and, for a prefix,
// whether it stands for 1,000 tokens or more.
func (db *DB) termDocCount(ctx context.Context, t tokenize.Token) (int64, bool, error) {
	c := &db.termDocs
	c.mu.Lock()
	if v, ok := c.m[t]; ok && time.Since(v.at) < termDocsFresh {
		c.mu.Unlock()
		return v.n, v.broad, nil
	}
	c.mu.Unlock()
	var n sql.NullInt64
	var terms int
	var err error
	if t.Prefix {
		err = db.queryRow(ctx, `SELECT COUNT(*), SUM(doc) FROM (SELECT doc FROM complaint_search_vocab WHERE term >= ? AND term < ? LIMIT 1000)`,
			t.Text, t.Text+"\xff").Scan(&terms, &n)
	} else {
		err = db.queryRow(ctx, `SELECT doc FROM complaint_search_vocab WHERE term = ?`, t.Text).Scan(&n)
	}
	if err != nil && err != sql.ErrNoRows {
		return 0, false, db.mapErr(err)
	}
	v := termDocCount{n: n.Int64, broad: terms >= 1000, at: time.Now()}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= termDocsMax {
		c.m = map[tokenize.Token]termDocCount{}
	}
	c.m[t] = v
	c.mu.Unlock()
	return v.n, v.broad, nil
}

// BroadPrefix reports whether a prefix token stands for so many distinct
// index terms (digit prefixes of order numbers: half a million) that asking
// the index for it costs more than checking text: FTS5 and a GIN partial
// match both visit every such term. The caller then finds candidates by its
// other tokens, or by the newest complaints, and checks the text itself.
func (db *DB) BroadPrefix(ctx context.Context, t tokenize.Token) (bool, error) {
	if !t.Prefix {
		return false, nil
	}
	if db.dialect == dialectPostgres {
		// No term statistics to ask: short digit runs are the broad ones.
		return len(t.Text) < 6 && strings.Trim(t.Text, "0123456789") == "", nil
	}
	_, broad, err := db.termDocCount(ctx, t)
	return broad, err
}

// TokenFrequencies returns, on PostgreSQL, the share of complaints holding
// each token according to the planner's statistics (0 for a token too rare
// to be among the most common ones); nil on SQLite, which plans from exact
// counts itself. PostgreSQL estimates several tokens together as if they
// were independent: three common bigrams of one phrase look rare and it
// reads every match (0.5 to 2.6 s at a million complaints), so the caller
// gives it the rarest token only and checks the text.
func (db *DB) TokenFrequencies(ctx context.Context, toks []tokenize.Token) ([]float64, error) {
	if db.dialect != dialectPostgres {
		return nil, nil
	}
	c := &db.termDocs
	c.mu.Lock()
	freqs, at := c.pgFreqs, c.pgAt
	c.mu.Unlock()
	if freqs == nil || time.Since(at) > termDocsFresh {
		var elems []string
		var fs []float64
		rows, err := db.query(ctx, `SELECT e, f FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(e, f)
			WHERE s.tablename = 'complaint_search' AND s.attname = 'tokens' AND s.schemaname = current_schema() AND u.e IS NOT NULL`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var e string
			var f float64
			if err := rows.Scan(&e, &f); err != nil {
				rows.Close()
				return nil, err
			}
			elems, fs = append(elems, e), append(fs, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		freqs = make(map[string]float64, len(elems))
		for i, e := range elems {
			freqs[e] = fs[i]
		}
		c.mu.Lock()
		c.pgFreqs, c.pgAt = freqs, time.Now()
		c.mu.Unlock()
	}
	out := make([]float64, len(toks))
	for i, t := range toks {
		if t.Prefix {
			out[i] = 1 // unknown: never preferred over a counted token
			continue
		}
		out[i] = freqs[t.Text]
	}
	return out, nil
}

// walkMatch lists a page of complaints matching f on SQLite by walking the
// newest complaints (with f's other filters) a chunk at a time and reading
// the search index for the chunk's id range: FTS5 reads a rowid range of a
// token's matches directly, where probing it complaint by complaint costs
// a seek in every index segment.
func (db *DB) walkMatch(ctx context.Context, f Filter) (Page, error) {
	walk := f
	walk.Match = nil
	match := ftsQuery(f.Match, " AND ")
	var found []int64
	scanned := 0
	for len(found) <= f.Limit {
		where, args, err := db.filterSQL(walk)
		if err != nil {
			return Page{}, err
		}
		type row struct{ id, at int64 }
		chunk, err := list(ctx, db, func(s scanner) (row, error) {
			var r row
			return r, s.Scan(&r.id, &r.at)
		}, `SELECT c.id, c.registered_at FROM complaints c`+where+` ORDER BY c.registered_at DESC, c.id DESC LIMIT ?`,
			append(args, walkChunk)...)
		if err != nil {
			return Page{}, err
		}
		if len(chunk) == 0 {
			break
		}
		lo, hi := chunk[0].id, chunk[0].id
		for _, r := range chunk {
			lo, hi = min(lo, r.id), max(hi, r.id)
		}
		hits, err := list(ctx, db, func(s scanner) (int64, error) {
			var id int64
			return id, s.Scan(&id)
		}, `SELECT rowid FROM complaint_search WHERE complaint_search MATCH ? AND rowid BETWEEN ? AND ?`, match, lo, hi)
		if err != nil {
			return Page{}, err
		}
		in := make(map[int64]bool, len(hits))
		for _, id := range hits {
			in[id] = true
		}
		for _, r := range chunk {
			if in[r.id] {
				found = append(found, r.id)
			}
		}
		last := chunk[len(chunk)-1]
		walk.Cursor = encodeCursor(last.at, last.id)
		scanned += len(chunk)
		if len(chunk) < walkChunk {
			break
		}
		if scanned >= maxWalkRows && len(found) <= f.Limit {
			// Rarer under these filters than in general: read the rest.
			rest := f
			rest.Cursor, rest.Limit, rest.denseMatch = walk.Cursor, f.Limit-len(found), false
			page, err := db.complaintsPage(ctx, rest)
			if err != nil {
				return Page{}, err
			}
			return db.pageOf(ctx, found, f.Limit, page)
		}
	}
	return db.pageOf(ctx, found, f.Limit, Page{})
}

// pageOf reads the complaints of ids (in that order), then appends tail;
// more than limit in all makes a next cursor.
func (db *DB) pageOf(ctx context.Context, ids []int64, limit int, tail Page) (Page, error) {
	cs, err := db.ComplaintsByID(ctx, ids)
	if err != nil {
		return Page{}, err
	}
	byID := make(map[int64]kesu.Complaint, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	page := Page{Items: []kesu.Complaint{}}
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			page.Items = append(page.Items, c)
		}
	}
	page.Items = append(page.Items, tail.Items...)
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = Filter{}.CursorAfter(page.Items[limit-1]) // the walk is newest first
	} else if tail.NextCursor != "" {
		page.NextCursor = tail.NextCursor
	}
	return page, nil
}

// ExplainMatch returns the query plan of a list with f (SQLite's EXPLAIN
// QUERY PLAN rows, PostgreSQL's EXPLAIN lines with sequential scans
// disabled, as on a table too large to scan), so tests can check that
// search goes through the index.
func (db *DB) ExplainMatch(ctx context.Context, f Filter) (string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if err := db.planMatch(ctx, &f); err != nil {
		return "", err
	}
	if f.denseMatch {
		walk := f
		walk.Match = nil
		where, args, err := db.filterSQL(walk)
		if err != nil {
			return "", err
		}
		a, err := db.explainSQLite(ctx, `SELECT c.id, c.registered_at FROM complaints c`+where+` ORDER BY c.registered_at DESC, c.id DESC LIMIT 1000`, args...)
		if err != nil {
			return "", err
		}
		b, err := db.explainSQLite(ctx, `SELECT rowid FROM complaint_search WHERE complaint_search MATCH ? AND rowid BETWEEN ? AND ?`, ftsQuery(f.Match, " AND "), 0, 1)
		return a + "\n" + b, err
	}
	where, args, err := db.filterSQL(f)
	if err != nil {
		return "", err
	}
	query := db.q(db.selectComplaint() + where + ` ORDER BY c.registered_at DESC, c.id DESC LIMIT 51`)
	var lines []string
	if db.dialect == dialectPostgres {
		err := db.tryTx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
			rows, err := tx.tx.QueryContext(ctx, "EXPLAIN "+query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				lines = append(lines, s)
			}
			return rows.Err()
		})
		return strings.Join(lines, "\n"), err
	}
	return db.explainSQLite(ctx, query, args...)
}

func (db *DB) explainSQLite(ctx context.Context, query string, args ...any) (string, error) {
	rows, err := db.reader.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// reindexComplaint rewrites c's search tokens from its fields and every
// message of its conversation (in this transaction).
func (tx *Tx) reindexComplaint(ctx context.Context, c *kesu.Complaint) error {
	bodies, err := txList(ctx, tx, scanString, `SELECT body FROM events WHERE complaint_id = ? AND type = ? ORDER BY id`,
		c.ID, string(kesu.EventMessage))
	if err != nil {
		return err
	}
	return tx.indexComplaint(ctx, c, searchText(c)+" "+tokenize.Document(bodies...), true)
}

// writeSimHash stores the fingerprint of c's title and description,
// replacing an earlier one.
func (tx *Tx) writeSimHash(ctx context.Context, c *kesu.Complaint) error {
	h := tokenize.SimHash(c.Title, c.Description)
	if _, err := tx.exec(ctx, `INSERT INTO complaint_simhash(complaint_id, hash) VALUES (?, ?)
		ON CONFLICT (complaint_id) DO UPDATE SET hash = excluded.hash`, c.ID, int64(h)); err != nil {
		return err
	}
	tx.fingerprintChanged(c.ID, h)
	return nil
}

// insertSimHash stores a new complaint's fingerprint.
func (tx *Tx) insertSimHash(ctx context.Context, id, h int64) error {
	_, err := tx.exec(ctx, `INSERT INTO complaint_simhash(complaint_id, hash) VALUES (?, ?)`, id, h)
	return err
}

// MessageTexts returns the message bodies of the given complaints, oldest
// first per complaint.
func (db *DB) MessageTexts(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{string(kesu.EventMessage)}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT complaint_id, body FROM events WHERE type = ? AND complaint_id IN (`+
		qmarks(len(ids))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		out[id] = append(out[id], body)
	}
	return out, rows.Err()
}

// ComplaintsByID reads complaints by id, in no particular order; ids that
// do not exist are left out.
func (db *DB) ComplaintsByID(ctx context.Context, ids []int64) ([]kesu.Complaint, error) {
	if len(ids) == 0 {
		return []kesu.Complaint{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return list(ctx, db, scanComplaint, db.selectComplaint()+` WHERE c.id IN (`+qmarks(len(ids))+`)`, args...)
}

// CustomerIDByContact finds the customer that a complaint from cu would be
// linked to (same contact key as CreateComplaint), or 0.
func (db *DB) CustomerIDByContact(ctx context.Context, cu kesu.Customer) (int64, error) {
	key := contactKey(cu)
	if key == "" {
		return 0, nil
	}
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM customers WHERE contact_key = ?`, key).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, db.mapErr(err)
}

// RecentByCustomer returns a customer's complaints registered at or after
// since, newest first (at most limit), without exclude.
func (db *DB) RecentByCustomer(ctx context.Context, customerID int64, since time.Time, exclude int64, limit int) ([]kesu.Complaint, error) {
	return list(ctx, db, scanComplaint, db.selectComplaint()+` WHERE c.customer_id = ? AND c.registered_at >= ? AND c.id <> ?
		ORDER BY c.registered_at DESC, c.id DESC LIMIT ?`, customerID, micros(since), exclude, limit)
}

// CountByCustomer counts a customer's complaints registered at or after since.
func (db *DB) CountByCustomer(ctx context.Context, customerID int64, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM complaints WHERE customer_id = ? AND registered_at >= ?`, customerID, micros(since)).Scan(&n)
	return n, db.mapErr(err)
}

// RecentByOrder returns complaints about an order number registered at or
// after since, newest first (at most limit), without exclude.
func (db *DB) RecentByOrder(ctx context.Context, orderNo string, since time.Time, exclude int64, limit int) ([]kesu.Complaint, error) {
	if orderNo == "" {
		return []kesu.Complaint{}, nil
	}
	return list(ctx, db, scanComplaint, db.selectComplaint()+` WHERE c.order_no = ? AND c.order_no <> '' AND c.registered_at >= ? AND c.id <> ?
		ORDER BY c.registered_at DESC, c.id DESC LIMIT ?`, orderNo, micros(since), exclude, limit)
}

// ClosedMatching returns up to limit closed complaints (newest first) whose
// index holds any of toks: the candidates for similar past cases.
func (db *DB) ClosedMatching(ctx context.Context, toks []tokenize.Token, exclude int64, limit int) ([]kesu.Complaint, error) {
	if len(toks) == 0 {
		return []kesu.Complaint{}, nil
	}
	var cond string
	var arg any
	if db.dialect == dialectPostgres {
		cond, arg = `c.id IN (SELECT complaint_id FROM complaint_search WHERE tokens @@ to_tsquery('simple', ?))`, tsQuery(toks, " | ")
	} else {
		cond, arg = `c.id IN (SELECT rowid FROM complaint_search WHERE complaint_search MATCH ? ORDER BY rowid DESC LIMIT 5000)`, ftsQuery(toks, " OR ")
	}
	return list(ctx, db, scanComplaint, db.selectComplaint()+` WHERE `+cond+` AND c.status = ? AND c.id <> ?
		ORDER BY c.id DESC LIMIT ?`, arg, string(kesu.StatusClosed), exclude, limit)
}

// Link records that two complaints are related (without merging them).
func (db *DB) Link(ctx context.Context, a, b int64, actor kesu.Actor, now time.Time) error {
	if a == b {
		return kesu.FieldError("number", "a complaint cannot be linked to itself")
	}
	return db.tx(ctx, func(tx *Tx) error {
		for _, p := range [][2]int64{{a, b}, {b, a}} {
			if _, err := tx.exec(ctx, `INSERT INTO complaint_links(complaint_id, related_id, created_by, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, p[0], p[1], nullID(actor.UserID), micros(storedTime(now))); err != nil {
				return err
			}
		}
		return nil
	})
}

// LinkedIDs returns the ids of the complaints linked to id.
func (db *DB) LinkedIDs(ctx context.Context, id int64) ([]int64, error) {
	return list(ctx, db, func(s scanner) (int64, error) {
		var v int64
		return v, s.Scan(&v)
	}, `SELECT related_id FROM complaint_links WHERE complaint_id = ? ORDER BY related_id DESC LIMIT 100`, id)
}

// ComplaintCount counts every complaint (for benchmarks and seeding).
func (db *DB) ComplaintCount(ctx context.Context) (int64, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM complaints`).Scan(&n)
	return n, db.mapErr(err)
}

// Analyze refreshes PostgreSQL's planner statistics after a bulk load (its
// choice between reading a word's matches and walking the newest complaints
// depends on them; autovacuum would get there later). SQLite keeps none:
// search plans there from the index's own term counts.
func (db *DB) Analyze(ctx context.Context) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	_, err := db.writer.ExecContext(ctx, `ANALYZE`)
	return db.mapErr(err)
}
