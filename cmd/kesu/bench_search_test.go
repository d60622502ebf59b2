package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// kesu bench search seeds a small database and prints its table.
func TestBenchSearchSmall(t *testing.T) {
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "bench.db")
	args := []string{"bench", "search", "--db", db, "--count", "300", "--queries", "5", "--checks", "5"}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"sqlite, 300 complaints", "newest, 50 per page", "rank, 50 per page", "duplicate check"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A second run finds the complaints there and adds none.
	errb.Reset()
	if code := run(args, &out, &errb); code != 0 || strings.Contains(errb.String(), "seeding") {
		t.Fatalf("second run: exit %d: %s", code, errb.String())
	}
	if code := run([]string{"bench", "search", "--count", "0"}, &out, &errb); code != 2 {
		t.Errorf("--count 0: exit %d", code)
	}
}
