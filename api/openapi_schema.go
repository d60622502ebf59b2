package api

import (
	"reflect"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// OpenAPISchema is an OpenAPI 3.0 Schema Object, limited to the keywords
// kesu's document uses (openapi_test.go validates responses with exactly
// these keywords and refuses any other).
type OpenAPISchema struct {
	Ref                  string                    `json:"$ref,omitempty"`
	AllOf                []*OpenAPISchema          `json:"allOf,omitempty"`
	Type                 string                    `json:"type,omitempty"`
	Format               string                    `json:"format,omitempty"`
	Pattern              string                    `json:"pattern,omitempty"`
	MaxLength            int                       `json:"maxLength,omitempty"`
	Enum                 []string                  `json:"enum,omitempty"`
	Nullable             bool                      `json:"nullable,omitempty"`
	Items                *OpenAPISchema            `json:"items,omitempty"`
	Properties           map[string]*OpenAPISchema `json:"properties,omitempty"`
	Required             []string                  `json:"required,omitempty"`
	AdditionalProperties any                       `json:"additionalProperties,omitempty"` // a bool or a *OpenAPISchema
	Description          string                    `json:"description,omitempty"`
	Example              any                       `json:"example,omitempty"`
}

// moneyPattern is the wire form of kesu.Money (see kesu.ParseMoney).
const moneyPattern = `^-?[0-9]+(\.[0-9]{1,2})?$`

var (
	timeType  = reflect.TypeFor[time.Time]()
	moneyType = reflect.TypeFor[kesu.Money]()
)

// requestRequired lists the fields each request body must carry. The strict
// decoder itself requires nothing; these are the fields the handlers or the
// domain refuse to go without. Request schemas list nothing else as
// required, so that a client following the document is never refused for a
// missing field.
var requestRequired = map[reflect.Type][]string{
	reflect.TypeFor[kesu.NewComplaint](): {"description"},
	reflect.TypeFor[kesu.Command]():      {"action"},
	reflect.TypeFor[NewDepartment]():     {"code", "name"},
	reflect.TypeFor[NewCategory]():       {"code", "name"},
	reflect.TypeFor[NewUser]():           {"email", "name", "role"},
	reflect.TypeFor[PostBody]():          {"body"},
}

// enumValues gives the closed sets of the domain's string types. Each
// becomes a named string enum in components/schemas.
func enumValues() map[reflect.Type][]string {
	roles := append(append([]kesu.Role{}, kesu.StaffRoles...), kesu.RoleCustomer, kesu.RoleSystem)
	return map[reflect.Type][]string{
		reflect.TypeFor[kesu.Status]():       enumCodes(kesu.Statuses),
		reflect.TypeFor[kesu.Action]():       enumCodes(kesu.Actions),
		reflect.TypeFor[kesu.Kind]():         enumCodes(kesu.Kinds),
		reflect.TypeFor[kesu.Channel]():      enumCodes(kesu.Channels),
		reflect.TypeFor[kesu.Level]():        enumCodes(kesu.Levels),
		reflect.TypeFor[kesu.Priority]():     enumCodes(kesu.Priorities),
		reflect.TypeFor[kesu.Nature]():       enumCodes(kesu.Natures),
		reflect.TypeFor[kesu.Timing]():       enumCodes(kesu.Timings),
		reflect.TypeFor[kesu.Validity]():     enumCodes(kesu.Validities),
		reflect.TypeFor[kesu.Intent]():       enumCodes(kesu.Intents),
		reflect.TypeFor[kesu.Remedy]():       enumCodes(kesu.Remedies),
		reflect.TypeFor[kesu.Recourse]():     enumCodes(kesu.Recourses),
		reflect.TypeFor[kesu.RejectReason](): enumCodes(kesu.RejectReasons),
		reflect.TypeFor[kesu.Role]():         enumCodes(roles),
		reflect.TypeFor[kesu.Visibility]():   enumCodes([]kesu.Visibility{kesu.VisibilityInternal, kesu.VisibilityCustomer}),
		reflect.TypeFor[kesu.EventType](): enumCodes([]kesu.EventType{kesu.EventCreated, kesu.EventTransition,
			kesu.EventNote, kesu.EventMessage, kesu.EventUpdated, kesu.EventAttachment,
			kesu.EventSLAWarning, kesu.EventSLABreach, kesu.EventEscalated, kesu.EventReminder, kesu.EventExtended}),
		reflect.TypeFor[kesu.ErrorCode](): enumCodes([]kesu.ErrorCode{kesu.EInvalid, kesu.ENotFound, kesu.EConflict,
			kesu.EForbidden, kesu.EUnauthorized, kesu.ETooLarge, kesu.EUnavailable, kesu.EInternal}),
	}
}

func enumCodes[T ~string](set []T) []string {
	out := make([]string, len(set))
	for i, v := range set {
		out[i] = string(v)
	}
	return out
}

// schemaGen turns Go types into schemas the way encoding/json marshals
// them, collecting named types in components/schemas.
type schemaGen struct {
	schemas map[string]*OpenAPISchema
	names   map[reflect.Type]string
	taken   map[string]reflect.Type
	enums   map[reflect.Type][]string
	// responses holds the struct types that appear in some response body.
	// Their non-omitted fields are required: the server always sends them.
	responses map[reflect.Type]bool
}

func newSchemaGen(responseTypes []reflect.Type) *schemaGen {
	g := &schemaGen{schemas: map[string]*OpenAPISchema{}, names: map[reflect.Type]string{},
		taken: map[string]reflect.Type{}, enums: enumValues(), responses: map[reflect.Type]bool{}}
	for _, t := range responseTypes {
		g.markResponse(t)
	}
	return g
}

func (g *schemaGen) markResponse(t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		g.markResponse(t.Elem())
	case reflect.Struct:
		if g.responses[t] || t == timeType {
			return
		}
		g.responses[t] = true
		for _, f := range docFields(t) {
			g.markResponse(f.typ)
		}
	}
}

// schemaOf is the schema of a value of type t where it is used: a $ref for
// named structs and enums, inline otherwise.
func (g *schemaGen) schemaOf(t reflect.Type) *OpenAPISchema {
	if t.Kind() == reflect.Pointer {
		return nullable(g.schemaOf(t.Elem()))
	}
	switch {
	case t == timeType:
		return &OpenAPISchema{Type: "string", Format: "date-time"}
	case t == moneyType:
		return g.component(t, func() *OpenAPISchema {
			return &OpenAPISchema{Type: "string", Pattern: moneyPattern, Example: "199.00",
				Description: "An amount as a decimal string with at most two decimals; never a JSON number."}
		})
	}
	if vals, ok := g.enums[t]; ok {
		return g.component(t, func() *OpenAPISchema { return &OpenAPISchema{Type: "string", Enum: vals} })
	}
	switch t.Kind() {
	case reflect.String:
		return &OpenAPISchema{Type: "string"}
	case reflect.Bool:
		return &OpenAPISchema{Type: "boolean"}
	case reflect.Int64, reflect.Uint64:
		return &OpenAPISchema{Type: "integer", Format: "int64"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &OpenAPISchema{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return &OpenAPISchema{Type: "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &OpenAPISchema{Type: "string", Format: "byte"} // encoding/json sends bytes as base64
		}
		return &OpenAPISchema{Type: "array", Items: g.schemaOf(t.Elem())}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return &OpenAPISchema{Type: "object", AdditionalProperties: true}
		}
		return &OpenAPISchema{Type: "object", AdditionalProperties: g.schemaOf(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.structSchema(t)
		}
		return g.component(t, func() *OpenAPISchema { return g.structSchema(t) })
	}
	return &OpenAPISchema{} // interfaces: any JSON value
}

// nullable marks a pointer's schema: null is accepted (requests) or may be
// sent. A $ref cannot carry siblings in OpenAPI 3.0, hence the allOf.
func nullable(s *OpenAPISchema) *OpenAPISchema {
	if s.Ref != "" {
		return &OpenAPISchema{AllOf: []*OpenAPISchema{s}, Nullable: true}
	}
	c := *s
	c.Nullable = true
	return &c
}

// component registers t under its Go name (built once) and returns a $ref.
func (g *schemaGen) component(t reflect.Type, build func() *OpenAPISchema) *OpenAPISchema {
	name, ok := g.names[t]
	if !ok {
		name = t.Name()
		if other, clash := g.taken[name]; clash && other != t {
			// Two packages use the same type name: qualify the newcomer.
			name = pkgName(t) + name
		}
		g.names[t], g.taken[name] = name, t
		g.schemas[name] = &OpenAPISchema{} // placeholder: a recursive type refers to itself
		*g.schemas[name] = *build()
	}
	return &OpenAPISchema{Ref: "#/components/schemas/" + name}
}

func pkgName(t reflect.Type) string {
	p := t.PkgPath()
	return p[strings.LastIndex(p, "/")+1:]
}

func (g *schemaGen) structSchema(t reflect.Type) *OpenAPISchema {
	s := &OpenAPISchema{Type: "object", Properties: map[string]*OpenAPISchema{}, AdditionalProperties: false}
	fields := docFields(t)
	for _, f := range fields {
		s.Properties[f.name] = g.schemaOf(f.typ)
	}
	if g.responses[t] {
		for _, f := range fields {
			if !f.omittable {
				s.Required = append(s.Required, f.name)
			}
		}
	} else {
		for _, name := range requestRequired[t] {
			if _, ok := s.Properties[name]; ok {
				s.Required = append(s.Required, name)
			}
		}
	}
	return s
}

// docField is a struct field as encoding/json sees it.
type docField struct {
	name      string
	typ       reflect.Type
	omittable bool // absent from the output when zero
}

// docFields lists t's JSON fields: tagged names, "-" skipped, unexported
// skipped, untagged embedded structs flattened.
func docFields(t reflect.Type) []docField {
	var out []docField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = append(out, docFields(et)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, docField{name: name, typ: f.Type, omittable: omittable(f.Type, opts)})
	}
	return out
}

// omittable reports whether encoding/json may leave the field out.
func omittable(t reflect.Type, opts string) bool {
	has := func(o string) bool {
		for _, x := range strings.Split(opts, ",") {
			if x == o {
				return true
			}
		}
		return false
	}
	if has("omitzero") {
		return true
	}
	if !has("omitempty") {
		return false
	}
	switch t.Kind() {
	case reflect.Struct: // omitempty never drops a struct
		return false
	case reflect.Array:
		return t.Len() == 0
	}
	return true
}
