// Package store keeps kesu's data in SQLite (the embedded default) or
// PostgreSQL (to scale out). Queries are raw SQL written once with '?'
// placeholders and rebound for PostgreSQL; both dialects pass one contract
// test suite. Every change to a complaint writes its event row in the same
// transaction.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kesu/kesu"
)

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

//go:embed migrations
var migrationFS embed.FS

// Options configure a DB beyond its DSN.
type Options struct {
	// NumberFormat renders complaint numbers; empty means kesu.DefaultNumberFormat.
	NumberFormat string
	// Location is the time zone of complaint numbers' dates; nil means Asia/Shanghai.
	Location *time.Location
	// Readers is the SQLite reader pool size; 0 means max(4, 2*GOMAXPROCS).
	Readers int
}

// DB is a kesu database. It is safe for concurrent use.
type DB struct {
	dialect dialect
	writer  *sql.DB // SQLite: exactly one connection, so writes never fight over the lock
	reader  *sql.DB // SQLite: a pool of read-only connections; PostgreSQL: same as writer
	numbers kesu.NumberFormat
	loc     *time.Location
	rebound sync.Map // query text -> PostgreSQL text
	effects []Effect // run inside every complaint change's transaction (effects.go)
	// termDocs caches search-index document counts (SQLite; search.go).
	termDocs termDocs
	// fingerprints is the in-memory copy of the SimHashes (fingerprints.go).
	fingerprints fingerprints
	// outboxWake is called after a transaction that enqueued messages of its
	// channels commits (outbox.go).
	outboxWake []outboxWaker

	// SQLite only: prepared statements by query text, and the group-commit
	// writer (see writer.go).
	stmts   stmtCache
	jobs    chan *writeJob
	quit    chan struct{}
	stopped chan struct{}
	// checkpoints copy the WAL into the database file on a connection of
	// their own, so the writer does not (see writer.go).
	checkpointDB   *sql.DB
	checkpointPoke chan struct{}
	checkpointDone chan struct{}
}

// IsPostgresURL reports whether dsn names a PostgreSQL database rather than
// a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn (a SQLite file path or a postgres:// URL) and applies
// pending migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db, err := open(dsn, opt)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func open(dsn string, opt Options) (*DB, error) {
	if opt.NumberFormat == "" {
		opt.NumberFormat = kesu.DefaultNumberFormat
	}
	nf, err := kesu.ParseNumberFormat(opt.NumberFormat)
	if err != nil {
		return nil, err
	}
	if opt.Location == nil {
		opt.Location, err = time.LoadLocation("Asia/Shanghai")
		if err != nil {
			opt.Location = time.FixedZone("CST", 8*3600)
		}
	}
	db := &DB{numbers: nf, loc: opt.Location}
	if IsPostgresURL(dsn) {
		db.dialect = dialectPostgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
		pool.SetMaxIdleConns(max(8, 4*runtime.GOMAXPROCS(0)))
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.writer, db.reader = pool, pool
		return db, nil
	}
	if dsn == "" {
		return nil, kesu.Errorf(kesu.EInvalid, "no database given")
	}
	path, err := filepath.Abs(strings.TrimPrefix(dsn, "file:"))
	if err != nil {
		return nil, err
	}
	// WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode
	// survives a process crash (kill -9): committed pages are in the WAL file
	// via the OS; only a power loss can lose the last commits (docs/decisions.md).
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=page_size(8192)"
	// Page caches are per connection: the writer gets the large one; readers
	// and the checkpointer small ones, so memory stays bounded (readers share
	// the OS page cache anyway).
	db.writer, err = sql.Open("sqlite", base+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-32000)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	db.writer.SetConnMaxLifetime(0)
	db.writer.SetConnMaxIdleTime(0)
	db.reader, err = sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=cache_size(-8000)")
	if err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	readers := opt.Readers
	if readers == 0 {
		readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	db.reader.SetMaxOpenConns(readers)
	db.reader.SetMaxIdleConns(readers)
	db.reader.SetConnMaxIdleTime(0)
	db.checkpointDB, err = sql.Open("sqlite", base+"&_pragma=cache_size(-2000)")
	if err != nil {
		db.writer.Close()
		db.reader.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.checkpointDB.SetMaxOpenConns(1)
	db.startWriter()
	return db, nil
}

// Close releases the connections.
func (db *DB) Close() error {
	db.stopWriter()
	db.stmts.close()
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	if db.checkpointDB != nil {
		err = errors.Join(err, db.checkpointDB.Close())
	}
	return err
}

// Dialect names the backend: "sqlite" or "postgres".
func (db *DB) Dialect() string {
	if db.dialect == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// Ping checks that the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return kesu.Errorf(kesu.EUnavailable, "database unreachable")
	}
	return nil
}

// Migrate applies the embedded migrations that have not run yet, each in
// its own transaction.
func (db *DB) Migrate(ctx context.Context) error {
	dir := "migrations/sqlite"
	if db.dialect == dialectPostgres {
		dir = "migrations/postgres"
	}
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrationFS.ReadFile(dir + "/" + name)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *Tx) error {
			if db.dialect == dialectPostgres {
				// Several kesu processes may start at once against one database.
				if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(7307457)"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			_, err := tx.exec(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
				version, name, micros(time.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Tx is a write transaction.
type Tx struct {
	db *DB
	tx *sql.Tx
	// deferred work runs after every job of a group commit, just before the
	// COMMIT, outside the jobs' savepoints (see writer.go).
	deferred []func() error
	// afterCommit collects the current job's AfterCommit functions; db.tx
	// runs them once the job's transaction has committed.
	afterCommit *[]func()
	// handles are this transaction's handles on cached prepared statements
	// (SQLite): a group commit runs the same dozen statements for every job,
	// and a new handle per statement costs as much as binding its arguments.
	handles map[*sql.Stmt]*sql.Stmt
}

// AfterCommit runs fn after this transaction commits, and never if it rolls
// back: for waking workers about rows they can only see once committed.
func (tx *Tx) AfterCommit(fn func()) {
	if tx.afterCommit != nil {
		*tx.afterCommit = append(*tx.afterCommit, fn)
	}
}

// later runs fn in this transaction after the current job succeeds. SQLite's
// FTS5 flushes its index on every savepoint release; writing the search index
// once per batch avoids that.
func (tx *Tx) later(fn func() error) {
	tx.deferred = append(tx.deferred, fn)
}

// runDeferred runs the work registered with later.
func (tx *Tx) runDeferred() error {
	for _, fn := range tx.deferred {
		if err := fn(); err != nil {
			return err
		}
	}
	tx.deferred = nil
	return nil
}

// tx runs fn in a write transaction, committing if fn returns nil. SQLite
// transactions start IMMEDIATE on the single writer connection; a busy
// database (another process writing) is retried.
func (db *DB) tx(ctx context.Context, fn func(*Tx) error) error {
	var err error
	var after []func()
	job := func(tx *Tx) error {
		// A job may run more than once (retries, a group commit split up):
		// only the run that commits counts.
		after = after[:0]
		tx.afterCommit = &after
		defer func() { tx.afterCommit = nil }()
		return fn(tx)
	}
	for attempt := 0; attempt < 5; attempt++ {
		if db.jobs != nil {
			err = db.submit(ctx, job)
		} else {
			err = db.tryTx(ctx, job)
		}
		if err == nil || !db.retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
	}
	if err == nil {
		for _, f := range after {
			f()
		}
	}
	return err
}

func (db *DB) tryTx(ctx context.Context, fn func(*Tx) error) (err error) {
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return db.mapErr(err)
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	tx := &Tx{db: db, tx: sqlTx}
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.runDeferred(); err != nil {
		return err
	}
	return db.mapErr(sqlTx.Commit())
}

func (db *DB) retryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" // serialization failure, deadlock
	}
	return false
}

// mapErr turns constraint violations into kesu errors; others pass through.
func (db *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return kesu.Errorf(kesu.ENotFound, "not found")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &kesu.Error{Code: kesu.EConflict, Message: "already exists"}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &kesu.Error{Code: kesu.EInvalid, Message: "refers to something that does not exist"}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &kesu.Error{Code: kesu.EConflict, Message: "already exists"}
		case "23503":
			return &kesu.Error{Code: kesu.EInvalid, Message: "refers to something that does not exist"}
		}
	}
	return err
}

// q rewrites '?' placeholders to $1, $2 ... for PostgreSQL. Queries in this
// package never contain '?' inside string literals.
func (db *DB) q(query string) string {
	if db.dialect != dialectPostgres {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	out := b.String()
	db.rebound.Store(query, out)
	return out
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.statementContext(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		r, err := st.ExecContext(ctx, args...)
		return r, tx.db.mapErr(err)
	}
	r, err := tx.tx.ExecContext(ctx, tx.db.q(query), args...)
	return r, tx.db.mapErr(err)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.statementContext(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.db.q(query), args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = tx.statementContext(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, tx.db.mapErr(err)
	}
	rows, err := tx.tx.QueryContext(ctx, tx.db.q(query), args...)
	return rows, tx.db.mapErr(err)
}

// statementContext is the context a statement of this transaction runs
// under. On SQLite the transaction is a group commit shared by many callers,
// and the driver answers a cancelled context by interrupting the connection:
// an interrupted write rolls back the whole shared transaction, failing
// every other caller's job with it. So one caller's cancellation (a client
// that hung up) never reaches a running statement; jobs are short, and
// runBatch skips a job whose context ended before it started. Without a
// done channel the driver also skips the watcher goroutine it would start
// for every statement. PostgreSQL transactions are the caller's own.
func (tx *Tx) statementContext(ctx context.Context) context.Context {
	if tx.db.dialect == dialectSQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns the transaction's handle on a cached prepared statement
// (SQLite; PostgreSQL's driver caches statements itself), or nil.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.db.dialect != dialectSQLite {
		return nil
	}
	st := tx.db.stmts.get(tx.db.writer, "w", query, false)
	if st == nil {
		return nil
	}
	if h := tx.handles[st]; h != nil {
		return h
	}
	if tx.handles == nil {
		tx.handles = map[*sql.Stmt]*sql.Stmt{}
	}
	h := tx.tx.StmtContext(ctx, st)
	tx.handles[st] = h
	return h
}

// insert runs an INSERT into a table whose id is its key and returns the
// id: RETURNING id on PostgreSQL; on SQLite the connection's last rowid,
// which costs a quarter of a RETURNING query there (id is the rowid of every
// table this is used on).
func (tx *Tx) insert(ctx context.Context, query string, args ...any) (int64, error) {
	if tx.db.dialect == dialectSQLite {
		res, err := tx.exec(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := tx.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, tx.db.mapErr(err)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.dialect == dialectSQLite {
		if st := db.stmts.get(db.reader, "r", query, true); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return db.reader.QueryRowContext(ctx, db.q(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.dialect == dialectSQLite {
		if st := db.stmts.get(db.reader, "r", query, true); st != nil {
			rows, err := st.QueryContext(ctx, args...)
			return rows, db.mapErr(err)
		}
	}
	rows, err := db.reader.QueryContext(ctx, db.q(query), args...)
	return rows, db.mapErr(err)
}

// Times are stored as microseconds since the epoch in both dialects.
func micros(t time.Time) int64 { return t.UnixMicro() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// storedTime is now as the database keeps it (UTC, whole microseconds), so
// that what a write returns equals what a later read returns.
func storedTime(now time.Time) time.Time { return now.UTC().Truncate(time.Microsecond) }

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// list runs a query on the readers and scans every row with scan.
func list[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scan)
}

// txList is list inside a write transaction.
func txList[T any](ctx context.Context, tx *Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scan)
}

// scanAll scans every row and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString reads a one-column row of text.
func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// qmarks is n comma-separated placeholders, for IN lists and multi-row
// VALUES.
func qmarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// scanInt64 reads a one-column row holding an integer (an id).
func scanInt64(s scanner) (int64, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}
