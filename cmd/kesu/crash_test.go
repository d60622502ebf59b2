package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/benchload"
	"github.com/kesu/kesu/store/storetest"
)

// buildKesu builds this command into a temp dir: the durability and
// shutdown tests run the real binary, because only a real process can be
// killed.
func buildKesu(t testing.TB) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "kesu")
	out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// startTestServer runs `kesu serve` on dsn until the test ends.
func startTestServer(t testing.TB, exe, dsn, dir string, wantToken bool, extraArgs ...string) *serverProcess {
	t.Helper()
	args := append([]string{"--db", dsn, "--files", filepath.Join(dir, "files"), "--log-level", "warn"}, extraArgs...)
	srv, err := startServer(exe, args, dir, wantToken)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Kill()
		if t.Failed() {
			t.Logf("server (pid %d) stderr:\n%s", srv.PID(), srv.Stderr())
		}
	})
	return srv
}

// TestCrashDurability kills the server with SIGKILL in the middle of a burst
// of creates and checks the promise of ARCHITECTURE.md: an acknowledged
// write (HTTP 2xx) survives kill -9, and retrying with the same
// Idempotency-Key never stores a complaint twice.
func TestCrashDurability(t *testing.T) {
	exe := buildKesu(t)
	t.Run("sqlite", func(t *testing.T) { testCrashDurability(t, exe, storetest.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testCrashDurability(t, exe, storetest.Postgres(t)) })
}

// intakeAttempt is one create request of the burst and what became of it.
type intakeAttempt struct {
	in   kesu.NewComplaint
	body []byte
	key  string
	// Outcome of the first try.
	acked  bool
	ack    kesu.Complaint // the 2xx response
	status int            // non-2xx HTTP status, 0 if none
	err    error          // transport error
}

func testCrashDurability(t *testing.T, exe, dsn string) {
	const (
		total     = 400
		workers   = 16
		killAfter = 100 // acknowledged creates before the kill
	)
	ctx := context.Background()
	dir := t.TempDir()
	srv := startTestServer(t, exe, dsn, dir, true)
	token := srv.Token

	// Every request is identified by its order number, which the list
	// returns; half also carry an external id, so that the Idempotency-Key
	// path is tested on its own too (external ids deduplicate by themselves).
	gen := &benchload.Generator{Seed: 7, Now: time.Now()}
	attempts := make([]intakeAttempt, total)
	for i := range attempts {
		in := gen.Complaint(int64(i + 1))
		in.OrderNo = fmt.Sprintf("CRASH-%04d", i)
		in.ExternalID = ""
		if i%2 == 0 {
			in.ExternalID = fmt.Sprintf("crash-ext-%04d", i)
		}
		attempts[i] = intakeAttempt{in: in, body: benchload.Marshal(in), key: fmt.Sprintf("crash-key-%04d", i)}
	}

	target := benchload.Target{BaseURL: srv.URL, Token: token, Client: benchload.NewClient(workers)}
	var next, acked atomic.Int64
	var kill sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				a := &attempts[i]
				resp, err := target.Create(ctx, a.body, a.key)
				switch {
				case err != nil:
					a.err = err
				case resp.Status == http.StatusCreated:
					if err := json.Unmarshal(resp.Body, &a.ack); err != nil || a.ack.Number == "" {
						a.status, a.err = resp.Status, fmt.Errorf("2xx with a body that is not a complaint: %v: %.200s", err, resp.Body)
						continue
					}
					a.acked = true
					if acked.Add(1) == killAfter {
						kill.Do(func() { srv.Signal(syscall.SIGKILL) })
					}
				default:
					a.status, a.err = resp.Status, fmt.Errorf("HTTP %d: %.300s", resp.Status, resp.Body)
				}
			}
		}()
	}
	wg.Wait()

	waitErr := srv.Wait(30 * time.Second)
	var exit *exec.ExitError
	if !errors.As(waitErr, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the server was not killed by SIGKILL: %v", waitErr)
	}
	var nAcked, nTransport int
	for i, a := range attempts {
		switch {
		case a.acked:
			nAcked++
		case a.status != 0:
			t.Errorf("request %d: the server answered an error before the crash: %v", i, a.err)
		default:
			nTransport++
		}
	}
	t.Logf("burst of %d creates: %d acknowledged, %d failed at the crash (in flight or sent after it)", total, nAcked, nTransport)
	if nAcked < killAfter || nTransport == 0 {
		t.Fatalf("the kill did not land in the middle of the burst: %d acknowledged, %d failed", nAcked, nTransport)
	}

	// Restart on the same database: no first-start token this time, the old
	// one must still work.
	srv = startTestServer(t, exe, dsn, dir, false)
	target.BaseURL = srv.URL

	for i, a := range attempts {
		if !a.acked {
			continue
		}
		resp, err := target.Do(ctx, http.MethodGet, "/api/v1/complaints/"+a.ack.Number, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusOK {
			t.Errorf("request %d was acknowledged as %s but is gone after the crash: HTTP %d %s", i, a.ack.Number, resp.Status, resp.Body)
			continue
		}
		var got kesu.Complaint
		if err := json.Unmarshal(resp.Body, &got); err != nil {
			t.Fatal(err)
		}
		checkStored(t, fmt.Sprintf("request %d (%s)", i, a.ack.Number), a, got)
	}

	byOrder := countStored(t, ctx, target)
	stored := 0
	for i, a := range attempts {
		n := byOrder[a.in.OrderNo]
		stored += n
		if n > 1 {
			t.Errorf("request %d (%s) is stored %d times", i, a.in.OrderNo, n)
		}
		if a.acked && n != 1 {
			t.Errorf("request %d (%s) was acknowledged but is listed %d times", i, a.in.OrderNo, n)
		}
	}
	if extra := sumCounts(byOrder) - stored; extra != 0 {
		t.Errorf("the list has %d complaints that no request of the burst sent", extra)
	}
	t.Logf("after restart: %d stored = %d acknowledged + %d committed whose answer was lost in the crash", stored, nAcked, stored-nAcked)

	// Retry every request with its own Idempotency-Key and body, as a client
	// does when it got no answer (and, for the acknowledged ones, as a
	// client might by mistake): each must answer with the one complaint.
	retried := 0
	for i := range attempts {
		a := &attempts[i]
		resp, err := target.Create(ctx, a.body, a.key)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusCreated {
			t.Errorf("retry of request %d: HTTP %d %s", i, resp.Status, resp.Body)
			continue
		}
		var got kesu.Complaint
		if err := json.Unmarshal(resp.Body, &got); err != nil {
			t.Fatal(err)
		}
		wasStored := byOrder[a.in.OrderNo] == 1
		if resp.Replayed != wasStored {
			t.Errorf("retry of request %d: Idempotent-Replayed is %v, but the complaint was stored before: %v", i, resp.Replayed, wasStored)
		}
		if a.acked && got.Number != a.ack.Number {
			t.Errorf("retry of acknowledged request %d answered %s, the first answer was %s", i, got.Number, a.ack.Number)
		}
		if !a.acked {
			retried++
		}
		first := got
		if a.acked {
			first = a.ack
		}
		checkStored(t, fmt.Sprintf("retry of request %d", i), intakeAttempt{in: a.in, ack: first}, got)
	}

	byOrder = countStored(t, ctx, target)
	for i, a := range attempts {
		if n := byOrder[a.in.OrderNo]; n != 1 {
			t.Errorf("after the retries request %d (%s) is stored %d times, want once", i, a.in.OrderNo, n)
		}
	}
	if n := sumCounts(byOrder); n != total {
		t.Errorf("after the retries %d complaints are stored, want %d", n, total)
	}
	t.Logf("after retrying %d unacknowledged requests: %d complaints, each once", retried, sumCounts(byOrder))
}

// countStored pages through the API's list and counts complaints by order
// number, checking external ids for duplicates on the way.
func countStored(t *testing.T, ctx context.Context, target benchload.Target) map[string]int {
	t.Helper()
	list, err := target.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byOrder, byExternal, byNumber := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range list {
		byOrder[c.OrderNo]++
		byNumber[c.Number]++
		if c.ExternalID != "" {
			byExternal[c.ExternalID]++
		}
	}
	for id, n := range byExternal {
		if n > 1 {
			t.Errorf("external_id %s is stored %d times", id, n)
		}
	}
	for num, n := range byNumber {
		if n > 1 {
			t.Errorf("number %s is listed %d times", num, n)
		}
	}
	return byOrder
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// checkStored compares a stored complaint with what its request asked for
// (normalised as the domain does) and with the first answer.
func checkStored(t *testing.T, label string, a intakeAttempt, got kesu.Complaint) {
	t.Helper()
	want, err := a.in.Build(got.RegisteredAt, kesu.Actor{})
	if err != nil {
		t.Fatalf("%s: the request itself is invalid: %v", label, err)
	}
	// Reads through the API mask personal data (privacy.go); compare masked.
	want, got = want.Masked(), got.Masked()
	same := func(field string, w, g any) {
		if fmt.Sprint(w) != fmt.Sprint(g) {
			t.Errorf("%s: %s is %v, want %v", label, field, g, w)
		}
	}
	same("number", a.ack.Number, got.Number)
	same("id", a.ack.ID, got.ID)
	if !got.RegisteredAt.Truncate(time.Microsecond).Equal(a.ack.RegisteredAt.Truncate(time.Microsecond)) {
		t.Errorf("%s: registered_at is %s, the answer said %s", label, got.RegisteredAt, a.ack.RegisteredAt)
	}
	same("status", kesu.StatusRegistered, got.Status)
	same("kind", want.Kind, got.Kind)
	same("channel", want.Channel, got.Channel)
	same("level", want.Level, got.Level)
	// The risk policy may raise priority and escalation at intake; the answer
	// already says so.
	same("priority", a.ack.Priority, got.Priority)
	same("escalation", a.ack.Escalation, got.Escalation)
	same("nature", want.Nature, got.Nature)
	same("timing", want.Timing, got.Timing)
	same("title", want.Title, got.Title)
	same("description", want.Description, got.Description)
	same("customer.name", want.Customer.Name, got.Customer.Name)
	same("customer.phone", want.Customer.Phone, got.Customer.Phone)
	same("customer.email", want.Customer.Email, got.Customer.Email)
	same("product", want.Product, got.Product)
	same("product_model", want.ProductModel, got.ProductModel)
	same("order_no", want.OrderNo, got.OrderNo)
	same("amount", want.Amount, got.Amount)
	same("currency", want.Currency, got.Currency)
	same("location", want.Location, got.Location)
	same("expectation", want.Expectation, got.Expectation)
	same("external_id", want.ExternalID, got.ExternalID)
	if !slices.Equal(want.Tags, got.Tags) {
		t.Errorf("%s: tags are %q, sent %q", label, got.Tags, want.Tags)
	}
	if (want.OccurredAt == nil) != (got.OccurredAt == nil) || (want.OccurredAt != nil && !want.OccurredAt.Equal(*got.OccurredAt)) {
		t.Errorf("%s: occurred_at is %v, sent %v", label, got.OccurredAt, want.OccurredAt)
	}
}
