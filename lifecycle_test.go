package kesu_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
)

// The department the fixture complaints belong to, and another one.
const (
	homeDept  int64 = 7
	otherDept int64 = 8
)

// now is the instant every lifecycle test acts at.
var now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// allRoles is every role an actor can have: the staff roles plus the customer
// and the system.
func allRoles() []kesu.Role {
	return append(slices.Clone(kesu.StaffRoles), kesu.RoleCustomer, kesu.RoleSystem)
}

// complaintIn returns a plausible complaint that has reached status s,
// dispatched to homeDept so that department-scoped roles can act on it.
func complaintIn(s kesu.Status) *kesu.Complaint {
	reasonable := true
	occurred := now.Add(-96 * time.Hour)
	c := &kesu.Complaint{
		ID: 42, Number: "TS20261123000042", Status: s,
		Kind: kesu.KindComplaint, Channel: kesu.ChannelPhone,
		Title: "电池鼓包", Description: "The battery swelled after two weeks.",
		Customer: kesu.Customer{ID: 3, Name: "王女士", Phone: "13812345678"},
		Level:    kesu.LevelGeneral, Priority: kesu.PriorityNormal,
		Validity: kesu.ValidityPending, Intent: kesu.IntentGoodFaith,
		Tags: []string{"battery"}, Currency: "CNY", Amount: 19900,
		Expectation:      kesu.Expectation{Remedy: kesu.RemedyExchange},
		DemandReasonable: &reasonable,
		OccurredAt:       &occurred,
		RegisteredAt:     now.Add(-72 * time.Hour),
		Department:       "after_sales", DepartmentID: homeDept,
		CoDepartments: []string{"logistics"},
		AssigneeID:    5,
		UpdatedAt:     now.Add(-time.Hour),
		Version:       3,
	}
	switch s {
	case kesu.StatusSolutionProposed, kesu.StatusExecuting:
		c.Proposal = &kesu.Proposal{Remedy: kesu.RemedyExchange, Description: "new battery"}
	case kesu.StatusResolved:
		resolved := now.Add(-48 * time.Hour)
		c.ResolvedAt = &resolved
	case kesu.StatusClosed, kesu.StatusAppealed:
		resolved, closed := now.Add(-48*time.Hour), now.Add(-24*time.Hour)
		c.ResolvedAt, c.ClosedAt = &resolved, &closed
	}
	return c
}

// cloneComplaint copies c deeply, so that a write through one of its
// pointers or slices by the code under test shows up as a difference.
func cloneComplaint(c *kesu.Complaint) *kesu.Complaint {
	d := *c
	d.Tags = slices.Clone(c.Tags)
	d.CoDepartments = slices.Clone(c.CoDepartments)
	d.Proposal = clonePtr(c.Proposal)
	d.DemandReasonable = clonePtr(c.DemandReasonable)
	d.OccurredAt = clonePtr(c.OccurredAt)
	d.ResolvedAt = clonePtr(c.ResolvedAt)
	d.ClosedAt = clonePtr(c.ClosedAt)
	d.ReviewedAt = clonePtr(c.ReviewedAt)
	return &d
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// validCommand is a command that satisfies every per-action requirement of
// Apply, so that only the table and the roles decide the outcome.
func validCommand(from kesu.Status, a kesu.Action) kesu.Command {
	cmd := kesu.Command{Action: a, Note: "reason given"}
	switch a {
	case kesu.ActionReject:
		cmd.Reason = string(kesu.RejectDuplicate)
	case kesu.ActionDispatch:
		cmd.Department, cmd.DepartmentID = "after_sales", homeDept
	case kesu.ActionPropose:
		cmd.Proposal = &kesu.Proposal{Remedy: kesu.RemedyRefund, Amount: 19900, Description: "full refund"}
	case kesu.ActionClose:
		cmd.Satisfaction, cmd.Upheld = 4, "partial"
		if from == kesu.StatusAppealed {
			cmd.Reason = string(kesu.RecourseRegulator)
		}
	case kesu.ActionMerge:
		cmd.DuplicateOf, cmd.DuplicateOfID = "TS20261123000041", 41
	}
	return cmd
}

// row finds the table row for (from, a) by reading the table itself, not
// through Lookup, so that Lookup and Apply are both under test.
func row(from kesu.Status, a kesu.Action) (kesu.Transition, bool) {
	for _, t := range kesu.Lifecycle {
		if t.From == from && t.Action == a {
			return t, true
		}
	}
	return kesu.Transition{}, false
}

// wantErr fails unless err is a *kesu.Error with code and, when field is not
// empty, naming field.
func wantErr(t *testing.T, err error, code kesu.ErrorCode, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (field %q)", code, field)
	}
	var e *kesu.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want a *kesu.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("got code %s (%v), want %s", e.Code, err, code)
	}
	if field != "" && e.Field != field {
		t.Fatalf("got field %q (%v), want %q", e.Field, err, field)
	}
}

// TestApplyFollowsTheTable tries every status x action x role, from the
// complaint's own department and from another one, and checks Apply against
// the table; it also checks that AllowedActions lists exactly what Apply
// allows.
func TestApplyFollowsTheTable(t *testing.T) {
	successes := 0
	for _, s := range kesu.Statuses {
		for _, r := range append(allRoles(), "") {
			for _, dept := range []int64{homeDept, otherDept} {
				actor := kesu.Actor{UserID: 9, Role: r, DepartmentID: dept, Name: "tester"}
				var applied []kesu.Action
				for _, a := range kesu.Actions {
					c := complaintIn(s)
					before := cloneComplaint(c)
					ch, err := kesu.Apply(c, validCommand(s, a), actor, now, kesu.DefaultRules)
					tr, found := row(s, a)
					var want kesu.ErrorCode
					switch {
					case !found:
						want = kesu.EConflict
					case !slices.Contains(tr.Roles, r):
						want = kesu.EForbidden
					case r.DepartmentScoped() && dept != before.DepartmentID:
						want = kesu.EForbidden
					}
					name := string(s) + " -" + string(a) + "-> as " + string(r)
					if dept != homeDept {
						name += " of another department"
					}
					if want != "" {
						if got := kesu.ErrorCodeOf(err); got != want {
							t.Errorf("%s: got error %v, want %s", name, err, want)
						}
						if !reflect.DeepEqual(c, before) {
							t.Errorf("%s: refused but changed the complaint:\n got %+v\nwant %+v", name, *c, *before)
						}
						continue
					}
					if err != nil {
						t.Errorf("%s: table allows it, Apply refused: %v", name, err)
						continue
					}
					successes++
					applied = append(applied, a)
					if c.Status != tr.To || ch.To != tr.To || ch.From != s {
						t.Errorf("%s: status %s, change %s->%s; want %s->%s", name, c.Status, ch.From, ch.To, s, tr.To)
					}
					if !reflect.DeepEqual(ch.Transition, tr) {
						t.Errorf("%s: change names row %+v, want %+v", name, ch.Transition, tr)
					}
					if c.Version != before.Version+1 || !c.UpdatedAt.Equal(now) {
						t.Errorf("%s: version %d updated %v; want %d and %v", name, c.Version, c.UpdatedAt, before.Version+1, now)
					}
				}
				allowed := kesu.AllowedActions(complaintIn(s), actor, now, kesu.DefaultRules)
				slices.Sort(allowed)
				slices.Sort(applied)
				if !slices.Equal(allowed, applied) {
					t.Errorf("%s as %s (dept %d): AllowedActions %v, Apply allowed %v", s, r, dept, allowed, applied)
				}
			}
		}
	}
	// Guard against a vacuous run: every row must have succeeded for each of
	// its roles, and twice (both departments) for roles that are not scoped.
	want := 0
	for _, tr := range kesu.Lifecycle {
		for _, r := range tr.Roles {
			want++
			if !r.DepartmentScoped() {
				want++
			}
		}
	}
	if successes != want {
		t.Errorf("%d transitions succeeded, the table implies %d", successes, want)
	}
}

func TestApplyRefusesUnknownAction(t *testing.T) {
	c := complaintIn(kesu.StatusRegistered)
	before := cloneComplaint(c)
	_, err := kesu.Apply(c, kesu.Command{Action: "escalate"}, kesu.Actor{Role: kesu.RoleAdmin}, now, kesu.DefaultRules)
	wantErr(t, err, kesu.EInvalid, "action")
	if !reflect.DeepEqual(c, before) {
		t.Fatal("the complaint changed")
	}
}

func TestLifecycleTableInvariants(t *testing.T) {
	known := allRoles()
	exits := map[kesu.Status]int{}
	seen := map[[2]string]bool{}
	usedActions := map[kesu.Action]bool{}
	for _, tr := range kesu.Lifecycle {
		key := [2]string{string(tr.From), string(tr.Action)}
		if seen[key] {
			t.Errorf("duplicate row %s -%s->", tr.From, tr.Action)
		}
		seen[key] = true
		usedActions[tr.Action] = true
		if !slices.Contains(kesu.Statuses, tr.From) || !slices.Contains(kesu.Statuses, tr.To) {
			t.Errorf("row %s -%s-> %s names an unknown status", tr.From, tr.Action, tr.To)
		}
		if !slices.Contains(kesu.Actions, tr.Action) {
			t.Errorf("row %s -%s-> names an unknown action", tr.From, tr.Action)
		}
		if len(tr.Roles) == 0 {
			t.Errorf("row %s -%s-> has no roles", tr.From, tr.Action)
		}
		for _, r := range tr.Roles {
			if !slices.Contains(known, r) {
				t.Errorf("row %s -%s-> names unknown role %q", tr.From, tr.Action, r)
			}
			if r == kesu.RoleAuditor {
				t.Errorf("row %s -%s-> lets the read-only auditor act", tr.From, tr.Action)
			}
		}
		if !slices.Contains(tr.Roles, kesu.RoleAdmin) {
			t.Errorf("row %s -%s-> is closed to admin, who may do everything staff may do", tr.From, tr.Action)
		}
		exits[tr.From]++
	}
	for _, a := range kesu.Actions {
		if !usedActions[a] {
			t.Errorf("action %s is in no row", a)
		}
	}
	for _, s := range kesu.Statuses {
		if s.Terminal() && exits[s] > 0 {
			t.Errorf("terminal status %s has %d exits", s, exits[s])
		}
		if !s.Terminal() && exits[s] == 0 {
			t.Errorf("status %s is not terminal but has no exit", s)
		}
	}
	for _, s := range []kesu.Status{kesu.StatusRejected, kesu.StatusWithdrawn, kesu.StatusMerged} {
		if !s.Terminal() || s.Open() {
			t.Errorf("%s: Terminal %v Open %v, want terminal and not open", s, s.Terminal(), s.Open())
		}
	}
	if kesu.StatusClosed.Terminal() || kesu.StatusClosed.Open() {
		t.Error("closed must be neither terminal (it can be appealed) nor open")
	}

	// Every status is reachable from registered.
	reached := map[kesu.Status]bool{kesu.StatusRegistered: true}
	queue := []kesu.Status{kesu.StatusRegistered}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, tr := range kesu.Lifecycle {
			if tr.From == s && !reached[tr.To] {
				reached[tr.To] = true
				queue = append(queue, tr.To)
			}
		}
	}
	for _, s := range kesu.Statuses {
		if !reached[s] {
			t.Errorf("status %s cannot be reached from registered", s)
		}
	}
	if !reached[kesu.StatusClosed] {
		t.Error("closed cannot be reached")
	}

	// Lookup agrees with the table, and finds nothing where there is no row.
	for _, s := range kesu.Statuses {
		for _, a := range kesu.Actions {
			want, wantOK := row(s, a)
			got, ok := kesu.Lookup(s, a)
			if ok != wantOK || !reflect.DeepEqual(got, want) {
				t.Errorf("Lookup(%s, %s) = %+v %v, want %+v %v", s, a, got, ok, want, wantOK)
			}
		}
	}
}

// appealWithdrawal is kesu's one addition to DOMAIN.md's table (see
// docs/decisions.md): a customer who drops an appeal leaves the complaint
// closed as it was, not withdrawn.
func appealWithdrawal(tr kesu.Transition) bool {
	return tr.From == kesu.StatusAppealed && tr.Action == kesu.ActionWithdraw && tr.To == kesu.StatusClosed
}

// TestLifecycleMatchesDomain checks the table against the "next" column of
// DOMAIN.md section 2. Withdraw and merge are listed separately there (they
// lead to their own terminal states) and are checked below.
func TestLifecycleMatchesDomain(t *testing.T) {
	next := map[kesu.Status][]kesu.Status{
		kesu.StatusRegistered:       {kesu.StatusAccepted, kesu.StatusRejected},
		kesu.StatusAccepted:         {kesu.StatusDispatched},
		kesu.StatusDispatched:       {kesu.StatusInProgress, kesu.StatusAccepted},
		kesu.StatusInProgress:       {kesu.StatusAwaitingCustomer, kesu.StatusSolutionProposed, kesu.StatusResolved},
		kesu.StatusAwaitingCustomer: {kesu.StatusInProgress},
		kesu.StatusSolutionProposed: {kesu.StatusExecuting, kesu.StatusInProgress},
		kesu.StatusExecuting:        {kesu.StatusResolved},
		kesu.StatusResolved:         {kesu.StatusClosed, kesu.StatusInProgress},
		kesu.StatusClosed:           {kesu.StatusAppealed, kesu.StatusClosed}, // review keeps it closed
		kesu.StatusAppealed:         {kesu.StatusInProgress, kesu.StatusClosed},
	}
	for _, s := range kesu.Statuses {
		var got []kesu.Status
		for _, tr := range kesu.Lifecycle {
			if tr.From == s && tr.To != kesu.StatusWithdrawn && tr.To != kesu.StatusMerged && !appealWithdrawal(tr) {
				got = append(got, tr.To)
			}
		}
		want := next[s]
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s leads to %v, DOMAIN.md says %v", s, got, want)
		}
	}
	// Withdrawal and merging are for complaints still being worked on.
	for _, s := range kesu.Statuses {
		for _, a := range []kesu.Action{kesu.ActionWithdraw, kesu.ActionMerge} {
			tr, ok := row(s, a)
			if ok && appealWithdrawal(tr) {
				continue
			}
			if ok && (!s.Open() || tr.To != map[kesu.Action]kesu.Status{kesu.ActionWithdraw: kesu.StatusWithdrawn, kesu.ActionMerge: kesu.StatusMerged}[a]) {
				t.Errorf("%s -%s-> %s: only open complaints may be withdrawn or merged, into their own state", s, a, tr.To)
			}
		}
	}
	if _, ok := row(kesu.StatusRegistered, kesu.ActionWithdraw); !ok {
		t.Error("a registered complaint cannot be withdrawn")
	}
	if _, ok := row(kesu.StatusRegistered, kesu.ActionMerge); !ok {
		t.Error("a registered duplicate cannot be merged")
	}
	// An appeal is handled at a higher level than the first handler.
	for _, a := range []kesu.Action{kesu.ActionReopen, kesu.ActionClose} {
		tr, _ := row(kesu.StatusAppealed, a)
		if slices.Contains(tr.Roles, kesu.RoleHandler) || slices.Contains(tr.Roles, kesu.RoleAgent) {
			t.Errorf("appealed -%s-> may be decided by %v; DOMAIN.md wants a higher level", a, tr.Roles)
		}
	}
}

// act applies cmd as actor and fails the test on error.
func act(t *testing.T, c *kesu.Complaint, cmd kesu.Command, actor kesu.Actor, at time.Time, rules kesu.Rules) kesu.Change {
	t.Helper()
	from := c.Status
	ch, err := kesu.Apply(c, cmd, actor, at, rules)
	if err != nil {
		t.Fatalf("%s -%s-> as %s: %v", from, cmd.Action, actor.Role, err)
	}
	return ch
}

// refused applies cmd, wants the error, and checks the complaint is unchanged.
func refused(t *testing.T, c *kesu.Complaint, cmd kesu.Command, actor kesu.Actor, at time.Time, rules kesu.Rules, code kesu.ErrorCode, field string) {
	t.Helper()
	before := cloneComplaint(c)
	_, err := kesu.Apply(c, cmd, actor, at, rules)
	wantErr(t, err, code, field)
	if !reflect.DeepEqual(c, before) {
		t.Fatalf("refused %s changed the complaint:\n got %+v\nwant %+v", cmd.Action, *c, *before)
	}
}

var (
	agent      = kesu.Actor{UserID: 2, Role: kesu.RoleAgent, Name: "agent"}
	handler    = kesu.Actor{UserID: 5, Role: kesu.RoleHandler, DepartmentID: homeDept, Name: "handler"}
	deptHead   = kesu.Actor{UserID: 6, Role: kesu.RoleDeptHead, DepartmentID: homeDept, Name: "head"}
	supervisor = kesu.Actor{UserID: 4, Role: kesu.RoleSupervisor, Name: "supervisor"}
	customer   = kesu.Actor{Role: kesu.RoleCustomer, Name: "customer"}
	auditor    = kesu.Actor{UserID: 8, Role: kesu.RoleAuditor, Name: "auditor"}
	analyst    = kesu.Actor{UserID: 10, Role: kesu.RoleAnalyst, Name: "analyst"}
)

// TestFullJourney walks a complaint through the closed loop of DOMAIN.md
// section 2, with a return, an objection, an appeal and a redo.
func TestFullJourney(t *testing.T) {
	rules := kesu.DefaultRules
	at := now
	tick := func() time.Time { at = at.Add(time.Hour); return at }
	c := complaintIn(kesu.StatusRegistered)
	c.Department, c.DepartmentID, c.CoDepartments, c.AssigneeID = "", 0, []string{}, 0

	act(t, c, kesu.Command{Action: kesu.ActionAccept}, agent, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionDispatch, Department: "logistics", DepartmentID: otherDept}, agent, tick(), rules)
	// The logistics department's handler cannot act; ours cannot either: it is not ours.
	refused(t, c, kesu.Command{Action: kesu.ActionSign}, handler, tick(), rules, kesu.EForbidden, "")
	logistics := kesu.Actor{UserID: 11, Role: kesu.RoleHandler, DepartmentID: otherDept}
	act(t, c, kesu.Command{Action: kesu.ActionReturn, Note: "not a logistics issue"}, logistics, tick(), rules)
	if c.Status != kesu.StatusAccepted || c.ReturnCount != 1 || c.DepartmentID != 0 || c.Department != "" {
		t.Fatalf("after return: %s return_count %d dept %d %q", c.Status, c.ReturnCount, c.DepartmentID, c.Department)
	}
	act(t, c, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales", DepartmentID: homeDept,
		CoDepartments: []string{"quality"}}, agent, tick(), rules)
	if !slices.Equal(c.CoDepartments, []string{"quality"}) {
		t.Fatalf("co-departments %v", c.CoDepartments)
	}
	act(t, c, kesu.Command{Action: kesu.ActionSign}, handler, tick(), rules)
	if c.AssigneeID != handler.UserID {
		t.Fatalf("sign-off did not assign the handler: assignee %d", c.AssigneeID)
	}
	act(t, c, kesu.Command{Action: kesu.ActionRequestInfo, Note: "please send a photo"}, handler, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionCustomerReply, Note: "photo attached"}, customer, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyRepair}}, handler, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionCustomerObject, Note: "I want a new one"}, customer, tick(), rules)
	if c.Status != kesu.StatusInProgress {
		t.Fatalf("an objection leads to %s, want in_progress", c.Status)
	}
	act(t, c, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyReplacement}}, handler, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionCustomerAccept}, customer, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionComplete, Note: "replaced"}, handler, tick(), rules)
	if c.Status != kesu.StatusResolved || c.Resolution != "replaced" || c.ResolvedAt == nil || !c.ResolvedAt.Equal(at) {
		t.Fatalf("after complete: %s resolution %q resolved_at %v", c.Status, c.Resolution, c.ResolvedAt)
	}
	act(t, c, kesu.Command{Action: kesu.ActionClose, Satisfaction: 2, Upheld: "full"}, customer, tick(), rules)
	closedAt := at
	if c.Status != kesu.StatusClosed || c.ClosedAt == nil || !c.ClosedAt.Equal(closedAt) || c.Satisfaction != 2 || c.Upheld != "full" {
		t.Fatalf("after close: %+v", *c)
	}
	act(t, c, kesu.Command{Action: kesu.ActionAppeal, Note: "still broken"}, customer, tick(), rules)
	if c.Status != kesu.StatusAppealed || c.AppealCount != 1 || c.AssigneeID != 0 || c.Escalation < 1 {
		t.Fatalf("after appeal: %s appeal_count %d assignee %d escalation %d", c.Status, c.AppealCount, c.AssigneeID, c.Escalation)
	}
	// The first handler cannot decide the appeal.
	refused(t, c, kesu.Command{Action: kesu.ActionReopen}, handler, tick(), rules, kesu.EForbidden, "")
	act(t, c, kesu.Command{Action: kesu.ActionReopen, Note: "upheld"}, deptHead, tick(), rules)
	if c.Status != kesu.StatusInProgress || c.ReopenCount != 1 || c.ClosedAt != nil || c.ResolvedAt != nil {
		t.Fatalf("after reopen: %s reopen_count %d closed %v resolved %v", c.Status, c.ReopenCount, c.ClosedAt, c.ResolvedAt)
	}
	act(t, c, kesu.Command{Action: kesu.ActionComplete}, handler, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionClose, Satisfaction: 5}, kesu.SystemActor, tick(), rules)
	act(t, c, kesu.Command{Action: kesu.ActionReview, Note: "supplier batch issue"}, analyst, tick(), rules)
	if c.Status != kesu.StatusClosed || c.ReviewedAt == nil || !c.ReviewedAt.Equal(at) {
		t.Fatalf("after review: %s reviewed_at %v", c.Status, c.ReviewedAt)
	}
	if c.ReturnCount != 1 || c.ReopenCount != 1 || c.AppealCount != 1 || c.Satisfaction != 5 {
		t.Fatalf("counters: return %d reopen %d appeal %d satisfaction %d", c.ReturnCount, c.ReopenCount, c.AppealCount, c.Satisfaction)
	}
	if c.Version != 3+18 {
		t.Fatalf("version %d after 18 transitions from 3", c.Version)
	}
}

func TestReturn(t *testing.T) {
	c := complaintIn(kesu.StatusDispatched)
	refused(t, c, kesu.Command{Action: kesu.ActionReturn, Note: "   "}, handler, now, kesu.DefaultRules, kesu.EInvalid, "note")
	ch := act(t, c, kesu.Command{Action: kesu.ActionReturn, Note: " wrong department "}, handler, now, kesu.DefaultRules)
	if c.Status != kesu.StatusAccepted || c.ReturnCount != 1 {
		t.Fatalf("status %s return_count %d, want accepted and 1", c.Status, c.ReturnCount)
	}
	if c.DepartmentID != 0 || c.Department != "" || len(c.CoDepartments) != 0 || c.AssigneeID != 0 {
		t.Fatalf("return kept the department: %d %q %v assignee %d", c.DepartmentID, c.Department, c.CoDepartments, c.AssigneeID)
	}
	if ch.Details["department"] != "after_sales" || ch.Details["note"] != "wrong department" {
		t.Fatalf("details %v: want the department returned from and the trimmed note", ch.Details)
	}
}

func TestAppealWindow(t *testing.T) {
	rules := kesu.Rules{AppealWindow: 7 * 24 * time.Hour}
	closedAt := now.Add(-30 * 24 * time.Hour)
	fresh := func() *kesu.Complaint {
		c := complaintIn(kesu.StatusClosed)
		c.ClosedAt = &closedAt
		return c
	}
	// At the last instant of the window the appeal is accepted.
	c := fresh()
	act(t, c, kesu.Command{Action: kesu.ActionAppeal}, customer, closedAt.Add(rules.AppealWindow), rules)
	if c.Status != kesu.StatusAppealed || c.AppealCount != 1 {
		t.Fatalf("status %s appeal_count %d", c.Status, c.AppealCount)
	}
	// One second later it is refused.
	refused(t, fresh(), kesu.Command{Action: kesu.ActionAppeal}, customer, closedAt.Add(rules.AppealWindow+time.Second), rules, kesu.EConflict, "")
	// The default window is 30 days.
	refused(t, fresh(), kesu.Command{Action: kesu.ActionAppeal}, agent, closedAt.Add(kesu.DefaultRules.AppealWindow+time.Second), kesu.DefaultRules, kesu.EConflict, "")
	act(t, fresh(), kesu.Command{Action: kesu.ActionAppeal}, agent, closedAt.Add(kesu.DefaultRules.AppealWindow), kesu.DefaultRules)
	// An appeal raises the escalation to at least a supervisor, never lowers it.
	c = fresh()
	c.Escalation = 2
	act(t, c, kesu.Command{Action: kesu.ActionAppeal}, customer, closedAt.Add(time.Hour), rules)
	if c.Escalation != 2 {
		t.Fatalf("escalation %d, want 2 kept", c.Escalation)
	}
}

func TestReopen(t *testing.T) {
	for _, from := range []kesu.Status{kesu.StatusResolved, kesu.StatusAppealed} {
		c := complaintIn(from)
		c.ReopenCount = 2
		ch := act(t, c, kesu.Command{Action: kesu.ActionReopen}, supervisor, now, kesu.DefaultRules)
		if c.Status != kesu.StatusInProgress || c.ReopenCount != 3 || c.ResolvedAt != nil || c.ClosedAt != nil {
			t.Errorf("reopen from %s: %s reopen_count %d resolved %v closed %v", from, c.Status, c.ReopenCount, c.ResolvedAt, c.ClosedAt)
		}
		if upheld := ch.Details["appeal"] == "upheld"; upheld != (from == kesu.StatusAppealed) {
			t.Errorf("reopen from %s: details %v", from, ch.Details)
		}
	}
	// A closed complaint is not reopened directly: it is appealed first.
	refused(t, complaintIn(kesu.StatusClosed), kesu.Command{Action: kesu.ActionReopen}, supervisor, now, kesu.DefaultRules, kesu.EConflict, "")
}

func TestClose(t *testing.T) {
	rules := kesu.DefaultRules
	for _, tc := range []struct {
		name  string
		cmd   kesu.Command
		field string
	}{
		{"satisfaction 6", kesu.Command{Action: kesu.ActionClose, Satisfaction: 6}, "satisfaction"},
		{"satisfaction -1", kesu.Command{Action: kesu.ActionClose, Satisfaction: -1}, "satisfaction"},
		{"upheld maybe", kesu.Command{Action: kesu.ActionClose, Upheld: "maybe"}, "upheld"},
		{"comment too long", kesu.Command{Action: kesu.ActionClose, Satisfaction: 3, SatisfactionComment: strings.Repeat("好", 2001)}, "satisfaction_comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, complaintIn(kesu.StatusResolved), tc.cmd, customer, now, rules, kesu.EInvalid, tc.field)
		})
	}
	// No rating is fine: the customer did not answer in time.
	c := complaintIn(kesu.StatusResolved)
	act(t, c, kesu.Command{Action: kesu.ActionClose}, kesu.SystemActor, now, rules)
	if c.Status != kesu.StatusClosed || c.Satisfaction != 0 || c.ClosedAt == nil || !c.ClosedAt.Equal(now) {
		t.Fatalf("close without rating: %s satisfaction %d closed %v", c.Status, c.Satisfaction, c.ClosedAt)
	}
	if c.Recourse != "" {
		t.Fatalf("a normal close named recourse %q", c.Recourse)
	}

	// Dismissing an appeal names the external recourse.
	refused(t, complaintIn(kesu.StatusAppealed), kesu.Command{Action: kesu.ActionClose}, supervisor, now, rules, kesu.EInvalid, "reason")
	refused(t, complaintIn(kesu.StatusAppealed), kesu.Command{Action: kesu.ActionClose, Reason: "police"}, supervisor, now, rules, kesu.EInvalid, "reason")
	for _, r := range kesu.Recourses {
		c := complaintIn(kesu.StatusAppealed)
		ch := act(t, c, kesu.Command{Action: kesu.ActionClose, Reason: string(r)}, supervisor, now, rules)
		if c.Status != kesu.StatusClosed || c.Recourse != r || ch.Details["recourse"] != string(r) {
			t.Errorf("dismissed with %s: status %s recourse %q details %v", r, c.Status, c.Recourse, ch.Details)
		}
	}
}

func TestReject(t *testing.T) {
	refused(t, complaintIn(kesu.StatusRegistered), kesu.Command{Action: kesu.ActionReject}, agent, now, kesu.DefaultRules, kesu.EInvalid, "reason")
	refused(t, complaintIn(kesu.StatusRegistered), kesu.Command{Action: kesu.ActionReject, Reason: "dont_like_it"}, agent, now, kesu.DefaultRules, kesu.EInvalid, "reason")
	for _, r := range kesu.RejectReasons {
		c := complaintIn(kesu.StatusRegistered)
		act(t, c, kesu.Command{Action: kesu.ActionReject, Reason: string(r)}, agent, now, kesu.DefaultRules)
		if c.Status != kesu.StatusRejected || c.RejectReason != string(r) {
			t.Errorf("reject %s: status %s reason %q", r, c.Status, c.RejectReason)
		}
	}
}

func TestPropose(t *testing.T) {
	for _, tc := range []struct {
		name     string
		proposal *kesu.Proposal
		field    string
	}{
		{"no proposal", nil, "proposal.remedy"},
		{"no remedy", &kesu.Proposal{Amount: 100}, "proposal.remedy"},
		{"unknown remedy", &kesu.Proposal{Remedy: "cash"}, "proposal.remedy"},
		{"negative amount", &kesu.Proposal{Remedy: kesu.RemedyRefund, Amount: -1}, "proposal.amount"},
		{"long description", &kesu.Proposal{Remedy: kesu.RemedyRefund, Description: strings.Repeat("x", kesu.MaxNote+1)}, "proposal.description"},
		{"NUL in description", &kesu.Proposal{Remedy: kesu.RemedyRefund, Description: "a\x00b"}, "proposal.description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, complaintIn(kesu.StatusInProgress), kesu.Command{Action: kesu.ActionPropose, Proposal: tc.proposal},
				handler, now, kesu.DefaultRules, kesu.EInvalid, tc.field)
		})
	}
	c := complaintIn(kesu.StatusInProgress)
	p := &kesu.Proposal{Remedy: kesu.RemedyCompensation, Amount: 5000, Description: "  coupon  "}
	act(t, c, kesu.Command{Action: kesu.ActionPropose, Proposal: p}, handler, now, kesu.DefaultRules)
	want := kesu.Proposal{Remedy: kesu.RemedyCompensation, Amount: 5000, Description: "coupon"}
	if c.Status != kesu.StatusSolutionProposed || c.Proposal == nil || *c.Proposal != want {
		t.Fatalf("status %s proposal %+v, want %+v", c.Status, c.Proposal, want)
	}
	if p.Description != "  coupon  " {
		t.Fatalf("Apply changed the caller's proposal: %+v", *p)
	}
	p.Amount = 999999 // the caller's value must not alias the complaint's
	if c.Proposal.Amount != 5000 {
		t.Fatal("the complaint's proposal aliases the command's")
	}
}

func TestObjectionNeedsReason(t *testing.T) {
	refused(t, complaintIn(kesu.StatusSolutionProposed), kesu.Command{Action: kesu.ActionCustomerObject}, customer, now, kesu.DefaultRules, kesu.EInvalid, "note")
}

func TestDispatchNeedsDepartment(t *testing.T) {
	refused(t, complaintIn(kesu.StatusAccepted), kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"}, agent, now, kesu.DefaultRules, kesu.EInvalid, "department")
	c := complaintIn(kesu.StatusAccepted)
	co := []string{"quality"}
	act(t, c, kesu.Command{Action: kesu.ActionDispatch, Department: "logistics", DepartmentID: otherDept, CoDepartments: co}, agent, now, kesu.DefaultRules)
	if c.DepartmentID != otherDept || c.Department != "logistics" || c.AssigneeID != 0 {
		t.Fatalf("dispatch: dept %d %q assignee %d", c.DepartmentID, c.Department, c.AssigneeID)
	}
	co[0] = "changed"
	if c.CoDepartments[0] != "quality" {
		t.Fatal("the complaint's co-departments alias the command's")
	}
}

func TestSignKeepsExistingAssignee(t *testing.T) {
	c := complaintIn(kesu.StatusDispatched) // already assigned to user 5
	act(t, c, kesu.Command{Action: kesu.ActionSign}, deptHead, now, kesu.DefaultRules)
	if c.AssigneeID != 5 {
		t.Fatalf("assignee %d, want 5 kept", c.AssigneeID)
	}
}

func TestMerge(t *testing.T) {
	refused(t, complaintIn(kesu.StatusRegistered), kesu.Command{Action: kesu.ActionMerge}, agent, now, kesu.DefaultRules, kesu.EInvalid, "duplicate_of")
	refused(t, complaintIn(kesu.StatusRegistered), kesu.Command{Action: kesu.ActionMerge, DuplicateOf: "TS20261123000042", DuplicateOfID: 42},
		agent, now, kesu.DefaultRules, kesu.EInvalid, "duplicate_of")
	c := complaintIn(kesu.StatusRegistered)
	act(t, c, kesu.Command{Action: kesu.ActionMerge, DuplicateOf: "TS20261123000041", DuplicateOfID: 41}, agent, now, kesu.DefaultRules)
	if c.Status != kesu.StatusMerged || c.DuplicateOfID != 41 || c.DuplicateOf != "TS20261123000041" {
		t.Fatalf("merge: %s %d %q", c.Status, c.DuplicateOfID, c.DuplicateOf)
	}
}

func TestNoteIsChecked(t *testing.T) {
	for _, tc := range []struct{ name, note string }{
		{"too long", strings.Repeat("好", kesu.MaxNote+1)},
		{"invalid UTF-8", "bad \xff byte"},
		{"NUL", "a\x00b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, complaintIn(kesu.StatusRegistered), kesu.Command{Action: kesu.ActionAccept, Note: tc.note}, agent, now, kesu.DefaultRules, kesu.EInvalid, "note")
		})
	}
	c := complaintIn(kesu.StatusRegistered)
	act(t, c, kesu.Command{Action: kesu.ActionAccept, Note: strings.Repeat("好", kesu.MaxNote)}, agent, now, kesu.DefaultRules)
}

func TestAuditorAndAnalystCannotMoveComplaints(t *testing.T) {
	for _, s := range kesu.Statuses {
		for _, actor := range []kesu.Actor{auditor, analyst} {
			got := kesu.AllowedActions(complaintIn(s), actor, now, kesu.DefaultRules)
			if actor.Role == kesu.RoleAnalyst && s == kesu.StatusClosed {
				if !slices.Equal(got, []kesu.Action{kesu.ActionReview}) {
					t.Errorf("analyst on closed: %v, want only review", got)
				}
				continue
			}
			if len(got) != 0 {
				t.Errorf("%s on %s may %v", actor.Role, s, got)
			}
		}
	}
}
