package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/sla"
	"github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// The SLA contract: clocks planned in the create transaction, moved by the
// lifecycle, and timers that fire exactly once, also across a restart.

func withSLA(t *testing.T, f *fixture, clock kesu.Clock) *engine.Engine {
	t.Helper()
	eng := engine.New(f.db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := eng.Seed(f.ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	f.db.AddEffect(eng.Effect)
	return eng
}

func milestone(t *testing.T, db *store.DB, id int64, name sla.MilestoneName) sla.Milestone {
	t.Helper()
	ms, err := db.Milestones(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("complaint %d has no milestone %s in %+v", id, name, ms)
	return sla.Milestone{}
}

func countEvents(t *testing.T, db *store.DB, id int64) map[kesu.EventType]int {
	t.Helper()
	evs, err := db.Events(context.Background(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	out := map[kesu.EventType]int{}
	for _, e := range evs {
		out[e.Type]++
	}
	return out
}

func TestSLAPlanMeetPause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		clock := kesu.NewManualClock(t0) // Monday 2026-11-23 10:00 +08:00
		withSLA(t, f, clock)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := res.Complaint
		ack := milestone(t, f.db, c.ID, sla.Acknowledge)
		if ack.State != sla.Running || !ack.Due.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("acknowledge = %+v, want running, due %s", ack, t0.Add(24*time.Hour))
		}
		// Resolve: 10 business days of 9h from Monday 10:00 -> Monday two weeks on, 10:00.
		if res := milestone(t, f.db, c.ID, sla.Resolve); !res.Due.Equal(t0.AddDate(0, 0, 14)) {
			t.Fatalf("resolve due %s, want %s", res.Due, t0.AddDate(0, 0, 14))
		}
		if m := milestone(t, f.db, c.ID, sla.SignOff); m.State != sla.Pending {
			t.Fatalf("sign_off before dispatch = %s, want pending", m.State)
		}
		step := func(at time.Time, cmd kesu.Command, actor kesu.Actor) {
			t.Helper()
			if _, err := f.db.Transition(f.ctx, c.Number, cmd, actor, at, kesu.DefaultRules); err != nil {
				t.Fatalf("%s: %v", cmd.Action, err)
			}
		}
		step(t0.Add(time.Hour), kesu.Command{Action: kesu.ActionAccept}, f.agent)
		if m := milestone(t, f.db, c.ID, sla.Accept); m.State != sla.Met {
			t.Fatalf("accept = %s, want met", m.State)
		}
		if m := milestone(t, f.db, c.ID, sla.Acknowledge); m.State != sla.Met {
			t.Fatalf("acknowledge = %s, want met", m.State)
		}
		step(t0.Add(2*time.Hour), kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"}, f.agent)
		sign := milestone(t, f.db, c.ID, sla.SignOff)
		if sign.State != sla.Running || !sign.Due.Equal(t0.Add(6*time.Hour)) {
			t.Fatalf("sign_off = %+v, want running due 16:00", sign)
		}
		step(t0.Add(3*time.Hour), kesu.Command{Action: kesu.ActionSign}, f.handler)
		before := milestone(t, f.db, c.ID, sla.Resolve)
		// Paused for two calendar days (Tue 08:00 -> Thu 08:00): two business days.
		pauseAt := t0.Add(22 * time.Hour)
		step(pauseAt, kesu.Command{Action: kesu.ActionRequestInfo, Note: "请提供照片"}, f.handler)
		if m := milestone(t, f.db, c.ID, sla.Resolve); m.State != sla.Paused {
			t.Fatalf("resolve while awaiting the customer = %s, want paused", m.State)
		}
		page, err := f.db.Complaints(f.ctx, store.Filter{SLA: "paused"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("filter sla=paused: %d items, %v", len(page.Items), err)
		}
		step(pauseAt.Add(48*time.Hour), kesu.Command{Action: kesu.ActionCustomerReply}, kesu.Actor{Role: kesu.RoleCustomer})
		after := milestone(t, f.db, c.ID, sla.Resolve)
		if after.State != sla.Running || !after.Due.Equal(before.Due.AddDate(0, 0, 2)) {
			t.Fatalf("resolve after the pause: %s due %s, want running due %s", after.State, after.Due, before.Due.AddDate(0, 0, 2))
		}
		if m := milestone(t, f.db, c.ID, sla.FirstResponse); m.State != sla.Met {
			t.Fatalf("first_response after request_info = %s, want met", m.State)
		}
		// Feedback carries no deadlines.
		fb := sample()
		fb.Kind = kesu.KindFeedback
		r2, err := f.db.CreateComplaint(f.ctx, fb, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ms, _ := f.db.Milestones(f.ctx, r2.Complaint.ID); len(ms) != 0 {
			t.Fatalf("feedback has milestones %+v", ms)
		}
	})
}

func TestSLAHistoricImportNotEscalatedNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		clock := kesu.NewManualClock(t0)
		eng := withSLA(t, f, clock)
		in := sample()
		reg := t0.AddDate(0, -2, 0)
		occurred := reg.Add(-24 * time.Hour)
		in.RegisteredAt, in.OccurredAt = &reg, &occurred
		res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := milestone(t, f.db, res.Complaint.ID, sla.Resolve)
		if m.State != sla.Breached || !m.Due.Before(t0) || m.Start == nil || !m.Start.Equal(reg) {
			t.Fatalf("historic resolve = %+v, want breached from its own registration", m)
		}
		n, err := eng.FireDue(f.ctx)
		if err != nil || n != 0 {
			t.Fatalf("FireDue after a historic import fired %d (%v), want 0", n, err)
		}
		got, _ := f.db.Complaint(f.ctx, res.Complaint.Number)
		if got.Escalation != res.Complaint.Escalation {
			t.Fatalf("escalation moved from %d to %d", res.Complaint.Escalation, got.Escalation)
		}
	})
}

// TestSLARestartFiresOnce: complaints are registered, the process stops,
// every deadline passes while it is down, and the next start fires each
// timer exactly once, even with two workers racing (PostgreSQL: two
// processes; SQLite: one writer).
func TestSLARestartFiresOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		clock := kesu.NewManualClock(t0)
		withSLA(t, f, clock)
		const n = 5
		var ids []int64
		for i := 0; i < n; i++ {
			in := sample()
			in.Customer.Phone = "1390000000" + string(rune('0'+i))
			res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Complaint.ID)
		}
		// The process stops: its database handle is never used again (the
		// fixture closes it at the end) and no worker of it runs.

		// Three weeks later it starts again: every deadline has passed.
		later := t0.AddDate(0, 0, 21)
		clock.Set(later)
		var engines []*engine.Engine
		var dbs []*store.DB
		for i := 0; i < 2; i++ {
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			e := engine.New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
			db.AddEffect(e.Effect)
			engines, dbs = append(engines, e), append(dbs, db)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, e := range engines {
			wg.Go(func() { e.Run(ctx) })
		}
		// Wait (without a time assertion) until nothing is due any more.
		for {
			next, err := dbs[0].NextSLADue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if next == nil || next.After(later) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		milestones := 0
		for _, id := range ids {
			ms, _ := dbs[0].Milestones(context.Background(), id)
			started := 0
			for _, m := range ms {
				if m.State != sla.Pending {
					started++
					if m.State != sla.Breached {
						t.Errorf("complaint %d %s = %s, want breached", id, m.Name, m.State)
					}
				}
			}
			milestones = started
			ev := countEvents(t, dbs[0], id)
			if ev[kesu.EventSLABreach] != started || ev[kesu.EventSLAWarning] != started {
				t.Errorf("complaint %d: %d breaches, %d warnings; want %d of each (exactly once)", id,
					ev[kesu.EventSLABreach], ev[kesu.EventSLAWarning], started)
			}
			if ev[kesu.EventEscalated] != 1 {
				t.Errorf("complaint %d: %d escalation events at restart, want 1", id, ev[kesu.EventEscalated])
			}
		}
		if milestones == 0 {
			t.Fatal("no milestones were started")
		}
		// Running again at the same instant fires nothing more.
		for _, e := range engines {
			if k, err := e.FireDue(context.Background()); err != nil || k != 0 {
				t.Fatalf("second FireDue fired %d (%v)", k, err)
			}
		}
		// A day of business time later (Mon 10:00 + 1d): the next
		// escalation step and the reminders fire, once.
		clock.Set(later.Add(24 * time.Hour))
		var total int
		for _, e := range engines {
			k, err := e.FireDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			total += k
		}
		page, err := dbs[0].Complaints(context.Background(), store.Filter{SLA: "breached"})
		if err != nil || len(page.Items) != n {
			t.Fatalf("filter sla=breached: %d (%v), want %d", len(page.Items), err, n)
		}
		for _, c := range page.Items {
			if c.Escalation < 2 {
				t.Errorf("%s escalation %d, want >= 2 after a further day unmet", c.Number, c.Escalation)
			}
		}
		due := later
		if page, _ := dbs[0].Complaints(context.Background(), store.Filter{DueBefore: &due}); len(page.Items) != n {
			t.Errorf("filter due_before: %d, want %d", len(page.Items), n)
		}
		if total == 0 {
			t.Errorf("nothing fired a day later")
		}
	})
}

func TestSLAExtensions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		clock := kesu.NewManualClock(t0)
		eng := withSLA(t, f, clock)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		number := res.Complaint.Number
		before := milestone(t, f.db, res.Complaint.ID, sla.Resolve)
		if _, err := eng.Extend(f.ctx, number, engine.ExtensionRequest{Milestone: sla.Resolve, Duration: "1d"}, f.agent); kesu.ErrorFieldOf(err) != "reason" {
			t.Fatalf("extension without reason: %v", err)
		}
		ext, err := eng.Extend(f.ctx, number, engine.ExtensionRequest{Milestone: sla.Resolve, Reason: "等待检测报告", Duration: "1d"}, f.agent)
		if err != nil || ext.Status != "approved" {
			t.Fatalf("extension within the limit: %+v %v", ext, err)
		}
		after := milestone(t, f.db, res.Complaint.ID, sla.Resolve)
		if !after.Due.Equal(before.Due.AddDate(0, 0, 1)) {
			t.Fatalf("resolve due %s after 1d extension, want %s", after.Due, before.Due.AddDate(0, 0, 1))
		}
		big, err := eng.Extend(f.ctx, number, engine.ExtensionRequest{Milestone: sla.Resolve, Reason: "厂家返修", Duration: "5d"}, f.agent)
		if err != nil || big.Status != "pending" {
			t.Fatalf("extension above the limit: %+v %v", big, err)
		}
		if m := milestone(t, f.db, res.Complaint.ID, sla.Resolve); !m.Due.Equal(*after.Due) {
			t.Fatalf("a pending extension moved the deadline")
		}
		if _, err := eng.Decide(f.ctx, big.ID, true, "", f.agent); kesu.ErrorCodeOf(err) != kesu.EForbidden {
			t.Fatalf("an agent approving: %v", err)
		}
		ok, err := eng.Decide(f.ctx, big.ID, true, "同意", f.super)
		if err != nil || ok.Status != "approved" {
			t.Fatalf("approve: %+v %v", ok, err)
		}
		if m := milestone(t, f.db, res.Complaint.ID, sla.Resolve); !m.Due.Equal(big.NewDue) {
			t.Fatalf("resolve due %s after approval, want %s", m.Due, big.NewDue)
		}
		if _, err := eng.Decide(f.ctx, big.ID, false, "", f.super); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("deciding twice: %v", err)
		}
		exts, err := f.db.Extensions(f.ctx, res.Complaint.ID)
		if err != nil || len(exts) != 2 {
			t.Fatalf("extensions: %d %v", len(exts), err)
		}
		if ev := countEvents(t, f.db, res.Complaint.ID); ev[kesu.EventExtended] != 3 {
			t.Fatalf("%d extended events, want 3", ev[kesu.EventExtended])
		}
	})
}

// BenchmarkCreateWithSLA is BenchmarkCreateComplaint's SQLite intake with and
// without the SLA effect: the per-complaint cost of planning milestones.
func BenchmarkCreateWithSLA(b *testing.B) {
	for _, withEffect := range []bool{false, true} {
		b.Run(map[bool]string{false: "without", true: "with"}[withEffect], func(b *testing.B) {
			db, err := store.Open(context.Background(), storetest.SQLite(b), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if withEffect {
				eng := engine.New(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err := eng.Seed(context.Background()); err != nil {
					b.Fatal(err)
				}
				db.AddEffect(eng.Effect)
			}
			actor := kesu.Actor{UserID: 1, Role: kesu.RoleAgent}
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					in := sample()
					in.Category = ""
					in.Customer.Phone = fmt.Sprintf("139%08d", i%50000)
					if _, err := db.CreateComplaint(context.Background(), in, actor, time.Now(), nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// Raising a complaint to critical replans its running deadlines from their
// own start under the critical policy.
func TestSLAReplanOnReclassification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		withSLA(t, f, kesu.NewManualClock(t0))
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m := milestone(t, f.db, res.Complaint.ID, sla.Resolve); !m.Due.Equal(t0.AddDate(0, 0, 14)) {
			t.Fatalf("general resolve due %s", m.Due)
		}
		critical := kesu.LevelCritical
		if _, err := f.db.UpdateComplaint(f.ctx, res.Complaint.Number, kesu.ComplaintPatch{Level: &critical}, f.super, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Critical: resolve in 3 business days from Monday 10:00 -> Thursday 10:00.
		if m := milestone(t, f.db, res.Complaint.ID, sla.Resolve); !m.Due.Equal(t0.AddDate(0, 0, 3)) {
			t.Fatalf("critical resolve due %s, want %s", m.Due, t0.AddDate(0, 0, 3))
		}
		// Follow-up has no target in the critical policy: the default's stays.
		if m := milestone(t, f.db, res.Complaint.ID, sla.FollowUp); m.State != sla.Pending {
			t.Fatalf("follow_up = %s", m.State)
		}
	})
}
