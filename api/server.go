// Package api is kesu's JSON API under /api/v1, plus /healthz and /readyz.
// Every route is declared in routes.go; errors are mapped to HTTP in
// errors.go and nowhere else.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kesu/kesu"
	mailin "github.com/kesu/kesu/channels/email"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
)

// Config is what the API needs; cmd/kesu builds it.
type Config struct {
	DB     *store.DB
	Files  *files.Dir
	Clock  kesu.Clock
	Rules  kesu.Rules
	Logger *slog.Logger
	// MaxBody caps JSON request bodies (default 1 MiB).
	MaxBody int64
	// MaxAttachment caps uploaded files (default 20 MiB).
	MaxAttachment int64

	// --- SLA (sla) ---
	SLA *engine.Engine // SLA calendars, policies, clocks; nil: one without timers (tests)
	// --- notifications (notify) ---
	// --- accounts and privacy (web) ---
	// --- channels (channels) ---
	EmailIn *mailin.Ingester // email intake: quarantine retry (nil: 503)
	// --- search and classification (search, classify) ---
	Search   *search.Engine    // nil: search.New(DB) with default settings
	Classify *classify.Service // suggestions, training, risk words (nil: those routes answer 503)
}

// Server serves the API.
type Server struct {
	db            *store.DB
	files         *files.Dir
	clock         kesu.Clock
	rules         kesu.Rules
	log           *slog.Logger
	maxBody       int64
	maxAttachment int64
	mux           *http.ServeMux
	openapiJSON   func() ([]byte, error) // the encoded document, built on first use
	search        *search.Engine
	emailIn       *mailin.Ingester
	classify      *classify.Service
	sla           *engine.Engine
}

// New builds the API server.
func New(cfg Config) *Server {
	s := &Server{db: cfg.DB, files: cfg.Files, clock: cfg.Clock, rules: cfg.Rules, log: cfg.Logger,
		maxBody: cfg.MaxBody, maxAttachment: cfg.MaxAttachment, mux: http.NewServeMux()}
	s.classify = cfg.Classify
	s.emailIn = cfg.EmailIn
	s.sla = cfg.SLA
	if s.sla == nil {
		s.sla = engine.New(cfg.DB, cfg.Clock, cfg.Logger)
	}
	if s.search = cfg.Search; s.search == nil {
		s.search = search.New(cfg.DB)
	}
	if s.clock == nil {
		s.clock = kesu.SystemClock{}
	}
	if s.rules.AppealWindow == 0 {
		s.rules = kesu.DefaultRules
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody == 0 {
		s.maxBody = 1 << 20
	}
	if s.maxAttachment == 0 {
		s.maxAttachment = 20 << 20
	}
	s.openapiJSON = sync.OnceValues(s.encodeOpenAPI)
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Path, s.handle(rt))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, kesu.Errorf(kesu.ENotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// handle wraps a route: authentication, panics, errors and the access log.
func (s *Server) handle(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.log.Debug("http start", "method", r.Method, "path", r.URL.Path)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					writeError(sw, r, s.log, kesu.Errorf(kesu.EInternal, "internal error"))
				}
			}
			s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"ms", float64(time.Since(start).Microseconds())/1000)
		}()
		ctx := r.Context()
		if !rt.Public {
			u, err := s.authenticate(r)
			if err != nil {
				writeError(sw, r, s.log, err)
				return
			}
			ctx = context.WithValue(ctx, userKey{}, u)
		}
		if err := rt.Handler(sw, r.WithContext(ctx)); err != nil {
			writeError(sw, r, s.log, err)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
