// Package web serves the agent workspace: server-rendered pages
// (html/template, htmx for small in-page updates, one CSS file, all
// embedded), zh-CN first with an English switch. Sessions live in the
// database (store/sessions.go) so that several kesu processes can serve one
// user; every unsafe request carries the session's CSRF token.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
)

//go:embed templates static
var assets embed.FS

// HTMX is the vendored htmx file under /static/.
const HTMX = "htmx-2.0.11.min.js"

// Config is what the pages need; cmd/kesu builds it.
type Config struct {
	DB     *store.DB
	Files  *files.Dir
	Clock  kesu.Clock
	Rules  kesu.Rules
	Logger *slog.Logger
	// SecureCookies forces the Secure flag (and the __Host- prefix) even on
	// plain HTTP, for deployments behind a TLS-terminating proxy. Requests
	// that arrive over TLS always get secure cookies.
	SecureCookies bool
	// MaxAttachment caps uploads (default 20 MiB).
	MaxAttachment int64
	// Classify makes the suggestion panel (nil: no suggestions; the risk
	// reason on the timeline is still shown).
	Classify *classify.Service
	// Search finds related complaints and similar cases (nil: search.New(DB)
	// with default settings, as the API does).
	Search *search.Engine
}

// Server serves the workspace pages.
type Server struct {
	cfg   Config
	db    *store.DB
	clock kesu.Clock
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New parses the templates and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Clock == nil {
		cfg.Clock = kesu.SystemClock{}
	}
	if cfg.Rules.AppealWindow == 0 {
		cfg.Rules = kesu.DefaultRules
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxAttachment == 0 {
		cfg.MaxAttachment = 20 << 20
	}
	if cfg.Search == nil && cfg.DB != nil {
		cfg.Search = search.New(cfg.DB)
	}
	s := &Server{cfg: cfg, db: cfg.DB, clock: cfg.Clock, log: cfg.Logger, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		s.pages[base] = t
	}
	static, _ := fs.Sub(assets, "static")
	fileServer := http.FileServer(http.FS(static))
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	})))
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.handle(rt))
	}
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	s.mux.ServeHTTP(w, r)
}

// route is one page or form target (see routes.go).
type route struct {
	pattern string
	// public pages need no session (login, static assets).
	public bool
	// perm, when set, is checked before the handler runs.
	perm    kesu.Permission
	handler func(w http.ResponseWriter, r *http.Request) error
}

type ctxKey struct{}

// request is what every handler knows about the request.
type request struct {
	lang    i18n.Lang
	session *store.Session // nil on public pages without a session
}

func reqOf(r *http.Request) *request {
	q, _ := r.Context().Value(ctxKey{}).(*request)
	if q == nil {
		q = &request{lang: i18n.FromRequest(r)}
	}
	return q
}

func (q *request) user() kesu.User {
	if q.session == nil {
		return kesu.User{}
	}
	return q.session.User
}

func (q *request) actor() kesu.Actor { return q.user().Actor() }

// handle wraps a route: language, session, forced password change, CSRF,
// permission, errors.
func (s *Server) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &request{lang: i18n.Remember(w, r)}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, q))
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "path", r.URL.Path, "panic", p)
				s.renderError(w, r, kesu.Errorf(kesu.EInternal, "internal error"))
			}
		}()
		if tok := auth.SessionToken(r); tok != "" {
			if sess, err := s.db.SessionByHash(r.Context(), auth.HashToken(tok), s.clock.Now()); err == nil {
				q.session = &sess
			}
		}
		if !rt.public {
			if q.session == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.renderError(w, r, kesu.Errorf(kesu.EUnauthorized, "not signed in"))
				return
			}
			if q.session.MustChangePassword && rt.pattern != "GET /account" && rt.pattern != "POST /account/password" && rt.pattern != "POST /logout" {
				http.Redirect(w, r, "/account?first=1", http.StatusSeeOther)
				return
			}
		}
		if unsafeMethod(r.Method) {
			if err := s.checkCSRF(r, q); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		if rt.perm != "" {
			if err := kesu.Can(q.actor(), rt.perm); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		if err := rt.handler(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// checkCSRF requires the session's token on unsafe requests (form field or
// header) and, when the browser names the origin, that it is this site.
func (s *Server) checkCSRF(r *http.Request, q *request) error {
	bad := kesu.Errorf(kesu.EForbidden, "the form expired or came from another site; reload the page and try again")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return bad
		}
	}
	if q.session == nil {
		return nil // login: no session to ride; SameSite and the Origin check cover it
	}
	tok := r.Header.Get(auth.CSRFHeader)
	if tok == "" {
		tok = formValue(r, "csrf")
	}
	if !auth.SameToken(tok, q.session.CSRF) {
		return bad
	}
	return nil
}

// formValue reads a field of a urlencoded or multipart form.
func formValue(r *http.Request, name string) string {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if r.MultipartForm == nil {
			if err := r.ParseMultipartForm(32 << 20); err != nil {
				return ""
			}
		}
	} else if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.FormValue(name)
}

// view is what every template gets; pages embed it.
type view struct {
	Lang    i18n.Lang
	User    kesu.User
	CSRF    string
	Path    string
	Title   string
	Flash   string
	Error   string
	HTMX    string
	Nav     string
	Now     time.Time
	Masking bool
	Unread  int // the user's unread notifications, shown in the header
}

// T translates a catalog key.
func (v view) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// Can reports whether the user holds a permission (for showing links).
func (v view) Can(p string) bool { return v.User.Role.Has(kesu.Permission(p)) }

// EventDetail says what a deadline event was about: the milestone and its
// deadline, and for an escalation the levels ("" for other events).
func (v view) EventDetail(e kesu.Event) string {
	switch e.Type {
	case kesu.EventSLAWarning, kesu.EventSLABreach, kesu.EventEscalated, kesu.EventReminder:
	default:
		return ""
	}
	var parts []string
	if m, _ := e.Data["milestone"].(string); m != "" {
		parts = append(parts, v.T("milestone."+m))
	}
	if d, _ := e.Data["due"].(string); d != "" {
		if t, err := time.Parse(time.RFC3339Nano, d); err == nil {
			parts = append(parts, v.T("event.detail.due", t.In(zone).Format("2006-01-02 15:04")))
		}
	}
	if e.Type == kesu.EventEscalated {
		from, ok1 := e.Data["from"].(float64)
		to, ok2 := e.Data["to"].(float64)
		if ok1 && ok2 {
			parts = append(parts, v.T("event.detail.escalation", int(from), int(to)))
		}
	}
	return strings.Join(parts, " · ")
}

// Span says how long d is in its largest whole unit (minutes, hours or
// days), for people: "3 小时".
func (v view) Span(d time.Duration) string {
	d = d.Abs()
	switch {
	case d >= 48*time.Hour:
		return v.T("duration.days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return v.T("duration.hours", int(d/time.Hour))
	}
	return v.T("duration.minutes", max(1, int(d/time.Minute)))
}

// OtherLang is the language the switch offers.
func (v view) OtherLang() i18n.Lang {
	if v.Lang == i18n.EN {
		return i18n.ZH
	}
	return i18n.EN
}

// SwitchURL is the current page in the other language.
func (v view) SwitchURL() string {
	u, err := url.Parse(v.Path)
	if err != nil {
		return "/?lang=" + string(v.OtherLang())
	}
	qv := u.Query()
	qv.Set("lang", string(v.OtherLang()))
	u.RawQuery = qv.Encode()
	return u.String()
}

func (s *Server) view(r *http.Request, titleKey, nav string) view {
	q := reqOf(r)
	v := view{Lang: q.lang, Path: r.URL.RequestURI(), HTMX: HTMX, Nav: nav, Now: s.clock.Now()}
	if q.session != nil {
		v.User, v.CSRF = q.session.User, q.session.CSRF
		// A count in the header: a failure to read it must not cost the page.
		v.Unread, _ = s.db.UnreadNotifications(r.Context(), v.User.ID)
	}
	v.Title = v.T(titleKey)
	v.Flash = flashText(v, r.URL.Query().Get("flash"))
	return v
}

// flashText turns a ?flash= key into a message (only known keys).
func flashText(v view, key string) string {
	if key == "" || !strings.HasPrefix(key, "flash.") || !i18n.Has(v.Lang, key) {
		return ""
	}
	return v.T(key)
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return kesu.Errorf(kesu.EInternal, "no template %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderFragment writes one named template of a page (htmx swaps).
func (s *Server) renderFragment(w http.ResponseWriter, page, name string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return kesu.Errorf(kesu.EInternal, "no template %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(buf.Bytes())
	return err
}

type errorPage struct {
	view
	Status  int
	Code    kesu.ErrorCode
	Message string
	Field   string
}

// renderError shows an error page with the status the API uses for the
// same code (api.HTTPStatus: one mapping).
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := kesu.ErrorCodeOf(err)
	if code == kesu.EInternal {
		s.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := api.HTTPStatus(code)
	v := s.view(r, "error.title."+string(code), "")
	p := errorPage{view: v, Status: status, Code: code, Message: i18n.ErrorText(v.Lang, err), Field: kesu.ErrorFieldOf(err)}
	if rerr := s.render(w, status, "error", p); rerr != nil {
		http.Error(w, http.StatusText(status), status)
	}
}

// setSessionCookie gives the browser its session token.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	secure := s.cfg.SecureCookies || r.TLS != nil
	name := auth.SessionCookie
	if secure {
		name = auth.SecureSessionCookie
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// clientOf is the client address used for login rate limits.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// localNext accepts only same-site paths for redirects after login.
func localNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return kesu.Errorf(kesu.ENotFound, "no such page")
}

func redirect(w http.ResponseWriter, r *http.Request, path, flash string) error {
	if flash != "" {
		// The query goes before a #fragment, or the page never sees it.
		var fragment string
		var hasFragment bool
		path, fragment, hasFragment = strings.Cut(path, "#")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "flash=" + url.QueryEscape(flash)
		if hasFragment {
			path += "#" + fragment
		}
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}
