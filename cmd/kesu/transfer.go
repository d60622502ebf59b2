package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/transfer"
)

// runImport registers complaints from a JSONL or CSV file; the work is in
// package transfer, this is the command line around it.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("import", stderr)
	cfg.dbFlags(fs)
	file := fs.String("file", "", "JSONL, CSV or XLSX file to import, - for standard input (required)")
	format := fs.String("format", "", "jsonl, csv or xlsx (default: from the file's extension)")
	mappingFile := fs.String("mapping", "", "JSON column mapping for a CSV or XLSX file with its own headers (see transfer/mappings/cfpb.json)")
	sheet := fs.String("sheet", "", "XLSX worksheet to read (default: the first, or the mapping's)")
	dryRun := fs.Bool("dry-run", false, "check every row and report, but write nothing")
	errorsOut := fs.String("errors", "", "write failed rows as CSV (line,field,message) to this file instead of stderr")
	as := fs.String("as", "", "register the complaints as this user (email); default: the system")
	verbose := fs.Bool("verbose", false, "print the outcome of every row, not only failures")
	if err := parse(fs, args); err != nil {
		return err
	}
	tuneGC() // a bulk import allocates like intake does
	if *file == "" {
		return usageError{"--file is required"}
	}
	f, err := transfer.ParseFormat(*format, *file)
	if err != nil {
		return usageError{kesu.ErrorMessageOf(err)}
	}
	var mapping *transfer.Mapping
	if *mappingFile != "" {
		mf, err := os.Open(*mappingFile)
		if err != nil {
			return err
		}
		mapping, err = transfer.ReadMapping(mf)
		mf.Close()
		if err != nil {
			return fmt.Errorf("%s: %s", *mappingFile, describe(err))
		}
	}
	if *sheet != "" {
		if mapping == nil {
			mapping = &transfer.Mapping{}
		}
		mapping.Sheet = *sheet
	}
	in := io.Reader(os.Stdin)
	if *file != "-" {
		fh, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer fh.Close()
		in = fh
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	actor := kesu.SystemActor
	if *as != "" {
		u, _, err := app.DB.UserByEmail(ctx, *as)
		if err != nil {
			return err
		}
		if !u.Active {
			return fmt.Errorf("user %s is deactivated", u.Email)
		}
		actor = u.Actor()
	}

	report := func(r transfer.RowResult) { fmt.Fprintln(stderr, r) }
	var errCSV *csv.Writer
	if *errorsOut != "" {
		ef, err := os.Create(*errorsOut)
		if err != nil {
			return err
		}
		defer ef.Close()
		errCSV = csv.NewWriter(ef)
		errCSV.Write([]string{"line", "field", "message"})
		report = func(r transfer.RowResult) { errCSV.Write([]string{strconv.Itoa(r.Line), r.Field, r.Message}) }
	}
	start := time.Now()
	rep, importErr := transfer.Import(ctx, app.DB, in, transfer.ImportOptions{
		Format: f, Actor: actor, Clock: app.Clock, DryRun: *dryRun, Location: time.Local, Mapping: mapping,
		OnRow: func(r transfer.RowResult) {
			switch {
			case r.Outcome == transfer.Failed:
				report(r)
			case *verbose:
				fmt.Fprintln(stdout, r)
			}
		},
	})
	if errCSV != nil {
		errCSV.Flush()
		if err := errCSV.Error(); err != nil {
			importErr = errors.Join(importErr, fmt.Errorf("writing %s: %w", *errorsOut, err))
		}
	}
	fmt.Fprintln(stdout, rep)
	if !*dryRun {
		errText := ""
		if importErr != nil {
			errText = importErr.Error()
		}
		app.DB.RecordChannelHealth(ctx, "import", "cli", importErr == nil, errText, app.Clock.Now())
	}
	if took := time.Since(start); !*dryRun && took > 0 {
		rows := rep.Created + rep.Present + rep.Failed
		fmt.Fprintf(stderr, "%d rows in %.2fs: %.0f rows/s\n", rows, took.Seconds(), float64(rows)/took.Seconds())
	}
	switch {
	case importErr != nil && kesu.ErrorFieldOf(importErr) != "":
		// A CSV header error: the field is a column name, shown as it is.
		return fmt.Errorf("column %q: %s", kesu.ErrorFieldOf(importErr), kesu.ErrorMessageOf(importErr))
	case importErr != nil:
		return importErr
	case rep.Failed > 0 && errCSV != nil:
		return fmt.Errorf("%s failed; see %s", countNoun(rep.Failed, "row"), *errorsOut)
	case rep.Failed > 0:
		return fmt.Errorf("%s failed", countNoun(rep.Failed, "row"))
	}
	return nil
}

// runExport writes complaints as JSONL or CSV.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("export", stderr)
	cfg.dbFlags(fs)
	format := fs.String("format", "", "jsonl or csv (default: from the --out extension, else jsonl)")
	out := fs.String("out", "", "output file (default: standard output)")
	statuses := fs.String("status", "", "only these statuses, comma-separated (registered,accepted,...)")
	from := fs.String("from", "", "only complaints registered on or after this date (2026-01-31, local time) or RFC 3339 time")
	to := fs.String("to", "", "only complaints registered up to and including this date, or before this RFC 3339 time")
	bom := fs.Bool("bom", false, "start a CSV file with a UTF-8 byte order mark so that Excel shows Chinese correctly")
	if err := parse(fs, args); err != nil {
		return err
	}
	opts := transfer.ExportOptions{Format: transfer.JSONL, BOM: *bom, Location: time.Local}
	if *format != "" || filepath.Ext(*out) != "" {
		f, err := transfer.ParseFormat(*format, *out)
		if err != nil {
			return usageError{kesu.ErrorMessageOf(err)}
		}
		if f == transfer.XLSX {
			return usageError{"export writes jsonl or csv (XLSX is for import)"}
		}
		opts.Format = f
	}
	if *bom && opts.Format != transfer.CSV {
		return usageError{"--bom is only for CSV"}
	}
	var err error
	if opts.Filter, err = exportFilter(*statuses, *from, *to); err != nil {
		return err
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()

	w, dest := stdout, "standard output"
	var file *os.File
	if *out != "" && *out != "-" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		w, dest = file, *out
	}
	n, err := transfer.Export(ctx, app.DB, w, opts)
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out) // half a file looks like a whole one
		}
	}
	if err != nil {
		return err
	}
	// Every export of personal data is an audit event (DOMAIN.md section 7).
	if err := app.DB.Audit(ctx, kesu.SystemActor, store.AuditExport, 0,
		fmt.Sprintf("cli: %d complaints to %s (%s)", n, dest, os.Getenv("USER")), app.Clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %s to %s\n", countNoun(n, "complaint"), dest)
	return nil
}

// exportFilter turns the export flags into a store filter.
func exportFilter(statuses, from, to string) (store.Filter, error) {
	var f store.Filter
	for _, s := range strings.Split(statuses, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		known := false
		for _, st := range kesu.Statuses {
			known = known || string(st) == s
		}
		if !known {
			return f, usageError{fmt.Sprintf("--status: unknown status %q", s)}
		}
		f.Statuses = append(f.Statuses, kesu.Status(s))
	}
	var err error
	if f.From, err = flagTime("from", from, false); err != nil {
		return f, err
	}
	if f.To, err = flagTime("to", to, true); err != nil {
		return f, err
	}
	return f, nil
}

// flagTime reads an RFC 3339 time or a local date; a date given as the end
// of a range includes that whole day.
func flagTime(name, v string, end bool) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, time.Local)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--%s: %q is neither a date (2026-01-31) nor an RFC 3339 time", name, v)}
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return &t, nil
}

// countNoun writes "1 row", "2 rows".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
