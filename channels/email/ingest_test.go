package email

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/notify"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx context.Context
	db  *store.DB
	in  *Ingester
}

func newFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.AddEffect(Outbound{Domain: "kesu.test"}.Effect)
	fd, err := files.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, db: db, in: &Ingester{DB: db, Files: fd, Clock: kesu.FixedClock{T: t0}, AutoReply: true, Domain: "kesu.test"}}
}

func (f *fixture) complaints(t *testing.T) []kesu.Complaint {
	t.Helper()
	page, err := f.db.Complaints(f.ctx, store.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func (f *fixture) byTitle(t *testing.T, part string) kesu.Complaint {
	t.Helper()
	var found []kesu.Complaint
	for _, c := range f.complaints(t) {
		if strings.Contains(c.Title, part) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d complaints titled like %q, want 1", len(found), part)
	}
	return found[0]
}

func (f *fixture) events(t *testing.T, c kesu.Complaint) []kesu.Event {
	t.Helper()
	evs, err := f.db.Events(f.ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (f *fixture) outbox(t *testing.T, complaintID int64) []store.OutboxMessage {
	t.Helper()
	list, err := f.db.Outbox(f.ctx, store.OutboxFilter{Channel: "email", ComplaintID: complaintID})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func headersOf(m store.OutboxMessage) map[string]any {
	h, _ := m.Data["headers"].(map[string]any)
	return h
}

// The acceptance test: real messages through a real IMAP server (Dovecot on
// loopback, over TLS) become complaints that read correctly in Chinese;
// replies thread; the unparseable one is quarantined; nothing is taken twice.
func TestIMAPEndToEnd(t *testing.T) {
	gb2312 := sharedMessage(t, "real_world/spamassassin__nice_cjk__gb2312.2.eml")
	big5 := sharedMessage(t, "real_world/spamassassin__nice_cjk__big5-base64.1.eml")
	gbk := sharedMessage(t, "synthetic/mnako-letters__test_chinese_multipart_mixed_gbk_over_base64.eml")
	gb18030 := sharedMessage(t, "synthetic/mnako-letters__test_chinese_plaintext_gb18030_over_quoted-printable.eml")
	broken := []byte("Subject: =?gb2312?B?1tDOxA==?=\r\nX-Note: no sender at all\r\n\r\n\x00\x01 binary garbage\r\n")
	storetest.Each(t, func(t *testing.T, dsn string) {
		srv := startDovecot(t) // a mailbox of its own per backend
		srv.deliver(t, gb2312, big5, gbk, gb18030, broken)
		f := newFixture(t, dsn)
		acct, err := f.db.CreateEmailAccount(f.ctx, store.EmailAccount{Name: "support", Address: "support@kesu.test",
			Host: srv.Host, Port: srv.TLSPort, Security: "tls", Username: srv.User, Password: srv.Password,
			AutoReply: true, Active: true}, t0)
		if err != nil {
			t.Fatal(err)
		}
		p := &Poller{Ingester: f.in, DB: f.db, TLSConfig: srv.TLSConfig}
		if err := p.PollOnce(f.ctx, acct); err != nil {
			t.Fatalf("poll: %v", err)
		}

		if n := len(f.complaints(t)); n != 4 {
			t.Fatalf("%d complaints, want 4", n)
		}
		c1 := f.byTitle(t, "装硬碟问题") // GB2312: RFC 2047 subject, 8-bit body
		if !strings.Contains(c1.Description, "假设你的硬碟是IDE介面(不是SCSI)") || c1.Channel != kesu.ChannelEmail ||
			c1.Customer.Email != "jason_lee@quantatw.com" {
			t.Errorf("GB2312 complaint: %+v", c1)
		}
		c2 := f.byTitle(t, "鉅靡6月17日新片又到") // Big5: raw 8-bit subject, HTML-only base64 body
		if !strings.Contains(c2.Description, "永久網址") || strings.Contains(c2.Description, "<html") {
			t.Errorf("Big5 description %.200q", c2.Description)
		}
		var poems []kesu.Complaint // GBK (multipart with attachments) and GB18030 (quoted-printable)
		for _, c := range f.complaints(t) {
			if c.Title == "📧 Test 施氏食狮史" {
				poems = append(poems, c)
				if !strings.HasPrefix(c.Description, "石室诗士施氏，嗜狮，誓食十狮。\n氏时时适市视狮。") {
					t.Errorf("poem %.100q", c.Description)
				}
				if c.Customer.Name != "艾莉絲 发件人" {
					t.Errorf("customer name %q", c.Customer.Name)
				}
			}
		}
		if len(poems) != 2 {
			t.Fatalf("%d GBK/GB18030 complaints, want 2", len(poems))
		}
		var cGBK kesu.Complaint
		for _, c := range poems {
			atts, err := f.db.Attachments(f.ctx, c.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(atts) > 0 {
				cGBK = c
				names := map[string]bool{}
				for _, a := range atts {
					names[a.Filename] = true
				}
				if !names["inline-jpg-image-filename.jpg"] || !names["attached-pdf-filename.pdf"] {
					t.Errorf("attachments %v", names)
				}
			}
		}
		if cGBK.ID == 0 {
			t.Fatal("the multipart GBK message's attachments were not kept")
		}

		// The unparseable message is quarantined, raw, and the mailbox moved on.
		q, err := f.db.Quarantine(f.ctx, "held", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 1 || !strings.Contains(q[0].Error, "sender") || q[0].AccountID != acct.ID || q[0].UID != 5 {
			t.Fatalf("quarantine %+v", q)
		}
		raw, err := f.db.QuarantinedByID(f.ctx, q[0].ID)
		if err != nil || !strings.Contains(string(raw.Raw), "binary garbage") {
			t.Fatalf("quarantined raw: %v %q", err, raw.Raw)
		}
		health, err := f.db.EmailHealth(f.ctx)
		if err != nil || len(health) != 1 || health[0].Quarantined != 1 || health[0].LastSuccessAt == nil {
			t.Fatalf("health %+v %v", health, err)
		}

		// Auto-replies: to the customer, not to the mailing lists.
		if acks := f.outbox(t, c1.ID); len(acks) != 0 {
			t.Errorf("auto-reply to a list message: %+v", acks)
		}
		acks := f.outbox(t, cGBK.ID)
		if len(acks) != 1 || acks[0].Template != "ack" || acks[0].Recipient != "alice.fajianren@example.com" ||
			headersOf(acks[0])["Auto-Submitted"] != "auto-replied" || headersOf(acks[0])["In-Reply-To"] != "<Message-Id-1@example.com>" {
			t.Fatalf("ack %+v", acks)
		}
		ackID := strings.Trim(headersOf(acks[0])["Message-Id"].(string), "<>")

		// Polling again takes nothing twice, even from the start of the mailbox
		// (a crash before the position was saved).
		if err := p.PollOnce(f.ctx, acct); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ResetEmailPosition(f.ctx, acct.ID, acct.UIDValidity, t0); err != nil {
			t.Fatal(err)
		}
		acct, _ = f.db.EmailAccount(f.ctx, "support")
		if err := p.PollOnce(f.ctx, acct); err != nil {
			t.Fatal(err)
		}
		if n := len(f.complaints(t)); n != 4 {
			t.Fatalf("after re-polling: %d complaints, want 4", n)
		}

		// An agent answers the GBK customer: the email goes out threaded.
		agent := kesu.Actor{UserID: 0, Role: kesu.RoleAgent, Name: "客服小王"}
		ev, err := f.db.AddPost(f.ctx, cGBK.Number, kesu.NewPost{Body: "您好，请提供订单号。", Visibility: kesu.VisibilityCustomer}, agent, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		var reply store.OutboxMessage
		for _, m := range f.outbox(t, cGBK.ID) {
			if m.Template == "message" {
				reply = m
			}
		}
		h := headersOf(reply)
		if reply.Data["body"] != "您好，请提供订单号。" || h["In-Reply-To"] != "<Message-Id-1@example.com>" ||
			!strings.Contains(h["References"].(string), "<"+ackID+">") || reply.Data["number"] != cGBK.Number {
			t.Fatalf("reply %+v", reply)
		}
		replyID := strings.Trim(h["Message-Id"].(string), "<>")
		if !strings.Contains(replyID, cGBK.Number) || !strings.Contains(replyID, "kesu.test") {
			t.Errorf("reply Message-ID %q", replyID)
		}

		// The customer answers the agent (threaded by In-Reply-To) and, in a
		// new message, writes the number in the subject: both join the complaint.
		answer := "From: =?gbk?b?sKzA8r16?= <alice.fajianren@example.com>\r\nTo: support@kesu.test\r\n" +
			"Subject: =?UTF-8?B?" + b64("回复：关于您的投诉的回复") + "?=\r\nMessage-ID: <answer-1-" + dsnTag(dsn) + "@example.com>\r\n" +
			"In-Reply-To: <" + replyID + ">\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n" + string(gbkBytes("订单号是 ORD-2026-1123。")) + "\r\n"
		byNumber := "From: alice.fajianren@example.com\r\nSubject: [" + cGBK.Number + "] " + "more\r\nMessage-ID: <answer-2-" + dsnTag(dsn) + "@example.com>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\n再补充一张照片。\r\n"
		srv.deliver(t, []byte(answer), []byte(byNumber))
		acct, _ = f.db.EmailAccount(f.ctx, "support")
		if err := p.PollOnce(f.ctx, acct); err != nil {
			t.Fatal(err)
		}
		if n := len(f.complaints(t)); n != 4 {
			t.Fatalf("after the replies: %d complaints, want 4", n)
		}
		var bodies []string
		for _, e := range f.events(t, cGBK) {
			if e.Type == kesu.EventMessage && e.ActorRole == kesu.RoleCustomer {
				bodies = append(bodies, e.Body)
				if e.Visibility != kesu.VisibilityCustomer {
					t.Errorf("customer message visibility %s", e.Visibility)
				}
			}
		}
		if len(bodies) != 2 || bodies[0] != "订单号是 ORD-2026-1123。" || bodies[1] != "再补充一张照片。" {
			t.Fatalf("customer messages %q", bodies)
		}
		_ = ev

		// A stranger writing the number in the subject starts a new complaint.
		stranger := "From: other@example.org\r\nSubject: [" + cGBK.Number + "] hijack\r\n\r\n我也有问题\r\n"
		res, err := f.in.Take(f.ctx, []byte(stranger), store.EmailSource{}, &acct)
		if err != nil || !res.Created || res.Complaint.ID == cGBK.ID {
			t.Fatalf("stranger: %+v %v", res, err)
		}
	})
}

// The poller waits with IMAP IDLE and takes a new message in as it arrives.
func TestIMAPIdleWorker(t *testing.T) {
	srv := startDovecot(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		if _, err := f.db.CreateEmailAccount(f.ctx, store.EmailAccount{Name: "idle", Address: "support@kesu.test",
			Host: srv.Host, Port: srv.Port, Security: "none", Username: srv.User, Password: srv.Password,
			PollSeconds: 3600, AutoReply: true, Active: true}, t0); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan error, 1)
		p := &Poller{Ingester: f.in, DB: f.db, Refresh: time.Hour}
		go func() { done <- p.Run(ctx) }()
		defer func() { cancel(); <-done }()
		// Wait until the session is idling (the first poll recorded success).
		waitFor(t, func() bool {
			h, _ := f.db.EmailHealth(f.ctx)
			return len(h) == 1 && h[0].LastSuccessAt != nil
		})
		tag := dsnTag(dsn)
		srv.deliver(t, []byte("From: 赵六 <zhao@example.com>\r\nSubject: idle "+tag+" 空调不制冷\r\nMessage-ID: <idle-"+tag+"@example.com>\r\n\r\n安装第二天就坏了。\r\n"))
		waitFor(t, func() bool {
			for _, c := range f.complaints(t) {
				if strings.Contains(c.Title, "idle "+tag) && c.Description == "安装第二天就坏了。" {
					return true
				}
			}
			return false
		})
	})
}

// waitFor polls cond until it holds; the IMAP server works at its own pace.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A message quarantined earlier is taken in by Retry and released.
func TestQuarantineRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		good := []byte("From: 钱七 <qian@example.com>\nSubject: 退款迟迟不到\n\n申请退款十天了还没到账。\n")
		q, err := f.db.QuarantineEmail(f.ctx, store.EmailSource{}, ContentKey(good), good, "an older kesu could not read it", t0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Retry(f.ctx, f.in, q.ID)
		if err != nil || !res.Created || res.Complaint.Title != "退款迟迟不到" {
			t.Fatalf("retry: %+v %v", res, err)
		}
		after, err := f.db.QuarantinedByID(f.ctx, q.ID)
		if err != nil || after.Status != "released" || after.Complaint != res.Complaint.Number {
			t.Fatalf("after retry: %+v %v", after, err)
		}
		if _, err := Retry(f.ctx, f.in, q.ID); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("second retry: %v", err)
		}
		// Still broken: another attempt is counted, nothing is created.
		bad := []byte("Subject: only a subject\n\nbody")
		res, err = f.in.Take(f.ctx, bad, store.EmailSource{}, nil)
		if err != nil || res.Quarantined == nil {
			t.Fatalf("bad: %+v %v", res, err)
		}
		res, err = Retry(f.ctx, f.in, res.Quarantined.ID)
		if err != nil || res.Quarantined == nil || res.Quarantined.Attempts != 2 {
			t.Fatalf("bad retry: %+v %v", res, err)
		}
	})
}

// Auto-replies to one sender are limited, so two robots cannot loop.
func TestAutoReplyRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.in.AckLimit = 2
		acked := 0
		for i := range 4 {
			raw := []byte("From: loop@example.com\nSubject: 第" + string(rune('1'+i)) + "封\nMessage-ID: <loop-" + string(rune('a'+i)) + "@example.com>\n\n内容\n")
			res, err := f.in.Take(f.ctx, raw, store.EmailSource{}, nil)
			if err != nil || !res.Created {
				t.Fatalf("take %d: %+v %v", i, res, err)
			}
			if res.AutoReplied {
				acked++
			}
		}
		if acked != 2 {
			t.Fatalf("%d auto-replies, want 2", acked)
		}
		// Taking the same message again changes nothing.
		raw := []byte("From: loop@example.com\nSubject: 第1封\nMessage-ID: <loop-a@example.com>\n\n内容\n")
		res, err := f.in.Take(f.ctx, raw, store.EmailSource{}, nil)
		if err != nil || !res.Replayed || res.Created {
			t.Fatalf("replay: %+v %v", res, err)
		}
	})
}

func dsnTag(dsn string) string {
	if store.IsPostgresURL(dsn) {
		return "pg"
	}
	return "lite"
}

func gbkBytes(s string) []byte { return gbk(s) }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// With the notifier's effects registered too (as in kesu serve), each new
// email complaint gets exactly one acknowledgement: threaded and marked
// automatic, and none at all for list mail; an agent's message is mailed
// once, by the email channel.
func TestAckWithNotifier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.db.AddEffect(notify.New(notify.Config{DB: f.db, Clock: f.in.Clock}).Effect)
		person := []byte("From: 周九 <zhou@example.com>\nSubject: 电视黑屏\nMessage-ID: <tv-1@example.com>\n\n买了三天就黑屏。\n")
		list := []byte("From: news@lists.example.com\nSubject: 周报\nPrecedence: list\nList-Id: <news.example.com>\n\n本周新闻\n")
		for i, raw := range [][]byte{person, list} {
			res, err := f.in.Take(f.ctx, raw, store.EmailSource{}, nil)
			if err != nil || !res.Created {
				t.Fatalf("take: %+v %v", res, err)
			}
			acks := f.outbox(t, res.Complaint.ID)
			if i == 0 { // the person
				if len(acks) != 1 || acks[0].Template != "ack" || headersOf(acks[0])["In-Reply-To"] != "<tv-1@example.com>" {
					t.Fatalf("person's acks %+v", acks)
				}
				ev, err := f.db.AddPost(f.ctx, res.Complaint.Number, kesu.NewPost{Body: "请提供购买凭证。", Visibility: kesu.VisibilityCustomer},
					kesu.Actor{Role: kesu.RoleAgent, Name: "agent"}, t0)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, m := range f.outbox(t, res.Complaint.ID) {
					if m.Template == "message" {
						n++
						if m.IdempotencyKey != notify.MessageKey(ev.ID) || headersOf(m)["In-Reply-To"] != "<tv-1@example.com>" {
							t.Errorf("message %+v", m)
						}
					}
				}
				if n != 1 {
					t.Errorf("%d message emails, want 1", n)
				}
			} else if len(acks) != 0 {
				t.Fatalf("list mail acknowledged: %+v", acks)
			}
		}
	})
}
