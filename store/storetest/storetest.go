// Package storetest gives tests a fresh database on every backend that can
// run here: a SQLite file always, PostgreSQL when KESU_TEST_POSTGRES_URL is
// set. With KESU_TEST_REQUIRE_ALL=1 a missing backend fails the test instead
// of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Backend is one database to run a test against.
type Backend struct {
	Name string // "sqlite" or "postgres"
	DSN  string
}

// Each runs fn once per backend as a subtest, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns the path of a fresh SQLite file in the test's temp dir.
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "kesu.db")
}

// Postgres returns a URL for a fresh, empty schema in the test PostgreSQL
// database, dropped when the test ends; it skips (or fails, when all
// backends are required) if none is configured.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("KESU_TEST_POSTGRES_URL")
	if base == "" {
		Missing(t, "PostgreSQL: KESU_TEST_POSTGRES_URL is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "kesu_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres at %s: %v", base, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("KESU_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Missing skips the test because a service is absent, or fails it when
// KESU_TEST_REQUIRE_ALL=1 (as in CI).
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("KESU_TEST_REQUIRE_ALL") == "1" {
		t.Fatalf("required service missing (KESU_TEST_REQUIRE_ALL=1): %s", what)
	}
	t.Skipf("SKIPPED, service missing: %s", what)
}
