package store_test

import (
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// Sessions, lockout, the privacy audit trail, reply scripts and remedy
// approvals on both backends.
func TestAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		uid := f.agent.UserID
		// Sessions: stored by hash, expire when idle, end on password change.
		hash := []byte("0123456789abcdef0123456789abcdef")
		id, err := f.db.CreateSession(f.ctx, uid, hash, "csrf-1", "test", t0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.db.SessionByHash(f.ctx, hash, t0.Add(time.Hour))
		if err != nil || s.User.ID != uid || s.CSRF != "csrf-1" || s.MustChangePassword {
			t.Fatalf("session: %+v %v", s, err)
		}
		if _, err := f.db.SessionByHash(f.ctx, hash, t0.Add(time.Hour+store.SessionIdle+time.Minute)); kesu.ErrorCodeOf(err) != kesu.EUnauthorized {
			t.Errorf("idle session: %v", err)
		}
		other := []byte("fedcba9876543210fedcba9876543210")
		if _, err := f.db.CreateSession(f.ctx, uid, other, "csrf-2", "", t0); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetPassword(f.ctx, uid, "new-hash", false, id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SessionByHash(f.ctx, other, t0); err == nil {
			t.Errorf("another session survived the password change")
		}
		if _, err := f.db.SessionByHash(f.ctx, hash, t0.Add(2*time.Hour)); err != nil {
			t.Errorf("the changing session ended: %v", err)
		}
		if err := f.db.RequirePasswordChange(f.ctx, uid); err != nil {
			t.Fatal(err)
		}
		if s, _ := f.db.SessionByHash(f.ctx, hash, t0.Add(2*time.Hour)); !s.MustChangePassword {
			t.Errorf("must change password not set")
		}
		// Lockout after MaxFailures failures, lifted after the window or by a success.
		for i := 0; i < store.MaxFailures; i++ {
			if wait, _ := f.db.LoginAllowed(f.ctx, "x@example.com", "10.0.0.1", t0); wait != 0 {
				t.Fatalf("locked after %d failures", i)
			}
			f.db.RecordLogin(f.ctx, "x@example.com", "10.0.0.1", false, t0.Add(time.Duration(i)*time.Second))
		}
		if wait, _ := f.db.LoginAllowed(f.ctx, "x@example.com", "10.0.0.2", t0.Add(time.Minute)); wait <= 0 || wait > store.LockoutWindow {
			t.Errorf("not locked: %v", wait)
		}
		if wait, _ := f.db.LoginAllowed(f.ctx, "x@example.com", "10.0.0.2", t0.Add(store.LockoutWindow+time.Minute)); wait != 0 {
			t.Errorf("still locked after the window: %v", wait)
		}
		// The audit trail is append-only.
		res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Description: "审计测试", Customer: kesu.Customer{Phone: "13800000000"}}, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := res.Complaint
		if err := f.db.Audit(f.ctx, f.agent, store.AuditUnmask, c.ID, "web", t0); err != nil {
			t.Fatal(err)
		}
		if err := f.db.Audit(f.ctx, kesu.SystemActor, store.AuditExport, 0, "cli", t0); err != nil {
			t.Fatal(err)
		}
		ev, err := f.db.AuditEvents(f.ctx, store.AuditFilter{})
		if err != nil || len(ev) != 2 || ev[0].Action != store.AuditExport || ev[1].Number != c.Number || ev[1].ActorID != uid {
			t.Errorf("audit events: %+v %v", ev, err)
		}
		if err := f.db.ExecForTest(f.ctx, `DELETE FROM audit_events`); err == nil {
			t.Errorf("audit events can be deleted")
		}
		// Reply scripts: the code is the key.
		sc := store.ReplyScript{Code: "ack", Scenario: "acknowledge", Name: "受理", BodyZH: "{{name}}您好", Active: true}
		if _, err := f.db.SaveReplyScript(f.ctx, sc, t0); err != nil {
			t.Fatal(err)
		}
		sc.BodyZH = "{{name}}，您好"
		if _, err := f.db.SaveReplyScript(f.ctx, sc, t0); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.db.ReplyScripts(f.ctx, true); len(list) != 1 || list[0].BodyZH != "{{name}}，您好" {
			t.Errorf("scripts: %+v", list)
		}
		if _, err := f.db.SaveReplyScript(f.ctx, store.ReplyScript{Code: "x", Scenario: "bogus", Name: "x", BodyZH: "x"}, t0); kesu.ErrorFieldOf(err) != "scenario" {
			t.Errorf("bad scenario: %v", err)
		}
		// Authority: defaults with overrides.
		if err := f.db.SetRoleLimit(f.ctx, kesu.RoleHandler, 1000_00); err != nil {
			t.Fatal(err)
		}
		a, err := f.db.Authority(f.ctx)
		if err != nil || !a.Covers(kesu.RoleHandler, 1000_00) || a.Covers(kesu.RoleAgent, 300_00) {
			t.Errorf("authority: %v %v", a, err)
		}
	})
}
