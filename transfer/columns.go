// Package transfer moves complaints in and out of kesu in bulk: export as
// JSONL or CSV, import from the same formats and from XLSX workbooks, with a
// column mapping (Mapping) for files with their own headers. Both directions
// stream (an XLSX is read whole), so memory does not grow with the size of
// the data, and import registers rows through the store's bulk path
// (CreateComplaints): each row passes the domain's validation and gets a
// number, events, a search index and every intake effect, exactly as if it
// had arrived through the API.
//
// # Formats
//
// JSONL: one JSON object per line. Export writes kesu.Complaint exactly as
// the API does. Import reads kesu.NewComplaint (the intake names of
// POST /api/v1/complaints); the output-only fields of kesu.Complaint (id,
// number, status, version, updated_at, ...) are accepted and ignored, so an
// export imports as it is.
//
// CSV: a header row, then one complaint per record. The columns are the
// same names with dots for nesting (customer.phone, expectation.remedy);
// Columns lists them in export order. Lists (tags, co_departments) are
// joined with "|" (so a tag containing "|" comes back as two; JSONL keeps
// it whole), times are RFC 3339, money is a decimal string ("199.00"),
// booleans are true or false. A cell that a spreadsheet would run as a
// formula (one starting with = + - @, a tab or a carriage return) is written
// with a leading apostrophe, and so is one that starts with an apostrophe;
// import removes that one apostrophe again, so values survive the round
// trip unchanged. Import also takes times without a zone offset
// ("2026-03-05 14:30", "2026/3/5 14:30", "2026-03-05"), read in
// ImportOptions.Location.
package transfer

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
)

// Format is a file format.
type Format string

const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
	XLSX  Format = "xlsx" // import only: Excel workbooks, the first (or a named) sheet
)

// ParseFormat checks a format name; an empty name guesses from the file
// name's extension (.jsonl, .ndjson, .json, .csv).
func ParseFormat(name, file string) (Format, error) {
	if name == "" {
		ext := strings.ToLower(file)
		switch {
		case strings.HasSuffix(ext, ".jsonl"), strings.HasSuffix(ext, ".ndjson"), strings.HasSuffix(ext, ".json"):
			return JSONL, nil
		case strings.HasSuffix(ext, ".csv"):
			return CSV, nil
		case strings.HasSuffix(ext, ".xlsx"):
			return XLSX, nil
		}
		return "", kesu.FieldError("format", "cannot tell the format from the file name %q; give jsonl, csv or xlsx", file)
	}
	switch f := Format(strings.ToLower(name)); f {
	case JSONL, CSV, XLSX:
		return f, nil
	}
	return "", kesu.FieldError("format", "unknown format %q (jsonl, csv or xlsx)", name)
}

// column is one field of a complaint as a CSV column (and, for import, as a
// JSON field at the same dotted path).
type column struct {
	name string
	// get renders the field for CSV export.
	get func(c *kesu.Complaint, loc *time.Location) string
	// intake points at the kesu.NewComplaint field the column fills on
	// import; nil marks an output-only field, accepted and ignored.
	intake func(in *kesu.NewComplaint) any
}

// columns is the fixed CSV column set, in export order. It covers every
// JSON field of kesu.Complaint (a test keeps it so).
var columns = []column{
	{"id", func(c *kesu.Complaint, _ *time.Location) string { return itoa(c.ID) }, nil},
	{"number", func(c *kesu.Complaint, _ *time.Location) string { return c.Number }, nil},
	{"status", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Status) }, nil},
	{"kind", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Kind) },
		func(in *kesu.NewComplaint) any { return &in.Kind }},
	{"channel", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Channel) },
		func(in *kesu.NewComplaint) any { return &in.Channel }},
	{"title", func(c *kesu.Complaint, _ *time.Location) string { return c.Title },
		func(in *kesu.NewComplaint) any { return &in.Title }},
	{"description", func(c *kesu.Complaint, _ *time.Location) string { return c.Description },
		func(in *kesu.NewComplaint) any { return &in.Description }},
	{"customer.id", func(c *kesu.Complaint, _ *time.Location) string { return itoa(c.Customer.ID) }, nil},
	{"customer.name", func(c *kesu.Complaint, _ *time.Location) string { return c.Customer.Name },
		func(in *kesu.NewComplaint) any { return &in.Customer.Name }},
	{"customer.phone", func(c *kesu.Complaint, _ *time.Location) string { return c.Customer.Phone },
		func(in *kesu.NewComplaint) any { return &in.Customer.Phone }},
	{"customer.email", func(c *kesu.Complaint, _ *time.Location) string { return c.Customer.Email },
		func(in *kesu.NewComplaint) any { return &in.Customer.Email }},
	{"customer.wechat_id", func(c *kesu.Complaint, _ *time.Location) string { return c.Customer.WeChatID },
		func(in *kesu.NewComplaint) any { return &in.Customer.WeChatID }},
	{"customer.vip", func(c *kesu.Complaint, _ *time.Location) string { return strconv.FormatBool(c.Customer.VIP) },
		func(in *kesu.NewComplaint) any { return &in.Customer.VIP }},
	{"nature", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Nature) },
		func(in *kesu.NewComplaint) any { return &in.Nature }},
	{"timing", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Timing) },
		func(in *kesu.NewComplaint) any { return &in.Timing }},
	{"level", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Level) },
		func(in *kesu.NewComplaint) any { return &in.Level }},
	{"priority", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Priority) },
		func(in *kesu.NewComplaint) any { return &in.Priority }},
	{"category", func(c *kesu.Complaint, _ *time.Location) string { return c.Category },
		func(in *kesu.NewComplaint) any { return &in.Category }},
	{"cause", func(c *kesu.Complaint, _ *time.Location) string { return c.Cause }, nil},
	{"cause_note", func(c *kesu.Complaint, _ *time.Location) string { return c.CauseNote }, nil},
	{"validity", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Validity) }, nil},
	{"intent", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Intent) }, nil},
	{"tags", func(c *kesu.Complaint, _ *time.Location) string { return strings.Join(c.Tags, listSeparator) },
		func(in *kesu.NewComplaint) any { return &in.Tags }},
	{"product", func(c *kesu.Complaint, _ *time.Location) string { return c.Product },
		func(in *kesu.NewComplaint) any { return &in.Product }},
	{"product_model", func(c *kesu.Complaint, _ *time.Location) string { return c.ProductModel },
		func(in *kesu.NewComplaint) any { return &in.ProductModel }},
	{"order_no", func(c *kesu.Complaint, _ *time.Location) string { return c.OrderNo },
		func(in *kesu.NewComplaint) any { return &in.OrderNo }},
	{"amount", func(c *kesu.Complaint, _ *time.Location) string { return c.Amount.String() },
		func(in *kesu.NewComplaint) any { return &in.Amount }},
	{"currency", func(c *kesu.Complaint, _ *time.Location) string { return c.Currency },
		func(in *kesu.NewComplaint) any { return &in.Currency }},
	{"staff_involved", func(c *kesu.Complaint, _ *time.Location) string { return c.StaffInvolved },
		func(in *kesu.NewComplaint) any { return &in.StaffInvolved }},
	{"location", func(c *kesu.Complaint, _ *time.Location) string { return c.Location },
		func(in *kesu.NewComplaint) any { return &in.Location }},
	{"expectation.remedy", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Expectation.Remedy) },
		func(in *kesu.NewComplaint) any { return &in.Expectation.Remedy }},
	{"expectation.amount", func(c *kesu.Complaint, _ *time.Location) string { return c.Expectation.Amount.String() },
		func(in *kesu.NewComplaint) any { return &in.Expectation.Amount }},
	{"expectation.note", func(c *kesu.Complaint, _ *time.Location) string { return c.Expectation.Note },
		func(in *kesu.NewComplaint) any { return &in.Expectation.Note }},
	{"demand_reasonable", func(c *kesu.Complaint, _ *time.Location) string { return formatOptBool(c.DemandReasonable) },
		func(in *kesu.NewComplaint) any { return &in.DemandReasonable }},
	{"external_id", func(c *kesu.Complaint, _ *time.Location) string { return c.ExternalID },
		func(in *kesu.NewComplaint) any { return &in.ExternalID }},
	{"occurred_at", func(c *kesu.Complaint, loc *time.Location) string { return formatOptTime(c.OccurredAt, loc) },
		func(in *kesu.NewComplaint) any { return &in.OccurredAt }},
	{"registered_at", func(c *kesu.Complaint, loc *time.Location) string { return formatTime(c.RegisteredAt, loc) },
		func(in *kesu.NewComplaint) any { return &in.RegisteredAt }},
	{"department", func(c *kesu.Complaint, _ *time.Location) string { return c.Department }, nil},
	{"co_departments", func(c *kesu.Complaint, _ *time.Location) string { return strings.Join(c.CoDepartments, listSeparator) }, nil},
	{"assignee_id", func(c *kesu.Complaint, _ *time.Location) string { return itoa(c.AssigneeID) }, nil},
	{"escalation", func(c *kesu.Complaint, _ *time.Location) string { return strconv.Itoa(c.Escalation) }, nil},
	{"proposal.remedy", func(c *kesu.Complaint, _ *time.Location) string {
		if c.Proposal == nil {
			return ""
		}
		return string(c.Proposal.Remedy)
	}, nil},
	{"proposal.amount", func(c *kesu.Complaint, _ *time.Location) string {
		if c.Proposal == nil {
			return ""
		}
		return c.Proposal.Amount.String()
	}, nil},
	{"proposal.description", func(c *kesu.Complaint, _ *time.Location) string {
		if c.Proposal == nil {
			return ""
		}
		return c.Proposal.Description
	}, nil},
	{"resolution", func(c *kesu.Complaint, _ *time.Location) string { return c.Resolution }, nil},
	{"reject_reason", func(c *kesu.Complaint, _ *time.Location) string { return c.RejectReason }, nil},
	{"upheld", func(c *kesu.Complaint, _ *time.Location) string { return c.Upheld }, nil},
	{"recourse", func(c *kesu.Complaint, _ *time.Location) string { return string(c.Recourse) }, nil},
	{"duplicate_of", func(c *kesu.Complaint, _ *time.Location) string { return c.DuplicateOf }, nil},
	{"satisfaction", func(c *kesu.Complaint, _ *time.Location) string { return strconv.Itoa(c.Satisfaction) }, nil},
	{"satisfaction_comment", func(c *kesu.Complaint, _ *time.Location) string { return c.SatisfactionComment }, nil},
	{"return_count", func(c *kesu.Complaint, _ *time.Location) string { return strconv.Itoa(c.ReturnCount) }, nil},
	{"reopen_count", func(c *kesu.Complaint, _ *time.Location) string { return strconv.Itoa(c.ReopenCount) }, nil},
	{"appeal_count", func(c *kesu.Complaint, _ *time.Location) string { return strconv.Itoa(c.AppealCount) }, nil},
	{"resolved_at", func(c *kesu.Complaint, loc *time.Location) string { return formatOptTime(c.ResolvedAt, loc) }, nil},
	{"closed_at", func(c *kesu.Complaint, loc *time.Location) string { return formatOptTime(c.ClosedAt, loc) }, nil},
	{"reviewed_at", func(c *kesu.Complaint, loc *time.Location) string { return formatOptTime(c.ReviewedAt, loc) }, nil},
	{"updated_at", func(c *kesu.Complaint, loc *time.Location) string { return formatTime(c.UpdatedAt, loc) }, nil},
	{"created_by", func(c *kesu.Complaint, _ *time.Location) string { return itoa(c.CreatedBy) }, nil},
	{"version", func(c *kesu.Complaint, _ *time.Location) string { return itoa(c.Version) }, nil},
}

// listSeparator joins list values (tags) in one CSV cell.
const listSeparator = "|"

var (
	columnByName = map[string]*column{}
	// objectNames are the dotted prefixes that are JSON objects
	// ("customer", "expectation", "proposal").
	objectNames = map[string]bool{}
)

func init() {
	for i := range columns {
		c := &columns[i]
		columnByName[c.name] = c
		if obj, _, ok := strings.Cut(c.name, "."); ok {
			objectNames[obj] = true
		}
	}
}

// Columns returns the CSV column names in export order.
func Columns() []string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	return names
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func formatOptBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339Nano)
}

func formatOptTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return formatTime(*t, loc)
}

// IntakeFields lists the complaint fields that imports and intake mappings
// can fill (the intake columns, in export order).
func IntakeFields() []string {
	var names []string
	for _, c := range columns {
		if c.intake != nil {
			names = append(names, c.name)
		}
	}
	return names
}

// IsIntakeField reports whether name is one of IntakeFields.
func IsIntakeField(name string) bool {
	c := columnByName[name]
	return c != nil && c.intake != nil
}

// SetField parses value (as written in a CSV cell) into the field of the
// intake request that name (a CSV column name such as customer.phone)
// designates. Times without an offset are read in loc.
func SetField(in *kesu.NewComplaint, name, value string, loc *time.Location) error {
	c := columnByName[name]
	if c == nil || c.intake == nil {
		return kesu.FieldError(name, "not a complaint field that can be set")
	}
	if !utf8.ValidString(value) {
		return kesu.FieldError(name, "is not valid UTF-8")
	}
	if loc == nil {
		loc = time.UTC
	}
	if err := setCell(c.intake(in), value, loc); err != nil {
		return kesu.FieldError(name, "%s", kesu.ErrorMessageOf(err))
	}
	return nil
}
