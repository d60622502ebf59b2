package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/demo"
	"github.com/kesu/kesu/store"
)

// TestDemoCommand runs `kesu demo` twice on a fresh SQLite file: the first
// run loads the data and prints the summary, the password and a working API
// token; the second adds nothing and does not fail.
func TestDemoCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	var out, errb bytes.Buffer
	if code := run([]string{"demo", "--db", path, "--count", "120", "--months", "3", "--seed", "5"}, &out, &errb); code != 0 {
		t.Fatalf("kesu demo exited %d: %s%s", code, out.String(), errb.String())
	}
	text := out.String()
	for _, want := range []string{"120 complaints created", "closed", "客服中心 customer_service", demo.DefaultPassword, "admin@" + demo.EmailDomain} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	token := regexp.MustCompile(`kesu_[A-Za-z0-9_-]{43}`).FindString(text)
	if token == "" {
		t.Fatalf("no API token in the output:\n%s", text)
	}
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.UserByTokenHash(context.Background(), auth.HashToken(token), time.Now())
	db.Close()
	if err != nil || u.Email != "admin@"+demo.EmailDomain {
		t.Errorf("the printed token does not authenticate the demo admin: %v %v", u, err)
	}

	out.Reset()
	errb.Reset()
	if code := run([]string{"demo", "--db", path, "--count", "120", "--months", "3", "--seed", "5"}, &out, &errb); code != 0 {
		t.Fatalf("second kesu demo exited %d: %s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "0 complaints created, 120 already there") {
		t.Errorf("second run output:\n%s", out.String())
	}

	if code := run([]string{"demo", "--db", path, "--count", "0"}, &out, &errb); code != 2 {
		t.Errorf("--count 0 exited %d, want 2 (usage)", code)
	}
}
