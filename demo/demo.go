// Package demo loads a realistic, living data set of complaints so that a
// newcomer opening kesu sees a working system: departments, a category
// tree, staff of every role, and complaints from every channel in every
// status, with their history.
//
// Everything goes through the store's public methods, so the data obeys
// the same domain rules as real use: the lifecycle table (db.Transition),
// validation, events. The data set is deterministic for a seed: the whole
// history is planned first (math/rand/v2, PCG), then written. Each demo
// complaint carries the external id demo-s<seed>-<n>, so loading the same
// seed again finds the complaints already there and adds nothing.
package demo

import (
	"context"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Options configure Load.
type Options struct {
	Count  int       // complaints to load; 0 means 3000
	Months int       // spread over the last Months months; 0 means 6
	Seed   uint64    // same seed, same data
	Now    time.Time // the present: nothing is dated after it (required)
	// Location is where the demo company works (working hours, dates in
	// the texts); nil means Asia/Shanghai.
	Location *time.Location
	// Password of every demo account; empty means DefaultPassword.
	Password string
	// Workers write complaint histories at once; 0 means 4. Registration
	// stays in order, so the data set does not depend on it.
	Workers int
	// Progress, if set, is called after every complaint written.
	Progress func(done, total int)
}

// Limits that keep a mistyped flag from filling a disk.
const (
	MaxCount  = 100_000
	MaxMonths = 120
)

// Summary is what Load did.
type Summary struct {
	Created  int                 // complaints written now
	Existing int                 // complaints of this seed found from an earlier run
	ByStatus map[kesu.Status]int // status of every complaint of the data set
	// Operations counts the store calls that wrote the created complaints'
	// histories (transitions, notes and messages, classification changes),
	// not counting the registrations.
	Operations  int
	Departments []kesu.Department
	Categories  int
	Users       []kesu.User
	OrgCreated  int // departments, categories and users created now (0 on a second run)
	Password    string
}

// Load writes the demo data set into db.
func Load(ctx context.Context, db *store.DB, opt Options) (Summary, error) {
	if opt.Count == 0 {
		opt.Count = 3000
	}
	if opt.Months == 0 {
		opt.Months = 6
	}
	if opt.Workers <= 0 {
		// SQLite has one writer (it groups concurrent commits); PostgreSQL
		// spends most of a small transaction waiting for its commit, so
		// more histories in flight pay off there.
		opt.Workers = 4
		if db.Dialect() == "postgres" {
			opt.Workers = 8
		}
	}
	if opt.Password == "" {
		opt.Password = DefaultPassword
	}
	switch {
	case opt.Count < 0 || opt.Count > MaxCount:
		return Summary{}, kesu.FieldError("count", "must be 1 to %d", MaxCount)
	case opt.Months < 0 || opt.Months > MaxMonths:
		return Summary{}, kesu.FieldError("months", "must be 1 to %d", MaxMonths)
	case opt.Now.IsZero():
		return Summary{}, kesu.Errorf(kesu.EInvalid, "demo: the present time (Options.Now) is required")
	}
	if opt.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		opt.Location = loc
	}
	if err := kesu.ValidatePassword(opt.Password); err != nil {
		return Summary{}, err
	}
	// The organisation is dated at the start of the period, so that it
	// exists before the first complaint.
	orgAt := opt.Now.AddDate(0, -opt.Months, -1)
	org, err := ensureOrg(ctx, db, opt.Password, orgAt)
	if err != nil {
		return Summary{}, err
	}
	g := newGen(opt, org.staff)
	if err := g.makePlans(); err != nil {
		return Summary{}, err
	}
	sum := Summary{
		ByStatus:    map[kesu.Status]int{},
		Departments: org.departments,
		Categories:  org.categories,
		Users:       org.staff.users,
		OrgCreated:  org.created,
		Password:    opt.Password,
	}
	if err := g.write(ctx, db, &sum); err != nil {
		return sum, err
	}
	return sum, nil
}
