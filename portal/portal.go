// Package portal is the customer portal: pages where a customer without an
// account submits a complaint and, with its number and a one-time code sent
// to the phone or email on file, follows it and answers it. Pages are
// server-rendered html/template, mobile first, in Chinese and English
// (package i18n). Every customer action goes through the same store calls and
// the same lifecycle table as the API, with a customer actor.
package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/store"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config is what the portal needs; cmd/kesu builds it.
type Config struct {
	DB     *store.DB
	Files  *files.Dir
	Clock  kesu.Clock
	Rules  kesu.Rules
	Logger *slog.Logger
	// Limits of the one-time code flow (zero fields: store.DefaultPortalLimits).
	Limits store.PortalLimits
	// SubmitsPerHour caps complaints submitted from one client address (20).
	SubmitsPerHour int
	// MaxFile caps one uploaded photo or document (10 MiB); MaxFiles the
	// number per form (5).
	MaxFile  int64
	MaxFiles int
	// SecureCookies forces the Secure flag (behind a TLS-terminating proxy);
	// it is set anyway when the request came over TLS.
	SecureCookies bool
	// ClientIP names the client for rate limits; default: the peer address.
	ClientIP func(*http.Request) string
}

// Server serves the portal under /portal/.
type Server struct {
	cfg   Config
	key   []byte // signs CSRF tokens; shared by every process through the database
	pages map[string]*template.Template
	mux   *http.ServeMux
	log   *slog.Logger
	// crossOrigin refuses cross-site form posts (Sec-Fetch-Site, Origin).
	crossOrigin *http.CrossOriginProtection
}

// New builds the portal, reading (or making) its signing key.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DB == nil {
		return nil, errors.New("portal: no database")
	}
	if cfg.Clock == nil {
		cfg.Clock = kesu.SystemClock{}
	}
	if cfg.Rules.AppealWindow == 0 {
		cfg.Rules = kesu.DefaultRules
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SubmitsPerHour <= 0 {
		cfg.SubmitsPerHour = 20
	}
	if cfg.MaxFile <= 0 {
		cfg.MaxFile = 10 << 20
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = 5
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	key, err := cfg.DB.PortalKey(ctx, cfg.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("portal key: %w", err)
	}
	s := &Server{cfg: cfg, key: key, mux: http.NewServeMux(), log: cfg.Logger, crossOrigin: http.NewCrossOriginProtection()}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(assets, "static")
	for _, rt := range s.routes() {
		h := rt.handler
		s.mux.Handle(rt.pattern, s.wrap(h))
	}
	s.mux.Handle("GET /portal/static/", http.StripPrefix("/portal/static/", cacheable(http.FileServerFS(static))))
	return s, nil
}

// ServeHTTP refuses cross-origin form posts outright (Sec-Fetch-Site and
// Origin), and each form also carries a token (see csrf.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func cacheable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// handlerFunc is a portal handler: it renders its page itself or returns an
// error that is shown as a message page.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *page) error

// wrap adds what every page shares: language, CSRF cookie and check,
// security headers, panics and errors.
func (s *Server) wrap(h handlerFunc) http.Handler {
	return s.crossOrigin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Remember(w, r)
		p := &page{Lang: lang, Path: r.URL.Path}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("portal panic", "path", r.URL.Path, "panic", v)
				s.message(w, p, http.StatusInternalServerError, "portal.err.internal")
			}
		}()
		h2 := w.Header()
		h2.Set("X-Content-Type-Options", "nosniff")
		h2.Set("X-Frame-Options", "DENY")
		h2.Set("Referrer-Policy", "same-origin")
		h2.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
		h2.Set("Cache-Control", "no-store")
		p.CSRF = s.csrfToken(w, r)
		if r.Method == http.MethodPost {
			if err := s.parseForm(w, r); err != nil {
				s.fail(w, r, p, err)
				return
			}
			if !s.csrfValid(r) {
				s.message(w, p, http.StatusForbidden, "portal.err.csrf")
				return
			}
		}
		if err := h(w, r, p); err != nil {
			s.fail(w, r, p, err)
		}
	}))
}

// fail shows err as a message page with the matching status.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p *page, err error) {
	code := kesu.ErrorCodeOf(err)
	switch code {
	case kesu.EInvalid:
		s.message(w, p, http.StatusBadRequest, errorKey(err))
	case kesu.ENotFound:
		s.message(w, p, http.StatusNotFound, "portal.err.not_found")
	case kesu.EConflict:
		s.message(w, p, http.StatusConflict, "portal.err.conflict")
	case kesu.EForbidden:
		s.message(w, p, http.StatusForbidden, "portal.err.forbidden")
	case kesu.EUnauthorized:
		s.message(w, p, http.StatusUnauthorized, "portal.err.session")
	case kesu.ETooLarge:
		s.message(w, p, http.StatusRequestEntityTooLarge, "portal.err.too_large")
	case kesu.EUnavailable:
		s.message(w, p, http.StatusServiceUnavailable, "portal.err.unavailable")
	default:
		s.log.Error("portal", "method", r.Method, "path", r.URL.Path, "err", err)
		s.message(w, p, http.StatusInternalServerError, "portal.err.internal")
	}
}

// message renders the message page with a catalog key.
func (s *Server) message(w http.ResponseWriter, p *page, status int, key string) {
	p.Title = "portal.message.title"
	p.Message = key
	s.render(w, p, status, "message")
}

// render executes a page template.
func (s *Server) render(w http.ResponseWriter, p *page, status int, name string) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("portal template", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(template.FuncMap{"dict": dict}).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("portal template %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

// fieldArgs is what the "fielderror" template gets: the page and a field.
type fieldArgs struct {
	P *page
	F string
}

func dict(p *page, field string) fieldArgs { return fieldArgs{p, field} }

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

// Cookie names.
const (
	csrfCookie    = "kesu_portal_csrf"
	sessionCookie = "kesu_portal"
)

// csrfToken returns the token forms carry: an HMAC of a random nonce kept
// in a cookie. A cross-site page can neither read the cookie nor, without
// the key, make a token for a cookie it planted.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		nonce = c.Value
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		nonce = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: "/portal/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	}
	return s.sign(nonce)
}

func (s *Server) sign(nonce string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("portal-csrf\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseForm reads a posted form within size limits: url-encoded forms are
// small; multipart ones carry at most MaxFiles files of MaxFile bytes.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxFiles)*s.cfg.MaxFile+1<<20)
		err = r.ParseMultipartForm(1 << 20)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return kesu.Errorf(kesu.ETooLarge, "the form is too large")
	case err != nil:
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	return nil
}

// csrfValid checks the form's token against the request's cookie. The form
// must already be parsed (wrap parses it for url-encoded and multipart bodies).
func (s *Server) csrfValid(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 43 {
		return false
	}
	got := r.FormValue("csrf")
	if got == "" {
		return false
	}
	return hmac.Equal([]byte(got), []byte(s.sign(c.Value)))
}

// now is the portal's clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }
