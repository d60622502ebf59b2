package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// Effects see every change inside its transaction, and a failing effect
// rolls the change back.
func TestEffects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		var seen []string
		fail := false
		f.db.AddEffect(func(ctx context.Context, tx *store.Tx, ch store.Change) error {
			if ch.Event.ID == 0 || ch.After == nil || ch.After.ID == 0 || ch.Event.ComplaintID != ch.After.ID {
				t.Errorf("incomplete change: %+v", ch)
			}
			kind := string(ch.Event.Type)
			if ch.Created() {
				kind = "created"
			} else if ch.StatusChanged() {
				kind = "status:" + string(ch.Before.Status) + ">" + string(ch.After.Status)
			}
			seen = append(seen, kind)
			if fail {
				return errors.New("effect failed")
			}
			return nil
		})
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		num := res.Complaint.Number
		if _, err := f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionAccept}, f.agent, t0, kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "回访中"}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		title := "洗衣机严重漏水"
		if _, err := f.db.UpdateComplaint(f.ctx, num, kesu.ComplaintPatch{Title: &title}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		want := []string{"created", "status:registered>accepted", "note", "updated"}
		if len(seen) != len(want) {
			t.Fatalf("effects saw %v, want %v", seen, want)
		}
		for i := range want {
			if seen[i] != want[i] {
				t.Fatalf("effects saw %v, want %v", seen, want)
			}
		}

		fail = true
		before := f.counts(t)
		_, err = f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"}, f.agent, t0, kesu.DefaultRules)
		if err == nil {
			t.Fatal("transition succeeded although its effect failed")
		}
		if _, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil); err == nil {
			t.Fatal("create succeeded although its effect failed")
		}
		if after := f.counts(t); after != before {
			t.Fatalf("a failed effect left changes:\nbefore %s\nafter  %s", before, after)
		}
		c, err := f.db.Complaint(f.ctx, num)
		if err != nil || c.Status != kesu.StatusAccepted {
			t.Fatalf("status after failed effect = %s, %v", c.Status, err)
		}
	})
}

// A message enqueued twice under one key is stored once.
func TestEnqueueIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		m := store.OutboxMessage{Channel: "email", Recipient: "a@example.com", Template: "ack", IdempotencyKey: "ack-1",
			Data: map[string]any{"number": "TS1"}}
		for range 2 {
			if err := f.db.Enqueue(f.ctx, m, t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.db.Enqueue(f.ctx, store.OutboxMessage{Channel: "email", Template: "ack", IdempotencyKey: "x"}, t0); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("no recipient: %v", err)
		}
		msgs, err := f.db.Outbox(f.ctx, store.OutboxFilter{})
		if err != nil || len(msgs) != 1 || msgs[0].Data["number"] != "TS1" || msgs[0].Status != "pending" || msgs[0].Locale != "zh-CN" {
			t.Fatalf("outbox = %+v, %v; want the one message", msgs, err)
		}
	})
}
