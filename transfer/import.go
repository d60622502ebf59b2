package transfer

import (
	"context"
	"fmt"
	"io"
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

// Import reads complaints from r and registers each through
// db.CreateComplaint, so every row gets the domain's validation, a number,
// its events and its search index. A bad row is reported and skipped; the
// others are imported. Rows with an external id already registered (or,
// lacking one, the "kesu:"+number of an export) are reported as present,
// which makes a re-run harmless.
//
// The error is for what stops the whole import: an unreadable input, a CSV
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
	rows, err := newRowReader(r, opts.Format, opts.Location)
	if err != nil {
		return rep, err
	}
	var dry *dryRun
	if opts.DryRun {
		if dry, err = newDryRun(ctx, db); err != nil {
			return rep, err
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rw, err := rows.next()
		if err == io.EOF {
			return rep, nil
		}
		if err != nil {
			return rep, err
		}
		res := RowResult{Line: rw.line}
		if rw.err == nil {
			rw.in.ExternalID = rw.externalID()
			res.ExternalID = rw.in.ExternalID
			if dry != nil {
				res.Outcome, res.Number, rw.err = dry.check(ctx, rw.in, opts.Actor, opts.Clock.Now())
			} else {
				res.Outcome, res.Number, rw.err = create(ctx, db, rw.in, opts.Actor, opts.Clock.Now())
			}
			if rw.err != nil && !rowFault(rw.err) {
				return rep, fmt.Errorf("line %d: %w", rw.line, rw.err)
			}
		}
		if rw.err != nil {
			res.Outcome = Failed
			res.Field, res.Message = rowError(rw.err)
		}
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

func create(ctx context.Context, db *store.DB, in kesu.NewComplaint, actor kesu.Actor, now time.Time) (Outcome, string, error) {
	res, err := db.CreateComplaint(ctx, in, actor, now, nil)
	if err != nil {
		return Failed, "", err
	}
	if res.Replayed {
		return Present, res.Complaint.Number, nil
	}
	return Created, res.Complaint.Number, nil
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
