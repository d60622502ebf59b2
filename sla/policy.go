package sla

import (
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// MilestoneName is a deadline in a complaint's life (DOMAIN.md section 3).
type MilestoneName string

const (
	Acknowledge     MilestoneName = "acknowledge"      // a human response (24小时内给予回应)
	Accept          MilestoneName = "accept"           // 受理 decision
	SignOff         MilestoneName = "sign_off"         // 签收 by the department, from dispatch
	FirstResponse   MilestoneName = "first_response"   // first substantive reply to the customer
	ProposeSolution MilestoneName = "propose_solution" // a remedy proposed
	Resolve         MilestoneName = "resolve"          // resolved
	FollowUp        MilestoneName = "follow_up"        // 回访 done (closed), from resolution
)

// Milestones in the order a complaint meets them.
var Milestones = []MilestoneName{Acknowledge, Accept, SignOff, FirstResponse, ProposeSolution, Resolve, FollowUp}

// TargetSpec is one milestone's limit as configured: "24h", "3d" ... in
// business or calendar time.
type TargetSpec struct {
	Duration string `json:"duration"`
	Clock    string `json:"clock,omitempty"` // business (default) or calendar
}

// Policy sets the time limits for the complaints it matches. Empty match
// fields match anything; of the policies that match a complaint and set a
// milestone, the most specific (most match fields set) wins, then the lowest
// id. Clock-wide settings come from the most specific matching policy.
type Policy struct {
	ID         int64         `json:"id"`
	Name       string        `json:"name"`
	Level      kesu.Level    `json:"level,omitempty"`
	Priority   kesu.Priority `json:"priority,omitempty"`
	Category   string        `json:"category,omitempty"`   // category code (also matches its children "code.x")
	Channel    kesu.Channel  `json:"channel,omitempty"`    // intake channel
	Department string        `json:"department,omitempty"` // responsible department code
	// Targets per milestone; a milestone without a target has no deadline
	// unless a less specific policy sets one.
	Targets map[string]TargetSpec `json:"targets"`
	// WarnShare is the share of a target after which a warning fires
	// (default 0.75).
	WarnShare float64 `json:"warn_share,omitempty"`
	// PauseStates stop the clock besides awaiting_customer.
	PauseStates []kesu.Status `json:"pause_states"`
	// Calendar names the business calendar (default "default"; a department's
	// own calendar wins when the complaint has a department).
	Calendar string `json:"calendar,omitempty"`
	// EscalateEvery is the business time between escalation levels after a
	// breach (default 1d); RemindEvery between reminders (催办) after a
	// warning until the milestone is met (default 4h).
	EscalateEvery string `json:"escalate_every,omitempty"`
	RemindEvery   string `json:"remind_every,omitempty"`
	// ExtensionLimit is the total extension a handler may grant a milestone
	// without a supervisor's approval (default 2d).
	ExtensionLimit string    `json:"extension_limit,omitempty"`
	Active         bool      `json:"active"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Validate checks and normalises a policy.
func (p *Policy) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if err := kesu.ValidateName("name", p.Name, 100); err != nil {
		return err
	}
	checks := []struct {
		field string
		ok    bool
	}{
		{"level", p.Level == "" || contains(kesu.Levels, p.Level)},
		{"priority", p.Priority == "" || contains(kesu.Priorities, p.Priority)},
		{"channel", p.Channel == "" || contains(kesu.Channels, p.Channel)},
	}
	for _, c := range checks {
		if !c.ok {
			return kesu.FieldError(c.field, "unknown value")
		}
	}
	if p.Category != "" {
		if err := kesu.ValidateCode("category", p.Category); err != nil {
			return err
		}
	}
	if p.Department != "" {
		if err := kesu.ValidateCode("department", p.Department); err != nil {
			return err
		}
	}
	if p.Calendar != "" {
		if err := kesu.ValidateCode("calendar", p.Calendar); err != nil {
			return err
		}
	}
	if p.Targets == nil {
		p.Targets = map[string]TargetSpec{}
	}
	for m, t := range p.Targets {
		if !contains(Milestones, MilestoneName(m)) {
			return kesu.FieldError("targets", "unknown milestone %q", m)
		}
		if t.Clock == "" {
			t.Clock = "business"
			p.Targets[m] = t
		}
		if t.Clock != "business" && t.Clock != "calendar" {
			return kesu.FieldError("targets."+m+".clock", "must be business or calendar")
		}
		if _, err := ParseTarget(t.Duration, t.Clock == "business", 8*time.Hour); err != nil {
			return kesu.FieldError("targets."+m+".duration", "%v", err)
		}
	}
	if p.WarnShare < 0 || p.WarnShare >= 1 {
		return kesu.FieldError("warn_share", "must be between 0 and 1 (0 means the default 0.75)")
	}
	for _, s := range p.PauseStates {
		if !contains(kesu.Statuses, s) || !s.Open() {
			return kesu.FieldError("pause_states", "%q is not an open status", s)
		}
	}
	if p.PauseStates == nil {
		p.PauseStates = []kesu.Status{}
	}
	for field, v := range map[string]string{"escalate_every": p.EscalateEvery, "remind_every": p.RemindEvery,
		"extension_limit": p.ExtensionLimit} {
		if v == "" {
			continue
		}
		d, err := ParseTarget(v, true, 8*time.Hour)
		if err != nil {
			return kesu.FieldError(field, "%v", err)
		}
		if d < time.Minute && field != "extension_limit" {
			return kesu.FieldError(field, "must be at least a minute")
		}
	}
	return nil
}

// Subject is what policies match on.
type Subject struct {
	Level      kesu.Level
	Priority   kesu.Priority
	Category   string
	Channel    kesu.Channel
	Department string
}

// SubjectOf a complaint.
func SubjectOf(c *kesu.Complaint) Subject {
	return Subject{Level: c.Level, Priority: c.Priority, Category: c.Category, Channel: c.Channel, Department: c.Department}
}

// specificity is how many match fields p sets, or -1 if p does not match s.
func (p *Policy) specificity(s Subject) int {
	n := 0
	match := func(want, got string) bool {
		if want == "" {
			return true
		}
		n++
		return want == got
	}
	cat := s.Category == p.Category || (p.Category != "" && strings.HasPrefix(s.Category, p.Category+"."))
	if p.Category != "" {
		n++
	}
	if !p.Active || !match(string(p.Level), string(s.Level)) || !match(string(p.Priority), string(s.Priority)) ||
		(p.Category != "" && !cat) || !match(string(p.Channel), string(s.Channel)) ||
		!match(p.Department, s.Department) {
		return -1
	}
	return n
}

// Resolved is the outcome of matching policies against one complaint.
type Resolved struct {
	PolicyID       int64 // the most specific matching policy
	PolicyName     string
	Calendar       string
	WarnShare      float64
	PauseStates    []kesu.Status
	EscalateEvery  string
	RemindEvery    string
	ExtensionLimit string
	Targets        map[string]TargetSpec
}

// Match picks, per milestone, the most specific matching policy's target.
func Match(policies []Policy, s Subject) Resolved {
	r := Resolved{Targets: map[string]TargetSpec{}}
	best := map[string]int{}
	top := -1
	for i := range policies {
		p := &policies[i]
		n := p.specificity(s)
		if n < 0 {
			continue
		}
		if n > top || (n == top && p.ID < r.PolicyID) {
			top = n
			r.PolicyID, r.PolicyName, r.Calendar, r.WarnShare = p.ID, p.Name, p.Calendar, p.WarnShare
			r.PauseStates, r.EscalateEvery, r.RemindEvery, r.ExtensionLimit = p.PauseStates, p.EscalateEvery, p.RemindEvery, p.ExtensionLimit
		}
		for m, t := range p.Targets {
			if b, ok := best[m]; !ok || n > b {
				best[m] = n
				r.Targets[m] = t
			}
		}
	}
	// Policies are listed by id, so on equal specificity the first (lowest
	// id) target stays.
	if r.WarnShare == 0 {
		r.WarnShare = 0.75
	}
	if r.Calendar == "" {
		r.Calendar = "default"
	}
	if r.EscalateEvery == "" {
		r.EscalateEvery = "1d"
	}
	if r.RemindEvery == "" {
		r.RemindEvery = "4h"
	}
	if r.ExtensionLimit == "" {
		r.ExtensionLimit = "2d"
	}
	return r
}

// DefaultPolicies are seeded on first start (DOMAIN.md section 3): a human
// response within 24 hours, per-milestone business-time limits, and shorter
// limits for critical complaints. Administrators change them through the API.
func DefaultPolicies() []Policy {
	return []Policy{
		{Name: "默认时限 Default time limits", Active: true, Targets: map[string]TargetSpec{
			string(Acknowledge):     {"24h", "calendar"},
			string(Accept):          {"1d", "business"},
			string(SignOff):         {"4h", "business"},
			string(FirstResponse):   {"1d", "business"},
			string(ProposeSolution): {"5d", "business"},
			string(Resolve):         {"10d", "business"},
			string(FollowUp):        {"3d", "business"},
		}},
		{Name: "重大投诉 Major complaints", Level: kesu.LevelMajor, Active: true, Targets: map[string]TargetSpec{
			string(Acknowledge):     {"4h", "calendar"},
			string(Accept):          {"4h", "business"},
			string(SignOff):         {"2h", "business"},
			string(FirstResponse):   {"4h", "business"},
			string(ProposeSolution): {"3d", "business"},
			string(Resolve):         {"5d", "business"},
		}},
		{Name: "紧急投诉 Critical complaints", Level: kesu.LevelCritical, Active: true, EscalateEvery: "2h", RemindEvery: "1h",
			Targets: map[string]TargetSpec{
				string(Acknowledge):     {"1h", "calendar"},
				string(Accept):          {"2h", "calendar"},
				string(SignOff):         {"1h", "calendar"},
				string(FirstResponse):   {"2h", "calendar"},
				string(ProposeSolution): {"1d", "business"},
				string(Resolve):         {"3d", "business"},
			}},
	}
}
