package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu/channels/wechat"
)

// TestChannelCommands configures a WeChat account and an intake source from
// the command line and answers WeChat's URL verification through the
// application's real handler.
func TestChannelCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	kesuRun := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != want {
			t.Fatalf("kesu %s exited %d, want %d:\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	kesuRun(0, "channel", "wechat", "add", "--db", db, "--name", "shop", "--app-id", "wx1234567890abcdef", "--token", "kesuToken123")
	kesuRun(1, "channel", "wechat", "add", "--db", db, "--name", "shop", "--app-id", "wx1", "--token", "kesuToken123")
	kesuRun(1, "channel", "wechat", "add", "--db", db, "--name", "bad", "--app-id", "wx1", "--token", "t", "--aes-key", "short")
	kesuRun(2, "channel", "wechat", "add", "--db", db, "--name", "x")
	if out := kesuRun(0, "channel", "wechat", "list", "--db", db); !strings.Contains(out, "shop") || strings.Contains(out, "kesuToken123") {
		t.Fatalf("list: %s", out)
	}
	if out := kesuRun(0, "channel", "intake", "add", "--db", db, "--name", "crm"); !strings.Contains(out, "kesuin_") {
		t.Fatalf("intake add: %s", out)
	}
	if out := kesuRun(0, "channel", "health", "--db", db); !strings.Contains(out, "wechat") || !strings.Contains(out, "crm") {
		t.Fatalf("health: %s", out)
	}
	kesuRun(2, "channel", "fax")

	app, err := OpenApp(context.Background(), Config{DB: db}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := url.Values{"timestamp": {ts}, "nonce": {"n1"}, "echostr": {"ok-42"}, "signature": {wechat.Signature("kesuToken123", ts, "n1")}}
	resp, err := http.Get(srv.URL + "/channels/wechat/shop?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ok-42" {
		t.Fatalf("verification: %d %q", resp.StatusCode, b)
	}
	q.Set("signature", wechat.Signature("wrong", ts, "n1"))
	resp, err = http.Get(srv.URL + "/channels/wechat/shop?" + q.Encode())
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("bad signature: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
}
