package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/benchload"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
)

// searchBench is the configuration of `kesu bench search`.
type searchBench struct {
	DB      string
	Count   int64
	Queries int
	Checks  int
}

// benchWords are two-character Chinese words complaints are full of.
var benchWords = []string{"退款", "物流", "客服", "快递", "售后", "维修", "包裹", "发票", "退货", "上门"}

func runBenchSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b searchBench
	fs := newFlags("bench search", stderr)
	// Deliberately not KESU_DB: seeding writes up to millions of complaints.
	fs.StringVar(&b.DB, "db", filepath.Join(os.TempDir(), "kesu-bench-search.db"),
		"SQLite file or postgres:// URL; complaints are added until it holds --count (kept for the next run)")
	fs.Int64Var(&b.Count, "count", 1_000_000, "complaints the database should hold")
	fs.IntVar(&b.Queries, "queries", 200, "searches measured per order")
	fs.IntVar(&b.Checks, "checks", 200, "duplicate checks measured")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case b.Count < 1 || b.Count > 10_000_000:
		return usageError{"--count must be from 1 to 10000000"}
	case b.Queries < 1 || b.Checks < 1:
		return usageError{"--queries and --checks must be positive"}
	}
	db, err := store.Open(ctx, b.DB, store.Options{})
	if err != nil {
		return fmt.Errorf("database %s: %w", redact(b.DB), err)
	}
	defer db.Close()
	if err := b.seed(ctx, db, stderr); err != nil {
		return err
	}
	n, err := db.ComplaintCount(ctx)
	if err != nil {
		return err
	}
	eng := search.New(db)
	fmt.Fprintf(stdout, "kesu bench search: %s, %d complaints\n\n", db.Dialect(), n)
	fmt.Fprintf(stdout, "| backend | complaints | what | runs | p50 | p95 | max | kesu CPU per run |\n|---|---:|---|---:|---:|---:|---:|---:|\n")
	for _, order := range []search.Order{search.Newest, search.Ranked} {
		// One untimed pass warms the caches, as a running server's are.
		for _, w := range benchWords {
			q, _ := search.Parse(w)
			if _, err := eng.List(ctx, store.Filter{Limit: 50}, q, order); err != nil {
				return err
			}
		}
		var ds []time.Duration
		cpu0 := selfCPU()
		for i := 0; i < b.Queries; i++ {
			q, _ := search.Parse(benchWords[i%len(benchWords)])
			start := time.Now()
			if _, err := eng.List(ctx, store.Filter{Limit: 50}, q, order); err != nil {
				return err
			}
			ds = append(ds, time.Since(start))
		}
		printRow(stdout, db.Dialect(), n, fmt.Sprintf("two-character query, %s, 50 per page", order), ds, selfCPU()-cpu0)
	}
	if err := db.RefreshFingerprints(ctx); err != nil { // as the server does at start
		return err
	}
	gen := &benchload.Generator{Seed: 7, Now: time.Now()}
	var ds []time.Duration
	cpu0 := selfCPU()
	for i := 0; i < b.Checks; i++ {
		draft := gen.Complaint(int64(b.Count) + int64(i) + 1)
		start := time.Now()
		if _, err := eng.Check(ctx, draft, time.Now()); err != nil {
			return err
		}
		ds = append(ds, time.Since(start))
	}
	printRow(stdout, db.Dialect(), n, "duplicate check of a new complaint", ds, selfCPU()-cpu0)
	return nil
}

// printRow prints percentiles of ds and the CPU this process spent per run
// (on a shared machine the wall-clock tail includes waiting for a core; for
// PostgreSQL the server's CPU is not included).
func printRow(w io.Writer, backend string, n int64, what string, ds []time.Duration, cpu time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) string {
		d := ds[min(len(ds)-1, int(p*float64(len(ds))))]
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	fmt.Fprintf(w, "| %s | %d | %s | %d | %s | %s | %s | %.1f ms |\n", backend, n, what, len(ds), pct(0.50), pct(0.95), pct(1),
		float64(cpu.Microseconds())/1000/float64(len(ds)))
}

// seed adds generated complaints until the database holds b.Count, spread
// over the year before now (oldest first, so ids follow registration),
// through the bulk path. External ids make an interrupted seeding resume.
func (b searchBench) seed(ctx context.Context, db *store.DB, stderr io.Writer) error {
	have, err := db.ComplaintCount(ctx)
	if err != nil || have >= b.Count {
		return err
	}
	now := time.Now().UTC().Truncate(time.Hour)
	span := 365 * 24 * time.Hour
	gen := &benchload.Generator{Seed: 1, Now: now.Add(-span)}
	actor := kesu.Actor{Role: kesu.RoleSystem, Name: "bench"}
	start := time.Now()
	const batch = 5000
	fmt.Fprintf(stderr, "seeding %d complaints into %s...\n", b.Count-have, redact(b.DB))
	for seq := have; seq < b.Count; seq += batch {
		var ins []kesu.NewComplaint
		for i := seq; i < min(seq+batch, b.Count); i++ {
			in := gen.Complaint(i)
			reg := now.Add(-span + time.Duration(float64(span)*float64(i)/float64(b.Count)))
			in.RegisteredAt, in.OccurredAt = &reg, nil
			in.ExternalID = fmt.Sprintf("bench-search-%d", i)
			ins = append(ins, in)
		}
		res, err := db.CreateComplaints(ctx, ins, actor, now)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil {
				return fmt.Errorf("seeding: %w", r.Err)
			}
		}
		done := seq + int64(len(ins)) - have
		el := time.Since(start)
		fmt.Fprintf(stderr, "  %d/%d (%.0f/s)\n", done, b.Count-have, float64(done)/el.Seconds())
	}
	return db.Analyze(ctx)
}
