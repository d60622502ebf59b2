// Package engine runs kesu's SLA clocks against the database: an effect
// plans and updates each complaint's milestones inside the complaint's own
// transaction, and one worker goroutine sleeps until the next timer instant
// (or a wake-up from a new, earlier deadline) and fires what is due, exactly
// once, by recording events in the same transaction that marks the timers
// fired. Deadlines live in the database, so after a restart everything that
// came due while the process was down fires at once.
package engine

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/sla"
	"github.com/kesu/kesu/store"
)

// Engine is the SLA engine of one process. Safe for concurrent use.
type Engine struct {
	db    *store.DB
	clock kesu.Clock
	log   *slog.Logger

	// MaxSleep bounds the worker's sleep so that deadlines written by other
	// processes (several servers on one PostgreSQL, the CLI importing) are
	// seen within it. It is not polling: one indexed MIN() per period.
	MaxSleep time.Duration
	// Batch is how many complaints one firing transaction handles;
	// Parallel how many such transactions run at once (0: 4 on PostgreSQL,
	// 1 on SQLite, whose single writer serialises them anyway).
	Batch    int
	Parallel int
	// OnFire, if set, is told what fired and when its transaction committed
	// (benchmarks measure lateness with it).
	OnFire func(fired []store.SLAFiring, committed time.Time)

	mu        sync.Mutex
	loadedAt  time.Time
	policies  []sla.Policy
	calendars map[string]*sla.Calendar
	deptCal   map[string]string // department code -> calendar name

	wakeMu sync.Mutex
	hint   *time.Time
	// sleepUntil is when the sleeping worker will look again: only an
	// earlier deadline needs to wake it (most new deadlines are hours away).
	sleepUntil time.Time
	wake       chan struct{}
}

// cacheTTL is how old the cached policies and calendars may get before the
// worker reloads them: another process's change applies here within about
// cacheTTL plus MaxSleep; changes made through this process apply at once.
const cacheTTL = 30 * time.Second

// New makes an engine. Register e.Effect with db.AddEffect and run e.Run as
// a worker to make it live.
func New(db *store.DB, clock kesu.Clock, log *slog.Logger) *Engine {
	if clock == nil {
		clock = kesu.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Engine{db: db, clock: clock, log: log, MaxSleep: time.Minute, Batch: 100, wake: make(chan struct{}, 1)}
}

// Seed writes the default calendar and policies on first start.
func (e *Engine) Seed(ctx context.Context) error {
	if err := e.db.SeedSLA(ctx, sla.DefaultSpec("default"), sla.DefaultPolicies(), e.clock.Now()); err != nil {
		return err
	}
	return e.load(ctx) // before any effect needs them (see config)
}

// Invalidate reloads the cached policies and calendars after a change made
// through this process.
func (e *Engine) Invalidate() {
	if err := e.load(context.Background()); err != nil {
		e.log.Warn("sla: reloading policies and calendars failed; the next refresh retries", "err", err)
		e.mu.Lock()
		e.loadedAt = time.Time{} // stale: the worker's next pass reloads
		e.mu.Unlock()
	}
}

// config returns the cached policies and calendars. It reads the database
// only the first time, before anything else has loaded them; after that the
// worker refreshes them (refresh). Effects and timer transactions call it
// while holding a transaction: on PostgreSQL a query through the pool from
// there could wait for a connection that only transactions like it hold.
func (e *Engine) config(ctx context.Context) ([]sla.Policy, map[string]*sla.Calendar, map[string]string, error) {
	e.mu.Lock()
	if e.calendars != nil {
		defer e.mu.Unlock()
		return e.policies, e.calendars, e.deptCal, nil
	}
	e.mu.Unlock()
	if err := e.load(ctx); err != nil {
		return nil, nil, nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.policies, e.calendars, e.deptCal, nil
}

// refresh reloads the configuration when it is older than cacheTTL, so that
// changes made by other processes apply here too. The worker calls it
// outside any transaction.
func (e *Engine) refresh(ctx context.Context) error {
	e.mu.Lock()
	fresh := e.calendars != nil && time.Since(e.loadedAt) < cacheTTL
	e.mu.Unlock()
	if fresh {
		return nil
	}
	return e.load(ctx)
}

// load reads and compiles the policies and calendars, then swaps them in.
// The lock is not held while the database is read.
func (e *Engine) load(ctx context.Context) error {
	policies, err := e.db.SLAPolicies(ctx)
	if err != nil {
		return err
	}
	specs, err := e.db.SLACalendars(ctx)
	if err != nil {
		return err
	}
	cals := map[string]*sla.Calendar{}
	dept := map[string]string{}
	for _, s := range specs {
		c, err := sla.Compile(s)
		if err != nil {
			e.log.Error("sla: stored calendar does not compile; using the default", "calendar", s.Name, "err", err)
			continue
		}
		cals[s.Name] = c
		if s.Department != "" {
			dept[s.Department] = s.Name
		}
	}
	if cals["default"] == nil {
		cals["default"], _ = sla.Compile(sla.DefaultSpec("default"))
	}
	e.mu.Lock()
	e.policies, e.calendars, e.deptCal, e.loadedAt = policies, cals, dept, time.Now()
	e.mu.Unlock()
	return nil
}

// Calendar returns a compiled calendar by name; "" is "default".
func (e *Engine) Calendar(ctx context.Context, name string) (*sla.Calendar, error) {
	if name == "" {
		name = "default"
	}
	_, cals, _, err := e.config(ctx)
	if err != nil {
		return nil, err
	}
	c, ok := cals[name]
	if !ok {
		return nil, kesu.FieldError("calendar", "no calendar %q", name)
	}
	return c, nil
}

// calendarFor picks a clock's calendar, falling back to the default one if
// it was deleted.
func (e *Engine) calendarFor(ctx context.Context, name string) (*sla.Calendar, error) {
	c, err := e.Calendar(ctx, name)
	if kesu.ErrorCodeOf(err) == kesu.EInvalid {
		return e.Calendar(ctx, "default")
	}
	return c, err
}

// isSLAEvent marks the events the engine writes itself.
func isSLAEvent(t kesu.EventType) bool {
	switch t {
	case kesu.EventSLAWarning, kesu.EventSLABreach, kesu.EventEscalated, kesu.EventReminder, kesu.EventExtended:
		return true
	}
	return false
}

// Effect keeps clocks current; register it with db.AddEffect. On create it
// plans the milestones from the complaint's own registered_at (one insert);
// on later changes it meets, starts, pauses and resumes them.
func (e *Engine) Effect(ctx context.Context, tx *store.Tx, ch store.Change) error {
	if isSLAEvent(ch.Event.Type) {
		return nil
	}
	c := ch.After
	if ch.Created() {
		if c.Kind != kesu.KindComplaint {
			return nil // feedback and suggestions carry no deadlines
		}
		policies, _, dept, err := e.config(ctx)
		if err != nil {
			return err
		}
		r := sla.Match(policies, sla.SubjectOf(c))
		calName := r.Calendar
		if d := dept[c.Department]; d != "" {
			calName = d
		}
		cal, err := e.calendarFor(ctx, calName)
		if err != nil {
			return err
		}
		k := sla.NewClock(c, r, cal, ch.Event.At)
		if err := tx.InsertSLAClock(ctx, c.ID, &k, ch.Event.At); err != nil {
			return err
		}
		e.hintNext(k.Next())
		return nil
	}
	k, found, err := tx.SLAClock(ctx, c.ID)
	if err != nil || !found {
		return err
	}
	if ch.Before.Department != c.Department && c.Department != "" {
		if _, _, dept, err := e.config(ctx); err == nil && dept[c.Department] != "" {
			k.Calendar = dept[c.Department]
		}
	}
	cal, err := e.calendarFor(ctx, k.Calendar)
	if err != nil {
		return err
	}
	if before := ch.Before; before.Level != c.Level || before.Priority != c.Priority || before.Category != c.Category ||
		before.Channel != c.Channel || before.Department != c.Department {
		// Reclassified: the most specific policy may now be another one.
		policies, _, _, err := e.config(ctx)
		if err != nil {
			return err
		}
		if r := sla.Match(policies, sla.SubjectOf(c)); r.PolicyID != k.PolicyID {
			k.Replan(c, r, cal, ch.Event.At)
			if err := tx.SaveSLAClock(ctx, c.ID, &k, ch.Event.At); err != nil {
				return err
			}
		}
	}
	staff := ch.Event.ActorRole != kesu.RoleCustomer && ch.Event.ActorRole != kesu.RoleSystem && ch.Event.ActorRole != ""
	changed := k.Observe(sla.Change{From: ch.Before.Status, To: c.Status, Action: ch.Event.Action, Event: ch.Event.Type,
		Staff: staff, At: ch.Event.At}, cal)
	if !changed {
		return nil
	}
	if err := tx.SaveSLAClock(ctx, c.ID, &k, ch.Event.At); err != nil {
		return err
	}
	e.hintNext(k.Next())
	return nil
}

// hintNext wakes the worker if t is earlier than anything it knows of.
func (e *Engine) hintNext(t *time.Time) {
	if t == nil {
		return
	}
	e.wakeMu.Lock()
	if (e.hint == nil || t.Before(*e.hint)) && (e.sleepUntil.IsZero() || t.Before(e.sleepUntil)) {
		e.hint = t
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	e.wakeMu.Unlock()
}

// FireDue fires every timer due now, in batches, and returns how many fired.
// On PostgreSQL several transactions claim batches side by side (SKIP
// LOCKED keeps them apart): each spends most of its time waiting for the
// database, so one at a time cannot keep up with a burst.
func (e *Engine) FireDue(ctx context.Context) (int, error) {
	n := e.Parallel
	if n == 0 {
		n = 1
		if e.db.Dialect() == "postgres" {
			n = 4
		}
	}
	if n == 1 {
		return e.fireLoop(ctx)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total, firstErr := 0, error(nil)
	for i := 0; i < n; i++ {
		wg.Go(func() {
			k, err := e.fireLoop(ctx)
			mu.Lock()
			total += k
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return total, firstErr
}

func (e *Engine) fireLoop(ctx context.Context) (int, error) {
	total := 0
	for {
		now := e.clock.Now()
		// Look on a reader first: a write transaction only when something is due.
		if next, err := e.db.NextSLADue(ctx); err != nil || next == nil || next.After(now) {
			return total, err
		}
		fired, err := e.db.FireSLA(ctx, now, e.Batch, func(c *kesu.Complaint, k *sla.Clock) ([]sla.Fired, int) {
			cal, err := e.calendarFor(ctx, k.Calendar)
			if err != nil {
				cal, _ = sla.Compile(sla.DefaultSpec("default"))
			}
			return k.Fire(now, cal, c.Escalation)
		})
		if err != nil {
			return total, err
		}
		if e.OnFire != nil && len(fired) > 0 {
			e.OnFire(fired, time.Now())
		}
		total += len(fired)
		if len(fired) == 0 {
			// Nothing claimable (other transactions hold the due rows) or
			// nothing to emit: the worker's next round looks again.
			return total, nil
		}
	}
}

// Run is the timer worker: it fires what is due, then sleeps until the next
// timer instant, a wake-up from a new earlier deadline, or MaxSleep. An idle
// system makes one indexed query per MaxSleep.
func (e *Engine) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var recheck *time.Time
	for {
		if err := e.refresh(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("sla: refreshing policies and calendars failed; keeping the cached ones", "err", err)
		}
		if _, err := e.FireDue(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		next, err := e.db.NextSLADue(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		now := e.clock.Now()
		wait := e.MaxSleep
		consider := func(t *time.Time) {
			if t != nil && t.Sub(now) < wait {
				wait = max(t.Sub(now), 0)
			}
		}
		consider(next)
		consider(recheck)
		recheck = nil
		e.wakeMu.Lock()
		if e.hint != nil {
			// The hint may come from a transaction not yet committed when
			// we looked: look again shortly after its instant too.
			r := latest(*e.hint, now).Add(250 * time.Millisecond)
			recheck = &r
			consider(e.hint)
			e.hint = nil
		}
		if recheck != nil && wait > recheck.Sub(now) {
			wait = max(recheck.Sub(now), 0)
		}
		e.sleepUntil = now.Add(wait)
		e.wakeMu.Unlock()
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
			e.wakeMu.Lock()
			e.sleepUntil = time.Time{}
			e.wakeMu.Unlock()
		case <-e.wake:
			e.wakeMu.Lock()
			e.sleepUntil = time.Time{}
			e.wakeMu.Unlock()
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
	}
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// MilestoneView is a milestone as the API shows it.
type MilestoneView struct {
	Name     sla.MilestoneName `json:"name"`
	State    sla.State         `json:"state"`
	Clock    string            `json:"clock"`  // business or calendar
	Target   string            `json:"target"` // e.g. 9h0m0s
	Start    *time.Time        `json:"start,omitempty"`
	Due      *time.Time        `json:"due,omitempty"` // absent while paused
	MetAt    *time.Time        `json:"met_at,omitempty"`
	Warned   bool              `json:"warned"`
	Breached bool              `json:"breached"`
	// RemainingSeconds is the business (or calendar) time left, negative when
	// overdue; absent when the milestone is done.
	RemainingSeconds *int64 `json:"remaining_seconds,omitempty"`
	Remaining        string `json:"remaining,omitempty"`
	Extended         string `json:"extended,omitempty"`
	Reminders        int    `json:"reminders"`
}

// SLAView is a complaint's SLA state.
type SLAView struct {
	Number     string          `json:"number"`
	Policy     string          `json:"policy"`
	Calendar   string          `json:"calendar"`
	Paused     bool            `json:"paused"`
	Escalation int             `json:"escalation"`
	Milestones []MilestoneView `json:"milestones"`
}

// View reads a complaint's milestones with the time remaining at now.
func (e *Engine) View(ctx context.Context, c *kesu.Complaint) (SLAView, error) {
	v := SLAView{Number: c.Number, Escalation: c.Escalation, Milestones: []MilestoneView{}}
	k, found, err := e.db.SLAClock(ctx, c.ID)
	if err != nil || !found {
		return v, err
	}
	cal, err := e.calendarFor(ctx, k.Calendar)
	if err != nil {
		return v, err
	}
	now := e.clock.Now()
	v.Policy, v.Calendar, v.Paused = k.Policy, k.Calendar, k.PausedAt != nil
	for _, m := range k.Milestones {
		mv := MilestoneView{Name: m.Name, State: m.State, Clock: "calendar", Target: m.Target.String(), Start: m.Start,
			Due: m.Due, MetAt: m.MetAt, Warned: m.Warned, Breached: m.Breached, Reminders: m.Reminders}
		if m.Business {
			mv.Clock = "business"
		}
		if m.Extended > 0 {
			mv.Extended = m.Extended.String()
		}
		if !m.Done() {
			left := m.Left
			if k.PausedAt == nil && m.Due != nil {
				left = cal.Left(now, *m.Due, m.Business)
			} else {
				mv.Due = nil
			}
			left = left.Truncate(time.Second)
			secs := int64(left / time.Second)
			mv.RemainingSeconds, mv.Remaining = &secs, left.String()
		}
		v.Milestones = append(v.Milestones, mv)
	}
	return v, nil
}

// ExtensionRequest asks to move a milestone's deadline (延期): by a duration
// of the milestone's own kind of time, or to a new instant.
type ExtensionRequest struct {
	Milestone sla.MilestoneName `json:"milestone"`
	Reason    string            `json:"reason"`
	Duration  string            `json:"duration,omitempty"` // e.g. "1d", "4h"
	NewDue    *time.Time        `json:"new_due,omitempty"`
}

// approvers may grant an extension above the policy's limit.
var approvers = []kesu.Role{kesu.RoleSupervisor, kesu.RoleDeptHead, kesu.RoleAdmin}

func isApprover(r kesu.Role) bool {
	for _, a := range approvers {
		if a == r {
			return true
		}
	}
	return false
}

// Extend records an extension request. Within the policy's limit (total per
// milestone), or asked by a supervisor, department head or administrator, it
// applies at once; above it, it waits for one of them (Decide).
func (e *Engine) Extend(ctx context.Context, number string, req ExtensionRequest, actor kesu.Actor) (store.Extension, error) {
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		return store.Extension{}, kesu.FieldError("reason", "an extension needs a reason")
	}
	if len([]rune(req.Reason)) > 2000 {
		return store.Extension{}, kesu.FieldError("reason", "must be at most 2000 characters")
	}
	if (req.Duration == "") == (req.NewDue == nil) {
		return store.Extension{}, kesu.FieldError("duration", "give either duration or new_due")
	}
	if actor.Role == kesu.RoleCustomer || actor.Role == kesu.RoleAuditor || actor.Role == kesu.RoleAnalyst {
		return store.Extension{}, kesu.Errorf(kesu.EForbidden, "role %s may not extend deadlines", actor.Role)
	}
	now := e.clock.Now()
	var ext store.Extension
	err := e.db.WithSLAClock(ctx, number, now, func(tx *store.Tx, c *kesu.Complaint, k *sla.Clock) ([]kesu.Event, error) {
		if err := kesu.CanView(c, actor); err != nil {
			return nil, err
		}
		cal, err := e.calendarFor(ctx, k.Calendar)
		if err != nil {
			return nil, err
		}
		m := k.Milestone(req.Milestone)
		if m == nil {
			return nil, kesu.FieldError("milestone", "this complaint has no %q deadline", req.Milestone)
		}
		if m.Done() || m.Due == nil || k.PausedAt != nil {
			return nil, kesu.Errorf(kesu.EConflict, "the %s deadline is not running", req.Milestone)
		}
		newDue := req.NewDue
		if req.Duration != "" {
			d, err := sla.ParseTarget(req.Duration, m.Business, cal.DayLength())
			if err != nil || d <= 0 {
				return nil, kesu.FieldError("duration", "not a positive duration such as 4h or 2d")
			}
			t := cal.Due(*m.Due, sla.Target{Duration: d, Business: m.Business})
			newDue = &t
		}
		if !newDue.After(*m.Due) {
			return nil, kesu.FieldError("new_due", "must be after the current deadline %s", m.Due.In(cal.Loc).Format(time.RFC3339))
		}
		delta := cal.Left(*m.Due, *newDue, m.Business)
		ext = store.Extension{ComplaintID: c.ID, Milestone: req.Milestone, Reason: req.Reason, NewDue: newDue.UTC().Truncate(time.Microsecond),
			Status: "approved", RequestedBy: actor.UserID, RequestedAt: now.UTC().Truncate(time.Microsecond)}
		if m.Extended+delta > k.ExtensionLimit && !isApprover(actor.Role) {
			ext.Status = "pending"
		} else {
			ext.DecidedBy, ext.DecidedAt = actor.UserID, &ext.RequestedAt
			if _, err := k.Extend(req.Milestone, ext.NewDue, cal, now); err != nil {
				return nil, err
			}
		}
		if err := tx.InsertExtension(ctx, &ext); err != nil {
			return nil, err
		}
		ev := kesu.NewEvent(c.ID, kesu.EventExtended, actor, now, kesu.VisibilityInternal)
		ev.Body = req.Reason
		ev.Data = map[string]any{"extension_id": ext.ID, "milestone": string(req.Milestone), "status": ext.Status,
			"new_due": ext.NewDue.Format(time.RFC3339Nano)}
		e.hintNext(k.Next())
		return []kesu.Event{ev}, nil
	})
	return ext, err
}

// Decide approves or denies a pending extension (supervisor, department head
// or administrator).
func (e *Engine) Decide(ctx context.Context, id int64, approve bool, note string, actor kesu.Actor) (store.Extension, error) {
	if !isApprover(actor.Role) {
		return store.Extension{}, kesu.Errorf(kesu.EForbidden, "only a supervisor, department head or administrator decides extensions")
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return store.Extension{}, kesu.FieldError("note", "must be at most 2000 characters")
	}
	number, err := e.db.ComplaintNumberOfExtension(ctx, id)
	if err != nil {
		return store.Extension{}, err
	}
	now := e.clock.Now()
	var ext store.Extension
	err = e.db.WithSLAClock(ctx, number, now, func(tx *store.Tx, c *kesu.Complaint, k *sla.Clock) ([]kesu.Event, error) {
		if err := kesu.CanView(c, actor); err != nil {
			return nil, err
		}
		var err error
		if ext, err = tx.ExtensionByID(ctx, id); err != nil {
			return nil, err
		}
		if ext.Status != "pending" {
			return nil, kesu.Errorf(kesu.EConflict, "extension %d was already %s", id, ext.Status)
		}
		ext.Status, ext.DecidedBy, ext.DecisionNote = "denied", actor.UserID, note
		t := now.UTC().Truncate(time.Microsecond)
		ext.DecidedAt = &t
		if approve {
			cal, err := e.calendarFor(ctx, k.Calendar)
			if err != nil {
				return nil, err
			}
			if _, err := k.Extend(ext.Milestone, ext.NewDue, cal, now); err != nil {
				return nil, err
			}
			ext.Status = "approved"
		}
		if err := tx.DecideExtension(ctx, &ext); err != nil {
			return nil, err
		}
		ev := kesu.NewEvent(c.ID, kesu.EventExtended, actor, now, kesu.VisibilityInternal)
		ev.Body = note
		ev.Data = map[string]any{"extension_id": ext.ID, "milestone": string(ext.Milestone), "status": ext.Status}
		e.hintNext(k.Next())
		return []kesu.Event{ev}, nil
	})
	return ext, err
}
