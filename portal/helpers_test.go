package portal

// Fixtures of the portal tests: a real portal over a real database (SQLite
// file or PostgreSQL schema), served by httptest and driven by a client with
// a cookie jar, as a phone's browser would.

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/store"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

type fixture struct {
	t                            testing.TB
	ctx                          context.Context
	db                           *store.DB
	clock                        *kesu.ManualClock
	srv                          *httptest.Server
	agent, handler, other, super kesu.Actor
	client                       *http.Client
	last                         string // the last page's body, for its CSRF token
}

func newFixture(t testing.TB, dsn string, cfg Config) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, ctx: ctx, db: db, clock: kesu.NewManualClock(t0)}
	for _, d := range []kesu.Department{{Code: "after_sales", Name: "售后部"}, {Code: "logistics", Name: "物流部"}} {
		if _, err := db.CreateDepartment(ctx, d, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality", Name: "产品质量", NameEN: "Product quality"}, store.CategoryRefs{Department: "after_sales"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality.battery", Name: "电池", NameEN: "Battery"}, store.CategoryRefs{Parent: "quality"}, t0); err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role kesu.Role, dept string) kesu.Actor {
		u, err := db.CreateUser(ctx, kesu.User{Email: email, Name: email, Role: role}, dept, "", t0)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u.Actor()
	}
	f.agent = mk("agent@example.com", kesu.RoleAgent, "")
	f.handler = mk("handler@example.com", kesu.RoleHandler, "after_sales")
	f.other = mk("other@example.com", kesu.RoleHandler, "logistics")
	f.super = mk("super@example.com", kesu.RoleSupervisor, "")
	fd, err := files.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB, cfg.Files, cfg.Clock = db, fd, f.clock
	p, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(p)
	t.Cleanup(f.srv.Close)
	f.client = f.newClient()
	return f
}

func (f *fixture) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// do sends a request and returns the status and body; the body is kept for
// the CSRF token of the next post.
func (f *fixture) do(req *http.Request) (int, string) {
	f.t.Helper()
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		f.last = string(b)
	}
	return resp.StatusCode, string(b)
}

func (f *fixture) get(path string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	return f.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (f *fixture) csrf() string {
	m := csrfPattern.FindStringSubmatch(f.last)
	if m == nil {
		f.t.Fatalf("no CSRF token on the last page:\n%s", f.last)
	}
	return html.UnescapeString(m[1])
}

// post sends a url-encoded form with the last page's CSRF token.
func (f *fixture) post(path string, v url.Values) (int, string) {
	f.t.Helper()
	if v.Get("csrf") == "" {
		v.Set("csrf", f.csrf())
	}
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(req)
}

// upload is a file in a multipart form.
type upload struct {
	field, name string
	content     []byte
}

func (f *fixture) postMultipart(path string, v url.Values, ups ...upload) (int, string) {
	f.t.Helper()
	if v.Get("csrf") == "" {
		v.Set("csrf", f.csrf())
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range v {
		for _, x := range vs {
			mw.WriteField(k, x)
		}
	}
	for _, u := range ups {
		w, _ := mw.CreateFormFile(u.field, u.name)
		w.Write(u.content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(req)
}

var formTokenPattern = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// submitValues opens the submit form and returns its hidden fields with the
// given ones.
func (f *fixture) submitValues(fields map[string]string) url.Values {
	f.t.Helper()
	if code, _ := f.get("/portal/submit"); code != 200 {
		f.t.Fatalf("submit page: %d", code)
	}
	v := url.Values{"form_token": {formTokenPattern.FindStringSubmatch(f.last)[1]}}
	for k, x := range fields {
		v.Set(k, x)
	}
	return v
}

var numberPattern = regexp.MustCompile(`id="complaint-number">([A-Z0-9]+)<`)

func numberOn(t *testing.T, body string) string {
	t.Helper()
	m := numberPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no complaint number on the page:\n%s", body)
	}
	return m[1]
}

// latestCode reads the newest one-time code queued for number.
func (f *fixture) latestCode(number string) string {
	f.t.Helper()
	msgs, err := f.db.Outbox(f.ctx, store.OutboxFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template == "otp" && m.Data["number"] == number {
			return m.Data["code"].(string)
		}
	}
	f.t.Fatalf("no code queued for %s", number)
	return ""
}

// signIn verifies with a fresh code and lands on the tracking page.
func (f *fixture) signIn(number string) string {
	f.t.Helper()
	f.get("/portal/track")
	if code, body := f.post("/portal/track", url.Values{"number": {number}}); code != 200 {
		f.t.Fatalf("request code: %d\n%s", code, body)
	}
	code, body := f.post("/portal/verify", url.Values{"number": {number}, "code": {f.latestCode(strings.ToUpper(number))}})
	if code != 200 || !strings.Contains(body, `id="timeline"`) {
		f.t.Fatalf("verify: %d\n%s", code, body)
	}
	return body
}

func (f *fixture) transition(number string, cmd kesu.Command, actor kesu.Actor) {
	f.t.Helper()
	if _, err := f.db.Transition(f.ctx, number, cmd, actor, f.clock.Now(), kesu.DefaultRules); err != nil {
		f.t.Fatalf("%s: %v", cmd.Action, err)
	}
}

func (f *fixture) status(number string) kesu.Status {
	f.t.Helper()
	c, err := f.db.Complaint(f.ctx, number)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.Status
}

func (f *fixture) complaintCount() int {
	f.t.Helper()
	page, err := f.db.Complaints(f.ctx, store.Filter{Limit: 200})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(page.Items)
}

// pngBytes is a 1x1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
