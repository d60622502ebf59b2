package kesu

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Customer is a complainant. Customers are records, not accounts: a phone
// number alone is enough to register a complaint.
type Customer struct {
	ID       int64  `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	WeChatID string `json:"wechat_id,omitempty"` // openid or external handle of a messaging channel
	VIP      bool   `json:"vip,omitempty"`
}

// Expectation is how the customer wants the complaint solved.
type Expectation struct {
	Remedy Remedy `json:"remedy,omitempty"`
	Amount Money  `json:"amount,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Proposal is the remedy offered to the customer (方案).
type Proposal struct {
	Remedy      Remedy `json:"remedy"`
	Amount      Money  `json:"amount,omitempty"`
	Description string `json:"description,omitempty"`
}

// Complaint is one registered complaint, feedback or suggestion.
type Complaint struct {
	ID          int64   `json:"id"`
	Number      string  `json:"number"`
	Status      Status  `json:"status"`
	Kind        Kind    `json:"kind"`
	Channel     Channel `json:"channel"`
	Title       string  `json:"title"`
	Description string  `json:"description"`

	Customer Customer `json:"customer"`

	// Classification (DOMAIN.md section 1).
	Nature    Nature   `json:"nature,omitempty"`
	Timing    Timing   `json:"timing,omitempty"`
	Level     Level    `json:"level"`
	Priority  Priority `json:"priority"`
	Category  string   `json:"category,omitempty"` // category code
	Cause     string   `json:"cause,omitempty"`    // "family" or "family.sub" of Causes
	CauseNote string   `json:"cause_note,omitempty"`
	Validity  Validity `json:"validity"`
	Intent    Intent   `json:"intent"`
	Tags      []string `json:"tags"`

	// What happened (the complaint handling card, 投诉处理卡).
	Product          string      `json:"product,omitempty"`
	ProductModel     string      `json:"product_model,omitempty"`
	OrderNo          string      `json:"order_no,omitempty"`
	Amount           Money       `json:"amount,omitempty"`
	Currency         string      `json:"currency"`
	StaffInvolved    string      `json:"staff_involved,omitempty"`
	Location         string      `json:"location,omitempty"`
	Expectation      Expectation `json:"expectation"`
	DemandReasonable *bool       `json:"demand_reasonable,omitempty"`
	ExternalID       string      `json:"external_id,omitempty"`

	OccurredAt   *time.Time `json:"occurred_at,omitempty"`
	RegisteredAt time.Time  `json:"registered_at"`

	// Handling.
	Department    string    `json:"department,omitempty"` // department code
	DepartmentID  int64     `json:"-"`
	CoDepartments []string  `json:"co_departments"`
	AssigneeID    int64     `json:"assignee_id,omitempty"`
	Escalation    int       `json:"escalation"`
	Proposal      *Proposal `json:"proposal,omitempty"`
	Resolution    string    `json:"resolution,omitempty"`
	RejectReason  string    `json:"reject_reason,omitempty"`
	Upheld        string    `json:"upheld,omitempty"` // full, partial, no: for the uphold rate
	Recourse      Recourse  `json:"recourse,omitempty"`
	DuplicateOf   string    `json:"duplicate_of,omitempty"` // number of the complaint this was merged into
	DuplicateOfID int64     `json:"-"`

	Satisfaction        int    `json:"satisfaction,omitempty"` // 1..5, 0 = not rated
	SatisfactionComment string `json:"satisfaction_comment,omitempty"`

	// Counters for the measures of DOMAIN.md section 6.
	ReturnCount int `json:"return_count"`
	ReopenCount int `json:"reopen_count"`
	AppealCount int `json:"appeal_count"`

	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	Version    int64      `json:"version"`
}

// NewComplaint is the intake request. Its JSON names are part of the public
// API (POST /api/v1/complaints) and fixed.
type NewComplaint struct {
	Kind             Kind        `json:"kind"`
	Channel          Channel     `json:"channel"`
	Title            string      `json:"title"`
	Description      string      `json:"description"`
	Customer         Customer    `json:"customer"`
	Nature           Nature      `json:"nature"`
	Timing           Timing      `json:"timing"`
	Level            Level       `json:"level"`
	Priority         Priority    `json:"priority"`
	Category         string      `json:"category"`
	Tags             []string    `json:"tags"`
	Product          string      `json:"product"`
	ProductModel     string      `json:"product_model"`
	OrderNo          string      `json:"order_no"`
	Amount           Money       `json:"amount"`
	Currency         string      `json:"currency"`
	StaffInvolved    string      `json:"staff_involved"`
	Location         string      `json:"location"`
	Expectation      Expectation `json:"expectation"`
	DemandReasonable *bool       `json:"demand_reasonable"`
	OccurredAt       *time.Time  `json:"occurred_at"`
	// RegisteredAt is for historic imports; empty means now.
	RegisteredAt *time.Time `json:"registered_at"`
	ExternalID   string     `json:"external_id"`
}

// Limits on free text, in characters.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxShortText   = 200
	MaxNote        = 20000
	MaxTags        = 20
)

var (
	phonePattern    = regexp.MustCompile(`^\+?[0-9]{5,20}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	phoneStrip      = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", "\u00a0", "")
)

// NormalizePhone strips spacing and punctuation; it does not invent a
// country code.
func NormalizePhone(p string) string { return phoneStrip.Replace(strings.TrimSpace(p)) }

// IsMobile reports whether phone is a mainland China mobile number (11
// digits from 13-19, optionally after +86, 86 or 0086), one that can
// receive an SMS.
func IsMobile(phone string) bool {
	p := NormalizePhone(phone)
	for _, prefix := range []string{"+86", "0086", "86"} {
		if len(p) == 11+len(prefix) && strings.HasPrefix(p, prefix) {
			p = p[len(prefix):]
			break
		}
	}
	return len(p) == 11 && mobilePattern.MatchString(p) // the pattern that masks mobile numbers in text
}

// Validate checks and normalises the customer. Contact is optional here;
// Build decides whether the complaint needs one.
func (c *Customer) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	c.Phone = NormalizePhone(c.Phone)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.WeChatID = strings.TrimSpace(c.WeChatID)
	if err := checkText("customer.name", c.Name, 100); err != nil {
		return err
	}
	if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
		return FieldError("customer.phone", "not a phone number")
	}
	if err := ValidateEmail("customer.email", c.Email); err != nil {
		return err
	}
	return checkText("customer.wechat_id", c.WeChatID, 128)
}

// HasContact reports whether the customer can be reached.
func (c Customer) HasContact() bool { return c.Phone != "" || c.Email != "" || c.WeChatID != "" }

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return FieldError(field, "is not valid UTF-8")
	}
	if strings.ContainsRune(s, 0) {
		return FieldError(field, "contains a NUL character")
	}
	if utf8.RuneCountInString(s) > max {
		return FieldError(field, "must be at most %d characters", max)
	}
	return nil
}

// Build validates the intake request and returns the complaint to register.
// now is the registration instant unless the request carries a historic one.
// Number, ID, customer ID and department resolution are the store's job.
func (in NewComplaint) Build(now time.Time, by Actor) (Complaint, error) {
	c := Complaint{
		Status:           StatusRegistered,
		Kind:             in.Kind,
		Channel:          in.Channel,
		Title:            strings.TrimSpace(in.Title),
		Description:      strings.TrimSpace(in.Description),
		Customer:         in.Customer,
		Nature:           in.Nature,
		Timing:           in.Timing,
		Level:            in.Level,
		Priority:         in.Priority,
		Category:         strings.TrimSpace(in.Category),
		Validity:         ValidityPending,
		Intent:           IntentGoodFaith,
		Product:          strings.TrimSpace(in.Product),
		ProductModel:     strings.TrimSpace(in.ProductModel),
		OrderNo:          strings.TrimSpace(in.OrderNo),
		Amount:           in.Amount,
		Currency:         strings.ToUpper(strings.TrimSpace(in.Currency)),
		StaffInvolved:    strings.TrimSpace(in.StaffInvolved),
		Location:         strings.TrimSpace(in.Location),
		Expectation:      in.Expectation,
		DemandReasonable: in.DemandReasonable,
		ExternalID:       strings.TrimSpace(in.ExternalID),
		OccurredAt:       utcPtr(in.OccurredAt),
		RegisteredAt:     now.UTC(),
		UpdatedAt:        now,
		CreatedBy:        by.UserID,
	}
	if in.RegisteredAt != nil {
		c.RegisteredAt = in.RegisteredAt.UTC().Truncate(time.Microsecond)
		if c.RegisteredAt.After(now.Add(5 * time.Minute)) {
			return Complaint{}, FieldError("registered_at", "is in the future")
		}
	}
	if c.Kind == "" {
		c.Kind = KindComplaint
	}
	if c.Channel == "" {
		c.Channel = ChannelAPI
	}
	if c.Level == "" {
		c.Level = LevelGeneral
	}
	if c.Priority == "" {
		c.Priority = PriorityNormal
	}
	if c.Currency == "" {
		c.Currency = "CNY"
	}
	c.Expectation.Note = strings.TrimSpace(c.Expectation.Note)
	c.Customer.ID = 0 // the store finds the customer by contact; a request must not pick a record
	for _, err := range []error{
		checkEnum("kind", c.Kind, Kinds),
		checkEnum("channel", c.Channel, Channels),
		checkEnum("nature", c.Nature, Natures),
		checkEnum("timing", c.Timing, Timings),
		checkEnum("level", c.Level, Levels),
		checkEnum("priority", c.Priority, Priorities),
		checkEnum("expectation.remedy", c.Expectation.Remedy, Remedies),
		checkText("title", c.Title, MaxTitle),
		checkText("description", c.Description, MaxDescription),
		checkText("product", c.Product, MaxShortText),
		checkText("product_model", c.ProductModel, MaxShortText),
		checkText("order_no", c.OrderNo, 100),
		checkText("staff_involved", c.StaffInvolved, MaxShortText),
		checkText("location", c.Location, MaxShortText),
		checkText("expectation.note", c.Expectation.Note, 2000),
		checkText("external_id", c.ExternalID, 200),
		c.Customer.Validate(),
	} {
		if err != nil {
			return Complaint{}, err
		}
	}
	if c.Category != "" {
		if err := ValidateCode("category", c.Category); err != nil {
			return Complaint{}, err
		}
	}
	if !currencyPattern.MatchString(c.Currency) {
		return Complaint{}, FieldError("currency", "must be an ISO 4217 code such as CNY")
	}
	if c.Amount < 0 {
		return Complaint{}, FieldError("amount", "must not be negative")
	}
	if c.Expectation.Amount < 0 {
		return Complaint{}, FieldError("expectation.amount", "must not be negative")
	}
	if c.Description == "" {
		return Complaint{}, FieldError("description", "is required")
	}
	if c.Title == "" {
		c.Title = titleFrom(c.Description)
	}
	if c.Kind == KindComplaint && !c.Customer.HasContact() {
		return Complaint{}, FieldError("customer.phone", "a complaint needs a phone number, an email address or a messaging id to reach the customer")
	}
	if c.OccurredAt != nil && c.OccurredAt.After(c.RegisteredAt.Add(5*time.Minute)) {
		return Complaint{}, FieldError("occurred_at", "is after the registration time")
	}
	tags, err := NormalizeTags(in.Tags)
	if err != nil {
		return Complaint{}, err
	}
	c.Tags = tags
	c.CoDepartments = []string{}
	c.Escalation = minimumEscalation(c.Level, c.Customer.VIP)
	return c, nil
}

// utcPtr returns a copy of t in UTC: instants leave kesu in one zone.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// NormalizeTags trims, de-duplicates and checks tags.
func NormalizeTags(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		if err := checkText("tags", t, 50); err != nil {
			return nil, err
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, FieldError("tags", "at most %d tags", MaxTags)
	}
	return out, nil
}

// titleFrom derives a title from the first line of the description.
func titleFrom(desc string) string {
	line, _, _ := strings.Cut(desc, "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= 40 {
		return line
	}
	r := []rune(line)
	return string(r[:40]) + "…"
}

// minimumEscalation is the escalation level a complaint starts at: major
// complaints go to a supervisor, critical ones to the department head, and a
// VIP customer's to at least a supervisor (DOMAIN.md section 2).
func minimumEscalation(l Level, vip bool) int {
	switch {
	case l == LevelCritical:
		return 2
	case l == LevelMajor || vip:
		return 1
	}
	return 0
}

// MaxEscalation is the executive level.
const MaxEscalation = 3
