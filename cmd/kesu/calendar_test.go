package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("kesu %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// The example: National Day 2026 is skipped.
func TestCalendarDueCLI(t *testing.T) {
	nodb := filepath.Join(t.TempDir(), "absent.db")
	if got := runCLI(t, "calendar", "due", "--db", nodb, "--from", "2026-09-30T17:00:00+08:00", "--duration", "2h"); got != "2026-10-08T10:00:00+08:00" {
		t.Fatalf("calendar due = %q", got)
	}
	if _, err := os.Stat(nodb); err == nil {
		t.Fatalf("calendar due created a database")
	}
	if got := runCLI(t, "calendar", "between", "--db", nodb, "--from", "2026-09-30T17:00:00+08:00", "--to", "2026-10-08T10:00:00+08:00"); got != "2h0m0s" {
		t.Fatalf("calendar between = %q", got)
	}
	// A Saturday that is an adjusted working day (2026-10-10) counts.
	if got := runCLI(t, "calendar", "due", "--db", nodb, "--from", "2026-10-09T17:00:00+08:00", "--duration", "2h"); got != "2026-10-10T10:00:00+08:00" {
		t.Fatalf("calendar due over the 调休 Saturday = %q", got)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"calendar", "due", "--db", nodb, "--from", "tomorrow", "--duration", "2h"}, &out, &errb); code != 2 {
		t.Fatalf("bad --from: exit %d", code)
	}
}

func TestCalendarImportCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kesu.db")
	ics := filepath.Join(dir, "2027.ics")
	os.WriteFile(ics, []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:元旦\r\nEND:VEVENT\r\n"+
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270102\r\nSUMMARY:元旦补班\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), 0o600)
	from := "2026-12-31T17:00:00+08:00"
	if got := runCLI(t, "calendar", "due", "--db", db, "--from", from, "--duration", "2h"); got != "2027-01-01T10:00:00+08:00" {
		t.Fatalf("before the import: %q", got)
	}
	if got := runCLI(t, "calendar", "import", "--db", db, "--file", ics); !strings.Contains(got, "2 days loaded (1 holidays, 1 adjusted working days)") {
		t.Fatalf("import: %q", got)
	}
	if got := runCLI(t, "calendar", "due", "--db", db, "--from", from, "--duration", "2h"); got != "2027-01-02T10:00:00+08:00" {
		t.Fatalf("after the import (Friday off, Saturday worked): %q", got)
	}
}
