package kesu

// Permission is something a role may do beyond the lifecycle table (which
// says who may take each lifecycle action). Can is the ONE check the API and
// the pages both use.
type Permission string

const (
	PermViewComplaints Permission = "complaint.view"     // see complaints (department-scoped roles: their own)
	PermRegister       Permission = "complaint.register" // register complaints (intake)
	PermEdit           Permission = "complaint.edit"     // change classification and details, notes, messages
	PermUnmask         Permission = "privacy.unmask"     // reveal a customer's full contact details (audited)
	PermExport         Permission = "data.export"        // export complaints (audited)
	PermApprove        Permission = "remedy.approve"     // approve a remedy above the proposer's limit
	PermReports        Permission = "reports.read"
	PermAudit          Permission = "audit.read"        // the audit trail of unmask and export
	PermStaff          Permission = "staff.view"        // the list of staff accounts
	PermOperate        Permission = "operations.manage" // risk words and policy, channel health and quarantine
	PermModels         Permission = "models.train"      // train and list classification models
	PermAdmin          Permission = "admin"             // departments, users, roles, categories, reply scripts
)

// Permissions lists every permission, for the roles page.
var Permissions = []Permission{PermViewComplaints, PermRegister, PermEdit, PermUnmask, PermExport,
	PermApprove, PermReports, PermAudit, PermStaff, PermOperate, PermModels, PermAdmin}

// rolePermissions is the permission matrix (DOMAIN.md section 7).
var rolePermissions = map[Role][]Permission{
	RoleAgent:   {PermViewComplaints, PermRegister, PermEdit, PermUnmask},
	RoleHandler: {PermViewComplaints, PermRegister, PermEdit, PermUnmask},
	RoleSupervisor: {PermViewComplaints, PermRegister, PermEdit, PermUnmask, PermExport, PermApprove, PermReports,
		PermStaff, PermOperate, PermModels},
	RoleDeptHead: {PermViewComplaints, PermRegister, PermEdit, PermUnmask, PermExport, PermApprove, PermReports},
	RoleAnalyst:  {PermViewComplaints, PermExport, PermReports, PermModels},
	RoleAuditor:  {PermViewComplaints, PermReports, PermAudit, PermStaff},
	RoleAdmin:    Permissions,
	RoleSystem:   {PermViewComplaints, PermRegister, PermEdit, PermExport},
}

// Has reports whether the role holds p.
func (r Role) Has(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Can refuses actor a permission their role lacks.
func Can(actor Actor, p Permission) error {
	if actor.Role.Has(p) {
		return nil
	}
	return Errorf(EForbidden, "role %s lacks the permission %s", roleName(actor.Role), p)
}

// CanOn is Can for one complaint: it adds department scoping (a handler or
// department head works only on complaints dispatched to their department).
func CanOn(actor Actor, p Permission, c *Complaint) error {
	if err := Can(actor, p); err != nil {
		return err
	}
	return CanView(c, actor)
}

func roleName(r Role) string {
	if r == "" {
		return "(none)"
	}
	return string(r)
}

// Authority is how much compensation each role may grant on its own (员工
// 处理投诉的权力); a remedy above the proposer's limit needs the approval of
// someone whose limit covers it. A role absent from the map may grant no
// money at all; a negative limit means no limit.
type Authority map[Role]Money

// DefaultAuthority applies until an administrator configures limits.
var DefaultAuthority = Authority{
	RoleAgent:      200_00,
	RoleHandler:    500_00,
	RoleDeptHead:   5_000_00,
	RoleSupervisor: 20_000_00,
	RoleAdmin:      -1,
	RoleSystem:     -1,
}

// Limit returns role's limit; unlimited reports no limit.
func (a Authority) Limit(r Role) (limit Money, unlimited bool) {
	l, ok := a[r]
	if !ok {
		return 0, false
	}
	return l, l < 0
}

// Covers reports whether role may grant amount alone.
func (a Authority) Covers(r Role, amount Money) bool {
	l, unlimited := a.Limit(r)
	return unlimited || amount <= l
}

// CheckProposal refuses a proposal whose amount is above the actor's limit:
// it must go through approval (RequestApproval) instead.
func (a Authority) CheckProposal(actor Actor, p *Proposal) error {
	if p == nil || p.Amount <= 0 || a.Covers(actor.Role, p.Amount) {
		return nil
	}
	l, _ := a.Limit(actor.Role)
	return &Error{Code: EForbidden, Field: "proposal.amount",
		Message: "the amount " + p.Amount.String() + " is above your limit of " + l.String() + "; request approval"}
}

// CheckApproval refuses an approver who lacks the permission or whose own
// limit does not cover amount.
func (a Authority) CheckApproval(approver Actor, amount Money) error {
	if err := Can(approver, PermApprove); err != nil {
		return err
	}
	if !a.Covers(approver.Role, amount) {
		l, _ := a.Limit(approver.Role)
		return Errorf(EForbidden, "the amount %s is above your approval limit of %s", amount, l)
	}
	return nil
}
