package api

// Shared fixtures of the HTTP API tests: a real Server over a real database
// (SQLite file or PostgreSQL schema, see storetest.Each) and a real file
// store, served by httptest and called with bearer tokens of real users.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", for snapshots of PostgreSQL
	_ "modernc.org/sqlite"             // "sqlite", for snapshots of SQLite

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/store"
)

// cst is China Standard Time, the zone complaint numbers are dated in.
var cst = time.FixedZone("CST", 8*3600)

// apiT0 is "now" when a fixture starts.
var apiT0 = time.Date(2026, 11, 23, 10, 0, 0, 0, cst)

// lockedBuffer collects the server's log lines from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// apiFixture is one running API with its users and tokens.
type apiFixture struct {
	dsn      string
	db       *store.DB
	raw      *sql.DB // a direct connection for snapshots, bypassing the store
	clock    *kesu.ManualClock
	srv      *httptest.Server
	filesDir string
	log      *lockedBuffer

	// Tokens of one user per role. handlerA works in after_sales, handlerB
	// in logistics.
	admin, agent, handlerA, handlerB, supervisor, auditor string
	users                                                 map[string]kesu.User // by token
}

// MaxAttachment of every fixture: small, so size limits are cheap to test.
const fixtureMaxAttachment = 1024

// newAPIFixture opens dsn, seeds departments, categories and users, and
// serves the API.
func newAPIFixture(t *testing.T, dsn string) *apiFixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := &apiFixture{dsn: dsn, db: db, clock: kesu.NewManualClock(apiT0), filesDir: t.TempDir(), log: &lockedBuffer{},
		users: map[string]kesu.User{}}

	for _, d := range []kesu.Department{{Code: "after_sales", Name: "售后部"}, {Code: "logistics", Name: "物流部"}} {
		if _, err := db.CreateDepartment(ctx, d, "", apiT0); err != nil {
			t.Fatalf("department %s: %v", d.Code, err)
		}
	}
	for _, c := range []struct {
		cat  kesu.Category
		refs store.CategoryRefs
	}{
		{kesu.Category{Code: "quality", Name: "产品质量"}, store.CategoryRefs{Department: "after_sales"}},
		{kesu.Category{Code: "quality.battery", Name: "电池"}, store.CategoryRefs{Parent: "quality"}},
		{kesu.Category{Code: "delivery", Name: "物流配送"}, store.CategoryRefs{Department: "logistics"}},
	} {
		if _, err := db.CreateCategory(ctx, c.cat, c.refs, apiT0); err != nil {
			t.Fatalf("category %s: %v", c.cat.Code, err)
		}
	}
	user := func(email string, role kesu.Role, dept string) string {
		u, err := db.CreateUser(ctx, kesu.User{Email: email, Name: email, Role: role}, dept, "", apiT0)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		token, hash := auth.NewToken()
		if _, err := db.CreateToken(ctx, u.ID, "test", hash, apiT0); err != nil {
			t.Fatalf("token for %s: %v", email, err)
		}
		f.users[token] = u
		return token
	}
	f.admin = user("admin@example.com", kesu.RoleAdmin, "")
	f.agent = user("agent@example.com", kesu.RoleAgent, "")
	f.handlerA = user("handler.a@example.com", kesu.RoleHandler, "after_sales")
	f.handlerB = user("handler.b@example.com", kesu.RoleHandler, "logistics")
	f.supervisor = user("supervisor@example.com", kesu.RoleSupervisor, "")
	f.auditor = user("auditor@example.com", kesu.RoleAuditor, "")

	dir, err := files.NewDir(f.filesDir)
	if err != nil {
		t.Fatalf("files.NewDir: %v", err)
	}
	server := New(Config{DB: db, Files: dir, Clock: f.clock,
		Logger:        slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelWarn})),
		MaxAttachment: fixtureMaxAttachment})
	f.srv = httptest.NewServer(server)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		// The server logs internal errors and panics: show them when a
		// test fails, since the response only says "internal error".
		if t.Failed() && f.log.String() != "" {
			t.Logf("server log:\n%s", f.log.String())
		}
	})

	driver := "sqlite"
	if store.IsPostgresURL(dsn) {
		driver = "pgx"
	}
	f.raw, err = sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s directly: %v", driver, err)
	}
	t.Cleanup(func() { f.raw.Close() })
	return f
}

// apiResponse is what came back from one request.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r apiResponse) String() string {
	return fmt.Sprintf("HTTP %d %s", r.Status, truncate(string(r.Body), 400))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// do sends one request. body is nil (none), a string or []byte (sent as
// is) or any other value (sent as JSON). headers are name, value pairs; an
// empty token sends no Authorization header.
func (f *apiFixture) do(t testing.TB, method, path, token string, body any, headers ...string) apiResponse {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal request: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatalf("request %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the response: %v", method, path, err)
	}
	return apiResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// decodeInto decodes a JSON response, failing the test if it is not the
// wanted status.
func decodeInto[T any](t testing.TB, r apiResponse, wantStatus int) T {
	t.Helper()
	var v T
	if r.Status != wantStatus {
		t.Fatalf("want HTTP %d, got %s", wantStatus, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, r, err)
	}
	return v
}

// wantError checks that r is the documented error document
// {"error":{"code":...,"message":...,"field":...}} with the given status,
// code and field ("" means the error names no field).
func wantError(t testing.TB, r apiResponse, status int, code kesu.ErrorCode, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want HTTP %d %s (field %q), got %s", status, code, field, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want application/json", ct)
	}
	// Decode strictly: the error document has exactly this shape.
	var doc struct {
		Error *struct {
			Code    kesu.ErrorCode `json:"code"`
			Message string         `json:"message"`
			Field   *string        `json:"field"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || doc.Error == nil {
		t.Fatalf("not an error document (%v): %s", err, r)
	}
	if doc.Error.Code != code {
		t.Errorf("error code %q, want %q: %s", doc.Error.Code, code, r)
	}
	if strings.TrimSpace(doc.Error.Message) == "" {
		t.Errorf("error without a message: %s", r)
	}
	got := ""
	if doc.Error.Field != nil {
		got = *doc.Error.Field
		if got == "" {
			t.Errorf(`"field":"" should be omitted: %s`, r)
		}
	}
	if got != field {
		t.Errorf("error field %q, want %q: %s", got, field, r)
	}
	if status == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
}

// snapshotTables are the tables a refused request must leave alone.
var snapshotTables = []string{"complaints", "events", "customers", "departments", "categories", "users",
	"attachments", "idempotency_keys", "api_tokens", "number_counters"}

// snapshot reads row counts and complaint versions straight from the
// database, not through the store, so a store bug cannot hide a change.
func (f *apiFixture) snapshot(t testing.TB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	s := map[string]int64{}
	for _, table := range snapshotTables {
		var n int64
		if err := f.raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		s[table] = n
	}
	var maxVersion, sumVersion, counters int64
	if err := f.raw.QueryRowContext(ctx, `SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT),
		CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM complaints`).Scan(&maxVersion, &sumVersion); err != nil {
		t.Fatalf("snapshot versions: %v", err)
	}
	if err := f.raw.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(last), 0) AS BIGINT) FROM number_counters`).Scan(&counters); err != nil {
		t.Fatalf("snapshot counters: %v", err)
	}
	s["max(complaints.version)"], s["sum(complaints.version)"], s["sum(number_counters.last)"] = maxVersion, sumVersion, counters
	return s
}

// wantUnchanged fails if the database differs from before.
func (f *apiFixture) wantUnchanged(t testing.TB, before map[string]int64) {
	t.Helper()
	if after := f.snapshot(t); !maps.Equal(before, after) {
		t.Errorf("the database changed:\nbefore %v\nafter  %v", before, after)
	}
}

// storedFiles counts the files in attachment storage.
func (f *apiFixture) storedFiles(t testing.TB) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(f.filesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// createComplaint registers a complaint and returns it.
func (f *apiFixture) createComplaint(t testing.TB, token string, body any) kesu.Complaint {
	t.Helper()
	return decodeInto[kesu.Complaint](t, f.do(t, "POST", "/api/v1/complaints", token, body), http.StatusCreated)
}

// act performs a lifecycle action and returns the complaint after it.
func (f *apiFixture) act(t testing.TB, token, number string, cmd any) kesu.Complaint {
	t.Helper()
	return decodeInto[kesu.Complaint](t, f.do(t, "POST", "/api/v1/complaints/"+number+"/transitions", token, cmd), http.StatusOK)
}

// minimalComplaint is a body with only what a complaint needs.
func minimalComplaint(description, phone string) map[string]any {
	return map[string]any{"description": description, "customer": map[string]any{"phone": phone}}
}
