package kesu_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the Asia/Shanghai case must not depend on the machine's zoneinfo

	"github.com/kesu/kesu"
)

func TestParseNumberFormat(t *testing.T) {
	at := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		format, scope, number string
		seq                   int64
	}{
		{kesu.DefaultNumberFormat, "TS20260305#", "TS20260305000123", 123},
		{"KS-{yy}{MM}-{seq:4}", "KS-2603-#", "KS-2603-0042", 42},
		{"{seq:1}", "#", "7", 7},
		{"{seq:12}", "#", "000000000001", 1},
		{"C_{yyyy}_{seq:3}", "C_2026_#", "C_2026_001", 1},
		{"{dd}{MM}{yy}{seq:2}x", "050326#x", "05032699x", 99},
	} {
		f, err := kesu.ParseNumberFormat(tc.format)
		if err != nil {
			t.Errorf("ParseNumberFormat(%q): %v", tc.format, err)
			continue
		}
		if got := f.Scope(at); got != tc.scope {
			t.Errorf("%q: Scope = %q, want %q", tc.format, got, tc.scope)
		}
		if got := f.Format(at, tc.seq); got != tc.number {
			t.Errorf("%q: Format(%d) = %q, want %q", tc.format, tc.seq, got, tc.number)
		}
	}
	for _, bad := range []string{
		"",                 // no seq
		"TS{yyyy}{MM}{dd}", // no seq
		"{seq:4}{seq:4}",   // two seqs
		"A{seq:2}B{seq:3}", // two seqs
		"{seq:4}{hh}",      // unknown token
		"{YYYY}{seq:4}",    // tokens are case-sensitive
		"{}{seq:4}",        // empty token
		"TS{yyyy{seq:4}",   // brace inside a token
		"TS{seq:4",         // unclosed brace
		"TS{",              // unclosed brace
		"TS}{seq:4}",       // stray closing brace
		"TS {seq:4}",       // space
		"TS/{seq:4}",       // path separator
		"投诉{seq:4}",        // non-ASCII
		"TS%{seq:4}",       // printf verb
		"{seq:0}",          // width 0
		"{seq:13}",         // width 13
		"{seq:}",           // no width
		"{seq:x}",          // not a number
		"{seq:-1}",         // negative
		"{seq}",            // no width at all
		"TS\x00{seq:4}",    // NUL
		"TS{seq:4}\n",      // newline
	} {
		if _, err := kesu.ParseNumberFormat(bad); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("ParseNumberFormat(%q): %v, want an invalid error", bad, err)
		}
	}
}

// TestNumberUsesTheTimesLocation: the number carries the local registration
// date, so a complaint registered at 04:00 in Shanghai on the 24th is a
// 24th complaint even though it is still the 23rd in UTC.
func TestNumberUsesTheTimesLocation(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	f, err := kesu.ParseNumberFormat(kesu.DefaultNumberFormat)
	if err != nil {
		t.Fatal(err)
	}
	utc := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	if got := f.Format(utc.In(shanghai), 1); got != "TS20261124000001" {
		t.Errorf("in Shanghai: %q, want TS20261124000001", got)
	}
	if got := f.Scope(utc.In(shanghai)); got != "TS20261124#" {
		t.Errorf("scope in Shanghai: %q", got)
	}
	if got := f.Format(utc, 1); got != "TS20261123000001" {
		t.Errorf("in UTC: %q, want TS20261123000001", got)
	}
	// New year's eve in UTC is already new year in Shanghai: {yy} follows.
	y, _ := kesu.ParseNumberFormat("KS{yy}-{seq:3}")
	if got := y.Format(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC).In(shanghai), 5); got != "KS27-005" {
		t.Errorf("year boundary: %q, want KS27-005", got)
	}
}

// TestNumberSequence: the counter is zero-padded to its width; a counter that
// outgrows the width is written in full rather than truncated, so numbers
// stay unique.
func TestNumberSequence(t *testing.T) {
	f, err := kesu.ParseNumberFormat("KS{seq:4}")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for seq, want := range map[int64]string{
		1: "KS0001", 42: "KS0042", 9999: "KS9999", 10000: "KS10000", 123456: "KS123456",
	} {
		if got := f.Format(at, seq); got != want {
			t.Errorf("Format(%d) = %q, want %q", seq, got, want)
		}
	}
	// Distinct sequences give distinct numbers, across the overflow too.
	seen := map[string]int64{}
	for seq := int64(1); seq <= 20000; seq += 7 {
		n := f.Format(at, seq)
		if prev, dup := seen[n]; dup {
			t.Fatalf("sequences %d and %d both give %q", prev, seq, n)
		}
		seen[n] = seq
	}
	// Two days share no scope; two times of one day share it.
	d, _ := kesu.ParseNumberFormat(kesu.DefaultNumberFormat)
	morning, evening := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 23, 59, 59, 0, time.UTC)
	if d.Scope(morning) != d.Scope(evening) || d.Scope(evening) == d.Scope(evening.Add(time.Second)) {
		t.Errorf("scopes: %q %q %q", d.Scope(morning), d.Scope(evening), d.Scope(evening.Add(time.Second)))
	}
}
