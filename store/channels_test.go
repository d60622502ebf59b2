package store_test

import (
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

func TestChannelStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		ctx := f.ctx
		// Intake sources keep their mapping; names are unique.
		src, err := f.db.CreateIntakeSource(ctx, store.IntakeSource{Name: "shop", Auth: store.IntakeHMAC, Secret: "0123456789abcdef",
			Mapping: map[string]string{"external_id": "/id"}}, t0)
		if err != nil || src.Channel != kesu.ChannelAPI {
			t.Fatal(err, src)
		}
		if _, err := f.db.CreateIntakeSource(ctx, src, t0); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("duplicate source: %v", err)
		}
		if _, err := f.db.CreateIntakeSource(ctx, store.IntakeSource{Name: "Bad Name", Auth: "hmac", Secret: "0123456789abcdef"}, t0); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("bad name: %v", err)
		}
		got, err := f.db.IntakeSourceByName(ctx, "shop")
		if err != nil || got.Mapping["external_id"] != "/id" || got.Secret != "0123456789abcdef" || !got.Active {
			t.Fatalf("source: %v %+v", err, got)
		}

		// Health: successes, errors and backlog per channel account.
		for _, ok := range []bool{true, true, false} {
			if err := f.db.RecordChannelHealth(ctx, "intake", "shop", ok, "boom", t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.db.SetChannelBacklog(ctx, "import", "nightly", 7, 2, t0); err != nil {
			t.Fatal(err)
		}
		hs, err := f.db.ChannelHealths(ctx)
		if err != nil || len(hs) != 2 {
			t.Fatalf("health: %v %+v", err, hs)
		}
		for _, h := range hs {
			switch h.Account {
			case "shop":
				if h.Successes != 2 || h.Errors != 1 || h.LastError != "boom" || h.LastSuccessAt == nil || h.LastErrorAt == nil {
					t.Fatalf("shop: %+v", h)
				}
			case "nightly":
				if h.Backlog != 7 || h.Quarantined != 2 {
					t.Fatalf("nightly: %+v", h)
				}
			}
		}

		// Replay cache: claimed once, the reply remembered, pruned later.
		claimed, _, err := f.db.ClaimReplay(ctx, "wechat", "a", "m:1", t0)
		if err != nil || !claimed {
			t.Fatal(err)
		}
		f.db.SetReplayReply(ctx, "wechat", "a", "m:1", "<xml/>")
		claimed, reply, err := f.db.ClaimReplay(ctx, "wechat", "a", "m:1", t0)
		if err != nil || claimed || reply != "<xml/>" {
			t.Fatalf("second claim: %v %v %q", err, claimed, reply)
		}
		if n, err := f.db.PruneReplay(ctx, t0.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("prune: %v %d", err, n)
		}

		// Hotline: a recording on a complaint, and caller ID.
		c, err := f.db.CreateComplaint(ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		started := t0.Add(-time.Hour)
		rec, err := f.db.AddRecording(ctx, c.Complaint.Number, kesu.Attachment{Filename: "call.wav", ContentType: "audio/wave",
			Size: 10, SHA256: "ab"}, store.CallInfo{Caller: "138 1234 5678", StartedAt: &started, DurationMS: 65000}, f.agent, t0)
		if err != nil || rec.ID == 0 || !rec.Recording || rec.Caller != "13812345678" {
			t.Fatalf("recording: %v %+v", err, rec)
		}
		recs, err := f.db.Recordings(ctx, c.Complaint.ID)
		if err != nil || len(recs) != 1 || recs[0].DurationMS != 65000 || recs[0].StartedAt == nil || !recs[0].StartedAt.Equal(started) {
			t.Fatalf("recordings: %v %+v", err, recs)
		}
		h, err := f.db.LookupCaller(ctx, "138-1234-5678")
		if err != nil || len(h.Customers) != 1 || len(h.Complaints) != 1 || h.Complaints[0].Number != c.Complaint.Number {
			t.Fatalf("lookup: %v %+v", err, h)
		}
		if h, err := f.db.LookupCaller(ctx, "13900000000"); err != nil || len(h.Complaints) != 0 {
			t.Fatalf("unknown caller: %v %+v", err, h)
		}
		if _, err := f.db.LookupCaller(ctx, "x"); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("bad phone: %v", err)
		}

		// WeChat: the open complaint of a messaging id.
		in := sample()
		in.Customer = kesu.Customer{WeChatID: "oUser1"}
		wc, err := f.db.CreateComplaint(ctx, in, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		open, found, err := f.db.OpenComplaintOfMessenger(ctx, "oUser1")
		if err != nil || !found || open.Number != wc.Complaint.Number {
			t.Fatalf("open complaint: %v %v %s", err, found, open.Number)
		}
		if _, err := f.db.Transition(ctx, wc.Complaint.Number, kesu.Command{Action: kesu.ActionWithdraw, Note: "不用了"}, f.agent, t0, kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		if _, found, err := f.db.OpenComplaintOfMessenger(ctx, "oUser1"); err != nil || found {
			t.Fatalf("withdrawn complaint still open: %v %v", err, found)
		}
	})
}
