package kesu

import (
	"strings"
	"time"
)

// ComplaintPatch changes classification and details; nil fields stay as
// they are. Status never changes here: that is the lifecycle's job.
type ComplaintPatch struct {
	Title            *string      `json:"title"`
	Description      *string      `json:"description"`
	Nature           *Nature      `json:"nature"`
	Timing           *Timing      `json:"timing"`
	Level            *Level       `json:"level"`
	Priority         *Priority    `json:"priority"`
	Category         *string      `json:"category"` // code; "" clears
	Cause            *string      `json:"cause"`
	CauseNote        *string      `json:"cause_note"`
	Validity         *Validity    `json:"validity"`
	Intent           *Intent      `json:"intent"`
	Tags             *[]string    `json:"tags"`
	Product          *string      `json:"product"`
	ProductModel     *string      `json:"product_model"`
	OrderNo          *string      `json:"order_no"`
	Amount           *Money       `json:"amount"`
	StaffInvolved    *string      `json:"staff_involved"`
	Location         *string      `json:"location"`
	Expectation      *Expectation `json:"expectation"`
	DemandReasonable *bool        `json:"demand_reasonable"`
	Escalation       *int         `json:"escalation"`
	AssigneeID       *int64       `json:"assignee_id"`
	VIP              *bool        `json:"vip"` // of the customer, as seen on this complaint
}

// editors may change a complaint's details.
var editors = []Role{RoleAgent, RoleHandler, RoleDeptHead, RoleSupervisor, RoleAdmin, RoleSystem}

// CanView reports whether actor may see complaint c at all.
func CanView(c *Complaint, actor Actor) error {
	if err := checkScope(c, actor); err != nil {
		return err
	}
	if actor.Role == RoleCustomer || actor.Role == "" {
		return Errorf(EForbidden, "staff only")
	}
	return nil
}

// Apply changes c and returns the fields changed as field -> [before, after].
// The category code must already be checked by the caller (the store).
func (p ComplaintPatch) Apply(c *Complaint, actor Actor, now time.Time) (map[string][2]any, error) {
	if !oneOf(actor.Role, editors) {
		return nil, Errorf(EForbidden, "role %s may not edit complaints", actor.Role)
	}
	if err := CanView(c, actor); err != nil && actor.Role != RoleSystem {
		return nil, err
	}
	if c.Status.Terminal() {
		return nil, Errorf(EConflict, "complaint %s is %s and can no longer change", c.Number, c.Status)
	}
	next := *c
	diff := map[string][2]any{}
	setStr := func(field string, dst *string, v *string, max int, required bool) error {
		if v == nil {
			return nil
		}
		s := strings.TrimSpace(*v)
		if required && s == "" {
			return FieldError(field, "is required")
		}
		if err := checkText(field, s, max); err != nil {
			return err
		}
		if s != *dst {
			diff[field] = [2]any{*dst, s}
			*dst = s
		}
		return nil
	}
	for _, err := range []error{
		setStr("title", &next.Title, p.Title, MaxTitle, true),
		setStr("description", &next.Description, p.Description, MaxDescription, true),
		setStr("category", &next.Category, p.Category, 64, false),
		setStr("cause_note", &next.CauseNote, p.CauseNote, MaxNote, false),
		setStr("product", &next.Product, p.Product, MaxShortText, false),
		setStr("product_model", &next.ProductModel, p.ProductModel, MaxShortText, false),
		setStr("order_no", &next.OrderNo, p.OrderNo, 100, false),
		setStr("staff_involved", &next.StaffInvolved, p.StaffInvolved, MaxShortText, false),
		setStr("location", &next.Location, p.Location, MaxShortText, false),
		setEnum("nature", &next.Nature, p.Nature, Natures, diff),
		setEnum("timing", &next.Timing, p.Timing, Timings, diff),
		setEnum("level", &next.Level, p.Level, Levels, diff),
		setEnum("priority", &next.Priority, p.Priority, Priorities, diff),
		setEnum("validity", &next.Validity, p.Validity, Validities, diff),
		setEnum("intent", &next.Intent, p.Intent, Intents, diff),
	} {
		if err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name    string
		cleared bool
	}{
		{"level", p.Level != nil && *p.Level == ""},
		{"priority", p.Priority != nil && *p.Priority == ""},
		{"validity", p.Validity != nil && *p.Validity == ""},
		{"intent", p.Intent != nil && *p.Intent == ""},
	} {
		if f.cleared {
			return nil, FieldError(f.name, "cannot be cleared")
		}
	}
	if p.Category != nil && next.Category != "" {
		if err := ValidateCode("category", next.Category); err != nil {
			return nil, err
		}
	}
	if p.Cause != nil {
		cause := strings.TrimSpace(*p.Cause)
		if !ValidCause(cause) {
			return nil, FieldError("cause", "unknown cause %q", cause)
		}
		if cause != next.Cause {
			diff["cause"] = [2]any{next.Cause, cause}
			next.Cause = cause
		}
	}
	if p.Tags != nil {
		tags, err := NormalizeTags(*p.Tags)
		if err != nil {
			return nil, err
		}
		if strings.Join(tags, "\x00") != strings.Join(next.Tags, "\x00") {
			diff["tags"] = [2]any{next.Tags, tags}
			next.Tags = tags
		}
	}
	if p.Amount != nil && *p.Amount != next.Amount {
		if *p.Amount < 0 {
			return nil, FieldError("amount", "must not be negative")
		}
		diff["amount"] = [2]any{next.Amount, *p.Amount}
		next.Amount = *p.Amount
	}
	if p.Expectation != nil {
		e := *p.Expectation
		e.Note = strings.TrimSpace(e.Note)
		if err := checkEnum("expectation.remedy", e.Remedy, Remedies); err != nil {
			return nil, err
		}
		if e.Amount < 0 {
			return nil, FieldError("expectation.amount", "must not be negative")
		}
		if err := checkText("expectation.note", e.Note, 2000); err != nil {
			return nil, err
		}
		if e != next.Expectation {
			diff["expectation"] = [2]any{next.Expectation, e}
			next.Expectation = e
		}
	}
	if p.DemandReasonable != nil && (next.DemandReasonable == nil || *next.DemandReasonable != *p.DemandReasonable) {
		diff["demand_reasonable"] = [2]any{next.DemandReasonable, *p.DemandReasonable}
		v := *p.DemandReasonable
		next.DemandReasonable = &v
	}
	if p.AssigneeID != nil && *p.AssigneeID != next.AssigneeID {
		diff["assignee_id"] = [2]any{next.AssigneeID, *p.AssigneeID}
		next.AssigneeID = *p.AssigneeID
	}
	if p.VIP != nil && *p.VIP != next.Customer.VIP {
		diff["vip"] = [2]any{next.Customer.VIP, *p.VIP}
		next.Customer.VIP = *p.VIP
	}
	floor := minimumEscalation(next.Level, next.Customer.VIP)
	if p.Escalation != nil {
		if *p.Escalation < 0 || *p.Escalation > MaxEscalation {
			return nil, FieldError("escalation", "must be 0 to %d", MaxEscalation)
		}
		if *p.Escalation < floor {
			return nil, FieldError("escalation", "a %s complaint starts at escalation %d", next.Level, floor)
		}
		if *p.Escalation != next.Escalation {
			diff["escalation"] = [2]any{next.Escalation, *p.Escalation}
			next.Escalation = *p.Escalation
		}
	} else if next.Escalation < floor {
		diff["escalation"] = [2]any{next.Escalation, floor}
		next.Escalation = floor
	}
	if len(diff) == 0 {
		return diff, nil
	}
	next.UpdatedAt = now
	next.Version++
	*c = next
	return diff, nil
}

func setEnum[T ~string](field string, dst *T, v *T, set []T, diff map[string][2]any) error {
	if v == nil {
		return nil
	}
	if err := checkEnum(field, *v, set); err != nil {
		return err
	}
	if *v != *dst {
		diff[field] = [2]any{*dst, *v}
		*dst = *v
	}
	return nil
}
