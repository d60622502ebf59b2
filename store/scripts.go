package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
)

// ReplyScript is a reply template (话术) for one scenario, with variables
// such as {{name}}, {{number}}, {{handler}} and {{due}} (kesu.FillScript).
type ReplyScript struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Scenario  string    `json:"scenario"`
	Name      string    `json:"name"`
	BodyZH    string    `json:"body_zh"`
	BodyEN    string    `json:"body_en"`
	Active    bool      `json:"active"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ScriptScenarios are the scenarios of DOMAIN.md section 4.
var ScriptScenarios = []string{"acknowledge", "apology", "explain", "propose", "close"}

func (s *ReplyScript) validate() error {
	s.Name, s.BodyZH, s.BodyEN = strings.TrimSpace(s.Name), strings.TrimSpace(s.BodyZH), strings.TrimSpace(s.BodyEN)
	if err := kesu.ValidateCode("code", s.Code); err != nil {
		return err
	}
	ok := false
	for _, sc := range ScriptScenarios {
		ok = ok || sc == s.Scenario
	}
	if !ok {
		return kesu.FieldError("scenario", "must be one of %s", strings.Join(ScriptScenarios, ", "))
	}
	if err := kesu.ValidateName("name", s.Name, 100); err != nil {
		return err
	}
	if s.BodyZH == "" {
		return kesu.FieldError("body_zh", "is required")
	}
	if utf8.RuneCountInString(s.BodyZH) > 4000 || utf8.RuneCountInString(s.BodyEN) > 4000 {
		return kesu.FieldError("body_zh", "must be at most 4000 characters")
	}
	return nil
}

// SaveReplyScript creates the script or, when its code exists, replaces it.
func (db *DB) SaveReplyScript(ctx context.Context, s ReplyScript, now time.Time) (ReplyScript, error) {
	if err := s.validate(); err != nil {
		return s, err
	}
	s.UpdatedAt = storedTime(now)
	err := db.tx(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `INSERT INTO reply_scripts(code, scenario, name, body_zh, body_en, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET scenario = excluded.scenario, name = excluded.name, body_zh = excluded.body_zh,
			body_en = excluded.body_en, active = excluded.active, updated_at = excluded.updated_at RETURNING id`,
			s.Code, s.Scenario, s.Name, s.BodyZH, s.BodyEN, s.Active, micros(now), micros(now)).Scan(&s.ID)
	})
	return s, err
}

// ReplyScripts lists the scripts by scenario and code; activeOnly hides
// retired ones.
func (db *DB) ReplyScripts(ctx context.Context, activeOnly bool) ([]ReplyScript, error) {
	q := `SELECT id, code, scenario, name, body_zh, body_en, active, updated_at FROM reply_scripts`
	var args []any
	if activeOnly {
		q += ` WHERE active = ?`
		args = append(args, true)
	}
	return list(ctx, db, func(sc scanner) (ReplyScript, error) {
		var s ReplyScript
		var at int64
		err := sc.Scan(&s.ID, &s.Code, &s.Scenario, &s.Name, &s.BodyZH, &s.BodyEN, &s.Active, &at)
		s.UpdatedAt = fromMicros(at)
		return s, err
	}, q+` ORDER BY scenario, code`, args...)
}

// Authority returns the compensation limits: kesu.DefaultAuthority with the
// administrator's overrides.
func (db *DB) Authority(ctx context.Context) (kesu.Authority, error) {
	a := kesu.Authority{}
	for r, l := range kesu.DefaultAuthority {
		a[r] = l
	}
	type row struct {
		role  kesu.Role
		limit int64
	}
	rows, err := list(ctx, db, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.role, &r.limit)
	}, `SELECT role, max_amount FROM role_limits`)
	for _, r := range rows {
		a[r.role] = kesu.Money(r.limit)
	}
	return a, err
}

// SetRoleLimit sets a role's compensation limit (negative: no limit).
func (db *DB) SetRoleLimit(ctx context.Context, role kesu.Role, limit kesu.Money) error {
	ok := false
	for _, r := range kesu.StaffRoles {
		ok = ok || r == role
	}
	if !ok {
		return kesu.FieldError("role", "unknown role %q", string(role))
	}
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO role_limits(role, max_amount) VALUES (?, ?)
			ON CONFLICT (role) DO UPDATE SET max_amount = excluded.max_amount`, string(role), int64(limit))
		return err
	})
}

// Approval is a remedy waiting for (or given) approval above the
// proposer's limit.
type Approval struct {
	ID            int64         `json:"id"`
	ComplaintID   int64         `json:"complaint_id"`
	RequestedBy   int64         `json:"requested_by"`
	RequestedName string        `json:"requested_name"`
	Proposal      kesu.Proposal `json:"proposal"`
	Status        string        `json:"status"` // pending, approved, rejected, superseded
	DecidedBy     int64         `json:"decided_by,omitempty"`
	DecidedAt     *time.Time    `json:"decided_at,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
}

// RequestApproval records a proposal above the proposer's limit, with an
// internal note on the timeline, in one transaction.
func (db *DB) RequestApproval(ctx context.Context, number string, p kesu.Proposal, actor kesu.Actor, now time.Time) (Approval, error) {
	a := Approval{RequestedBy: actor.UserID, RequestedName: actor.Name, Proposal: p, Status: "pending", CreatedAt: storedTime(now)}
	if !oneOfRemedy(p.Remedy) {
		return a, kesu.FieldError("proposal.remedy", "unknown remedy %q", string(p.Remedy))
	}
	if p.Amount <= 0 {
		return a, kesu.FieldError("proposal.amount", "an approval is only needed for an amount")
	}
	c, err := db.Complaint(ctx, number)
	if err != nil {
		return a, err
	}
	if err := kesu.CanOn(actor, kesu.PermEdit, &c); err != nil {
		return a, err
	}
	if c.Status != kesu.StatusInProgress {
		return a, kesu.Errorf(kesu.EConflict, "a remedy can be proposed only while the complaint is in progress")
	}
	a.ComplaintID = c.ID
	err = db.tx(ctx, func(tx *Tx) error {
		var err error
		a.ID, err = tx.insert(ctx, `INSERT INTO approvals(complaint_id, requested_by, requested_name, remedy, amount, description, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`, c.ID, nullID(actor.UserID), actor.Name, string(p.Remedy), int64(p.Amount), p.Description, micros(now))
		return err
	})
	return a, err
}

func oneOfRemedy(r kesu.Remedy) bool {
	for _, x := range kesu.Remedies {
		if x == r {
			return true
		}
	}
	return false
}

// Approvals lists a complaint's approval requests, newest first.
func (db *DB) Approvals(ctx context.Context, complaintID int64) ([]Approval, error) {
	return list(ctx, db, scanApproval, `SELECT `+approvalCols+` FROM approvals WHERE complaint_id = ? ORDER BY id DESC`, complaintID)
}

const approvalCols = `id, complaint_id, COALESCE(requested_by, 0), requested_name, remedy, amount, description, status,
	COALESCE(decided_by, 0), decided_at, created_at`

func scanApproval(s scanner) (Approval, error) {
	var a Approval
	var amount, created int64
	var decided sql.NullInt64
	err := s.Scan(&a.ID, &a.ComplaintID, &a.RequestedBy, &a.RequestedName, &a.Proposal.Remedy, &amount, &a.Proposal.Description,
		&a.Status, &a.DecidedBy, &decided, &created)
	a.Proposal.Amount, a.DecidedAt, a.CreatedAt = kesu.Money(amount), fromNullMicros(decided), fromMicros(created)
	return a, err
}

// DecideApproval approves (performing the propose transition as the
// approver, in the same transaction) or rejects a pending request.
// authority must already have been checked against the approver.
func (db *DB) DecideApproval(ctx context.Context, number string, approvalID int64, approve bool, approver kesu.Actor,
	now time.Time, rules kesu.Rules) (kesu.Complaint, error) {
	var out kesu.Complaint
	err := db.tx(ctx, func(tx *Tx) error {
		a, err := scanApproval(tx.queryRow(ctx, `SELECT `+approvalCols+` FROM approvals WHERE id = ?`, approvalID))
		if err == sql.ErrNoRows {
			return kesu.Errorf(kesu.ENotFound, "no approval request %d", approvalID)
		} else if err != nil {
			return err
		}
		c, err := tx.lockComplaint(ctx, number)
		if err != nil {
			return err
		}
		if a.ComplaintID != c.ID || a.Status != "pending" {
			return kesu.Errorf(kesu.EConflict, "approval request %d is not pending on %s", approvalID, number)
		}
		status := "rejected"
		if approve {
			status = "approved"
		}
		if _, err := tx.exec(ctx, `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
			status, nullID(approver.UserID), micros(now), a.ID); err != nil {
			return err
		}
		out = c
		if !approve {
			return nil
		}
		// The proposal reaches the customer as the approver's: who asked for
		// it stays on the approval record, an internal matter.
		p := a.Proposal
		out, err = tx.transition(ctx, c, kesu.Command{Action: kesu.ActionPropose, Proposal: &p}, approver, now, rules)
		return err
	})
	return out, err
}

// supersedeApprovals closes the complaint's pending approval requests once a
// remedy has been proposed: the customer has an answer, and an older request
// approved later would propose again over it.
func (tx *Tx) supersedeApprovals(ctx context.Context, complaintID int64, now time.Time) error {
	_, err := tx.exec(ctx, `UPDATE approvals SET status = 'superseded', decided_at = ? WHERE complaint_id = ? AND status = 'pending'`,
		micros(now), complaintID)
	return err
}
