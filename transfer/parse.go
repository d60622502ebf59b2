package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
)

// parsed is one input row turned into an intake request. Validation beyond
// types (required fields, enums, lengths) is the domain's, in Build.
type parsed struct {
	in kesu.NewComplaint
	// number is the complaint number of a row that came from an export; it
	// stands in for a missing external_id so that a re-run is idempotent.
	number string
}

// externalID is the idempotency key of the row: its external_id, else
// "kesu:" and the number it had in the database it was exported from, else
// "row:" and a hash of the row's content, so that importing the same file
// (or the same rows in another file or encoding) twice creates nothing
// twice. Two rows alike in every field are taken as one complaint.
func (p *parsed) externalID() string {
	if id := strings.TrimSpace(p.in.ExternalID); id != "" {
		return id
	}
	if p.number != "" {
		return "kesu:" + p.number
	}
	return contentID(p.in)
}

// contentID is "row:" and the hex SHA-256 (first 128 bits) of the intake
// request's JSON. Times are normalised to UTC so the zone they were written
// in does not matter.
func contentID(in kesu.NewComplaint) string {
	in.ExternalID = ""
	for _, t := range []**time.Time{&in.OccurredAt, &in.RegisteredAt} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return "row:" + hex.EncodeToString(sum[:16])
}

// parseJSONLine decodes one JSONL line strictly: every field must be an
// intake field (decoded into kesu.NewComplaint) or an output-only field of
// kesu.Complaint (ignored); anything else is an error naming the field.
func parseJSONLine(line []byte) (parsed, error) {
	var p parsed
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return p, kesu.Errorf(kesu.EInvalid, "malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
		case errors.As(err, &typ):
			return p, kesu.Errorf(kesu.EInvalid, "the line must be a JSON object")
		}
		return p, kesu.Errorf(kesu.EInvalid, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if obj == nil {
		return p, kesu.Errorf(kesu.EInvalid, "the line must be a JSON object")
	}
	return p, decodeObject(obj, "", &p)
}

// decodeObject fills p from the fields of one JSON object whose dotted path
// is prefix. Fields are visited in name order so that a row with several
// faults always reports the same one.
func decodeObject(obj map[string]json.RawMessage, prefix string, p *parsed) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw, name := obj[k], prefix+k
		if !utf8.Valid(raw) {
			// encoding/json would quietly turn bad bytes into U+FFFD.
			return kesu.FieldError(name, "is not valid UTF-8")
		}
		if strings.Contains(k, ".") {
			// Dots only name nesting in CSV headers; JSON nests objects.
			return kesu.FieldError(name, "unknown field")
		}
		if col := columnByName[name]; col != nil {
			if err := decodeJSONField(col, raw, p); err != nil {
				return err
			}
			continue
		}
		if prefix == "" && objectNames[k] {
			if string(raw) == "null" {
				continue
			}
			var sub map[string]json.RawMessage
			if err := json.Unmarshal(raw, &sub); err != nil {
				return kesu.FieldError(name, "must be an object")
			}
			if err := decodeObject(sub, name+".", p); err != nil {
				return err
			}
			continue
		}
		return kesu.FieldError(name, "unknown field")
	}
	return nil
}

func decodeJSONField(col *column, raw json.RawMessage, p *parsed) error {
	if col.intake == nil {
		if col.name == "number" && string(raw) != "null" {
			if err := json.Unmarshal(raw, &p.number); err != nil {
				return kesu.FieldError(col.name, "must be a string")
			}
		}
		return nil // output-only: accepted and ignored
	}
	dst := col.intake(&p.in)
	if _, money := dst.(*kesu.Money); money && raw[0] != '"' && string(raw) != "null" {
		return kesu.FieldError(col.name, "must be %s", expected(dst))
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var ke *kesu.Error
		if errors.As(err, &ke) { // kesu.Money explains itself
			return kesu.FieldError(col.name, "%s", ke.Message)
		}
		return kesu.FieldError(col.name, "must be %s", expected(dst))
	}
	return nil
}

// expected describes the value a field takes, for error messages.
func expected(dst any) string {
	switch dst.(type) {
	case *kesu.Money:
		return `a decimal string such as "199.00"`
	case *bool, **bool:
		return "true or false"
	case **time.Time:
		return `an RFC 3339 time such as "2026-11-20T10:00:00+08:00"`
	case *[]string:
		return "an array of strings"
	}
	return "a string"
}

// parseCSVHeader maps header names to columns; an unknown or repeated name
// is an error naming it.
func parseCSVHeader(rec []string) ([]*column, error) {
	cols := make([]*column, len(rec))
	seen := map[string]bool{}
	for i, name := range rec {
		name = strings.ToLower(strings.TrimSpace(name))
		switch col := columnByName[name]; {
		case name == "":
			return nil, kesu.Errorf(kesu.EInvalid, "column %d of the header has no name", i+1)
		case col == nil:
			return nil, &kesu.Error{Code: kesu.EInvalid, Field: name,
				Message: "unknown column in the header (the columns are those of 'kesu export --format csv')"}
		case seen[name]:
			return nil, &kesu.Error{Code: kesu.EInvalid, Field: name, Message: "the column appears twice in the header"}
		default:
			seen[name], cols[i] = true, col
		}
	}
	return cols, nil
}

// parseCSVRecord turns one CSV record into an intake request. gb says the
// file was decoded from GB18030, where U+FFFD stands for undecodable bytes.
func parseCSVRecord(cols []*column, rec []string, loc *time.Location, gb, excel bool) (parsed, error) {
	var p parsed
	if len(rec) != len(cols) {
		return p, kesu.Errorf(kesu.EInvalid, "the row has %d fields but the header has %d", len(rec), len(cols))
	}
	for i, col := range cols {
		v := rec[i]
		if col.intake == nil && col.name != "number" {
			continue // output-only: accepted and ignored
		}
		if !utf8.ValidString(v) {
			return p, kesu.FieldError(col.name, "is not valid UTF-8")
		}
		if gb && strings.ContainsRune(v, utf8.RuneError) {
			return p, kesu.FieldError(col.name, "is neither valid UTF-8 nor valid GB18030 text")
		}
		v = unescapeCell(v)
		if col.intake == nil {
			p.number = strings.TrimSpace(v)
			continue
		}
		dst := col.intake(&p.in)
		if _, isTime := dst.(**time.Time); isTime && excel {
			v = excelTime(v, loc)
		}
		if err := setCell(dst, v, loc); err != nil {
			return p, kesu.FieldError(col.name, "%s", kesu.ErrorMessageOf(err))
		}
	}
	return p, nil
}

// setCell parses a CSV cell into the intake field dst points at. An empty
// cell leaves the field unset.
func setCell(dst any, v string, loc *time.Location) error {
	if _, text := dst.(*string); !text {
		v = strings.TrimSpace(v)
	}
	switch d := dst.(type) {
	case *string:
		*d = v
	case *kesu.Money:
		m, err := kesu.ParseMoney(v)
		if err != nil {
			return err
		}
		*d = m
	case *bool:
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		*d = b
	case **bool:
		if v == "" {
			*d = nil
			return nil
		}
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		*d = &b
	case **time.Time:
		if v == "" {
			*d = nil
			return nil
		}
		t, err := parseTime(v, loc)
		if err != nil {
			return err
		}
		*d = &t
	case *[]string:
		*d = nil
		if v != "" {
			*d = strings.Split(v, listSeparator)
		}
	default:
		// The domain's enums (kesu.Kind, kesu.Channel ...) are strings.
		rv := reflect.ValueOf(dst).Elem()
		if rv.Kind() != reflect.String {
			return kesu.Errorf(kesu.EInternal, "no CSV parser for %s", rv.Type())
		}
		rv.SetString(v)
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, kesu.Errorf(kesu.EInvalid, "must be true or false, not %q", v)
}

// zonelessLayouts are the time layouts without an offset that import reads
// in the configured location: what people type and spreadsheets write.
var zonelessLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
	"2006-01-02",
	"2006/1/2",
}

func parseTime(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range zonelessLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, kesu.Errorf(kesu.EInvalid, "not a time: %q (use RFC 3339 such as 2026-11-20T10:00:00+08:00, or 2026-11-20 10:00)", v)
}

// formulaStarts are the first characters that make a spreadsheet treat a
// cell as a formula (CSV injection), plus the apostrophe that escapes them.
const formulaStarts = "=+-@\t\r'"

// escapeCell keeps a spreadsheet from running a cell as a formula: a cell
// starting with a formula character, or with an apostrophe, gets one
// leading apostrophe. unescapeCell reverses it exactly.
func escapeCell(v string) string {
	if v != "" && strings.IndexByte(formulaStarts, v[0]) >= 0 {
		return "'" + v
	}
	return v
}

func unescapeCell(v string) string {
	if len(v) >= 2 && v[0] == '\'' && strings.IndexByte(formulaStarts, v[1]) >= 0 {
		return v[1:]
	}
	return v
}

// rowError describes a refused row for the report.
func rowError(err error) (field, message string) {
	var ke *kesu.Error
	if errors.As(err, &ke) {
		return ke.Field, ke.Message
	}
	return "", err.Error()
}
