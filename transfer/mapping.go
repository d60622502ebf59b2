package transfer

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kesu/kesu"
)

// Mapping is the column-mapping step of an import from a foreign file (a
// spreadsheet a complaint team keeps, a regulator's export): which complaint
// field comes from which of the file's columns. Without a mapping the
// header must use kesu's own column names (those of an export).
//
// Each entry of Columns maps a complaint field (a column name of Columns(),
// such as title or customer.phone) to one of:
//   - a column name of the file:                "Complaint ID"
//   - a template of columns and text:           "{Product} / {Sub-product}"
//     where {A|B} is column A, or B when A is empty
//   - a constant, after an equals sign:          "=regulator"
//
// Values translates a field's values after the template ("Mortgage" ->
// "finance.mortgage"); a value not listed passes unchanged, unless the
// field's table has a "*" entry, which then stands for every other
// non-empty value. Categories
// names the category codes the mapping produces, which the import creates
// when missing (code -> Chinese name, optionally "中文名 / English name").
type Mapping struct {
	Columns    map[string]string            `json:"columns"`
	Values     map[string]map[string]string `json:"values,omitempty"`
	Categories map[string]string            `json:"categories,omitempty"`
	// Sheet is the XLSX worksheet to read; empty means the first.
	Sheet string `json:"sheet,omitempty"`
}

// MaxMapping bounds a mapping file, in bytes.
const MaxMapping = 1 << 20

// ReadMapping decodes a mapping (JSON) strictly and checks it.
func ReadMapping(r io.Reader) (*Mapping, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxMapping+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxMapping {
		return nil, kesu.FieldError("mapping", "is larger than %d bytes", MaxMapping)
	}
	var m Mapping
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, kesu.FieldError("mapping", "is not a mapping: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return &m, m.Validate()
}

// Validate checks the mapping's fields, templates and categories.
func (m *Mapping) Validate() error {
	if len(m.Columns) == 0 {
		return kesu.FieldError("mapping.columns", "maps no field")
	}
	for field, spec := range m.Columns {
		if !IsIntakeField(field) {
			return kesu.FieldError("mapping.columns."+field, "not a complaint field (one of: %s)", strings.Join(IntakeFields(), ", "))
		}
		if _, err := parseTemplate(spec); err != nil {
			return kesu.FieldError("mapping.columns."+field, "%s", kesu.ErrorMessageOf(err))
		}
	}
	for field := range m.Values {
		if _, ok := m.Columns[field]; !ok {
			return kesu.FieldError("mapping.values."+field, "translates a field the mapping does not fill")
		}
	}
	for code, name := range m.Categories {
		if err := kesu.ValidateCode("mapping.categories", code); err != nil {
			return err
		}
		if err := kesu.ValidateName("mapping.categories."+code, name, 200); err != nil {
			return err
		}
	}
	return nil
}

// CategoryNames splits a Categories entry into its Chinese and English names.
func CategoryNames(name string) (zh, en string) {
	zh, en, _ = strings.Cut(name, " / ")
	return strings.TrimSpace(zh), strings.TrimSpace(en)
}

// templatePart is literal text, or a list of alternative columns.
type templatePart struct {
	text string
	cols []string // non-nil: the first non-empty of these columns
}

// parseTemplate reads a mapping spec (see Mapping).
func parseTemplate(spec string) ([]templatePart, error) {
	if !utf8.ValidString(spec) || len(spec) > 2000 {
		return nil, kesu.Errorf(kesu.EInvalid, "must be valid text of at most 2000 bytes")
	}
	if lit, ok := strings.CutPrefix(spec, "="); ok {
		return []templatePart{{text: lit}}, nil
	}
	if !strings.ContainsAny(spec, "{}") {
		if strings.TrimSpace(spec) == "" {
			return nil, kesu.Errorf(kesu.EInvalid, "names no column")
		}
		return []templatePart{{cols: []string{spec}}}, nil
	}
	var parts []templatePart
	for spec != "" {
		open := strings.IndexByte(spec, '{')
		if closeAt := strings.IndexByte(spec, '}'); closeAt >= 0 && (open < 0 || closeAt < open) {
			return nil, kesu.Errorf(kesu.EInvalid, "has a } without {")
		}
		if open < 0 {
			parts = append(parts, templatePart{text: spec})
			break
		}
		if open > 0 {
			parts = append(parts, templatePart{text: spec[:open]})
		}
		end := strings.IndexByte(spec[open:], '}')
		if end < 0 {
			return nil, kesu.Errorf(kesu.EInvalid, "has a { without }")
		}
		inner := spec[open+1 : open+end]
		if strings.ContainsRune(inner, '{') {
			return nil, kesu.Errorf(kesu.EInvalid, "has nested braces")
		}
		var cols []string
		for _, c := range strings.Split(inner, "|") {
			if c = strings.TrimSpace(c); c == "" {
				return nil, kesu.Errorf(kesu.EInvalid, "has an empty column name in {%s}", inner)
			}
			cols = append(cols, c)
		}
		parts = append(parts, templatePart{cols: cols})
		spec = spec[open+end+1:]
	}
	return parts, nil
}

// compiledField fills one complaint field from a record.
type compiledField struct {
	field  string
	parts  []templatePart
	idx    [][]int // per part, the record indexes of its columns
	values map[string]string
}

// compiledMapping is a mapping bound to a file's header.
type compiledMapping struct {
	fields []compiledField
}

// compile binds the mapping to the header; a column the mapping names that
// the header lacks stops the import before any row.
func (m *Mapping) compile(header []string) (*compiledMapping, error) {
	pos := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := pos[h]; !dup {
			pos[h] = i
		}
	}
	names := make([]string, 0, len(m.Columns))
	for f := range m.Columns {
		names = append(names, f)
	}
	sort.Strings(names) // a row with several faults always reports the same one
	cm := &compiledMapping{}
	for _, f := range names {
		parts, err := parseTemplate(m.Columns[f])
		if err != nil {
			return nil, kesu.FieldError("mapping.columns."+f, "%s", kesu.ErrorMessageOf(err))
		}
		cf := compiledField{field: f, parts: parts, values: m.Values[f]}
		for _, p := range parts {
			var idx []int
			for _, c := range p.cols {
				i, ok := pos[c]
				if !ok {
					return nil, &kesu.Error{Code: kesu.EInvalid, Field: "mapping.columns." + f,
						Message: "the file has no column " + c}
				}
				idx = append(idx, i)
			}
			cf.idx = append(cf.idx, idx)
		}
		cm.fields = append(cm.fields, cf)
	}
	return cm, nil
}

// apply fills an intake request from one record.
func (cm *compiledMapping) apply(rec []string, set func(in *kesu.NewComplaint, field, value string) error) (parsed, error) {
	var p parsed
	var b strings.Builder
	for _, f := range cm.fields {
		b.Reset()
		filled := false // a template of only empty columns gives an empty value
		for k, part := range f.parts {
			if part.cols == nil {
				b.WriteString(part.text)
				continue
			}
			for _, i := range f.idx[k] {
				if i < len(rec) {
					if v := strings.TrimSpace(unescapeCell(rec[i])); v != "" {
						b.WriteString(v)
						filled = true
						break
					}
				}
			}
		}
		v := b.String()
		if !filled && len(f.parts) > 1 {
			v = ""
		}
		if t, ok := f.values[v]; ok {
			v = t
		} else if t, ok := f.values["*"]; ok && v != "" {
			v = t
		}
		if err := set(&p.in, f.field, v); err != nil {
			return p, err
		}
	}
	return p, nil
}
