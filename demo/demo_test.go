package demo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/demo"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// now is the demo's present in these tests: a fixed instant, so that the
// data set is the same on every run.
var now = time.Date(2026, 3, 16, 2, 30, 0, 0, time.UTC)

const count = 400

func open(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func load(t *testing.T, db *store.DB, seed uint64) demo.Summary {
	t.Helper()
	sum, err := demo.Load(context.Background(), db, demo.Options{Count: count, Months: 6, Seed: seed, Now: now})
	if err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	return sum
}

func all(t *testing.T, db *store.DB) []kesu.Complaint {
	t.Helper()
	var out []kesu.Complaint
	if err := db.EachComplaint(context.Background(), store.Filter{}, func(c kesu.Complaint) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		sum := load(t, db, 1)
		if sum.Created != count || sum.Existing != 0 {
			t.Fatalf("created %d, existing %d; want %d new", sum.Created, sum.Existing, count)
		}
		if len(sum.Departments) != 7 || sum.Categories < 20 || len(sum.Users) < 30 || sum.Password != demo.DefaultPassword {
			t.Errorf("organisation: %d departments, %d categories, %d users, password %q",
				len(sum.Departments), sum.Categories, len(sum.Users), sum.Password)
		}
		roles := map[kesu.Role]int{}
		for _, u := range sum.Users {
			roles[u.Role]++
		}
		for _, r := range kesu.StaffRoles {
			if roles[r] == 0 {
				t.Errorf("no demo user with role %s", r)
			}
		}

		complaints := all(t, db)
		if len(complaints) != count {
			t.Fatalf("%d complaints in the database, want %d", len(complaints), count)
		}
		statuses := map[kesu.Status]int{}
		channels := map[kesu.Channel]int{}
		levels := map[kesu.Level]int{}
		numbers := map[string]bool{}
		perCustomer := map[int64]int{}
		english := 0
		for _, c := range complaints {
			statuses[c.Status]++
			channels[c.Channel]++
			levels[c.Level]++
			if numbers[c.Number] {
				t.Errorf("number %s is used twice", c.Number)
			}
			numbers[c.Number] = true
			if c.Customer.ID != 0 {
				perCustomer[c.Customer.ID]++
			}
			if !strings.ContainsFunc(c.Description, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				english++
			}
			checkComplaint(t, db, c)
		}
		if sum.ByStatus[kesu.StatusClosed] != statuses[kesu.StatusClosed] {
			t.Errorf("summary says %d closed, database has %d", sum.ByStatus[kesu.StatusClosed], statuses[kesu.StatusClosed])
		}
		for _, s := range kesu.Statuses {
			if statuses[s] == 0 {
				t.Errorf("no complaint in status %s (have %v)", s, statuses)
			}
		}
		if statuses[kesu.StatusClosed] < count/2 {
			t.Errorf("only %d of %d complaints closed; older complaints should mostly be closed", statuses[kesu.StatusClosed], count)
		}
		if len(channels) < 7 || channels[kesu.ChannelPhone] < channels[kesu.ChannelEmail] {
			t.Errorf("channel mix %v: want most channels, phone ahead of email", channels)
		}
		if levels[kesu.LevelGeneral] < count*7/10 || levels[kesu.LevelMajor] == 0 {
			t.Errorf("level mix %v: want mostly general, some major", levels)
		}
		if english == 0 || english > count/4 {
			t.Errorf("%d complaints without Chinese text; want about one in ten", english)
		}
		repeat := 0
		for _, n := range perCustomer {
			if n > 1 {
				repeat++
			}
		}
		if repeat < 5 {
			t.Errorf("only %d customers with more than one complaint", repeat)
		}

		// A second run finds everything in place and adds nothing.
		again := load(t, db, 1)
		if again.Created != 0 || again.Existing != count || again.OrgCreated != 0 {
			t.Errorf("second run: created %d, existing %d, organisation created %d; want 0, %d, 0",
				again.Created, again.Existing, again.OrgCreated, count)
		}
		if n := len(all(t, db)); n != count {
			t.Errorf("second run changed the number of complaints to %d", n)
		}
		users, err := db.Users(ctx)
		if err != nil || len(users) != len(sum.Users) {
			t.Errorf("second run: %d users (%v), want %d", len(users), err, len(sum.Users))
		}
	})
}

// checkComplaint checks one complaint's history: a created event at its
// registration, events in time order, nothing after now, and fields that
// match its status.
func checkComplaint(t *testing.T, db *store.DB, c kesu.Complaint) {
	t.Helper()
	events, err := db.Events(context.Background(), c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || events[0].Type != kesu.EventCreated {
		t.Errorf("%s: first event is not 'created': %v", c.Number, events)
		return
	}
	if !events[0].At.Equal(c.RegisteredAt) {
		t.Errorf("%s: created at %s, registered at %s", c.Number, events[0].At, c.RegisteredAt)
	}
	if c.RegisteredAt.After(now) || c.RegisteredAt.Before(now.AddDate(0, -6, -1)) {
		t.Errorf("%s: registered at %s, outside the six months before %s", c.Number, c.RegisteredAt, now)
	}
	status := kesu.StatusRegistered
	for i, e := range events {
		if i > 0 && e.At.Before(events[i-1].At) {
			t.Errorf("%s: event %d at %s is before event %d at %s", c.Number, i, e.At, i-1, events[i-1].At)
		}
		if e.At.After(now) {
			t.Errorf("%s: event %d at %s is after now", c.Number, i, e.At)
		}
		if e.Type == kesu.EventTransition {
			if e.FromStatus != status {
				t.Errorf("%s: transition from %s, but the complaint was %s", c.Number, e.FromStatus, status)
			}
			status = e.ToStatus
		}
	}
	if status != c.Status {
		t.Errorf("%s: events end in %s, complaint is %s", c.Number, status, c.Status)
	}
	for _, e := range events { // notes and messages do not change the complaint itself
		if e.Type != kesu.EventNote && e.Type != kesu.EventMessage && c.UpdatedAt.Before(e.At) {
			t.Errorf("%s: updated at %s, before its %s event at %s", c.Number, c.UpdatedAt, e.Type, e.At)
		}
	}
	switch c.Status {
	case kesu.StatusClosed:
		if c.ClosedAt == nil || c.ResolvedAt == nil {
			t.Errorf("%s: closed without closed_at or resolved_at", c.Number)
		}
	case kesu.StatusRejected:
		if c.RejectReason == "" {
			t.Errorf("%s: rejected without a reason", c.Number)
		}
	case kesu.StatusMerged:
		if c.DuplicateOf == "" || c.DuplicateOf == c.Number {
			t.Errorf("%s: merged into %q", c.Number, c.DuplicateOf)
		}
	case kesu.StatusAppealed:
		if c.AppealCount == 0 {
			t.Errorf("%s: appealed with appeal count 0", c.Number)
		}
	}
	if c.Status != kesu.StatusRegistered && c.Status != kesu.StatusRejected && c.Kind == kesu.KindComplaint &&
		c.Status != kesu.StatusWithdrawn && c.Status != kesu.StatusMerged && c.Nature == "" {
		t.Errorf("%s: %s but never classified", c.Number, c.Status)
	}
}

// TestDeterministic loads the same seed into two databases and a different
// seed into a third: the same seed gives the same complaints.
func TestDeterministic(t *testing.T) {
	fingerprint := func(seed uint64) []string {
		db := open(t, filepath.Join(t.TempDir(), "kesu.db"))
		load(t, db, seed)
		var out []string
		for _, c := range all(t, db) {
			out = append(out, fmt.Sprintf("%s %s %s %s %s %s", c.Number, c.Status, c.Channel, c.Customer.Phone, c.Title, c.Description))
		}
		return out
	}
	a, b, other := fingerprint(7), fingerprint(7), fingerprint(8)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		for i := range a {
			if i < len(b) && a[i] != b[i] {
				t.Fatalf("seed 7 loaded twice differs at complaint %d:\n%s\n%s", i, a[i], b[i])
			}
		}
		t.Fatalf("seed 7 loaded twice gives %d and %d complaints", len(a), len(b))
	}
	if strings.Join(a, "\n") == strings.Join(other, "\n") {
		t.Errorf("seeds 7 and 8 give the same data")
	}
}

func TestLoadRefusesBadOptions(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "kesu.db"))
	ctx := context.Background()
	for name, opt := range map[string]demo.Options{
		"no now":         {Count: 10},
		"negative count": {Count: -1, Now: now},
		"too many":       {Count: demo.MaxCount + 1, Now: now},
		"short password": {Count: 10, Now: now, Password: "short"},
		"months":         {Count: 10, Now: now, Months: -2},
	} {
		if _, err := demo.Load(ctx, db, opt); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("%s: got %v, want an invalid error", name, err)
		}
	}
	if n, err := db.UserCount(ctx); err != nil || n != 0 {
		t.Errorf("refused loads created %d users (%v)", n, err)
	}
}
