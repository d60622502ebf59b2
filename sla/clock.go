package sla

import (
	"time"

	"github.com/kesu/kesu"
)

// State is a milestone's state.
type State string

const (
	Pending   State = "pending"   // not started yet (sign-off before dispatch, follow-up before resolution)
	Running   State = "running"   // counting down
	Paused    State = "paused"    // clock stopped (awaiting the customer, or a policy's pause state)
	Met       State = "met"       // done by its deadline
	Breached  State = "breached"  // its deadline passed (MetAt is set if it was done late)
	Cancelled State = "cancelled" // the complaint ended without it (rejected, withdrawn, merged)
)

// Milestone is one deadline of one complaint.
type Milestone struct {
	Name     MilestoneName `json:"name"`
	State    State         `json:"state"`
	Target   time.Duration `json:"target"`
	Business bool          `json:"business"`
	Start    *time.Time    `json:"start,omitempty"`
	Due      *time.Time    `json:"due,omitempty"`
	WarnAt   *time.Time    `json:"warn_at,omitempty"`
	// Left is the time remaining when the clock was paused.
	Left           time.Duration `json:"left,omitempty"`
	Warned         bool          `json:"warned,omitempty"`
	Breached       bool          `json:"breached,omitempty"`
	MetAt          *time.Time    `json:"met_at,omitempty"`
	NextEscalation *time.Time    `json:"next_escalation,omitempty"`
	NextReminder   *time.Time    `json:"next_reminder,omitempty"`
	Reminders      int           `json:"reminders,omitempty"`
	Extended       time.Duration `json:"extended,omitempty"`
}

// Done reports whether nothing more can happen to the milestone.
func (m *Milestone) Done() bool { return m.MetAt != nil || m.State == Cancelled || m.State == Pending }

// Clock is a complaint's SLA state: its milestones and the policy settings
// they were planned with (so firing needs no policy lookup).
type Clock struct {
	PolicyID       int64         `json:"policy_id"`
	Policy         string        `json:"policy"`
	Calendar       string        `json:"calendar"`
	WarnShare      float64       `json:"warn_share"`
	PauseStates    []kesu.Status `json:"pause_states,omitempty"`
	EscalateEvery  time.Duration `json:"escalate_every"`
	RemindEvery    time.Duration `json:"remind_every"`
	ExtensionLimit time.Duration `json:"extension_limit"`
	PausedAt       *time.Time    `json:"paused_at,omitempty"`
	Milestones     []Milestone   `json:"milestones"`
}

// startsAtRegistration are the milestones counted from registered_at.
var startsAtRegistration = map[MilestoneName]bool{Acknowledge: true, Accept: true, FirstResponse: true,
	ProposeSolution: true, Resolve: true}

func ptr(t time.Time) *time.Time { return &t }

// NewClock plans a new complaint's milestones from its own registered_at, so
// a historic import gets the deadlines of its own timeline. Deadlines that
// are already past at now are marked breached (and warnings warned) without
// firing anything: such a complaint's own later events meet them or not.
func NewClock(c *kesu.Complaint, r Resolved, cal *Calendar, now time.Time) Clock {
	// Planning is replanning an empty clock: every milestone is new.
	k := Clock{Calendar: cal.Name, Milestones: []Milestone{}}
	k.Replan(c, r, cal, now)
	k.applyPause(c.Status, cal, now)
	return k
}

// start (re)starts m at t.
func (k *Clock) start(m *Milestone, t time.Time, cal *Calendar, now time.Time) {
	target := Target{m.Target, m.Business}
	*m = Milestone{Name: m.Name, State: Running, Target: m.Target, Business: m.Business, Start: ptr(t),
		Due: ptr(cal.Due(t, target))}
	m.WarnAt = ptr(cal.Due(t, Target{time.Duration(float64(m.Target) * k.WarnShare), m.Business}))
	if !m.WarnAt.After(now) && t.Before(now.Add(-time.Minute)) {
		m.Warned = true // historic: the warning's moment is gone
	}
	if !m.Due.After(now) && t.Before(now.Add(-time.Minute)) {
		m.Breached, m.State = true, Breached
	}
}

// Change is what happened to a complaint, as the clock needs to know it.
type Change struct {
	From, To kesu.Status // equal for notes, messages and edits
	Action   kesu.Action
	Event    kesu.EventType
	Staff    bool // done by a staff member (not the customer, not the system)
	At       time.Time
}

// meets reports whether ch completes milestone name.
func meets(name MilestoneName, ch Change) bool {
	switch name {
	case Acknowledge:
		return ch.Staff
	case Accept:
		return ch.From == kesu.StatusRegistered && ch.To != kesu.StatusRegistered
	case SignOff:
		return ch.Action == kesu.ActionSign
	case FirstResponse:
		return ch.Staff && (ch.Event == kesu.EventMessage || ch.Action == kesu.ActionRequestInfo ||
			ch.Action == kesu.ActionPropose || ch.Action == kesu.ActionComplete)
	case ProposeSolution:
		return ch.Action == kesu.ActionPropose || ch.Action == kesu.ActionComplete
	case Resolve:
		return ch.To == kesu.StatusResolved || (ch.To == kesu.StatusClosed && ch.From != kesu.StatusClosed)
	case FollowUp:
		return ch.From == kesu.StatusResolved && ch.To == kesu.StatusClosed
	}
	return false
}

// Observe updates the clock for a change; it reports whether anything changed.
func (k *Clock) Observe(ch Change, cal *Calendar) bool {
	before := k.fingerprint()
	now := ch.At
	for i := range k.Milestones {
		m := &k.Milestones[i]
		if m.State == Pending || m.State == Cancelled || m.MetAt != nil {
			continue
		}
		if meets(m.Name, ch) {
			m.MetAt = ptr(now)
			if !m.Breached && (m.Due == nil || !now.After(*m.Due) || m.State == Paused) {
				m.State = Met
			} else {
				m.State = Breached
			}
			m.NextEscalation, m.NextReminder = nil, nil
		}
	}
	for i := range k.Milestones {
		m := &k.Milestones[i]
		switch {
		case m.Name == SignOff && ch.To == kesu.StatusDispatched && ch.From != kesu.StatusDispatched:
			k.start(m, now, cal, now)
		case m.Name == SignOff && ch.Action == kesu.ActionReturn:
			*m = Milestone{Name: m.Name, State: Pending, Target: m.Target, Business: m.Business}
		case m.Name == FollowUp && ch.To == kesu.StatusResolved && ch.From != kesu.StatusResolved:
			k.start(m, now, cal, now)
		case ch.Action == kesu.ActionReopen && (m.Name == Resolve || m.Name == ProposeSolution) && m.MetAt != nil:
			k.start(m, now, cal, now)
		case ch.Action == kesu.ActionReopen && m.Name == FollowUp:
			*m = Milestone{Name: m.Name, State: Pending, Target: m.Target, Business: m.Business}
		}
		if (ch.To.Terminal() || ch.To == kesu.StatusClosed) && m.MetAt == nil && m.State != Cancelled {
			m.State = Cancelled
			m.NextEscalation, m.NextReminder = nil, nil
		}
	}
	k.applyPause(ch.To, cal, now)
	return k.fingerprint() != before
}

func (k *Clock) pausesIn(s kesu.Status) bool {
	return s == kesu.StatusAwaitingCustomer || contains(k.PauseStates, s)
}

// applyPause stops the clock on entering a pause state and restarts it on
// leaving one: the remaining time is kept, in the milestone's own kind of time.
func (k *Clock) applyPause(s kesu.Status, cal *Calendar, now time.Time) {
	switch pause := k.pausesIn(s); {
	case pause && k.PausedAt == nil:
		k.PausedAt = ptr(now)
		for i := range k.Milestones {
			m := &k.Milestones[i]
			if m.Done() {
				continue
			}
			m.Left = cal.Left(now, *m.Due, m.Business)
			if m.State == Running {
				m.State = Paused
			}
		}
	case !pause && k.PausedAt != nil:
		k.PausedAt = nil
		for i := range k.Milestones {
			m := &k.Milestones[i]
			if m.Done() {
				continue
			}
			if m.State == Paused {
				m.State = Running
				m.Due = ptr(cal.Due(now, Target{m.Left, m.Business}))
				if !m.Warned {
					warnLeft := m.Left - time.Duration(float64(m.Target)*(1-k.WarnShare))
					m.WarnAt = ptr(cal.Due(now, Target{max(warnLeft, 0), m.Business}))
				}
			}
			if m.NextEscalation != nil {
				m.NextEscalation = ptr(cal.Add(now, k.EscalateEvery))
			}
			if m.NextReminder != nil {
				m.NextReminder = ptr(cal.Add(now, k.RemindEvery))
			}
			m.Left = 0
		}
	}
}

// Kind of a fired timer.
type Kind string

const (
	Warning   Kind = "warning"
	Breach    Kind = "breach"
	Escalate  Kind = "escalation"
	Reminder  Kind = "reminder"
	escalStep Kind = "escalation_step" // internal: a breached milestone asks for one more level
)

// Fired is one timer that went off.
type Fired struct {
	Kind      Kind
	Milestone MilestoneName
	At        time.Time // the instant it was due (lateness = firing time - At)
	Level     int       // escalation: the new level
}

// Fire runs every timer due at or before now, each exactly once; level is
// the complaint's escalation level. It returns what fired and the new level.
// A breach, and each EscalateEvery of business time a breached milestone
// stays unmet, raises the level by one (at most once per call, up to
// kesu.MaxEscalation).
func (k *Clock) Fire(now time.Time, cal *Calendar, level int) ([]Fired, int) {
	if k.PausedAt != nil {
		return nil, level
	}
	var out []Fired
	raise := false
	var raiseAt time.Time
	for i := range k.Milestones {
		m := &k.Milestones[i]
		if m.Done() {
			continue
		}
		if !m.Warned && m.WarnAt != nil && !m.WarnAt.After(now) {
			m.Warned = true
			out = append(out, Fired{Kind: Warning, Milestone: m.Name, At: *m.WarnAt})
			if k.RemindEvery > 0 {
				m.NextReminder = ptr(cal.Add(*m.WarnAt, k.RemindEvery))
			}
		}
		if !m.Breached && m.Due != nil && !m.Due.After(now) {
			m.Breached, m.State = true, Breached
			out = append(out, Fired{Kind: Breach, Milestone: m.Name, At: *m.Due})
			raise, raiseAt = true, *m.Due
			if k.EscalateEvery > 0 {
				m.NextEscalation = ptr(cal.Add(*m.Due, k.EscalateEvery))
			}
		}
		if m.NextEscalation != nil && !m.NextEscalation.After(now) {
			if !raise {
				raise, raiseAt = true, *m.NextEscalation
			}
			m.NextEscalation = ptr(cal.Add(latest(*m.NextEscalation, now), k.EscalateEvery))
		}
		if m.NextReminder != nil && !m.NextReminder.After(now) {
			m.Reminders++
			out = append(out, Fired{Kind: Reminder, Milestone: m.Name, At: *m.NextReminder})
			m.NextReminder = ptr(cal.Add(now, k.RemindEvery))
		}
	}
	if raise && level < kesu.MaxEscalation {
		level++
		out = append(out, Fired{Kind: Escalate, At: raiseAt, Level: level})
	}
	if level >= kesu.MaxEscalation {
		for i := range k.Milestones {
			k.Milestones[i].NextEscalation = nil
		}
	}
	return out, level
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Next is the earliest instant a timer is due, nil when none is (paused, or
// every milestone done).
func (k *Clock) Next() *time.Time {
	if k.PausedAt != nil {
		return nil
	}
	var next *time.Time
	consider := func(t *time.Time) {
		if t != nil && (next == nil || t.Before(*next)) {
			next = t
		}
	}
	for i := range k.Milestones {
		m := &k.Milestones[i]
		if m.Done() {
			continue
		}
		if !m.Warned {
			consider(m.WarnAt)
		}
		if !m.Breached {
			consider(m.Due)
		}
		consider(m.NextEscalation)
		consider(m.NextReminder)
	}
	if next == nil {
		return nil
	}
	return ptr(*next)
}

// Status summarises the clock for list filters: breached, warning, paused,
// running or done; due is the earliest deadline of an unmet milestone.
func (k *Clock) Status() (status string, due *time.Time) {
	status = "done"
	rank := map[string]int{"done": 0, "running": 1, "paused": 2, "warning": 3, "breached": 4}
	set := func(s string) {
		if rank[s] > rank[status] {
			status = s
		}
	}
	for i := range k.Milestones {
		m := &k.Milestones[i]
		if m.Done() {
			continue
		}
		switch {
		case m.Breached:
			set("breached")
		case k.PausedAt != nil:
			set("paused")
			continue
		case m.Warned:
			set("warning")
		default:
			set("running")
		}
		if m.Due != nil && (due == nil || m.Due.Before(*due)) {
			due = ptr(*m.Due)
		}
	}
	return status, due
}

// Milestone finds a milestone by name.
func (k *Clock) Milestone(name MilestoneName) *Milestone {
	for i := range k.Milestones {
		if k.Milestones[i].Name == name {
			return &k.Milestones[i]
		}
	}
	return nil
}

// Extend moves a running milestone's deadline to newDue and returns the
// extension in the milestone's kind of time. A breached milestone whose new
// deadline is ahead runs again (and breaches again if missed).
func (k *Clock) Extend(name MilestoneName, newDue time.Time, cal *Calendar, now time.Time) (time.Duration, error) {
	m := k.Milestone(name)
	if m == nil {
		return 0, kesu.FieldError("milestone", "this complaint has no %s deadline", name)
	}
	if m.Done() || m.Due == nil {
		return 0, kesu.Errorf(kesu.EConflict, "the %s deadline is not running", name)
	}
	if k.PausedAt != nil {
		return 0, kesu.Errorf(kesu.EConflict, "the clock is paused; extend after it resumes")
	}
	if !newDue.After(*m.Due) {
		return 0, kesu.FieldError("new_due", "must be after the current deadline %s", m.Due.In(cal.Loc).Format(time.RFC3339))
	}
	delta := cal.Left(*m.Due, newDue, m.Business)
	m.Due = ptr(newDue)
	m.Extended += delta
	if m.Breached && newDue.After(now) {
		m.Breached, m.State, m.NextEscalation = false, Running, nil
	}
	return delta, nil
}

// fingerprint is a cheap change detector for Observe.
func (k *Clock) fingerprint() string {
	b := make([]byte, 0, 64)
	if k.PausedAt != nil {
		b = append(b, 'P')
	}
	for _, m := range k.Milestones {
		b = append(b, m.State...)
		if m.MetAt != nil {
			b = append(b, 'M')
		}
		if m.Due != nil {
			b = appendInt(b, m.Due.UnixMicro())
		}
		if m.Start != nil {
			b = appendInt(b, m.Start.UnixMicro())
		}
	}
	return string(b)
}

func appendInt(b []byte, v int64) []byte {
	for i := 0; i < 8; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// Replan applies the targets of a newly matched policy after a complaint's
// classification changed (level, priority, category, channel, department):
// deadlines not yet breached are recomputed from their own start, milestones
// the new policy adds are planned, and clock-wide settings follow the policy.
// Milestones already met, breached or cancelled keep their outcome.
func (k *Clock) Replan(c *kesu.Complaint, r Resolved, cal *Calendar, now time.Time) {
	day := cal.DayLength()
	k.PolicyID, k.Policy, k.WarnShare, k.PauseStates = r.PolicyID, r.PolicyName, r.WarnShare, r.PauseStates
	k.EscalateEvery, _ = ParseTarget(r.EscalateEvery, true, day)
	k.RemindEvery, _ = ParseTarget(r.RemindEvery, true, day)
	k.ExtensionLimit, _ = ParseTarget(r.ExtensionLimit, true, day)
	for _, name := range Milestones {
		t, ok := r.Targets[string(name)]
		if !ok {
			continue
		}
		business := t.Clock != "calendar"
		d, err := ParseTarget(t.Duration, business, day)
		if err != nil {
			continue
		}
		m := k.Milestone(name)
		if m == nil {
			nm := Milestone{Name: name, State: Pending, Target: d, Business: business}
			if startsAtRegistration[name] {
				k.start(&nm, c.RegisteredAt, cal, now)
			}
			k.Milestones = append(k.Milestones, nm)
			continue
		}
		if m.Target == d && m.Business == business {
			continue
		}
		m.Target, m.Business = d, business
		if m.State != Running || m.Breached || m.Start == nil {
			continue // pending ones start with the new target; paused ones keep their remaining time
		}
		due := cal.Due(*m.Start, Target{d, business}).Add(m.Extended)
		m.Due = ptr(due)
		if !m.Warned {
			m.WarnAt = ptr(cal.Due(*m.Start, Target{time.Duration(float64(d) * k.WarnShare), business}))
		}
	}
	// Keep the table order (planned milestones were appended).
	ordered := make([]Milestone, 0, len(k.Milestones))
	for _, name := range Milestones {
		if m := k.Milestone(name); m != nil {
			ordered = append(ordered, *m)
		}
	}
	k.Milestones = ordered
}
