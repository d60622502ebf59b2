package notify

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

var cst = time.FixedZone("CST", 8*3600)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, cst)

type fixture struct {
	ctx      context.Context
	db       *store.DB
	clock    *kesu.ManualClock
	n        *Notifier
	agent    kesu.Actor
	handler  kesu.Actor
	super    kesu.Actor
	promised time.Time
}

// newFixture opens a database with a department, staff and a Notifier
// (not running: tests call DeliverDue as the clock moves).
func newFixture(t *testing.T, dsn string, cfg Config) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{ctx: ctx, db: db, clock: kesu.NewManualClock(t0), promised: time.Date(2026, 12, 7, 18, 0, 0, 0, cst)}
	if _, err := db.CreateDepartment(ctx, kesu.Department{Code: "after_sales", Name: "售后部"}, "", t0); err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role kesu.Role, dept string) kesu.Actor {
		u, err := db.CreateUser(ctx, kesu.User{Email: email, Name: email, Role: role}, dept, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	f.agent = mk("agent@example.com", kesu.RoleAgent, "")
	f.handler = mk("handler@example.com", kesu.RoleHandler, "after_sales")
	f.super = mk("super@example.com", kesu.RoleSupervisor, "")
	cfg.DB, cfg.Clock = db, f.clock
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return time.Minute }
	}
	if cfg.ResolveDue == nil {
		cfg.ResolveDue = func(context.Context, int64) (time.Time, bool, error) { return f.promised, true, nil }
	}
	f.n = New(cfg)
	db.AddEffect(f.n.Effect)
	db.OnOutbox(f.n.Channels(), f.n.Wake)
	return f
}

func (f *fixture) complaint(t *testing.T, email string) kesu.Complaint {
	t.Helper()
	res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Title: "洗衣机漏水", Description: "洗衣机第二次使用就漏水，要求退款。",
		Customer: kesu.Customer{Name: "张三", Phone: "13812345678", Email: email}}, f.agent, f.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Complaint
}

func (f *fixture) deliver(t *testing.T) int {
	t.Helper()
	n, err := f.n.DeliverDue(f.ctx)
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	return n
}

func (f *fixture) outbox(t *testing.T, filter store.OutboxFilter) []store.OutboxMessage {
	t.Helper()
	msgs, err := f.db.Outbox(f.ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// Acceptance: the acknowledgement reaches a real SMTP server on loopback,
// subject with the number, body in Chinese naming the handling department
// and the promised resolution time; status changes and staff messages
// follow; internal notes never go to the customer.
func TestEmailEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		mp := startMailpit(t)
		f := newFixture(t, dsn, Config{SMTP: mp.smtp()})
		c := f.complaint(t, "zhangsan@example.com")
		if got := f.deliver(t); got != 1 {
			t.Fatalf("delivered %d messages, want the acknowledgement", got)
		}
		msgs := mp.waitFor(t, 1)
		full := mp.message(t, msgs[0].ID)
		if !strings.Contains(full.Subject, c.Number) {
			t.Errorf("subject %q does not name %s", full.Subject, c.Number)
		}
		for _, want := range []string{"张三，您好", "编号为 " + c.Number, "负责处理：客服中心", "承诺办结时间：2026年12月7日 18:00"} {
			if !strings.Contains(full.Text, want) {
				t.Errorf("acknowledgement lacks %q:\n%s", want, full.Text)
			}
		}
		h := mp.headers(t, msgs[0].ID)
		if got := h["X-Kesu-Idempotency-Key"]; len(got) != 1 || got[0] != "ack:"+strconv.FormatInt(c.ID, 10) {
			t.Errorf("X-Kesu-Idempotency-Key %v", got)
		}
		if got := h["References"]; len(got) != 1 || got[0] != ThreadID(c.Number, "kesu.example") {
			t.Errorf("References %v", got)
		}

		// Accept and dispatch (customer-visible accept; dispatch is internal),
		// sign: the handler takes it. The department is named from then on.
		for _, step := range []struct {
			cmd   kesu.Command
			actor kesu.Actor
		}{
			{kesu.Command{Action: kesu.ActionAccept, Note: "已核实订单"}, f.agent},
			{kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"}, f.agent},
			{kesu.Command{Action: kesu.ActionSign}, f.handler},
		} {
			if _, err := f.db.Transition(f.ctx, c.Number, step.cmd, step.actor, f.clock.Now(), kesu.DefaultRules); err != nil {
				t.Fatalf("%s: %v", step.cmd.Action, err)
			}
		}
		if _, err := f.db.AddPost(f.ctx, c.Number, kesu.NewPost{Body: "内部备注：客户情绪激动"}, f.handler, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AddPost(f.ctx, c.Number, kesu.NewPost{Body: "您好，我们将安排上门检修。", Visibility: kesu.VisibilityCustomer},
			f.handler, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		msgs = mp.waitFor(t, 4) // ack, accepted, in progress, message
		if len(msgs) != 4 {
			t.Fatalf("%d emails, want 4 (ack, accepted, in progress, the message)", len(msgs))
		}
		var texts []string
		for _, m := range msgs {
			full := mp.message(t, m.ID)
			if !strings.Contains(full.Subject, c.Number) {
				t.Errorf("subject %q lacks the number", full.Subject)
			}
			if strings.Contains(full.Text, "内部备注") {
				t.Errorf("an internal note reached the customer: %s", full.Text)
			}
			texts = append(texts, full.Subject+"\n"+full.Text)
		}
		all := strings.Join(texts, "\n---\n")
		for _, want := range []string{"已受理", "说明：已核实订单", "处理中", "负责", "我们将安排上门检修"} {
			if !strings.Contains(all, want) {
				t.Errorf("emails lack %q:\n%s", want, all)
			}
		}
	})
}

// Extra headers from the message data (the email channel's threading) are
// sent; a one-time code is blanked once sent.
func TestEmailHeadersAndOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		mp := startMailpit(t)
		f := newFixture(t, dsn, Config{SMTP: mp.smtp()})
		c := f.complaint(t, "")
		err := f.db.Enqueue(f.ctx, store.OutboxMessage{Channel: "email", Recipient: "lisi@example.com", Template: "message",
			ComplaintID: c.ID, IdempotencyKey: "reply-1", Data: map[string]any{"body": "已收到您的照片。", "subject": "Re: 洗衣机",
				"headers": map[string]any{"In-Reply-To": "<abc@customer.example>", "References": "<abc@customer.example>"}}}, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		err = f.db.Enqueue(f.ctx, store.OutboxMessage{Channel: "email", Recipient: "lisi@example.com", Template: "otp",
			IdempotencyKey: "otp-1", Data: map[string]any{"code": "493817", "number": c.Number}}, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		msgs := mp.waitFor(t, 2)
		seen := map[string]bool{}
		for _, m := range msgs {
			full, h := mp.message(t, m.ID), mp.headers(t, m.ID)
			switch {
			case strings.Contains(full.Subject, "Re: 洗衣机"):
				seen["reply"] = true
				if !strings.HasPrefix(full.Subject, "["+c.Number+"]") {
					t.Errorf("subject %q lacks the number prefix", full.Subject)
				}
				if got := h["In-Reply-To"]; len(got) != 1 || got[0] != "<abc@customer.example>" {
					t.Errorf("In-Reply-To %v", got)
				}
			case strings.Contains(full.Text, "493817"):
				seen["otp"] = true
			}
		}
		if !seen["reply"] || !seen["otp"] {
			t.Fatalf("got %v", seen)
		}
		otp := f.outbox(t, store.OutboxFilter{Template: "otp"})
		if len(otp) != 1 || otp[0].Status != "sent" || otp[0].Data["code"] != "" || otp[0].Data["number"] != c.Number {
			t.Fatalf("otp after sending: %+v", otp)
		}
	})
}

// receiver is a webhook endpoint that fails the first `failures` requests,
// verifies signatures and applies each idempotency key once.
type receiver struct {
	mu       sync.Mutex
	secret   string
	failures int
	requests int
	applied  map[string]int
	badSig   int
	bodies   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if err := VerifySignature(rc.secret, r.Header.Get(HeaderSignature), body, time.Now(), 24*365*time.Hour); err != nil {
		rc.badSig++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	rc.bodies = append(rc.bodies, string(body))
	if rc.requests <= rc.failures {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	rc.applied[r.Header.Get(HeaderIdempotency)]++
	w.WriteHeader(http.StatusNoContent)
}

const secret = "s3cret-s3cret-s3cret"

func (f *fixture) webhook(t *testing.T, url string, types ...string) store.WebhookEndpoint {
	t.Helper()
	w, err := f.db.CreateWebhook(f.ctx, store.WebhookEndpoint{Name: "crm", URL: url, Secret: secret, EventTypes: types,
		Active: true}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Acceptance: a receiver that fails twice, then succeeds: three attempts,
// one effect, every signature valid, the delivery log shows all three.
func TestWebhookRetriesThenSucceeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		rc := &receiver{secret: secret, failures: 2, applied: map[string]int{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		f.webhook(t, srv.URL, "created")
		c := f.complaint(t, "")
		// An event of a type the endpoint did not subscribe to queues nothing.
		if _, err := f.db.Transition(f.ctx, c.Number, kesu.Command{Action: kesu.ActionAccept}, f.agent, f.clock.Now(), kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		for attempt := 1; attempt <= 3; attempt++ {
			if got := f.deliver(t); got != 1 {
				t.Fatalf("attempt %d: claimed %d", attempt, got)
			}
			if got := f.deliver(t); got != 0 {
				t.Fatalf("attempt %d: claimed %d again before the backoff ended", attempt, got)
			}
			f.clock.Advance(time.Minute)
		}
		if rc.requests != 3 || rc.badSig != 0 || len(rc.applied) != 1 {
			t.Fatalf("requests %d, bad signatures %d, applied %v", rc.requests, rc.badSig, rc.applied)
		}
		for _, b := range rc.bodies[1:] {
			if b != rc.bodies[0] {
				t.Fatalf("the body changed between attempts:\n%s\n%s", rc.bodies[0], b)
			}
		}
		var body struct {
			ID        string
			Type      string
			Complaint struct{ Number string }
		}
		if err := json.Unmarshal([]byte(rc.bodies[0]), &body); err != nil || body.Type != "created" ||
			body.Complaint.Number != c.Number || rc.applied[body.ID] != 1 {
			t.Fatalf("body %s (%v)", rc.bodies[0], err)
		}
		msgs := f.outbox(t, store.OutboxFilter{Channel: "webhook"})
		if len(msgs) != 1 || msgs[0].Status != "sent" || msgs[0].Attempts != 3 {
			t.Fatalf("outbox: %+v", msgs)
		}
		log, err := f.db.OutboxAttempts(f.ctx, msgs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 3 || log[0].OK || log[1].OK || !log[2].OK || log[0].StatusCode != 503 || log[2].StatusCode != 204 {
			t.Fatalf("delivery log: %+v", log)
		}
		// Replay sends it again, with the same key: the receiver drops it.
		if _, err := f.db.ReplayOutbox(f.ctx, msgs[0].ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		if rc.requests != 4 || len(rc.applied) != 1 {
			t.Fatalf("after replay: requests %d, applied %v", rc.requests, rc.applied)
		}
	})
}

// Acceptance: the worker dies between sending and marking sent (its lease
// expires): the message is delivered again with the same key, not lost,
// and not before the lease ends.
func TestCrashBetweenSendAndMarkSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		mp := startMailpit(t)
		f := newFixture(t, dsn, Config{SMTP: mp.smtp(), Lease: 2 * time.Minute})
		rc := &receiver{secret: secret, applied: map[string]int{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		f.webhook(t, srv.URL, "*")
		c := f.complaint(t, "wangwu@example.com")

		// The first worker claims both messages, sends them, and dies.
		claimed, err := f.db.ClaimOutbox(f.ctx, f.n.Channels(), f.clock.Now(), 2*time.Minute, 10)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %d (%v)", len(claimed), err)
		}
		for _, m := range claimed {
			var err error
			switch m.Channel {
			case "email":
				_, err = f.n.sendEmail(f.ctx, m)
			case "webhook":
				_, err = f.n.sendWebhook(f.ctx, m)
			}
			if err != nil {
				t.Fatalf("send %s: %v", m.Channel, err)
			}
		}
		// Within the lease nobody else takes them.
		f.clock.Advance(time.Minute)
		if got := f.deliver(t); got != 0 {
			t.Fatalf("claimed %d messages inside another worker's lease", got)
		}
		// After it, they are delivered again and marked sent.
		f.clock.Advance(time.Minute + time.Second)
		if got := f.deliver(t); got != 2 {
			t.Fatalf("after the lease: claimed %d, want 2", got)
		}
		for _, m := range f.outbox(t, store.OutboxFilter{}) {
			if m.Status != "sent" || m.Attempts != 2 {
				t.Errorf("%s message: status %s after %d attempts", m.Channel, m.Status, m.Attempts)
			}
		}
		if rc.requests != 2 || len(rc.applied) != 1 {
			t.Errorf("webhook: requests %d, applied %v", rc.requests, rc.applied)
		}
		mails := mp.waitFor(t, 2)
		if len(mails) != 2 || mails[0].MessageID != mails[1].MessageID {
			t.Fatalf("emails: %+v", mails)
		}
		for _, m := range mails {
			if got := mp.headers(t, m.ID)["X-Kesu-Idempotency-Key"]; len(got) != 1 || got[0] != "ack:"+strconv.FormatInt(c.ID, 10) {
				t.Errorf("key %v", got)
			}
		}
		if got := f.deliver(t); got != 0 {
			t.Fatalf("claimed %d after everything was sent", got)
		}
	})
}

// The running worker sleeps until a message is due and is woken by an
// enqueue: a webhook that fails twice is delivered on the third attempt
// without anyone calling DeliverDue.
func TestWorkerRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n := New(Config{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Backoff: func(int) time.Duration { return 20 * time.Millisecond }})
		db.AddEffect(n.Effect)
		db.OnOutbox(n.Channels(), n.Wake)
		rc := &receiver{secret: secret, failures: 2, applied: map[string]int{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		if _, err := db.CreateWebhook(ctx, store.WebhookEndpoint{Name: "crm", URL: srv.URL, Secret: secret, Active: true}, time.Now()); err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- n.Run(runCtx) }()
		agent, err := db.CreateUser(ctx, kesu.User{Email: "a@example.com", Name: "a", Role: kesu.RoleAgent}, "", "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateComplaint(ctx, kesu.NewComplaint{Description: "快递丢失", Customer: kesu.Customer{Phone: "13900001111"}},
			agent.Actor(), time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			msgs, err := db.Outbox(ctx, store.OutboxFilter{Channel: "webhook"})
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 1 && msgs[0].Status == "sent" {
				if msgs[0].Attempts != 3 {
					t.Errorf("attempts %d, want 3", msgs[0].Attempts)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not delivered: %+v", msgs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.requests != 3 || len(rc.applied) != 1 {
			t.Fatalf("requests %d, applied %v", rc.requests, rc.applied)
		}
	})
}

// Dispatch notifies the department's handlers in the app; SLA events notify
// the assignee and, by escalation level, those above.
func TestInAppNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		c := f.complaint(t, "")
		for _, cmd := range []kesu.Command{{Action: kesu.ActionAccept}, {Action: kesu.ActionDispatch, Department: "after_sales"}} {
			if _, err := f.db.Transition(f.ctx, c.Number, cmd, f.agent, f.clock.Now(), kesu.DefaultRules); err != nil {
				t.Fatal(err)
			}
		}
		f.deliver(t)
		list, err := f.db.Notifications(f.ctx, f.handler.UserID, true, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Kind != "dispatched" || list[0].Number != c.Number || !strings.Contains(list[0].Body, "售后部") {
			t.Fatalf("handler's notifications: %+v", list)
		}
		if other, _ := f.db.Notifications(f.ctx, f.super.UserID, false, 0, 10); len(other) != 0 {
			t.Fatalf("supervisor got %+v", other)
		}
		// Delivering again (a replay) does not write a second notification.
		msgs := f.outbox(t, store.OutboxFilter{Channel: "inapp"})
		if _, err := f.db.ReplayOutbox(f.ctx, msgs[0].ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		if n, _ := f.db.UnreadNotifications(f.ctx, f.handler.UserID); n != 1 {
			t.Fatalf("unread %d after a replay, want 1", n)
		}
		if err := f.db.MarkNotificationsRead(f.ctx, f.super.UserID, list[0].ID, f.clock.Now()); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Fatalf("someone else's notification: %v", err)
		}
		if err := f.db.MarkNotificationsRead(f.ctx, f.handler.UserID, list[0].ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.db.UnreadNotifications(f.ctx, f.handler.UserID); n != 0 {
			t.Fatalf("unread %d after reading", n)
		}

		// An escalation event to level 1 (as the SLA engine writes it)
		// reaches the department's handler and the supervisors. The test
		// borrows a note's transaction to run the effect on such an event.
		f.db.AddEffect(func(ctx context.Context, tx *store.Tx, ch store.Change) error {
			if ch.Event.Body != "ESCALATE" {
				return nil
			}
			ev := ch.Event
			ev.Type, ev.Body, ev.ActorID, ev.ActorRole = evEscalated, "", 0, kesu.RoleSystem
			after := *ch.After
			after.Escalation = 1
			return f.n.Effect(ctx, tx, store.Change{Before: ch.Before, After: &after, Event: ev})
		})
		if _, err := f.db.AddPost(f.ctx, c.Number, kesu.NewPost{Body: "ESCALATE"}, f.agent, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		for _, who := range []kesu.Actor{f.handler, f.super} {
			list, _ := f.db.Notifications(f.ctx, who.UserID, true, 0, 10)
			if len(list) != 1 || list[0].Kind != evEscalated || !strings.Contains(list[0].Body, "第 1 级") {
				t.Errorf("user %s: %+v", who.Name, list)
			}
		}
	})
}

// SMS goes to the gateway in the documented JSON format.
func TestSMSGateway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		var mu sync.Mutex
		var got []SMSRequest
		var auth []string
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req SMSRequest
			dec := json.NewDecoder(r.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			mu.Lock()
			got, auth = append(got, req), append(auth, r.Header.Get("Authorization"))
			mu.Unlock()
			json.NewEncoder(w).Encode(SMSResponse{ID: "gw-1"})
		}))
		defer gw.Close()
		f := newFixture(t, dsn, Config{SMS: &SMSConfig{URL: gw.URL, Token: "tok", Sender: "客诉中心"}})
		if err := f.db.Enqueue(f.ctx, store.OutboxMessage{Channel: "sms", Recipient: "138 1234 5678", Template: "otp",
			IdempotencyKey: "otp-sms-1", Data: map[string]any{"code": "120934", "number": "TS20261123000001"}}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := f.db.Enqueue(f.ctx, store.OutboxMessage{Channel: "sms", Recipient: "not a phone", Template: "otp",
			IdempotencyKey: "otp-sms-2", Data: map[string]any{"code": "1", "number": "X"}}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		if len(got) != 1 || got[0].To != "13812345678" || !strings.Contains(got[0].Text, "120934") ||
			got[0].IdempotencyKey != "otp-sms-1" || got[0].Sender != "客诉中心" || auth[0] != "Bearer tok" {
			t.Fatalf("gateway got %+v %v", got, auth)
		}
		dead := f.outbox(t, store.OutboxFilter{Status: "dead"})
		if len(dead) != 1 || dead[0].IdempotencyKey != "otp-sms-2" || dead[0].Attempts != 1 {
			t.Fatalf("dead: %+v", dead)
		}
	})
}

// A hotline caller who left only a mobile number hears by SMS what an email
// customer reads by email: the acknowledgement with the number and the
// promised time, customer-visible status changes, staff replies; never an
// internal note. A customer with an email gets no SMS; a landline gets
// nothing (it cannot receive one).
func TestSMSForPhoneOnlyCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		var mu sync.Mutex
		var got []SMSRequest
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req SMSRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			mu.Lock()
			got = append(got, req)
			mu.Unlock()
			json.NewEncoder(w).Encode(SMSResponse{ID: "gw"})
		}))
		defer gw.Close()
		f := newFixture(t, dsn, Config{SMS: &SMSConfig{URL: gw.URL}})
		c := f.complaint(t, "") // phone 13812345678 only
		for _, cu := range []kesu.Customer{{Name: "李四", Phone: "13900001111", Email: "lisi@example.com"}, {Name: "王五", Phone: "021-62345678"}} {
			if _, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Title: "来电投诉", Description: "来电投诉。",
				Customer: cu}, f.agent, f.clock.Now(), nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.db.Transition(f.ctx, c.Number, kesu.Command{Action: kesu.ActionAccept, Note: "已核实订单"}, f.agent,
			f.clock.Now(), kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AddPost(f.ctx, c.Number, kesu.NewPost{Body: "内部备注：客户情绪激动"}, f.agent, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("我们将安排上门检修。", 60)
		if _, err := f.db.AddPost(f.ctx, c.Number, kesu.NewPost{Body: long, Visibility: kesu.VisibilityCustomer},
			f.agent, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 3 {
			for _, m := range f.outbox(t, store.OutboxFilter{}) {
				t.Logf("%s %s %s %s %s", m.Channel, m.Template, m.Status, m.Recipient, m.IdempotencyKey)
			}
			t.Fatalf("gateway got %d messages, want 3 (acknowledgement, accepted, reply): %+v", len(got), got)
		}
		want := map[string][]string{
			"ack":     {"已登记，编号 " + c.Number, "2026年12月7日 18:00"},
			"status":  {c.Number, "已受理", "说明：已核实订单"},
			"message": {"关于您的投诉 " + c.Number, "我们将安排上门检修", "…"},
		}
		for _, m := range got {
			if m.To != "13812345678" {
				t.Errorf("%s to %q", m.Template, m.To)
			}
			for _, w := range want[m.Template] {
				if !strings.Contains(m.Text, w) {
					t.Errorf("%s lacks %q: %s", m.Template, w, m.Text)
				}
			}
			delete(want, m.Template)
			if strings.Contains(m.Text, "内部备注") || strings.Contains(m.Text, "回复本邮件") {
				t.Errorf("%s: %s", m.Template, m.Text)
			}
			if n := len([]rune(m.Text)); n > 2*smsTextLimit {
				t.Errorf("%s is %d characters long", m.Template, n)
			}
		}
		if len(want) > 0 {
			t.Errorf("not sent: %v", want)
		}
		if email := f.outbox(t, store.OutboxFilter{Channel: "email"}); len(email) != 1 || email[0].Recipient != "lisi@example.com" {
			t.Errorf("email: %+v", email)
		}
	})
}

// Without SMTP, email waits in the outbox; the worker does not spin on it.
func TestUnconfiguredChannelWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		f.complaint(t, "a@example.com")
		if got := f.deliver(t); got != 0 {
			t.Fatalf("claimed %d without SMTP", got)
		}
		if _, ok, err := f.db.NextOutboxDue(f.ctx, f.n.Channels()); err != nil || ok {
			t.Fatalf("next due for configured channels: %v %v", ok, err)
		}
		if msgs := f.outbox(t, store.OutboxFilter{Status: "pending", Channel: "email"}); len(msgs) != 1 {
			t.Fatalf("pending email: %+v", msgs)
		}
	})
}

// A message that waited past its use is not sent late: an acknowledgement a
// day after the complaint (the email channel was down or not yet set up), a
// one-time code after it stopped working. Other messages still go.
func TestStaleMessagesExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		mp := startMailpit(t)
		f := newFixture(t, dsn, Config{SMTP: mp.smtp()})
		c := f.complaint(t, "zhangsan@example.com") // its acknowledgement waits
		f.clock.Advance(AckLifetime + time.Minute)
		now := f.clock.Now()
		for _, m := range []store.OutboxMessage{
			{Channel: "email", Recipient: "lisi@example.com", Template: "otp", IdempotencyKey: "otp-late",
				Data: map[string]any{"code": "493817", "number": c.Number, "expires_at": now.Add(10 * time.Minute).Format(time.RFC3339Nano)}},
			{Channel: "email", Recipient: "lisi@example.com", Template: "message", ComplaintID: c.ID, IdempotencyKey: "msg-late",
				Data: map[string]any{"body": "您好，已为您安排退款。"}},
		} {
			if err := f.db.Enqueue(f.ctx, m, now); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(11 * time.Minute)
		if got := f.deliver(t); got != 3 {
			t.Fatalf("claimed %d messages, want 3", got)
		}
		for tpl, want := range map[string]string{"ack": "dead", "otp": "dead", "message": "sent"} {
			msgs := f.outbox(t, store.OutboxFilter{Template: tpl})
			if len(msgs) != 1 || msgs[0].Status != want {
				t.Fatalf("%s: %+v, want status %s", tpl, msgs, want)
			}
			if want == "dead" && !strings.Contains(msgs[0].LastError, "expired") {
				t.Errorf("%s: last error %q does not say it expired", tpl, msgs[0].LastError)
			}
		}
		if msgs := mp.waitFor(t, 1); len(msgs) != 1 {
			t.Fatalf("mailpit received %d messages, want only the reply", len(msgs))
		}
	})
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"ev:1:wh:1"}`)
	at := time.Unix(1_800_000_000, 0)
	h := Sign("k", at, body)
	if err := VerifySignature("k", h, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]func() error{
		"other body":   func() error { return VerifySignature("k", h, []byte(`{}`), at, time.Minute) },
		"other secret": func() error { return VerifySignature("j", h, body, at, time.Minute) },
		"too old":      func() error { return VerifySignature("k", h, body, at.Add(time.Hour), time.Minute) },
		"garbage":      func() error { return VerifySignature("k", "v1=zz", body, at, time.Minute) },
	} {
		if bad() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzVerifySignature(f *testing.F) {
	f.Add("t=1800000000,v1=00", []byte("{}"))
	f.Add(Sign("k", time.Unix(1_800_000_000, 0), []byte("{}")), []byte("{}"))
	f.Add(",,=,t=,v1=", []byte(nil))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		VerifySignature("k", header, body, time.Unix(1_800_000_000, 0), time.Hour)
	})
}

func FuzzExtraHeaders(f *testing.F) {
	f.Add(`{"In-Reply-To":"<a@b>"}`)
	f.Add(`{"Bcc":"x@y"}`)
	f.Add(`{"X-A":"a\r\nBcc: x"}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		h, err := extraHeaders(v)
		if err != nil {
			return
		}
		for k, val := range h {
			if strings.ContainsAny(k+val, "\r\n") || (!allowedHeaders[k] && !strings.HasPrefix(k, "X-")) {
				t.Fatalf("accepted header %q: %q", k, val)
			}
		}
	})
}
