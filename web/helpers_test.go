package web

// Fixtures of the workspace tests: the real workspace, API and customer
// portal over a real database (SQLite file or PostgreSQL schema), served on
// loopback and driven by clients with cookie jars.

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/portal"
	slaengine "github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testPassword is every fixture account's password.
const testPassword = "correct-horse-battery"

type fixture struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	clock *kesu.ManualClock
	srv   *httptest.Server
	users map[string]kesu.User // by short name: admin, agent, handler, other, super, head, analyst, auditor
	sla   *slaengine.Engine
	// web is the workspace the server serves; withClassify swaps it.
	web    *Server
	webCfg Config
}

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, ctx: ctx, db: db, clock: kesu.NewManualClock(t0), users: map[string]kesu.User{}}
	for _, d := range []kesu.Department{{Code: "after_sales", Name: "售后部"}, {Code: "logistics", Name: "物流部"}} {
		if _, err := db.CreateDepartment(ctx, d, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality", Name: "产品质量", NameEN: "Product quality"},
		store.CategoryRefs{Department: "after_sales"}, t0); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		short, name string
		role        kesu.Role
		dept        string
	}{
		{"admin", "管理员", kesu.RoleAdmin, ""}, {"agent", "客服小王", kesu.RoleAgent, ""},
		{"handler", "售后李工", kesu.RoleHandler, "after_sales"}, {"other", "物流赵工", kesu.RoleHandler, "logistics"},
		{"super", "主管周经理", kesu.RoleSupervisor, ""}, {"head", "售后部长", kesu.RoleDeptHead, "after_sales"},
		{"analyst", "分析员", kesu.RoleAnalyst, ""}, {"auditor", "审计员", kesu.RoleAuditor, ""},
	} {
		created, err := db.CreateUser(ctx, kesu.User{Email: u.short + "@kesu.test", Name: u.name, Role: u.role}, u.dept, hash, t0)
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.short] = created
	}
	if _, err := db.SaveReplyScript(ctx, store.ReplyScript{Code: "ack", Scenario: "acknowledge", Name: "受理确认",
		BodyZH: "{{name}}您好，您的投诉 {{number}} 已受理，由{{handler}}跟进，{{due}}前答复。",
		BodyEN: "Dear {{name}}, complaint {{number}} is accepted; {{handler}} will answer by {{due}}.", Active: true}, t0); err != nil {
		t.Fatal(err)
	}
	fd, err := files.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The SLA engine as the server wires it: milestones planned with every change.
	f.sla = slaengine.New(db, f.clock, log)
	if err := f.sla.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	db.AddEffect(f.sla.Effect)
	f.webCfg = Config{DB: db, Files: fd, Clock: f.clock, Logger: log}
	w, err := New(f.webCfg)
	if err != nil {
		t.Fatal(err)
	}
	f.web = w
	p, err := portal.New(ctx, portal.Config{DB: db, Files: fd, Clock: f.clock, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{DB: db, Files: fd, Clock: f.clock, Logger: log})
	mux := http.NewServeMux()
	for _, path := range []string{"/api/", "/healthz", "/readyz"} {
		mux.Handle(path, a)
	}
	mux.Handle("/portal/", p)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.web.ServeHTTP(w, r) }))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// browser is one person's client with a cookie jar.
type browser struct {
	f      *fixture
	client *http.Client
	last   string
	lang   string
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return nil
	}}}
}

type page struct {
	status int
	body   string
	url    string
}

func (b *browser) do(req *http.Request) page {
	b.f.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return page{status: resp.StatusCode, body: string(body), url: resp.Request.URL.Path}
}

func (b *browser) get(path string) page {
	b.f.t.Helper()
	req, _ := http.NewRequest("GET", b.f.srv.URL+path, nil)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form with the CSRF token of the last page.
func (b *browser) post(path string, form url.Values) page {
	b.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		if m := csrfField.FindStringSubmatch(b.last); m != nil {
			form.Set("csrf", html.UnescapeString(m[1]))
		}
	}
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in as one of the fixture's users.
func (f *fixture) login(short string) *browser {
	f.t.Helper()
	b := f.browser()
	b.get("/login")
	p := b.post("/login", url.Values{"email": {short + "@kesu.test"}, "password": {testPassword}})
	if p.status != 200 || p.url == "/login" {
		f.t.Fatalf("login %s: %d %s", short, p.status, p.url)
	}
	return b
}

// complaint registers a complaint through the store as the agent.
func (f *fixture) complaint(description, phone string) kesu.Complaint {
	f.t.Helper()
	res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Description: description, Channel: kesu.ChannelPhone,
		Customer: kesu.Customer{Name: "张三", Phone: phone, Email: "zhang@example.com"}}, f.users["agent"].Actor(), f.clock.Now(), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Complaint
}

func (f *fixture) act(short, number string, cmd kesu.Command) kesu.Complaint {
	f.t.Helper()
	c, err := f.db.Transition(f.ctx, number, cmd, f.users[short].Actor(), f.clock.Now(), kesu.DefaultRules)
	if err != nil {
		f.t.Fatalf("%s %s: %v", short, cmd.Action, err)
	}
	return c
}

// testLog sends the server's warnings and errors to the test log.
type testLog struct{ t testing.TB }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
