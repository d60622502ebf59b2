package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
	mailin "github.com/kesu/kesu/channels/email"
	"github.com/kesu/kesu/channels/wechat"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/portal"
	slaengine "github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/web"
)

// Config is everything an App needs; flags and environment fill it.
type Config struct {
	Addr         string
	DB           string // SQLite path or postgres:// URL
	FilesDir     string // attachment storage; default next to the SQLite file
	NumberFormat string
	LogLevel     string
	// notify
	Notify NotifyConfig // SMTP and SMS gateway (cmd/kesu/notify.go)
}

// dbFlags registers the database flags every command shares.
func (c *Config) dbFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", envOr("KESU_DB", "kesu.db"), "SQLite file path or postgres:// URL (env KESU_DB)")
	fs.StringVar(&c.NumberFormat, "number-format", envOr("KESU_NUMBER_FORMAT", kesu.DefaultNumberFormat),
		"complaint number format (env KESU_NUMBER_FORMAT)")
	fs.StringVar(&c.FilesDir, "files", envOr("KESU_FILES", ""), "attachment directory (env KESU_FILES; default beside the database)")
}

// openDB opens (and migrates) the configured database.
func (c Config) openDB(ctx context.Context) (*store.DB, error) {
	return store.Open(ctx, c.DB, store.Options{NumberFormat: c.NumberFormat})
}

// App is the wired system: database, file storage and HTTP API. Tests boot
// the same App that `kesu serve` runs.
type App struct {
	Config Config
	DB     *store.DB
	Files  *files.Dir
	API    *api.Server
	Log    *slog.Logger
	Clock  kesu.Clock
	// Workers run beside the HTTP server in Serve.
	Workers []Worker
	Portal  *portal.Server // the customer portal under /portal/
	Web     *web.Server    // the agent workspace at /
}

// OpenApp opens the database (migrating it) and file storage.
func OpenApp(ctx context.Context, cfg Config, logOut io.Writer) (*App, error) {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); cfg.LogLevel != "" && err != nil {
		return nil, usageError{fmt.Sprintf("unknown log level %q (debug, info, warn, error)", cfg.LogLevel)}
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	db, err := cfg.openDB(ctx)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redact(cfg.DB), err)
	}
	if cfg.FilesDir == "" {
		if store.IsPostgresURL(cfg.DB) {
			cfg.FilesDir = "kesu-files"
		} else {
			cfg.FilesDir = strings.TrimSuffix(cfg.DB, filepath.Ext(cfg.DB)) + "-files"
		}
	}
	fd, err := files.NewDir(cfg.FilesDir)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("attachment directory: %w", err)
	}
	a := &App{Config: cfg, DB: db, Files: fd, Log: log, Clock: kesu.SystemClock{}}
	if err := a.wire(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// wire builds every part on the open database. Effects run in the order they
// are registered, inside each complaint change's transaction: the risk policy
// first, because it may raise the priority that SLA policies choose by and
// that messages name.
func (a *App) wire(ctx context.Context) error {
	cfg, db, fd, log := a.Config, a.DB, a.Files, a.Log
	apiCfg := api.Config{DB: db, Files: fd, Clock: a.Clock, Logger: log}
	// --- search and classification (search, classify) ---
	classifier := classify.NewService(db, a.Clock, log)
	if err := classifier.Reload(ctx); err != nil {
		return fmt.Errorf("classification models: %w", err)
	}
	db.AddEffect(classifier.Effect()) // risk words raise escalation and priority at intake
	apiCfg.Classify = classifier
	a.Workers = append(a.Workers, Worker{Name: "classify-reload", Run: classifier.Run},
		Worker{Name: "classify-suggest", Run: classifier.RunSuggest})
	// --- SLA (sla) ---
	slaEngine := slaengine.New(db, a.Clock, log)
	if err := slaEngine.Seed(ctx); err != nil {
		return fmt.Errorf("SLA defaults: %w", err)
	}
	db.AddEffect(slaEngine.Effect) // plans and moves each complaint's milestones in its own transaction
	apiCfg.SLA = slaEngine
	a.Workers = append(a.Workers, Worker{Name: "sla-timers", Run: slaEngine.Run})
	// --- notifications (notify) ---
	notifier, err := newNotifier(cfg, db, a.Clock, log)
	if err != nil {
		return err
	}
	db.AddEffect(notifier.Effect)                   // acknowledgements, status emails, in-app notices, webhooks: in the change's transaction
	db.OnOutbox(notifier.Channels(), notifier.Wake) // an enqueue it can deliver wakes the worker after its commit
	a.Workers = append(a.Workers, Worker{Name: "outbox", Run: notifier.Run})
	// --- channels (channels) ---
	// Signed callbacks' replay cache: nonces and message ids are refused for
	// 48 hours, far beyond any accepted timestamp skew.
	a.Workers = append(a.Workers, periodic("channel-replay-prune", time.Hour, func(ctx context.Context) error {
		_, err := db.PruneReplay(ctx, a.Clock.Now().Add(-48*time.Hour))
		return err
	}))
	emailIn := newEmailIngester(db, fd, a.Clock)
	apiCfg.EmailIn = emailIn
	db.AddEffect(mailin.Outbound{Domain: emailIn.Domain}.Effect) // agents' messages to email customers, threaded
	a.Workers = append(a.Workers, Worker{Name: "email-imap", Run: (&mailin.Poller{Ingester: emailIn, DB: db, Log: log}).Run})
	// --- accounts and web pages (web) ---
	secure := os.Getenv("KESU_SECURE_COOKIES") == "1"
	if a.Web, err = web.New(web.Config{DB: db, Files: fd, Clock: a.Clock, Rules: apiCfg.Rules, Logger: log,
		SecureCookies: secure, Classify: classifier, Search: apiCfg.Search}); err != nil {
		return fmt.Errorf("web pages: %w", err)
	}
	// Near-duplicate lookups scan a copy of the fingerprints: loaded at start,
	// read afresh for edits other processes made.
	a.Workers = append(a.Workers, periodic("fingerprints", 10*time.Minute, db.RefreshFingerprints))
	a.Workers = append(a.Workers, periodic("session-sweep", time.Hour, func(ctx context.Context) error {
		return db.DeleteExpiredSessions(ctx, a.Clock.Now()) // ended sessions, old login attempts
	}))
	if a.Portal, err = portal.New(ctx, portal.Config{DB: db, Files: fd, Clock: a.Clock, Rules: apiCfg.Rules, Logger: log,
		SecureCookies: secure}); err != nil {
		return fmt.Errorf("customer portal: %w", err)
	}
	a.Workers = append(a.Workers, periodic("portal-sweep", 10*time.Minute, func(ctx context.Context) error {
		return db.SweepPortal(ctx, a.Clock.Now()) // expired codes, sessions and rate counters
	}))
	a.API = api.New(apiCfg)
	return nil
}

// Handler routes every HTTP surface: the JSON API, web pages and channel
// callbacks.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	// --- web pages and customer portal (web) ---
	// The API keeps /api/, /healthz and /readyz; the workspace serves the rest.
	for _, p := range []string{"/api/", "/healthz", "/readyz"} {
		mux.Handle(p, a.API)
	}
	mux.Handle("/", a.Web)
	mux.Handle("/portal/", a.Portal)
	// --- channel callbacks (channels) ---
	mux.Handle("/channels/wechat/{name}", wechat.New(wechat.Config{DB: a.DB, Clock: a.Clock, Log: a.Log}))
	return mux
}

// periodic is a worker that runs fn now and then every interval.
func periodic(name string, interval time.Duration, fn func(ctx context.Context) error) Worker {
	return Worker{Name: name, Run: func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}}
}

// Worker is durable background work (timers, outbox delivery, mailbox
// polling) that runs while the server serves and stops when ctx ends. Its
// state lives in the database, so a restart loses nothing.
type Worker struct {
	Name string
	Run  func(ctx context.Context) error
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// redact hides a password in a database URL.
func redact(dsn string) string {
	if !store.IsPostgresURL(dsn) {
		return dsn
	}
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if colon := strings.Index(dsn[strings.Index(dsn, "//")+2:at], ":"); colon >= 0 {
			start := strings.Index(dsn, "//") + 2 + colon + 1
			return dsn[:start] + "***" + dsn[at:]
		}
	}
	return dsn
}

// EnsureAdmin creates the first administrator on an empty database and
// returns its email, one-time password and an API token; ok is false if
// accounts exist already.
func (a *App) EnsureAdmin(ctx context.Context) (email, password, token string, ok bool, err error) {
	n, err := a.DB.UserCount(ctx)
	if err != nil || n > 0 {
		return "", "", "", false, err
	}
	password = auth.RandomPassword()
	u, err := api.CreateUser(ctx, a.DB, api.NewUser{Email: "admin@kesu.local", Name: "管理员 Administrator",
		Role: kesu.RoleAdmin, Password: password}, a.Clock.Now())
	if kesu.ErrorCodeOf(err) == kesu.EConflict {
		return "", "", "", false, nil // another process created it first
	}
	if err != nil {
		return "", "", "", false, err
	}
	token, hash := auth.NewToken()
	if _, err := a.DB.CreateToken(ctx, u.ID, "first start", hash, a.Clock.Now()); err != nil {
		return "", "", "", false, err
	}
	// The one-time password must be replaced at the first sign-in (web).
	if err := a.DB.RequirePasswordChange(ctx, u.ID); err != nil {
		return "", "", "", false, err
	}
	return u.Email, password, token, true, nil
}

// Serve runs the HTTP server on ln until ctx ends, then lets in-flight
// requests finish.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           newHTTPMetrics().instrument(a.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // attachments on slow phones
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	workCtx, stopWork := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	for _, w := range a.Workers {
		workers.Go(func() {
			// A worker that fails is logged and restarted: deadlines and
			// deliveries must keep going while the server serves.
			for workCtx.Err() == nil {
				err := w.Run(workCtx)
				if workCtx.Err() != nil {
					return
				}
				a.Log.Error("worker stopped; restarting in 1s", "worker", w.Name, "err", err)
				select {
				case <-workCtx.Done():
				case <-time.After(time.Second):
				}
			}
		})
	}
	defer func() {
		stopWork()
		workers.Wait()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("serve", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&cfg.Addr, "addr", envOr("KESU_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env KESU_ADDR)")
	fs.StringVar(&cfg.LogLevel, "log-level", envOr("KESU_LOG_LEVEL", "info"), "debug, info, warn or error (env KESU_LOG_LEVEL)")
	cfg.notifyFlags(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the whole run to this file (for `go tool pprof`)")
	if err := parse(fs, args); err != nil {
		return err
	}
	tuneGC()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	email, password, token, created, err := app.EnsureAdmin(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	url := "http://" + displayAddr(ln.Addr().String())
	fmt.Fprintf(stdout, "kesu is serving at %s (database: %s %s)\n", url, app.DB.Dialect(), redact(cfg.DB))
	if created {
		fmt.Fprintf(stdout, "First start: administrator created. Write this down, it is shown only once:\n")
		fmt.Fprintf(stdout, "  login:     %s\n  password:  %s\n  API token: %s\n", email, password, token)
		fmt.Fprintf(stdout, "  try:       curl -H 'Authorization: Bearer %s' %s/api/v1/complaints\n", token, url)
	}
	return app.Serve(ctx, ln)
}

// displayAddr makes a listen address clickable.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("migrate", stderr)
	cfg.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := cfg.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "database %s is up to date\n", redact(cfg.DB))
	return nil
}

// tuneGC trades a little memory for CPU in the server: intake allocates a lot
// of short-lived garbage, and collecting four times less often cut the CPU
// per complaint from about 700 to 590 µs (BENCHMARKS.md). The soft memory
// limit makes the collector work harder instead of letting the heap grow past
// it. GOGC and GOMEMLIMIT in the environment override both.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
}

func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("reindex", stderr)
	cfg.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := cfg.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, err := db.Reindex(ctx, func(done int) {
		if done%10000 == 0 {
			fmt.Fprintf(stderr, "  %d complaints reindexed\n", done)
		}
	})
	if err != nil {
		return fmt.Errorf("after %d complaints: %w", n, err)
	}
	fmt.Fprintf(stdout, "reindexed %d complaints in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
