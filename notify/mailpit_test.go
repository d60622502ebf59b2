package notify

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kesu/kesu/store/storetest"
)

// mailpit is a real SMTP server (Mailpit) on loopback, started per test,
// with its HTTP API to read what arrived.
type mailpit struct {
	smtpPort int
	api      string
}

// mailpitBinary finds Mailpit: $KESU_MAILPIT, PATH, the tools directory
// .ci/run installs into, or $GOPATH/bin.
func mailpitBinary() string {
	if p := os.Getenv("KESU_MAILPIT"); p != "" {
		return p
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	candidates := []string{filepath.Join(home, ".cache", "kesu-tools", "bin", "mailpit")}
	if gp, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		candidates = append(candidates, filepath.Join(string(trimNL(gp)), "bin", "mailpit"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	return ""
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startMailpit runs Mailpit until the test ends.
func startMailpit(t *testing.T) *mailpit {
	t.Helper()
	bin := mailpitBinary()
	if bin == "" {
		storetest.Missing(t, "Mailpit (go install github.com/axllent/mailpit@latest, or set KESU_MAILPIT)")
	}
	for try := 0; ; try++ {
		smtpPort, httpPort := freePort(t), freePort(t)
		dir := t.TempDir()
		cmd := exec.Command(bin, "--database", filepath.Join(dir, "mailpit.db"),
			"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
			"--disable-version-check", "--smtp-disable-rdns", "--quiet")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start mailpit: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		mp := &mailpit{smtpPort: smtpPort, api: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
		if mp.ready(exited) {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return mp
		}
		cmd.Process.Kill()
		if try == 2 {
			t.Fatalf("mailpit did not start")
		}
	}
}

// ready waits for both of Mailpit's ports (false if it exited: a port was
// taken between choosing and binding it).
func (mp *mailpit) ready(exited chan error) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		resp, err := http.Get(mp.api + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(mp.smtpPort)); err == nil {
				c.Close()
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

type mailSummary struct {
	ID        string
	MessageID string
	Subject   string
	To        []struct{ Address string }
}

type mailFull struct {
	Subject string
	Text    string
}

func (mp *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(mp.api + path)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

// messages lists what arrived, newest first.
func (mp *mailpit) messages(t *testing.T) []mailSummary {
	var out struct{ Messages []mailSummary }
	mp.get(t, "/api/v1/messages?limit=500", &out)
	return out.Messages
}

// waitFor waits until at least n messages arrived and returns them. SMTP
// delivery into Mailpit is synchronous, so this only covers its indexing.
func (mp *mailpit) waitFor(t *testing.T, n int) []mailSummary {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs := mp.messages(t)
		if len(msgs) >= n || time.Now().After(deadline) {
			if len(msgs) < n {
				t.Fatalf("mailpit has %d messages, want %d", len(msgs), n)
			}
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (mp *mailpit) message(t *testing.T, id string) mailFull {
	var m mailFull
	mp.get(t, "/api/v1/message/"+url.PathEscape(id), &m)
	return m
}

func (mp *mailpit) headers(t *testing.T, id string) map[string][]string {
	h := map[string][]string{}
	mp.get(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

func (mp *mailpit) smtp() *SMTPConfig {
	return &SMTPConfig{Host: "127.0.0.1", Port: mp.smtpPort, From: "客诉中心 <kefu@kesu.example>", TLS: "",
		Timeout: 10 * time.Second}
}
