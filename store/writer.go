package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// SQLite has one writer. Instead of committing each write transaction on its
// own, the writer goroutine takes every job that is waiting, runs each in a
// SAVEPOINT of one shared transaction and commits once (group commit). A job
// that fails rolls back only its savepoint. Callers get their answer after
// the COMMIT, so an acknowledged write is durable. Under load this turns many
// small WAL appends into one; with a single caller it is a plain transaction.

// maxBatch bounds how many jobs share one commit, so one commit never holds
// up the first caller for long.
const maxBatch = 64

type writeJob struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

func (db *DB) startWriter() {
	db.jobs = make(chan *writeJob, maxBatch)
	db.quit = make(chan struct{})
	db.stopped = make(chan struct{})
	db.checkpointPoke = make(chan struct{}, 1)
	db.checkpointDone = make(chan struct{})
	go db.runWriter()
	go db.runCheckpointer()
}

func (db *DB) stopWriter() {
	if db.jobs == nil {
		return
	}
	close(db.quit)
	<-db.stopped
	<-db.checkpointDone
}

// checkpointEvery is the shortest time between two checkpoints under load.
const checkpointEvery = 250 * time.Millisecond

// walResetFrames is the WAL size (in 8 KiB pages: 128 MiB) past which the
// checkpointer tries to empty the WAL at a moment the writer is idle, and
// walForceFrames (1 GiB) the size past which it holds the writer back to do
// so.
const (
	walResetFrames = 16384
	walForceFrames = 8 * walResetFrames
)

// runCheckpointer copies committed WAL frames into the database file after
// writes, at most every checkpointEvery, on its own connection: PASSIVE
// checkpoints never block the writer, and the writer (which has automatic
// checkpoints turned off) never spends its time on them. An idle database
// costs nothing: the checkpointer waits for a poke from the writer.
//
// Under a sustained load (a bulk import) the writer appends new frames
// before each PASSIVE checkpoint has caught up, so SQLite never gets to start
// the WAL over and the file grows without bound (4.7 GB while seeding a
// million complaints). Past walResetFrames a TRUNCATE checkpoint empties it.
// That checkpoint takes the write lock and then waits for readers, sleeping
// in SQLite's busy handler (1, 2, 5, 10 ... 100 ms) while the writer is held
// back: intake stalled for up to 400 ms each time. So it is tried without
// waiting first (busy timeout 0: it gives up at once unless the writer is
// between transactions and no reader is in the way) and only past
// walForceFrames allowed to wait.
func (db *DB) runCheckpointer() {
	defer close(db.checkpointDone)
	for {
		select {
		case <-db.checkpointPoke:
			var busy, frames, done int
			err := db.checkpointDB.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
			if err == nil && frames > walResetFrames {
				db.truncateWAL(frames > walForceFrames)
			}
			select {
			case <-time.After(checkpointEvery):
			case <-db.quit:
			}
		case <-db.quit:
			<-db.stopped // the writer has finished: fold the WAL back in
			db.truncateWAL(true)
			return
		}
	}
}

// truncateWAL checkpoints the whole WAL and empties it; unless wait, only if
// that is possible right now.
func (db *DB) truncateWAL(wait bool) {
	ctx := context.Background()
	conn, err := db.checkpointDB.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if !wait {
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
			return
		}
		defer conn.ExecContext(ctx, "PRAGMA busy_timeout = 10000")
	}
	conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
}

// pokeCheckpointer asks for a checkpoint soon, without waiting.
func (db *DB) pokeCheckpointer() {
	select {
	case db.checkpointPoke <- struct{}{}:
	default:
	}
}

// submit queues fn for the writer and waits for its outcome.
func (db *DB) submit(ctx context.Context, fn func(*Tx) error) error {
	job := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.jobs <- job:
	case <-db.quit:
		return fmt.Errorf("store: database is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the job may already
	// be committed, and the caller must not report failure for a success.
	return <-job.done
}

func (db *DB) runWriter() {
	defer close(db.stopped)
	batch := make([]*writeJob, 0, maxBatch)
	for {
		select {
		case job := <-db.jobs:
			batch = append(batch[:0], job)
		case <-db.quit:
			// Drain what was queued before Close so no caller waits forever.
			for {
				select {
				case job := <-db.jobs:
					db.runBatch([]*writeJob{job})
				default:
					return
				}
			}
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case job := <-db.jobs:
				batch = append(batch, job)
			default:
				break collect
			}
		}
		db.runBatch(batch)
		db.stmts.prepareWriter(db.writer)
		db.pokeCheckpointer()
	}
}

func (db *DB) runBatch(batch []*writeJob) {
	results := make([]error, len(batch))
	finish := func(commitErr error) {
		for i, job := range batch {
			if results[i] == nil {
				results[i] = commitErr
			}
			job.done <- results[i]
		}
	}
	sqlTx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		finish(db.mapErr(err))
		return
	}
	tx := &Tx{db: db, tx: sqlTx}
	bg := context.Background() // savepoints are the batch's, not a job's
	single := len(batch) == 1
	ok := 0
	for i, job := range batch {
		if err := job.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if !single {
			if _, err := tx.exec(bg, "SAVEPOINT job"); err != nil {
				results[i] = err
				continue
			}
		}
		mark := len(tx.deferred)
		err := runJob(job, tx)
		if err != nil {
			tx.deferred = tx.deferred[:mark] // the job's deferred work goes with it
			results[i] = err
			if !single {
				if _, rbErr := tx.exec(bg, "ROLLBACK TO job"); rbErr != nil {
					// The transaction is unusable: fail the whole batch.
					sqlTx.Rollback()
					for k := range results {
						if results[k] == nil {
							results[k] = rbErr
						}
					}
					finish(rbErr)
					return
				}
				tx.exec(bg, "RELEASE job")
			}
			continue
		}
		if !single {
			if _, err := tx.exec(bg, "RELEASE job"); err != nil {
				results[i] = err
				continue
			}
		}
		ok++
	}
	if ok == 0 {
		sqlTx.Rollback()
		finish(nil)
		return
	}
	if err := tx.runDeferred(); err != nil {
		sqlTx.Rollback()
		if single {
			results[0] = err
			finish(nil)
			return
		}
		// Which job's deferred work failed is unknown: run each job on its own.
		for _, job := range batch {
			db.runBatch([]*writeJob{job})
		}
		return
	}
	finish(db.mapErr(sqlTx.Commit()))
}

// runJob runs one job, turning a panic into an error for that job alone.
func runJob(job *writeJob, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic in write transaction: %v", p)
		}
	}()
	return job.fn(tx)
}

// stmtCache keeps prepared statements per pool and query text. SQLite spends
// a large share of a small write parsing SQL; preparing once removes it.
type stmtCache struct {
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool // writer queries seen inside a transaction, to prepare between batches
}

// get returns the prepared statement for query on pool, preparing it now if
// allowed. The writer pool has one connection, held by the running
// transaction, so writer statements are only marked and prepared later by
// prepareWriter; until then the caller runs the query unprepared.
func (c *stmtCache) get(pool *sql.DB, tag, query string, prepareNow bool) *sql.Stmt {
	key := tag + query
	c.mu.RLock()
	st := c.m[key]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st = c.m[key]; st != nil {
		return st
	}
	if !prepareNow {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[query] = true
		return nil
	}
	st, err := pool.Prepare(query)
	if err != nil {
		return nil // the caller runs the query unprepared and reports the error
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[key] = st
	return st
}

// prepareWriter prepares the writer statements seen since the last call; the
// writer goroutine calls it between transactions, when the connection is free.
func (c *stmtCache) prepareWriter(pool *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for query := range c.pending {
		delete(c.pending, query)
		if st, err := pool.Prepare(query); err == nil {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m["w"+query] = st
		}
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
