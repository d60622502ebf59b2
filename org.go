package kesu

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a staff member may do (DOMAIN.md section 7). Customers are
// records, not accounts; RoleCustomer marks actions a customer performs
// (through the portal, or an agent acting on their word).
type Role string

const (
	RoleCustomer   Role = "customer"
	RoleAgent      Role = "agent"      // front line: hotline, intake, dispatch
	RoleHandler    Role = "handler"    // department handler
	RoleSupervisor Role = "supervisor" // supervises handling across departments
	RoleDeptHead   Role = "dept_head"  // head of a department
	RoleAnalyst    Role = "analyst"    // quality/analyst: reports, reviews, case library
	RoleAuditor    Role = "auditor"    // read-only, sees the audit trail
	RoleAdmin      Role = "admin"
	RoleSystem     Role = "system" // jobs and channels acting on their own
)

// StaffRoles are the roles a user account may have.
var StaffRoles = []Role{RoleAgent, RoleHandler, RoleSupervisor, RoleDeptHead, RoleAnalyst, RoleAuditor, RoleAdmin}

// DepartmentScoped reports whether the role works only on its own
// department's complaints.
func (r Role) DepartmentScoped() bool { return r == RoleHandler || r == RoleDeptHead }

// Actor is whoever performs an operation; every event records one.
type Actor struct {
	UserID       int64
	Role         Role
	DepartmentID int64 // for department-scoped roles
	Name         string
}

// SystemActor is used by jobs, channels and the CLI's bulk operations.
var SystemActor = Actor{Role: RoleSystem, Name: "system"}

type Department struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	ParentID  int64     `json:"parent_id,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// Category is a node of the configurable category tree (产品质量, 物流配送 ...).
// A category may name the department that owns it by default.
type Category struct {
	ID           int64     `json:"id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en,omitempty"`
	ParentID     int64     `json:"parent_id,omitempty"`
	DepartmentID int64     `json:"department_id,omitempty"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
}

type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	DepartmentID int64     `json:"department_id,omitempty"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
}

// Actor returns the actor for operations this user performs.
func (u User) Actor() Actor {
	return Actor{UserID: u.ID, Role: u.Role, DepartmentID: u.DepartmentID, Name: u.Name}
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// ValidateCode checks a machine code such as "after_sales".
func ValidateCode(field, code string) error {
	if !codePattern.MatchString(code) {
		return FieldError(field, "must be 1-64 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit")
	}
	return nil
}

// ValidateName checks a human-readable name: present, at most max characters.
func ValidateName(field, name string, max int) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return FieldError(field, "is required")
	}
	if utf8.RuneCountInString(name) > max {
		return FieldError(field, "must be at most %d characters", max)
	}
	return nil
}

func (d *Department) Validate() error {
	d.Name = strings.TrimSpace(d.Name)
	if err := ValidateCode("code", d.Code); err != nil {
		return err
	}
	return ValidateName("name", d.Name, 100)
}

func (c *Category) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	c.NameEN = strings.TrimSpace(c.NameEN)
	if err := ValidateCode("code", c.Code); err != nil {
		return err
	}
	if err := ValidateName("name", c.Name, 100); err != nil {
		return err
	}
	if utf8.RuneCountInString(c.NameEN) > 100 {
		return FieldError("name_en", "must be at most 100 characters")
	}
	return nil
}

func (u *User) Validate() error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.Name = strings.TrimSpace(u.Name)
	if err := ValidateEmail("email", u.Email); err != nil {
		return err
	}
	if u.Email == "" {
		return FieldError("email", "is required")
	}
	if err := ValidateName("name", u.Name, 100); err != nil {
		return err
	}
	if !oneOf(u.Role, StaffRoles) {
		return FieldError("role", "unknown role %q; expected one of %s", string(u.Role), joinCodes(StaffRoles))
	}
	if u.Role.DepartmentScoped() && u.DepartmentID == 0 {
		return FieldError("department", "role %s needs a department", string(u.Role))
	}
	return nil
}

// ValidateEmail accepts "" (absent) or a bare address.
func ValidateEmail(field, email string) error {
	if email == "" {
		return nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return FieldError(field, "not a valid email address")
	}
	return nil
}

// ValidatePassword enforces a minimum that makes guessing impractical.
func ValidatePassword(p string) error {
	if utf8.RuneCountInString(p) < 10 {
		return FieldError("password", "must be at least 10 characters")
	}
	if len(p) > 72 { // bcrypt's limit
		return FieldError("password", "must be at most 72 bytes")
	}
	return nil
}
