package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A client that goes away while its job runs must not take the other jobs
// of the same group commit down with it: SQLite's driver answers a cancelled
// context by interrupting the connection, and an interrupted INSERT rolls
// back the whole shared transaction.
func TestCancelledJobLeavesItsBatchAlone(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "kesu.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Hold the writer so that the next two jobs queue up and share a commit.
	blocked, release := make(chan struct{}), make(chan struct{})
	go db.tx(ctx, func(tx *Tx) error { close(blocked); <-release; return nil })
	<-blocked
	waitQueued := func(n int) {
		for len(db.jobs) < n {
			time.Sleep(time.Millisecond)
		}
	}

	slowCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	slowDone := make(chan error, 1)
	go func() {
		slowDone <- db.tx(slowCtx, func(tx *Tx) error {
			time.AfterFunc(20*time.Millisecond, cancel) // the client hangs up mid-statement
			_, err := tx.exec(slowCtx, `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300000)
				INSERT INTO number_counters(scope, last) SELECT 'slow-' || x, x FROM n`)
			return err
		})
	}()
	waitQueued(1)
	otherDone := make(chan error, 1)
	go func() {
		otherDone <- db.tx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `INSERT INTO number_counters(scope, last) VALUES ('other', 1)`)
			return err
		})
	}()
	waitQueued(2)
	close(release)

	if err := <-otherDone; err != nil {
		t.Fatalf("a job sharing the commit with a cancelled one failed: %v", err)
	}
	var last int64
	if err := db.queryRow(ctx, `SELECT last FROM number_counters WHERE scope = 'other'`).Scan(&last); err != nil || last != 1 {
		t.Fatalf("the other job's row: %d, %v", last, err)
	}
	// The cancelled job itself either committed whole or failed alone.
	slowErr := <-slowDone
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM number_counters WHERE scope LIKE 'slow-%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if (slowErr == nil) != (n == 300000) || (slowErr != nil && n != 0) {
		t.Fatalf("cancelled job: err %v with %d rows", slowErr, n)
	}
}
