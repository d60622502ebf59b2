package kesu

import (
	"strings"
	"time"
)

// Status is a complaint's place in the lifecycle (DOMAIN.md section 2).
type Status string

const (
	StatusRegistered       Status = "registered"        // 已登记
	StatusRejected         Status = "rejected"          // 不予受理
	StatusAccepted         Status = "accepted"          // 已受理
	StatusDispatched       Status = "dispatched"        // 已派单
	StatusInProgress       Status = "in_progress"       // 处理中
	StatusAwaitingCustomer Status = "awaiting_customer" // 待客户反馈
	StatusSolutionProposed Status = "solution_proposed" // 方案待确认
	StatusExecuting        Status = "executing"         // 方案执行中
	StatusResolved         Status = "resolved"          // 已解决
	StatusClosed           Status = "closed"            // 已结案
	StatusAppealed         Status = "appealed"          // 申诉中
	StatusWithdrawn        Status = "withdrawn"         // 已撤诉
	StatusMerged           Status = "merged"            // 已合并
)

var Statuses = []Status{StatusRegistered, StatusRejected, StatusAccepted, StatusDispatched,
	StatusInProgress, StatusAwaitingCustomer, StatusSolutionProposed, StatusExecuting,
	StatusResolved, StatusClosed, StatusAppealed, StatusWithdrawn, StatusMerged}

// Terminal reports whether no action leaves the status.
func (s Status) Terminal() bool {
	return s == StatusRejected || s == StatusWithdrawn || s == StatusMerged
}

// Open reports whether the complaint is still being worked on.
func (s Status) Open() bool { return !s.Terminal() && s != StatusClosed }

// Action is a lifecycle verb. The API names them; the table gives them meaning.
type Action string

const (
	ActionAccept         Action = "accept"          // 受理
	ActionReject         Action = "reject"          // 不予受理
	ActionDispatch       Action = "dispatch"        // 派单
	ActionSign           Action = "sign"            // 签收
	ActionReturn         Action = "return"          // 退单
	ActionRequestInfo    Action = "request_info"    // ask the customer; the clock pauses
	ActionCustomerReply  Action = "customer_reply"  // the customer answered
	ActionPropose        Action = "propose"         // propose a remedy
	ActionCustomerAccept Action = "customer_accept" // the customer accepts the remedy
	ActionCustomerObject Action = "customer_object" // 异议
	ActionComplete       Action = "complete"        // remedy carried out / outcome told
	ActionClose          Action = "close"           // 结案 (also: appeal dismissed)
	ActionAppeal         Action = "appeal"          // 申诉
	ActionReopen         Action = "reopen"          // 重办 (also: appeal upheld)
	ActionWithdraw       Action = "withdraw"        // 撤诉
	ActionMerge          Action = "merge"           // 合并 into another complaint
	ActionReview         Action = "review"          // 复盘 of a closed complaint
)

var Actions = []Action{ActionAccept, ActionReject, ActionDispatch, ActionSign, ActionReturn,
	ActionRequestInfo, ActionCustomerReply, ActionPropose, ActionCustomerAccept,
	ActionCustomerObject, ActionComplete, ActionClose, ActionAppeal, ActionReopen,
	ActionWithdraw, ActionMerge, ActionReview}

// Transition is one row of the lifecycle table.
type Transition struct {
	From   Status
	Action Action
	To     Status
	Roles  []Role
	// CustomerVisible marks transitions the customer sees on their timeline.
	CustomerVisible bool
}

// Role sets used by the table. Admin may do everything staff may do.
var (
	front      = []Role{RoleAgent, RoleSupervisor, RoleAdmin}
	handling   = []Role{RoleHandler, RoleDeptHead, RoleSupervisor, RoleAdmin}
	senior     = []Role{RoleDeptHead, RoleSupervisor, RoleAdmin}
	onBehalf   = []Role{RoleCustomer, RoleAgent, RoleHandler, RoleDeptHead, RoleSupervisor, RoleAdmin, RoleSystem}
	closers    = []Role{RoleCustomer, RoleAgent, RoleHandler, RoleDeptHead, RoleSupervisor, RoleAdmin, RoleSystem}
	reviewers  = []Role{RoleAnalyst, RoleDeptHead, RoleSupervisor, RoleAdmin}
	mergers    = []Role{RoleAgent, RoleHandler, RoleDeptHead, RoleSupervisor, RoleAdmin, RoleSystem}
	withdrawer = []Role{RoleCustomer, RoleAgent, RoleSupervisor, RoleAdmin}
)

// Lifecycle is THE transition table: state x action -> state, with the roles
// allowed. The API, the pages and the jobs all go through Apply, which reads
// only this table.
var Lifecycle = buildLifecycle()

func buildLifecycle() []Transition {
	t := []Transition{
		{StatusRegistered, ActionAccept, StatusAccepted, front, true},
		{StatusRegistered, ActionReject, StatusRejected, front, true},
		{StatusAccepted, ActionDispatch, StatusDispatched, front, false},
		{StatusDispatched, ActionSign, StatusInProgress, handling, true},
		{StatusDispatched, ActionReturn, StatusAccepted, handling, false},
		{StatusInProgress, ActionRequestInfo, StatusAwaitingCustomer, handling, true},
		{StatusAwaitingCustomer, ActionCustomerReply, StatusInProgress, onBehalf, true},
		{StatusInProgress, ActionPropose, StatusSolutionProposed, handling, true},
		{StatusSolutionProposed, ActionCustomerAccept, StatusExecuting, onBehalf, true},
		{StatusSolutionProposed, ActionCustomerObject, StatusInProgress, onBehalf, true},
		{StatusExecuting, ActionComplete, StatusResolved, handling, true},
		{StatusInProgress, ActionComplete, StatusResolved, handling, true},
		{StatusResolved, ActionClose, StatusClosed, closers, true},
		{StatusResolved, ActionReopen, StatusInProgress, append([]Role{RoleAgent, RoleCustomer}, handling...), true},
		{StatusClosed, ActionAppeal, StatusAppealed, []Role{RoleCustomer, RoleAgent, RoleSupervisor, RoleAdmin}, true},
		{StatusClosed, ActionReview, StatusClosed, reviewers, false},
		{StatusAppealed, ActionReopen, StatusInProgress, senior, true},
		{StatusAppealed, ActionClose, StatusClosed, senior, true},
		// The customer drops the appeal: the complaint is closed as it was.
		{StatusAppealed, ActionWithdraw, StatusClosed, withdrawer, true},
	}
	for _, from := range []Status{StatusRegistered, StatusAccepted, StatusDispatched, StatusInProgress,
		StatusAwaitingCustomer, StatusSolutionProposed, StatusExecuting, StatusResolved} {
		t = append(t, Transition{from, ActionWithdraw, StatusWithdrawn, withdrawer, true})
	}
	for _, from := range []Status{StatusRegistered, StatusAccepted, StatusDispatched, StatusInProgress,
		StatusAwaitingCustomer} {
		t = append(t, Transition{from, ActionMerge, StatusMerged, mergers, true})
	}
	return t
}

// Lookup finds the table row for action in status.
func Lookup(from Status, a Action) (Transition, bool) {
	for _, t := range Lifecycle {
		if t.From == from && t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// AllowedActions lists the actions actor may take on c at now, for buttons.
func AllowedActions(c *Complaint, actor Actor, now time.Time, rules Rules) []Action {
	var out []Action
	for _, t := range Lifecycle {
		if t.From == c.Status && authorize(c, t, actor) == nil && precondition(c, t.Action, now, rules) == nil {
			out = append(out, t.Action)
		}
	}
	return out
}

// precondition checks what, beyond the table and the role, must hold for an
// action whatever its arguments.
func precondition(c *Complaint, a Action, now time.Time, rules Rules) error {
	if a == ActionAppeal {
		if c.Recourse != "" {
			return Errorf(EConflict, "the appeal was dismissed; the customer was referred to %s", c.Recourse)
		}
		if c.ClosedAt != nil && now.Sub(*c.ClosedAt) > rules.AppealWindow {
			return Errorf(EConflict, "the appeal window of %d days has passed", int(rules.AppealWindow/(24*time.Hour)))
		}
	}
	return nil
}

func authorize(c *Complaint, t Transition, actor Actor) error {
	if !oneOf(actor.Role, t.Roles) {
		return Errorf(EForbidden, "role %s may not %s a complaint", actor.Role, t.Action)
	}
	return checkScope(c, actor)
}

// checkScope refuses a department-scoped actor (handler, department head) on
// a complaint that is not dispatched to their department.
func checkScope(c *Complaint, actor Actor) error {
	if actor.Role.DepartmentScoped() && (c.DepartmentID == 0 || c.DepartmentID != actor.DepartmentID) {
		return Errorf(EForbidden, "complaint %s belongs to another department", c.Number)
	}
	return nil
}

// Command is a lifecycle request. Which fields matter depends on Action.
type Command struct {
	Action Action `json:"action"`
	// Note is the free-text reason or message that goes with the action.
	Note string `json:"note,omitempty"`
	// Reason is a code: the reject reason, or the recourse of a dismissed appeal.
	Reason string `json:"reason,omitempty"`
	// Department (dispatch) is a department code; the store resolves it to
	// DepartmentID before Apply.
	Department      string   `json:"department,omitempty"`
	DepartmentID    int64    `json:"-"`
	CoDepartments   []string `json:"co_departments,omitempty"`
	CoDepartmentIDs []int64  `json:"-"`
	// Proposal (propose).
	Proposal *Proposal `json:"proposal,omitempty"`
	// Satisfaction 1..5 with comment (close).
	Satisfaction        int    `json:"satisfaction,omitempty"`
	SatisfactionComment string `json:"satisfaction_comment,omitempty"`
	// Upheld is full, partial or no (close).
	Upheld string `json:"upheld,omitempty"`
	// DuplicateOf (merge) is the number of the surviving complaint; the store
	// resolves it to DuplicateOfID and checks it.
	DuplicateOf   string `json:"duplicate_of,omitempty"`
	DuplicateOfID int64  `json:"-"`
}

// Rules are the configurable limits the lifecycle consults.
type Rules struct {
	AppealWindow time.Duration // how long after closing an appeal is accepted
}

// DefaultRules are used when nothing is configured.
var DefaultRules = Rules{AppealWindow: 30 * 24 * time.Hour}

// Change describes what Apply did, for the event row.
type Change struct {
	Transition Transition
	From, To   Status
	Details    map[string]any
}

// Apply performs cmd on c at now as actor, following the table. On error c
// is unchanged.
func Apply(c *Complaint, cmd Command, actor Actor, now time.Time, rules Rules) (Change, error) {
	if !oneOf(cmd.Action, Actions) {
		return Change{}, FieldError("action", "unknown action %q", string(cmd.Action))
	}
	t, ok := Lookup(c.Status, cmd.Action)
	if !ok {
		return Change{}, Errorf(EConflict, "action %s is not allowed in status %s", cmd.Action, c.Status)
	}
	if err := authorize(c, t, actor); err != nil {
		return Change{}, err
	}
	if err := precondition(c, cmd.Action, now, rules); err != nil {
		return Change{}, err
	}
	cmd.Note = strings.TrimSpace(cmd.Note)
	if err := checkText("note", cmd.Note, MaxNote); err != nil {
		return Change{}, err
	}
	next := *c
	details := map[string]any{}
	if cmd.Note != "" {
		details["note"] = cmd.Note
	}
	switch cmd.Action {
	case ActionReject:
		if !oneOf(RejectReason(cmd.Reason), RejectReasons) {
			return Change{}, FieldError("reason", "a reject reason is required: one of %s", joinCodes(RejectReasons))
		}
		next.RejectReason = cmd.Reason
		details["reason"] = cmd.Reason
	case ActionDispatch:
		if cmd.DepartmentID == 0 {
			return Change{}, FieldError("department", "a department is required")
		}
		next.DepartmentID, next.Department = cmd.DepartmentID, cmd.Department
		next.CoDepartments = append([]string{}, cmd.CoDepartments...)
		next.AssigneeID = 0
		details["department"] = cmd.Department
		if len(cmd.CoDepartments) > 0 {
			details["co_departments"] = cmd.CoDepartments
		}
	case ActionSign:
		if next.AssigneeID == 0 && actor.UserID != 0 {
			next.AssigneeID = actor.UserID
		}
	case ActionReturn:
		if cmd.Note == "" {
			return Change{}, FieldError("note", "a return (退单) needs a reason")
		}
		details["department"] = next.Department
		next.DepartmentID, next.Department, next.CoDepartments, next.AssigneeID = 0, "", []string{}, 0
		next.ReturnCount++
	case ActionPropose:
		if cmd.Proposal == nil || !oneOf(cmd.Proposal.Remedy, Remedies) {
			return Change{}, FieldError("proposal.remedy", "a remedy is required: one of %s", joinCodes(Remedies))
		}
		if cmd.Proposal.Amount < 0 {
			return Change{}, FieldError("proposal.amount", "must not be negative")
		}
		p := *cmd.Proposal
		p.Description = strings.TrimSpace(p.Description)
		if err := checkText("proposal.description", p.Description, MaxNote); err != nil {
			return Change{}, err
		}
		next.Proposal = &p
		details["proposal"] = p
	case ActionCustomerObject:
		if cmd.Note == "" {
			return Change{}, FieldError("note", "an objection needs the customer's reason")
		}
	case ActionComplete:
		next.Resolution = cmd.Note
		next.ResolvedAt = &now
	case ActionClose:
		if cmd.Satisfaction != 0 {
			if cmd.Satisfaction < 1 || cmd.Satisfaction > 5 {
				return Change{}, FieldError("satisfaction", "must be 1 to 5")
			}
			next.Satisfaction = cmd.Satisfaction
			next.SatisfactionComment = strings.TrimSpace(cmd.SatisfactionComment)
			if err := checkText("satisfaction_comment", next.SatisfactionComment, 2000); err != nil {
				return Change{}, err
			}
			details["satisfaction"] = cmd.Satisfaction
		}
		if cmd.Upheld != "" {
			if !oneOf(cmd.Upheld, []string{"full", "partial", "no"}) {
				return Change{}, FieldError("upheld", "must be full, partial or no")
			}
			next.Upheld = cmd.Upheld
			details["upheld"] = cmd.Upheld
		}
		if c.Status == StatusAppealed { // the appeal is dismissed: name the external recourse
			if !oneOf(Recourse(cmd.Reason), Recourses) {
				return Change{}, FieldError("reason", "dismissing an appeal names the recourse: one of %s", joinCodes(Recourses))
			}
			next.Recourse = Recourse(cmd.Reason)
			details["recourse"] = cmd.Reason
		}
		next.ClosedAt = &now
	case ActionAppeal:
		next.AppealCount++
		// An appeal is handled by someone other than the first handler, higher up.
		next.AssigneeID = 0
		next.Escalation = max(next.Escalation, 1)
	case ActionReopen:
		next.ReopenCount++
		next.ResolvedAt, next.ClosedAt = nil, nil
		if c.Status == StatusAppealed {
			details["appeal"] = "upheld"
		}
	case ActionMerge:
		if cmd.DuplicateOfID == 0 {
			return Change{}, FieldError("duplicate_of", "the number of the complaint to merge into is required")
		}
		if cmd.DuplicateOfID == c.ID {
			return Change{}, FieldError("duplicate_of", "a complaint cannot be merged into itself")
		}
		next.DuplicateOfID, next.DuplicateOf = cmd.DuplicateOfID, cmd.DuplicateOf
		details["duplicate_of"] = cmd.DuplicateOf
	case ActionReview:
		next.ReviewedAt = &now
	}
	next.Status = t.To
	next.UpdatedAt = now
	next.Version++
	*c = next
	return Change{Transition: t, From: t.From, To: t.To, Details: details}, nil
}
