package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/sla"
	slaengine "github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
)

// slaBench is `kesu bench sla`: seed many open complaints with deadlines,
// then measure the next-deadline lookup, the firing rate of a backlog (what
// a restart after downtime faces) and the lateness of timers firing live.
type slaBench struct {
	DB          string
	FreshSchema bool
	Count       int
	Backlog     int
	Live        int
	Window      time.Duration
	CPUProfile  string
}

func runBenchSLA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b slaBench
	fs := newFlags("bench sla", stderr)
	fs.StringVar(&b.DB, "db", "", "SQLite file or postgres:// URL (default: a fresh SQLite file in a temp dir); give a fresh database")
	fs.BoolVar(&b.FreshSchema, "fresh-schema", false, "PostgreSQL: create a new schema in --db for the run and drop it afterwards")
	fs.IntVar(&b.Count, "count", 1000000, "open complaints with deadlines to seed")
	fs.IntVar(&b.Backlog, "backlog", 20000, "of them, complaints whose deadline passed while kesu was down (fired at once)")
	fs.IntVar(&b.Live, "live", 5000, "of them, complaints whose deadline comes during the live measurement")
	fs.DurationVar(&b.Window, "window", 10*time.Second, "the live deadlines are spread evenly over this window")
	fs.StringVar(&b.CPUProfile, "cpuprofile", "", "write a CPU profile of the firing phases to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case b.Count < 1 || b.Count > 50000000:
		return usageError{"--count must be from 1 to 50000000"}
	case b.Backlog < 0 || b.Live < 0 || b.Backlog+b.Live > b.Count:
		return usageError{"--backlog and --live must not be negative and together at most --count"}
	case b.Window <= 0:
		return usageError{"--window must be positive"}
	case b.FreshSchema && !store.IsPostgresURL(b.DB):
		return usageError{"--fresh-schema needs a postgres:// --db"}
	}
	return b.run(ctx, stdout, stderr)
}

func (b slaBench) run(ctx context.Context, stdout, stderr io.Writer) error {
	dsn, shown := b.DB, redact(b.DB)
	if dsn == "" {
		dir, err := os.MkdirTemp("", "kesu-bench-sla-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn, shown = filepath.Join(dir, "bench.db"), "fresh SQLite file in a temp dir"
	} else if !store.IsPostgresURL(dsn) {
		if _, err := os.Stat(dsn); err == nil {
			return usageError{"--db must not exist yet: the benchmark seeds a fresh database"}
		}
	}
	if b.FreshSchema {
		var drop func()
		var err error
		dsn, drop, err = freshSchema(ctx, dsn)
		if err != nil {
			return err
		}
		defer drop()
		shown = redact(b.DB) + " (fresh schema)"
	}
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return err
	}
	defer func() { // the database reopened below
		if db != nil {
			db.Close()
		}
	}()
	eng := slaengine.New(db, kesu.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := eng.Seed(ctx); err != nil {
		return err
	}
	cal, err := eng.Calendar(ctx, "default")
	if err != nil {
		return err
	}

	// Seed: the bulk in the future (1 to 30 days), then the backlog (due an
	// hour ago, as after downtime).
	now := time.Now()
	future := b.Count - b.Backlog - b.Live
	fmt.Fprintf(stderr, "seeding %d open complaints with deadlines into %s (%s)...\n", b.Count-b.Live, db.Dialect(), shown)
	seedStart := time.Now()
	seq := 0
	seed := func(n int, due func(i int) time.Time) error {
		const batch = 10000
		rows := make([]store.BenchClock, 0, batch)
		for i := 0; i < n; i++ {
			seq++
			d := due(i)
			rows = append(rows, store.BenchClock{Number: fmt.Sprintf("SB%09d", seq), RegisteredAt: d.Add(-72 * time.Hour),
				Clock: benchClock(d, cal)})
			if len(rows) == batch || i == n-1 {
				if err := db.SeedSLABench(ctx, rows); err != nil {
					return err
				}
				rows = rows[:0]
			}
			if seq%100000 == 0 {
				fmt.Fprintf(stderr, "  %d seeded (%.0f/s)\n", seq, float64(seq)/time.Since(seedStart).Seconds())
			}
		}
		return nil
	}
	span := 29 * 24 * time.Hour
	if err := seed(future, func(i int) time.Time {
		return now.Add(24*time.Hour + time.Duration(int64(span)/int64(max(future, 1))*int64(i)))
	}); err != nil {
		return err
	}
	if err := seed(b.Backlog, func(int) time.Time { return now.Add(-time.Hour) }); err != nil {
		return err
	}
	seedTime := time.Since(seedStart)
	// Restart, as after downtime: closing checkpoints the seeding's WAL, so
	// the measurement below does not compete with it.
	db.Close()
	if db, err = store.Open(ctx, dsn, store.Options{}); err != nil {
		db = nil
		return err
	}
	eng = slaengine.New(db, kesu.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	// Next-deadline lookup: the query the worker makes before every sleep.
	var lookups []time.Duration
	for i := 0; i < 1000; i++ {
		t0 := time.Now()
		if _, err := db.NextSLADue(ctx); err != nil {
			return err
		}
		lookups = append(lookups, time.Since(t0))
	}

	if b.CPUProfile != "" {
		stop, err := startCPUProfile(b.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Backlog: everything overdue fires at once (breach + escalation each).
	t0 := time.Now()
	backlogFired, err := eng.FireDue(ctx)
	if err != nil {
		return err
	}
	backlogTime := time.Since(t0)

	// Live: deadlines spread over the window, fired by the running worker.
	liveStart := time.Now().Add(2 * time.Second)
	if err := seed(b.Live, func(i int) time.Time {
		return liveStart.Add(time.Duration(int64(b.Window) / int64(max(b.Live, 1)) * int64(i)))
	}); err != nil {
		return err
	}
	var mu sync.Mutex
	var late []time.Duration
	done := make(chan struct{})
	want := 2 * b.Live // a breach and an escalation each
	eng.OnFire = func(fired []store.SLAFiring, committed time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fired {
			late = append(late, committed.Sub(f.At))
		}
		if len(late) >= want {
			select {
			case <-done:
			default:
				close(done)
			}
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = eng.Run(runCtx) })
	if b.Live == 0 {
		close(done)
	}
	select {
	case <-done:
	case <-time.After(b.Window + 2*time.Minute):
	case <-ctx.Done():
	}
	stop()
	wg.Wait()
	if runErr != nil {
		return runErr
	}
	mu.Lock()
	defer mu.Unlock()

	sortDur(lookups)
	sortDur(late)
	pct := func(s []time.Duration, p float64) time.Duration {
		if len(s) == 0 {
			return 0
		}
		return s[min(len(s)-1, int(float64(len(s))*p))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintf(stdout, "kesu bench sla --count %d --backlog %d --live %d --window %s  (%s)\n", b.Count, b.Backlog, b.Live, b.Window, shown)
	fmt.Fprintf(stdout, "seeded:    %d open complaints with deadlines in %.1f s (bulk insert, not intake)\n", b.Count, seedTime.Seconds())
	fmt.Fprintf(stdout, "lookup:    next deadline (MIN(next_due) over %d clocks) p50 %s, p99 %s (1000 lookups)\n", b.Count, ms(pct(lookups, 0.5)), ms(pct(lookups, 0.99)))
	rate := 0.0
	if backlogTime > 0 {
		rate = float64(backlogFired) / backlogTime.Seconds()
	}
	fmt.Fprintf(stdout, "backlog:   %d overdue complaints: %d timers fired (breach + escalation) in %.2f s = %.0f timers/s\n",
		b.Backlog, backlogFired, backlogTime.Seconds(), rate)
	fmt.Fprintf(stdout, "live:      %d of %d timers fired; lateness (due instant -> firing committed) p50 %s, p99 %s, max %s\n",
		len(late), want, ms(pct(late, 0.5)), ms(pct(late, 0.99)), ms(pct(late, 1)))
	if len(late) < want {
		return fmt.Errorf("only %d of %d live timers fired", len(late), want)
	}
	return nil
}

func sortDur(s []time.Duration) { sort.Slice(s, func(i, j int) bool { return s[i] < s[j] }) }

// benchClock is a complaint with one running deadline at due (its warning
// already past), as most open complaints have.
func benchClock(due time.Time, cal *sla.Calendar) sla.Clock {
	start := due.Add(-72 * time.Hour)
	return sla.Clock{Policy: "bench", Calendar: cal.Name, WarnShare: 0.75, Milestones: []sla.Milestone{{
		Name: sla.Resolve, State: sla.Running, Target: 72 * time.Hour, Start: &start, Due: &due, Warned: true}}}
}

// startCPUProfile writes a Go CPU profile to path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
