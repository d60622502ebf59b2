package transfer

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// ImportOptions configure Import.
type ImportOptions struct {
	Format Format
	// Actor registers the rows; the zero Actor means kesu.SystemActor.
	Actor kesu.Actor
	// Clock gives the registration time of rows without registered_at;
	// nil means the system clock.
	Clock kesu.Clock
	// DryRun checks every row (types, the domain's validation, categories,
	// external ids already present) and writes nothing.
	DryRun bool
	// Location reads CSV times written without a zone offset; nil means UTC.
	Location *time.Location
	// Mapping, if set, maps a foreign file's columns (CSV or XLSX) to
	// complaint fields; without it the header uses kesu's column names.
	Mapping *Mapping
	// OnRow, if set, hears the outcome of every row in file order.
	OnRow func(RowResult)
}

// Outcome is what became of one row.
type Outcome string

const (
	Created Outcome = "created" // on a dry run: would be created
	Present Outcome = "present" // its external id is registered already: nothing was written
	Failed  Outcome = "failed"
)

// RowResult is the outcome of one row.
type RowResult struct {
	Line       int // where the row starts in the file, from 1
	Outcome    Outcome
	Number     string // the complaint created or already present (empty on a dry run's Created)
	ExternalID string
	Field      string // of a failed row, when the fault is in one field
	Message    string // of a failed row
}

func (r RowResult) String() string {
	switch r.Outcome {
	case Failed:
		if r.Field != "" {
			return fmt.Sprintf("line %d: %s: %s", r.Line, r.Field, r.Message)
		}
		return fmt.Sprintf("line %d: %s", r.Line, r.Message)
	case Present:
		return fmt.Sprintf("line %d: already present as %s (external id %s)", r.Line, r.Number, r.ExternalID)
	}
	if r.Number == "" {
		return fmt.Sprintf("line %d: would be created", r.Line)
	}
	return fmt.Sprintf("line %d: created %s", r.Line, r.Number)
}

// Report counts the outcomes of an import.
type Report struct {
	Created, Present, Failed int
	DryRun                   bool
}

func (r Report) String() string {
	verb := "imported"
	if r.DryRun {
		verb = "would import"
	}
	return fmt.Sprintf("%s %d, already present %d, failed %d", verb, r.Created, r.Present, r.Failed)
}

// Import reads complaints from r and registers them through the store's
// bulk path (db.CreateComplaints, a few hundred rows per transaction), so
// every row gets the domain's validation, a number, its events, its search
// index and the effects of any other intake. A bad row is reported and
// skipped; the others are imported. Import is idempotent: a row's external
// id (else "kesu:" and the number of an export, else "row:" and a hash of
// the row's content) is registered once, and a re-run reports the row as
// present.
//
// The error is for what stops the whole import: an unreadable input, a
// header naming an unknown column, a database that fails. The report then
// counts the rows handled before it.
func Import(ctx context.Context, db *store.DB, r io.Reader, opts ImportOptions) (Report, error) {
	rep := Report{DryRun: opts.DryRun}
	if opts.Actor.Role == "" {
		opts.Actor = kesu.SystemActor
	}
	if opts.Clock == nil {
		opts.Clock = kesu.SystemClock{}
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Mapping != nil && len(opts.Mapping.Columns) > 0 {
		if err := opts.Mapping.Validate(); err != nil {
			return rep, err
		}
	}
	rows, err := newRowReader(r, opts.Format, opts.Location, opts.Mapping)
	if err != nil {
		return rep, err
	}
	var dry *dryRun
	if opts.DryRun {
		if dry, err = newDryRun(ctx, db); err != nil {
			return rep, err
		}
		if opts.Mapping != nil {
			for code := range opts.Mapping.Categories {
				if _, ok := dry.categories[code]; !ok {
					dry.categories[code] = true // would be created
				}
			}
		}
	} else if opts.Mapping != nil {
		if err := ensureCategories(ctx, db, opts.Mapping.Categories, opts.Clock.Now()); err != nil {
			return rep, err
		}
	}
	count := func(res RowResult) {
		switch res.Outcome {
		case Created:
			rep.Created++
		case Present:
			rep.Present++
		default:
			rep.Failed++
		}
		if opts.OnRow != nil {
			opts.OnRow(res)
		}
	}
	// Rows wait in a batch for the bulk create; their results (and those of
	// rows refused on the way) are reported in file order when it is written.
	var batch []RowResult
	var ins []kesu.NewComplaint
	var slot []int // index in batch of each of ins
	flush := func() error {
		if len(ins) > 0 {
			results, err := db.CreateComplaints(ctx, ins, opts.Actor, opts.Clock.Now())
			if err != nil {
				return err
			}
			for k, res := range results {
				rr := &batch[slot[k]]
				switch {
				case res.Err != nil:
					rr.Outcome = Failed
					rr.Field, rr.Message = rowError(res.Err)
				case res.Replayed:
					rr.Outcome, rr.Number = Present, res.Complaint.Number
				default:
					rr.Outcome, rr.Number = Created, res.Complaint.Number
				}
			}
		}
		for _, res := range batch {
			count(res)
		}
		batch, ins, slot = batch[:0], ins[:0], slot[:0]
		return nil
	}
	// Rows are read and parsed in a goroutine of their own, a batch ahead of
	// the one being written (and the store prepares each chunk of a batch
	// while the writer stores the previous one).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan rowBatch, 1)
	go readBatches(ctx, rows, batches)
	for b := range batches {
		for _, rw := range b.rows {
			res := RowResult{Line: rw.line}
			if rw.err == nil {
				rw.in.ExternalID = rw.externalID()
				res.ExternalID = rw.in.ExternalID
				if dry == nil {
					batch = append(batch, res)
					ins = append(ins, rw.in)
					slot = append(slot, len(batch)-1)
					continue
				}
				res.Outcome, res.Number, rw.err = dry.check(ctx, rw.in, opts.Actor, opts.Clock.Now())
				if rw.err != nil && !rowFault(rw.err) {
					return rep, fmt.Errorf("line %d: %w", rw.line, rw.err)
				}
			}
			if rw.err != nil {
				res.Outcome = Failed
				res.Field, res.Message = rowError(rw.err)
			}
			if dry != nil {
				count(res)
			} else {
				batch = append(batch, res)
			}
		}
		if err := flush(); err != nil {
			return rep, err
		}
		if b.err != nil {
			return rep, b.err
		}
	}
	return rep, ctx.Err()
}

// importBatch is how many rows are read ahead and written with one call of
// the store's bulk create (in chunks of store.BulkChunk).
const importBatch = 4 * store.BulkChunk

// rowBatch is a batch of rows read; err, if set, stopped the reading after
// them.
type rowBatch struct {
	rows []row
	err  error
}

func readBatches(ctx context.Context, rows rowReader, out chan<- rowBatch) {
	defer close(out)
	var b rowBatch
	send := func() bool {
		select {
		case out <- b:
			b = rowBatch{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if ctx.Err() != nil {
			return
		}
		rw, err := rows.next()
		if err == io.EOF {
			send()
			return
		}
		if err != nil {
			b.err = err
			send()
			return
		}
		b.rows = append(b.rows, rw)
		if len(b.rows) >= importBatch && !send() {
			return
		}
	}
}

// ensureCategories creates the categories a mapping declares that do not
// exist yet.
func ensureCategories(ctx context.Context, db *store.DB, cats map[string]string, now time.Time) error {
	if len(cats) == 0 {
		return nil
	}
	have, err := db.Categories(ctx)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, c := range have {
		exists[c.Code] = true
	}
	codes := make([]string, 0, len(cats))
	for code := range cats {
		codes = append(codes, code)
	}
	sort.Strings(codes) // parents ("a") before children ("a.b")
	for _, code := range codes {
		if exists[code] {
			continue
		}
		zh, en := CategoryNames(cats[code])
		refs := store.CategoryRefs{}
		if i := strings.LastIndexByte(code, '.'); i > 0 && (exists[code[:i]] || cats[code[:i]] != "") {
			refs.Parent = code[:i]
		}
		if _, err := db.CreateCategory(ctx, kesu.Category{Code: code, Name: zh, NameEN: en}, refs, now); err != nil && kesu.ErrorCodeOf(err) != kesu.EConflict {
			return fmt.Errorf("mapping.categories.%s: %w", code, err)
		}
		exists[code] = true
	}
	return nil
}

// rowFault reports whether err is the row's own fault (bad data, a missing
// category, a clash) rather than a failure that would hit every row.
func rowFault(err error) bool {
	switch kesu.ErrorCodeOf(err) {
	case kesu.EInvalid, kesu.ENotFound, kesu.EConflict, kesu.EForbidden, kesu.ETooLarge:
		return true
	}
	return false
}

// dryRun checks rows the way CreateComplaint would, without writing.
type dryRun struct {
	db         *store.DB
	categories map[string]bool // code -> active
	// seen holds the external ids of the rows checked so far, so that a
	// repeat within the file counts as present, as it would on a real run.
	// It grows with the file; a dry run keeps nothing else.
	seen map[string]bool
}

func newDryRun(ctx context.Context, db *store.DB) (*dryRun, error) {
	cats, err := db.Categories(ctx)
	if err != nil {
		return nil, err
	}
	d := &dryRun{db: db, categories: map[string]bool{}, seen: map[string]bool{}}
	for _, c := range cats {
		d.categories[c.Code] = c.Active
	}
	return d, nil
}

func (d *dryRun) check(ctx context.Context, in kesu.NewComplaint, actor kesu.Actor, now time.Time) (Outcome, string, error) {
	c, err := in.Build(now.UTC(), actor)
	if err != nil {
		return Failed, "", err
	}
	if c.Category != "" && !d.categories[c.Category] {
		return Failed, "", kesu.FieldError("category", "no active category %q", c.Category)
	}
	if id := strings.TrimSpace(c.ExternalID); id != "" {
		if d.seen[id] {
			return Present, "", nil
		}
		d.seen[id] = true
		existing, err := d.db.ComplaintByExternalID(ctx, id)
		switch kesu.ErrorCodeOf(err) {
		case "":
			return Present, existing.Number, nil
		case kesu.ENotFound:
		default:
			return Failed, "", err
		}
	}
	return Created, "", nil
}
