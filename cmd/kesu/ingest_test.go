package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu/kesu"
)

// TestIngestEmailCommand: `kesu ingest email --file` feeds a stored message
// through the intake path and prints the complaint; the same file again
// gives the same complaint; an unreadable one is quarantined, and the
// channel commands configure a mailbox.
func TestIngestEmailCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kesu.db")
	kesuRun := func(want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != want {
			t.Fatalf("kesu %s exited %d, want %d:\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	msg := filepath.Join(dir, "forwarded.eml")
	os.WriteFile(msg, []byte("From: =?UTF-8?B?5byg5LiJ?= <zhang.san@example.com>\r\nSubject: =?UTF-8?B?5rSX6KGj5py65ryP5rC0?=\r\n"+
		"Message-ID: <cli-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n第二次使用就漏水，要求退款。\r\n"), 0o644)
	out, _ := kesuRun(0, "ingest", "email", "--db", db, "--file", msg)
	var c kesu.Complaint
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("output is not a complaint: %v\n%s", err, out)
	}
	if c.Number == "" || c.Title != "洗衣机漏水" || c.Description != "第二次使用就漏水，要求退款。" || c.Channel != kesu.ChannelEmail ||
		c.Customer.Email != "zhang.san@example.com" || c.Customer.Name != "张三" {
		t.Fatalf("complaint %+v", c)
	}
	again, _ := kesuRun(0, "ingest", "email", "--db", db, "--file", msg)
	var c2 kesu.Complaint
	json.Unmarshal([]byte(again), &c2)
	if c2.ID != c.ID {
		t.Errorf("the same message made complaint %s, then %s", c.Number, c2.Number)
	}

	bad := filepath.Join(dir, "bad.eml")
	os.WriteFile(bad, []byte("no header here"), 0o644)
	out, errOut := kesuRun(0, "ingest", "email", "--db", db, "--file", bad)
	if !strings.Contains(errOut, "quarantined") || !strings.Contains(out, `"quarantined"`) {
		t.Errorf("bad message: %q %q", out, errOut)
	}
	kesuRun(2, "ingest", "email", "--db", db)

	kesuRun(0, "channel", "email", "add", "--db", db, "--name", "support", "--address", "support@example.com",
		"--host", "imap.example.com", "--username", "support", "--password", "pw")
	if list, _ := kesuRun(0, "channel", "email", "list", "--db", db); !strings.Contains(list, `"name": "support"`) || strings.Contains(list, `"pw"`) {
		t.Errorf("list: %s", list)
	}
	kesuRun(0, "channel", "email", "disable", "--db", db, "--name", "support")
	kesuRun(1, "channel", "email", "add", "--db", db, "--name", "plain", "--address", "a@example.com",
		"--host", "imap.example.com", "--security", "none", "--username", "u", "--password", "pw")
}
