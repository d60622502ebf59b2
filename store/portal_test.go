package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// otpCodes returns the one-time codes queued in the outbox, newest first.
func otpCodes(t *testing.T, f *fixture) []store.OutboxMessage {
	t.Helper()
	msgs, err := f.db.Outbox(f.ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.OutboxMessage
	for _, m := range msgs {
		if m.Template == "otp" {
			out = append(out, m)
		}
	}
	return out
}

func TestPortalCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		num := res.Complaint.Number
		lim := store.PortalLimits{}

		// Unknown number: same answer, nothing sent.
		if limited, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: "TS20991231000001", Client: "1.1.1.1"}, lim, t0); err != nil || limited {
			t.Fatalf("unknown number: limited=%v err=%v", limited, err)
		}
		if got := otpCodes(t, f); len(got) != 0 {
			t.Fatalf("a code was sent for an unknown number: %+v", got)
		}
		if _, _, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: "TS20991231000001", Code: "123456", Client: "1.1.1.1"}, lim, t0); kesu.ErrorFieldOf(err) != "code" {
			t.Fatalf("unknown number verify: %v", err)
		}

		// Known number (typed in lower case): an SMS to the phone on file.
		if limited, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: " " + strings.ToLower(num), Client: "1.1.1.1", Locale: "en"}, lim, t0); err != nil || limited {
			t.Fatalf("request: limited=%v err=%v", limited, err)
		}
		msgs := otpCodes(t, f)
		if len(msgs) != 1 || msgs[0].Channel != "sms" || msgs[0].Recipient != "13812345678" || msgs[0].Locale != "en" ||
			msgs[0].Data["number"] != num || msgs[0].ComplaintID != res.Complaint.ID {
			t.Fatalf("otp message: %+v", msgs)
		}
		code := msgs[0].Data["code"].(string)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if _, _, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: wrong, Client: "1.1.1.1"}, lim, t0); kesu.ErrorFieldOf(err) != "code" {
			t.Fatalf("wrong code: %v", err)
		}
		if _, _, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: "12ab", Client: "1.1.1.1"}, lim, t0); kesu.ErrorFieldOf(err) != "code" {
			t.Fatalf("malformed code: %v", err)
		}
		s, limited, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: code, Client: "1.1.1.1"}, lim, t0.Add(time.Minute))
		if err != nil || limited || s.ComplaintID != res.Complaint.ID || s.Token == "" {
			t.Fatalf("verify: %+v %v %v", s, limited, err)
		}
		// A code works once.
		if _, _, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: code, Client: "1.1.1.1"}, lim, t0.Add(time.Minute)); kesu.ErrorFieldOf(err) != "code" {
			t.Fatalf("reused code: %v", err)
		}
		got, err := f.db.PortalSessionOf(f.ctx, s.Token, t0.Add(2*time.Minute))
		if err != nil || got.ComplaintID != res.Complaint.ID {
			t.Fatalf("session: %+v %v", got, err)
		}
		if _, err := f.db.PortalSessionOf(f.ctx, s.Token, t0.Add(time.Hour)); kesu.ErrorCodeOf(err) != kesu.EUnauthorized {
			t.Fatalf("expired session: %v", err)
		}
		if err := f.db.EndPortalSession(f.ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.PortalSessionOf(f.ctx, s.Token, t0.Add(2*time.Minute)); kesu.ErrorCodeOf(err) != kesu.EUnauthorized {
			t.Fatalf("ended session: %v", err)
		}

		// Expiry: a code older than 10 minutes fails.
		t1 := t0.Add(2 * time.Hour)
		if _, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: num, Client: "2.2.2.2"}, lim, t1); err != nil {
			t.Fatal(err)
		}
		code = otpCodes(t, f)[0].Data["code"].(string)
		if _, _, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: code, Client: "2.2.2.2"}, lim, t1.Add(10*time.Minute+time.Second)); kesu.ErrorFieldOf(err) != "code" {
			t.Fatalf("expired code: %v", err)
		}

		// Attempts: after five wrong guesses the right code fails too.
		t2 := t0.Add(4 * time.Hour)
		if _, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: num, Client: "3.3.3.3"}, lim, t2); err != nil {
			t.Fatal(err)
		}
		code = otpCodes(t, f)[0].Data["code"].(string)
		for i := 0; i < 5; i++ {
			bad := "99999" + string(rune('0'+i))
			if bad == code {
				bad = "888888"
			}
			f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: bad, Client: "3.3.3.3"}, lim, t2)
		}
		if _, _, err := f.db.VerifyPortalCode(f.ctx, store.CodeCheck{Number: num, Code: code, Client: "3.3.3.3"}, lim, t2); kesu.ErrorFieldOf(err) != "code" {
			t.Fatalf("code after too many attempts: %v", err)
		}

		// Rate limit per number: the same for a known and an unknown number.
		t3 := t0.Add(8 * time.Hour)
		for _, n := range []string{num, "TS20991231000009"} {
			for i := 0; i < 5; i++ {
				if limited, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: n, Client: "ip" + string(rune('a'+i))}, lim, t3); err != nil || limited {
					t.Fatalf("%s request %d: limited=%v err=%v", n, i, limited, err)
				}
			}
			if limited, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: n, Client: "ipz"}, lim, t3); err != nil || !limited {
				t.Fatalf("%s: sixth request not limited: %v", n, err)
			}
		}
		// Per client address.
		t4 := t0.Add(12 * time.Hour)
		small := store.PortalLimits{CodesPerClient: 2}
		for i, want := range []bool{false, false, true} {
			limited, err := f.db.RequestPortalCode(f.ctx, store.CodeRequest{Number: "TS2099123100010" + string(rune('0'+i)), Client: "9.9.9.9"}, small, t4)
			if err != nil || limited != want {
				t.Fatalf("client request %d: limited=%v err=%v", i, limited, err)
			}
		}
		if _, err := store.NormalizeNumber("TS 1; DROP"); kesu.ErrorFieldOf(err) != "number" {
			t.Fatalf("malformed number: %v", err)
		}
		if err := f.db.SweepPortal(f.ctx, t0.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCustomerViewHidesInternal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		res, _ := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		num := res.Complaint.Number
		f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "内部备注：客户疑似恶意索赔"}, f.agent, t0)
		f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "您好，已收到", Visibility: kesu.VisibilityCustomer}, f.agent, t0)
		if _, err := f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionAccept}, f.agent, t0, kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales", Note: "内部派单说明"}, f.agent, t0, kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		v, err := f.db.CustomerView(f.ctx, res.Complaint.ID, t0, kesu.DefaultRules)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range v.Events {
			if strings.Contains(e.Body, "内部") {
				t.Fatalf("internal text on the customer view: %+v", e)
			}
		}
		if len(v.Events) != 3 { // created, message, accepted
			t.Fatalf("events: %+v", v.Events)
		}
		if v.Complaint.Number != num || len(v.Actions) != 1 || v.Actions[0] != kesu.ActionWithdraw {
			t.Fatalf("view: %+v actions %v", v.Complaint, v.Actions)
		}
		k1, err := f.db.PortalKey(f.ctx, t0)
		if err != nil || len(k1) != 32 {
			t.Fatalf("key: %v", err)
		}
		k2, _ := f.db.PortalKey(f.ctx, t0)
		if string(k1) != string(k2) {
			t.Fatal("the portal key changed")
		}
	})
}
