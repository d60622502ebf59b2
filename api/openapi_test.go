package api

// The OpenAPI document is kept true here: it must list exactly the routes of
// the table, be what the server serves, and describe what the server really
// sends. TestOpenAPIContract calls every operation of a real server on a
// real SQLite file and validates each response against the document with a
// small JSON-schema validator (oaValidator); TestOpenAPIValidatorCatchesDrift
// shows that the validator fails on bad objects.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// oaDecode decodes JSON the way the validator needs it: numbers stay
// json.Number so that 1.5 is not taken for an integer.
func oaDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// oaGenerated is the document as a client reads it: s.OpenAPI() marshaled
// and decoded generically.
func oaGenerated(t testing.TB, s *Server) map[string]any {
	t.Helper()
	b, err := json.Marshal(s.OpenAPI())
	if err != nil {
		t.Fatalf("marshal the document: %v", err)
	}
	v, err := oaDecode(b)
	if err != nil {
		t.Fatalf("decode the document: %v", err)
	}
	return v.(map[string]any)
}

// ---------------------------------------------------------------------------
// The validator.

// oaValidator checks JSON values against the schemas of an OpenAPI 3.0
// document. It knows the keywords the document uses and refuses any other,
// so that a schema cannot gain a constraint the test silently ignores.
type oaValidator struct {
	root     map[string]any
	patterns map[string]*regexp.Regexp
}

var oaKeywords = map[string]bool{"$ref": true, "allOf": true, "type": true, "format": true, "pattern": true,
	"maxLength": true, "enum": true, "nullable": true, "items": true, "properties": true, "required": true,
	"additionalProperties": true, "description": true, "example": true}

func newOAValidator(doc map[string]any) *oaValidator {
	return &oaValidator{root: doc, patterns: map[string]*regexp.Regexp{}}
}

// validate returns every violation of schema by value; where says what is
// being validated, for the messages.
func (v *oaValidator) validate(schema, value any, where string) []string {
	var errs []string
	v.check(schema, value, where, &errs)
	return errs
}

// resolve follows a local JSON pointer such as #/components/schemas/Complaint.
func (v *oaValidator) resolve(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var node any = v.root
	for _, part := range strings.Split(rest, "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		if node, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return node, nil
}

func (v *oaValidator) check(schema, value any, path string, errs *[]string) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, path+": "+fmt.Sprintf(format, args...))
	}
	s, ok := schema.(map[string]any)
	if !ok {
		fail("the schema is %T, not an object", schema)
		return
	}
	for _, k := range oaSortedKeys(s) {
		if !oaKeywords[k] {
			fail("the validator does not know the schema keyword %q", k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		if len(s) != 1 {
			fail("$ref has siblings, which OpenAPI 3.0 ignores")
		}
		target, err := v.resolve(ref)
		if err != nil {
			fail("%v", err)
			return
		}
		v.check(target, value, path, errs)
		return
	}
	if value == nil {
		if s["nullable"] != true {
			fail("null is not allowed")
		}
		return
	}
	if all, ok := s["allOf"]; ok {
		list, ok := all.([]any)
		if !ok {
			fail("allOf is not a list")
		}
		for _, sub := range list {
			v.check(sub, value, path, errs)
		}
	}
	if typ, ok := s["type"]; ok {
		if !oaHasType(typ, value) {
			fail("want %v, got %s", typ, oaDescribe(value))
			return
		}
	}
	if enum, ok := s["enum"]; ok {
		list, _ := enum.([]any)
		if !slices.ContainsFunc(list, func(e any) bool { return reflect.DeepEqual(e, value) }) {
			fail("%s is not one of %v", oaDescribe(value), list)
		}
	}
	switch val := value.(type) {
	case string:
		if p, ok := s["pattern"].(string); ok {
			re, ok := v.patterns[p]
			if !ok {
				var err error
				if re, err = regexp.Compile(p); err != nil {
					fail("bad pattern %q: %v", p, err)
					return
				}
				v.patterns[p] = re
			}
			if !re.MatchString(val) {
				fail("%q does not match %s", val, p)
			}
		}
		if max, ok := s["maxLength"].(json.Number); ok {
			if n, _ := max.Int64(); int64(utf8.RuneCountInString(val)) > n {
				fail("longer than %d characters", n)
			}
		}
		switch format := s["format"]; format {
		case nil, "binary":
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, val); err != nil {
				fail("%q is not an RFC 3339 date-time", val)
			}
		case "byte":
			if _, err := base64.StdEncoding.DecodeString(val); err != nil {
				fail("%q is not base64", val)
			}
		default:
			fail("the validator does not know the string format %v", format)
		}
	case json.Number:
		switch format := s["format"]; format {
		case nil, "int64", "double":
		case "int32":
			if n, err := val.Int64(); err != nil || n != int64(int32(n)) {
				fail("%s is not an int32", val)
			}
		default:
			fail("the validator does not know the number format %v", format)
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"]; ok {
			list, _ := req.([]any)
			for _, name := range list {
				if _, ok := val[name.(string)]; !ok {
					fail("the required field %q is missing", name)
				}
			}
		}
		for _, key := range oaSortedKeys(val) {
			if ps, ok := props[key]; ok {
				v.check(ps, val[key], path+"."+key, errs)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case nil:
			case bool:
				if !ap {
					fail("undocumented field %q", key)
				}
			case map[string]any:
				v.check(ap, val[key], path+"."+key, errs)
			default:
				fail("additionalProperties is %T", ap)
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, el := range val {
				v.check(items, el, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	}
}

func oaHasType(typ, value any) bool {
	switch typ {
	case "object":
		_, ok := value.(map[string]any)
		return ok
	case "array":
		_, ok := value.([]any)
		return ok
	case "string":
		_, ok := value.(string)
		return ok
	case "boolean":
		_, ok := value.(bool)
		return ok
	case "number":
		_, ok := value.(json.Number)
		return ok
	case "integer":
		n, ok := value.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(n.String(), 10, 64)
		return err == nil
	}
	return false // an unknown type name is a bug of the document
}

func oaDescribe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return "number " + v.String()
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func oaSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ---------------------------------------------------------------------------
// The document against the route table.

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := &Server{}
	doc := oaGenerated(t, s)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi = %q, want 3.0.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info lacks title or version: %v", info)
	}
	paths, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)
	if len(paths) == 0 || len(components) == 0 {
		t.Fatalf("the document lacks paths or components")
	}

	routes := s.routes()
	documented := 0
	for path, item := range paths {
		methods := item.(map[string]any)
		if len(methods) == 0 {
			t.Errorf("path %s has no operation", path)
		}
		documented += len(methods)
	}
	if documented != len(routes) {
		t.Errorf("the document has %d operations, the route table %d routes", documented, len(routes))
	}
	ids := map[string]bool{}
	for _, rt := range routes {
		if ids[rt.ID] {
			t.Errorf("operationId %s is used twice", rt.ID)
		}
		ids[rt.ID] = true
		item, _ := paths[rt.Path].(map[string]any)
		op, _ := item[strings.ToLower(rt.Method)].(map[string]any)
		if op == nil {
			t.Errorf("%s %s (%s) is not in the document", rt.Method, rt.Path, rt.ID)
			continue
		}
		if op["operationId"] != rt.ID {
			t.Errorf("%s %s: operationId %v, want %s", rt.Method, rt.Path, op["operationId"], rt.ID)
		}
		responses, _ := op["responses"].(map[string]any)
		if responses[strconv.Itoa(rt.Status)] == nil {
			t.Errorf("%s: the success status %d is not documented", rt.ID, rt.Status)
		}
		_, has401 := responses["401"]
		if has401 == rt.Public {
			t.Errorf("%s: public=%v but 401 documented=%v", rt.ID, rt.Public, has401)
		}
		security, overridden := op["security"]
		if rt.Public && (!overridden || len(security.([]any)) != 0) {
			t.Errorf("%s is public but its security is %v", rt.ID, security)
		}
		if !rt.Public && overridden {
			t.Errorf("%s needs a token but overrides security with %v", rt.ID, security)
		}
		// Parameters: exactly the path's {names}, required, and the table's query parameters.
		want := map[string]string{}
		for _, name := range pathParams(rt.Path) {
			want["path "+name] = ""
		}
		for _, q := range rt.Query {
			want["query "+q.Name] = ""
		}
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			p := p.(map[string]any)
			key := fmt.Sprint(p["in"], " ", p["name"])
			if p["in"] == "header" {
				continue
			}
			if _, ok := want[key]; !ok {
				t.Errorf("%s documents the parameter %s that the route does not have", rt.ID, key)
			}
			if p["in"] == "path" && p["required"] != true {
				t.Errorf("%s: path parameter %s is not required", rt.ID, p["name"])
			}
			delete(want, key)
		}
		for key := range want {
			t.Errorf("%s does not document its parameter %s", rt.ID, key)
		}
		body, _ := op["requestBody"].(map[string]any)
		if (rt.Request != nil || rt.Upload) != (body != nil) {
			t.Errorf("%s: requestBody %v does not match the route", rt.ID, body)
		}
	}

	// Every $ref resolves, and every required field is a property.
	v := newOAValidator(doc)
	var walk func(node any, at string)
	walk = func(node any, at string) {
		switch n := node.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				if _, err := v.resolve(ref); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			if req, ok := n["required"].([]any); ok {
				props, _ := n["properties"].(map[string]any)
				for _, name := range req {
					if _, ok := props[name.(string)]; !ok {
						t.Errorf("%s: required %q is not a property", at, name)
					}
				}
			}
			for _, k := range oaSortedKeys(n) {
				walk(n[k], at+"/"+k)
			}
		case []any:
			for i, el := range n {
				walk(el, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(doc, "#")

	schemas, _ := components["schemas"].(map[string]any)
	for _, name := range []string{"Complaint", "NewComplaint", "Customer", "Expectation", "Proposal", "Event",
		"Attachment", "Department", "Category", "User", "Page", "ErrorBody", "Money", "Status", "Role"} {
		if schemas[name] == nil {
			t.Errorf("components/schemas lacks %s", name)
		}
	}
}

// ---------------------------------------------------------------------------
// The validator can fail.

func TestOpenAPIValidatorCatchesDrift(t *testing.T) {
	doc := oaGenerated(t, &Server{})
	v := newOAValidator(doc)
	complaintRef := map[string]any{"$ref": "#/components/schemas/Complaint"}

	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	good := kesu.Complaint{ID: 7, Number: "TS20261123000001", Status: kesu.StatusSolutionProposed,
		Kind: kesu.KindComplaint, Channel: kesu.ChannelPhone, Title: "漏水", Description: "洗衣机漏水",
		Customer: kesu.Customer{ID: 3, Name: "张三", Phone: "13800000000", VIP: true}, Level: kesu.LevelMajor,
		Priority: kesu.PriorityHigh, Validity: kesu.ValidityValid, Intent: kesu.IntentGoodFaith,
		Tags: []string{"漏水"}, Amount: 19900, Currency: "CNY", CoDepartments: []string{},
		Expectation: kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 19900},
		Proposal:    &kesu.Proposal{Remedy: kesu.RemedyRepair, Amount: 5},
		OccurredAt:  &at, RegisteredAt: at, UpdatedAt: at, Version: 3}
	goodJSON, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	// mutate returns the good complaint with one change made by edit.
	mutate := func(edit func(c map[string]any)) any {
		c, _ := oaDecode(goodJSON)
		edit(c.(map[string]any))
		return c
	}
	if errs := v.validate(complaintRef, mutate(func(map[string]any) {}), "complaint"); len(errs) > 0 {
		t.Fatalf("a good complaint is refused: %v", errs)
	}

	for _, tc := range []struct {
		name   string
		schema any
		value  any
		want   string
	}{
		{"undocumented field", complaintRef, mutate(func(c map[string]any) { c["secret"] = "x" }), `undocumented field "secret"`},
		{"missing required field", complaintRef, mutate(func(c map[string]any) { delete(c, "number") }), `required field "number" is missing`},
		{"value outside the enum", complaintRef, mutate(func(c map[string]any) { c["status"] = "lost" }), `"lost" is not one of`},
		{"amount as a number", complaintRef, mutate(func(c map[string]any) { c["amount"] = json.Number("199") }), "want string, got number 199"},
		{"amount with three decimals", complaintRef, mutate(func(c map[string]any) { c["amount"] = "1.234" }), "does not match"},
		{"bad date-time", complaintRef, mutate(func(c map[string]any) { c["registered_at"] = "2026-11-23 10:00" }), "not an RFC 3339 date-time"},
		{"string for an integer", complaintRef, mutate(func(c map[string]any) { c["id"] = "7" }), "complaint.id: want integer"},
		{"fraction for an integer", complaintRef, mutate(func(c map[string]any) { c["version"] = json.Number("1.5") }), "want integer, got number 1.5"},
		{"null where not nullable", complaintRef, mutate(func(c map[string]any) { c["tags"] = nil }), "complaint.tags: null is not allowed"},
		{"wrong item type", complaintRef, mutate(func(c map[string]any) { c["tags"] = []any{json.Number("1")} }), "complaint.tags[0]: want string"},
		{"nested undocumented field", complaintRef,
			mutate(func(c map[string]any) { c["proposal"].(map[string]any)["bonus"] = true }), `complaint.proposal: undocumented field "bonus"`},
		{"nested wrong type", complaintRef,
			mutate(func(c map[string]any) { c["customer"].(map[string]any)["vip"] = "yes" }), "complaint.customer.vip: want boolean"},
		{"unknown schema keyword", map[string]any{"type": "integer", "minimum": json.Number("1")}, json.Number("0"), `does not know the schema keyword "minimum"`},
		{"unresolvable $ref", map[string]any{"$ref": "#/components/schemas/Nope"}, "x", "does not resolve"},
		{"too long", map[string]any{"type": "string", "maxLength": json.Number("3")}, "四个字符", "longer than 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := v.validate(tc.schema, tc.value, "complaint")
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Errorf("want an error containing %q, got %q", tc.want, errs)
			}
		})
	}

	// A nullable pointer accepts null.
	if errs := v.validate(complaintRef, mutate(func(c map[string]any) { c["proposal"] = nil }), "complaint"); len(errs) > 0 {
		t.Errorf("proposal null is refused: %v", errs)
	}
}

// TestOpenAPIFilledValues marshals every response type with every field set
// (so that omitempty drops nothing) and validates it: fields the live calls
// leave empty are checked too.
func TestOpenAPIFilledValues(t *testing.T) {
	s := &Server{}
	doc := oaGenerated(t, s)
	v := newOAValidator(doc)
	enums := enumValues()
	for _, rt := range s.routes() {
		if rt.Response == nil {
			continue
		}
		val := reflect.New(reflect.TypeOf(rt.Response)).Elem()
		oaFill(val, enums)
		b, err := json.Marshal(val.Interface())
		if err != nil {
			t.Fatalf("%s: %v", rt.ID, err)
		}
		body, _ := oaDecode(b)
		op := doc["paths"].(map[string]any)[rt.Path].(map[string]any)[strings.ToLower(rt.Method)].(map[string]any)
		schema := op["responses"].(map[string]any)[strconv.Itoa(rt.Status)].(map[string]any)["content"].(map[string]any)[jsonMedia].(map[string]any)["schema"]
		for _, e := range v.validate(schema, body, rt.ID) {
			t.Error(e)
		}
	}
}

// oaFill sets every field of v to a non-zero value of the kind the server
// sends: enum members for enum types, one element for slices and maps.
func oaFill(v reflect.Value, enums map[reflect.Type][]string) {
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
		return
	case enums[v.Type()] != nil:
		v.SetString(enums[v.Type()][0])
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		oaFill(v.Elem(), enums)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				oaFill(v.Field(i), enums)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		oaFill(v.Index(0), enums)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		el := reflect.New(v.Type().Elem()).Elem()
		if el.Kind() == reflect.Interface {
			el.Set(reflect.ValueOf("x"))
		} else {
			oaFill(el, enums)
		}
		v.SetMapIndex(reflect.ValueOf("k"), el)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(12345)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(12345)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

// ---------------------------------------------------------------------------
// The document against the running server.

// oaHarness is a real server on a SQLite file, the document it serves, and
// the record of which operation answered which status.
type oaHarness struct {
	t      *testing.T
	server *Server
	http   *httptest.Server
	db     *store.DB
	doc    map[string]any
	v      *oaValidator
	ops    map[string]oaOperation // by operationId
	seen   map[string]map[int]bool
}

type oaOperation struct {
	method, path string
	op           map[string]any
}

func newOAHarness(t *testing.T) *oaHarness {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.SQLite(t), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	dir, err := files.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{DB: db, Files: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	h := &oaHarness{t: t, server: s, http: hs, db: db, ops: map[string]oaOperation{}, seen: map[string]map[int]bool{}}

	// The document under test is the served one.
	resp, err := http.Get(hs.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	served, err := oaDecode(b)
	if err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	h.doc = served.(map[string]any)
	h.v = newOAValidator(h.doc)
	for path, item := range h.doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			h.ops[op["operationId"].(string)] = oaOperation{strings.ToUpper(method), path, op}
		}
	}
	return h
}

// token makes a user with role and returns a bearer token for it.
func (h *oaHarness) token(email string, role kesu.Role, dept string) (string, kesu.User) {
	now := time.Now()
	u, err := h.db.CreateUser(context.Background(), kesu.User{Email: email, Name: email, Role: role}, dept, "", now)
	if err != nil {
		h.t.Fatalf("user %s: %v", email, err)
	}
	token, hash := auth.NewToken()
	if _, err := h.db.CreateToken(context.Background(), u.ID, "test", hash, now); err != nil {
		h.t.Fatal(err)
	}
	return token, u
}

// oaCall is one request to an operation.
type oaCall struct {
	op    string // operationId
	path  string // the concrete path, with a query string if any
	token string
	// body is marshaled to JSON; raw and contentType send something else.
	body        any
	raw         []byte
	contentType string
	header      map[string]string
	want        int
	// refused: the document's request schema must refuse the body too
	// (the request is one a client following the document never sends).
	refused bool
}

// call performs c, checks the status and validates the response against the
// document; it returns the decoded JSON body (nil for other media).
func (h *oaHarness) call(c oaCall) (any, http.Header) {
	t := h.t
	t.Helper()
	o, ok := h.ops[c.op]
	if !ok {
		t.Fatalf("no operation %s in the document", c.op)
	}
	path, _, _ := strings.Cut(c.path, "?")
	if !oaPathMatches(o.path, path) {
		t.Fatalf("%s is %s, not %s", c.op, o.path, c.path)
	}
	var body io.Reader
	contentType := c.contentType
	switch {
	case c.raw != nil:
		body = bytes.NewReader(c.raw)
	case c.body != nil:
		b, err := json.Marshal(c.body)
		if err != nil {
			t.Fatal(err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
		h.checkRequest(c, o, b)
	}
	req, err := http.NewRequest(o.method, h.http.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", o.method, c.path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != c.want {
		t.Fatalf("%s %s %s: status %d, want %d: %s", c.op, o.method, c.path, resp.StatusCode, c.want, got)
	}
	if h.seen[c.op] == nil {
		h.seen[c.op] = map[int]bool{}
	}
	h.seen[c.op][resp.StatusCode] = true

	where := fmt.Sprintf("%s %d", c.op, resp.StatusCode)
	documented, _ := o.op["responses"].(map[string]any)[strconv.Itoa(resp.StatusCode)].(map[string]any)
	if documented == nil {
		t.Errorf("%s: the status is not documented for the operation (body %s)", where, got)
		return nil, resp.Header
	}
	if ref, ok := documented["$ref"].(string); ok {
		r, err := h.v.resolve(ref)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		documented = r.(map[string]any)
	}
	headers, _ := documented["headers"].(map[string]any)
	for name, hdr := range headers {
		if value := resp.Header.Get(name); value != "" {
			for _, e := range h.v.validate(hdr.(map[string]any)["schema"], value, where+" header "+name) {
				t.Error(e)
			}
		}
	}
	content, _ := documented["content"].(map[string]any)
	if content == nil {
		if len(got) != 0 {
			t.Errorf("%s: a body where the document has none: %s", where, got)
		}
		return nil, resp.Header
	}
	media, ok := content[jsonMedia].(map[string]any)
	if !ok {
		if len(got) == 0 {
			t.Errorf("%s: an empty body", where)
		}
		return nil, resp.Header // binary: nothing more to check
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, jsonMedia) {
		t.Errorf("%s: Content-Type %q, the document says %s", where, ct, jsonMedia)
	}
	value, err := oaDecode(got)
	if err != nil {
		t.Fatalf("%s: the body is not JSON: %v: %s", where, err, got)
	}
	for _, e := range h.v.validate(media["schema"], value, where) {
		t.Errorf("the document differs from the response: %s\n\tbody: %s", e, oaClip(got))
	}
	return value, resp.Header
}

// checkRequest validates a JSON request body against the operation's
// request schema: a body the server accepts must be one the document
// allows (and the refused ones must be refused by both).
func (h *oaHarness) checkRequest(c oaCall, o oaOperation, b []byte) {
	t := h.t
	t.Helper()
	rb, _ := o.op["requestBody"].(map[string]any)
	if rb == nil {
		t.Fatalf("%s: a body is sent but the document has no requestBody", c.op)
	}
	media, _ := rb["content"].(map[string]any)[jsonMedia].(map[string]any)
	if media == nil {
		t.Fatalf("%s: the document has no JSON request body", c.op)
	}
	value, _ := oaDecode(b)
	errs := h.v.validate(media["schema"], value, c.op+" request")
	switch {
	case c.refused && len(errs) == 0:
		t.Errorf("%s: the document allows the request body %s that the server refuses", c.op, b)
	case !c.refused && c.want < 300:
		for _, e := range errs {
			t.Errorf("the document refuses a request the server accepts: %s", e)
		}
	}
}

func oaPathMatches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			if ps[i] == "" {
				return false
			}
		} else if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

func oaClip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

// oaField reads a string or number field of a decoded object.
func oaField(v any, name string) string {
	m, _ := v.(map[string]any)
	return fmt.Sprint(m[name])
}

func TestOpenAPIServedDocument(t *testing.T) {
	h := newOAHarness(t)
	want := oaGenerated(t, h.server)
	if !reflect.DeepEqual(h.doc, want) {
		t.Errorf("GET /api/v1/openapi.json differs from Server.OpenAPI()")
	}
	h.call(oaCall{op: "openapi", path: "/api/v1/openapi.json", want: 200})
}

// TestOpenAPIContract calls every operation of the document against a real
// server and validates every response, successes and errors alike.
func TestOpenAPIContract(t *testing.T) {
	h := newOAHarness(t)
	admin, _ := h.token("admin@example.com", kesu.RoleAdmin, "")

	h.call(oaCall{op: "healthz", path: "/healthz", want: 200})
	h.call(oaCall{op: "readyz", path: "/readyz", want: 200})
	h.call(oaCall{op: "openapi", path: "/api/v1/openapi.json", want: 200})
	h.call(oaCall{op: "me", path: "/api/v1/me", token: admin, want: 200})
	h.call(oaCall{op: "me", path: "/api/v1/me", want: 401})
	h.call(oaCall{op: "me", path: "/api/v1/me", token: "kesu_not-a-token", want: 401})
	h.call(oaCall{op: "lifecycle", path: "/api/v1/lifecycle", token: admin, want: 200})

	// Organisation.
	h.call(oaCall{op: "createDepartment", path: "/api/v1/departments", token: admin, want: 201,
		body: map[string]any{"code": "after_sales", "name": "售后部"}})
	h.call(oaCall{op: "createDepartment", path: "/api/v1/departments", token: admin, want: 201,
		body: map[string]any{"code": "logistics", "name": "物流", "parent": "after_sales"}})
	h.call(oaCall{op: "createDepartment", path: "/api/v1/departments", token: admin, want: 409,
		body: map[string]any{"code": "logistics", "name": "又一个"}})
	h.call(oaCall{op: "createDepartment", path: "/api/v1/departments", token: admin, want: 400, refused: true,
		body: map[string]any{"code": "x", "name": "x", "colour": "red"}})
	h.call(oaCall{op: "createDepartment", path: "/api/v1/departments", token: admin, want: 400, refused: true,
		body: map[string]any{"name": "no code"}})
	h.call(oaCall{op: "updateDepartment", path: "/api/v1/departments/logistics", token: admin, want: 200,
		body: map[string]any{"name": "物流部", "active": true}})
	h.call(oaCall{op: "updateDepartment", path: "/api/v1/departments/nowhere", token: admin, want: 404,
		body: map[string]any{"name": "x"}})
	h.call(oaCall{op: "listDepartments", path: "/api/v1/departments", token: admin, want: 200})
	h.call(oaCall{op: "createCategory", path: "/api/v1/categories", token: admin, want: 201,
		body: map[string]any{"code": "quality", "name": "产品质量", "name_en": "Product quality", "department": "after_sales"}})
	h.call(oaCall{op: "createCategory", path: "/api/v1/categories", token: admin, want: 201,
		body: map[string]any{"code": "quality.leak", "name": "漏水", "parent": "quality"}})
	h.call(oaCall{op: "listCategories", path: "/api/v1/categories", token: admin, want: 200})
	h.call(oaCall{op: "createUser", path: "/api/v1/users", token: admin, want: 201,
		body: map[string]any{"email": "handler@example.com", "name": "Han", "role": "handler", "department": "after_sales",
			"password": "correct horse battery"}})
	h.call(oaCall{op: "createUser", path: "/api/v1/users", token: admin, want: 400, refused: true,
		body: map[string]any{"email": "x@example.com", "name": "X", "role": "overlord"}})
	h.call(oaCall{op: "listUsers", path: "/api/v1/users", token: admin, want: 200})
	created, _ := h.call(oaCall{op: "createToken", path: "/api/v1/tokens", token: admin, want: 201, body: map[string]any{"name": "ci"}})
	tokenID := oaField(created, "id")
	h.call(oaCall{op: "revokeToken", path: "/api/v1/tokens/" + tokenID, token: admin, want: 204})
	h.call(oaCall{op: "revokeToken", path: "/api/v1/tokens/" + tokenID, token: admin, want: 404})
	h.call(oaCall{op: "updateCategory", path: "/api/v1/categories/quality.leak", token: admin, want: 200,
		body: map[string]any{"name_en": "Leaks", "department": "logistics"}})
	h.call(oaCall{op: "updateCategory", path: "/api/v1/categories/quality.leak", token: admin, want: 400,
		body: map[string]any{"department": "nowhere"}})
	h.call(oaCall{op: "updateCategory", path: "/api/v1/categories/nothing", token: admin, want: 404,
		body: map[string]any{"active": false}})
	users, _ := h.call(oaCall{op: "listUsers", path: "/api/v1/users", token: admin, want: 200})
	var handlerID, adminID string
	for _, item := range users.(map[string]any)["items"].([]any) {
		switch oaField(item, "role") {
		case "handler":
			handlerID = oaField(item, "id")
		case "admin":
			adminID = oaField(item, "id")
		}
	}
	h.call(oaCall{op: "updateUser", path: "/api/v1/users/" + handlerID, token: admin, want: 200,
		body: map[string]any{"role": "dept_head", "password": "another long password"}})
	h.call(oaCall{op: "updateUser", path: "/api/v1/users/" + adminID, token: admin, want: 409,
		body: map[string]any{"active": false}})
	h.call(oaCall{op: "updateUser", path: "/api/v1/users/" + handlerID, token: admin, want: 400, refused: true,
		body: map[string]any{"role": "overlord"}})
	h.call(oaCall{op: "updateUser", path: "/api/v1/users/999999", token: admin, want: 404,
		body: map[string]any{"name": "x"}})

	agent, _ := h.token("agent@example.com", kesu.RoleAgent, "")
	h.call(oaCall{op: "createDepartment", path: "/api/v1/departments", token: agent, want: 403,
		body: map[string]any{"code": "sales", "name": "销售部"}})
	h.call(oaCall{op: "listUsers", path: "/api/v1/users", token: agent, want: 403})

	// Complaints.
	full := map[string]any{
		"kind":              "complaint",
		"channel":           "phone",
		"title":             "洗衣机漏水",
		"description":       "新买的洗衣机第一次用就漏水",
		"customer":          map[string]any{"name": "张三", "phone": "138 0013 8000", "email": "zhang@example.com", "vip": true},
		"nature":            "product",
		"timing":            "delayed",
		"level":             "major",
		"priority":          "high",
		"category":          "quality.leak",
		"tags":              []string{"漏水", "新机"},
		"product":           "洗衣机",
		"product_model":     "XQG100",
		"order_no":          "JD123",
		"amount":            "2999.00",
		"currency":          "CNY",
		"staff_involved":    "安装师傅",
		"location":          "上海",
		"expectation":       map[string]any{"remedy": "exchange", "amount": "2999.00", "note": "换新机"},
		"demand_reasonable": true,
		"occurred_at":       time.Now().Add(-48 * time.Hour).Format(time.RFC3339),
		"external_id":       "crm-1",
	}
	idem := map[string]string{"Idempotency-Key": "first-try"}
	a, _ := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, body: full, header: idem, want: 201})
	_, hdr := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, body: full, header: idem, want: 201})
	if hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a replay lacks Idempotent-Replayed: true")
	}
	h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, header: idem, want: 409,
		body: map[string]any{"description": "another body", "customer": map[string]any{"phone": "13800138000"}}})
	h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 400, refused: true,
		body: map[string]any{"description": "x", "customer": map[string]any{"phone": "13800138000"}, "surprise": true}})
	h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 400, refused: true,
		body: map[string]any{"customer": map[string]any{"phone": "13800138000"}}})
	h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 400, refused: true,
		body: map[string]any{"description": "x", "customer": map[string]any{"phone": "13800138000"}, "amount": 12.5}})
	h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 413, contentType: "application/json",
		raw: []byte(`{"description":"` + strings.Repeat("x", 1<<20) + `"}`)})
	minimal := func(desc string) any {
		c, _ := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: agent, want: 201,
			body: map[string]any{"description": desc, "customer": map[string]any{"phone": "13900139000"}}})
		return c
	}
	b, c := minimal("超出范围的投诉"), minimal("重复投诉")
	number := oaField(a, "number")
	base := "/api/v1/complaints/" + number

	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?status=registered&limit=10", token: admin, want: 200})
	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?colour=red", token: admin, want: 400})
	h.call(oaCall{op: "getComplaint", path: base, token: admin, want: 200})
	h.call(oaCall{op: "getComplaint", path: "/api/v1/complaints/TS404", token: admin, want: 404})
	h.call(oaCall{op: "updateComplaint", path: base, token: admin, want: 200, body: map[string]any{
		"title": "洗衣机漏水（新机）", "level": "critical", "cause": "product.quality", "cause_note": "密封圈",
		"validity": "valid", "intent": "good_faith", "tags": []string{"漏水"}, "amount": "2899.00",
		"expectation": map[string]any{"remedy": "refund", "amount": "2899.00"}, "demand_reasonable": false,
		"escalation": 2, "vip": true, "nature": nil}})
	h.call(oaCall{op: "updateComplaint", path: base, token: admin, want: 400, refused: true,
		body: map[string]any{"level": "apocalyptic"}})
	h.call(oaCall{op: "allowedActions", path: base + "/actions", token: admin, want: 200})

	act := func(number string, cmd map[string]any) {
		h.call(oaCall{op: "transitionComplaint", path: "/api/v1/complaints/" + number + "/transitions", token: admin,
			want: 200, body: cmd})
	}
	for _, cmd := range []map[string]any{
		{"action": "accept", "note": "受理"},
		{"action": "dispatch", "department": "after_sales", "co_departments": []string{"logistics"}},
		{"action": "sign"},
		{"action": "request_info", "note": "请提供照片"},
		{"action": "customer_reply", "note": "已提供"},
		{"action": "propose", "proposal": map[string]any{"remedy": "exchange", "amount": "0.00", "description": "换新"}},
		{"action": "customer_accept"},
		{"action": "complete", "note": "已换新"},
		{"action": "close", "satisfaction": 4, "satisfaction_comment": "还行", "upheld": "full"},
		{"action": "review", "note": "复盘"},
		{"action": "appeal", "note": "不满意"},
		{"action": "close", "reason": "mediation", "note": "维持原处理"},
	} {
		act(number, cmd)
	}
	act(oaField(b, "number"), map[string]any{"action": "reject", "reason": "out_of_scope", "note": "不属于受理范围"})
	act(oaField(c, "number"), map[string]any{"action": "merge", "duplicate_of": number})
	h.call(oaCall{op: "transitionComplaint", path: base + "/transitions", token: admin, want: 409,
		body: map[string]any{"action": "accept"}})
	h.call(oaCall{op: "transitionComplaint", path: base + "/transitions", token: admin, want: 400, refused: true,
		body: map[string]any{"note": "no action"}})
	h.call(oaCall{op: "transitionComplaint", path: "/api/v1/complaints/TS404/transitions", token: admin, want: 404,
		body: map[string]any{"action": "accept"}})

	open := oaField(minimal("用于留言和附件"), "number")
	openBase := "/api/v1/complaints/" + open
	h.call(oaCall{op: "addNote", path: openBase + "/notes", token: admin, want: 201, body: map[string]any{"body": "内部备注"}})
	h.call(oaCall{op: "addMessage", path: openBase + "/messages", token: admin, want: 201, body: map[string]any{"body": "您好"}})
	h.call(oaCall{op: "addNote", path: openBase + "/notes", token: admin, want: 400, refused: true, body: map[string]any{"text": "x"}})
	h.call(oaCall{op: "listEvents", path: base + "/events", token: admin, want: 200})
	h.call(oaCall{op: "listEvents", path: base + "/events?visibility=customer", token: admin, want: 200})
	h.call(oaCall{op: "listEvents", path: openBase + "/events", token: admin, want: 200})
	h.call(oaCall{op: "listEvents", path: base + "/events?visibility=all", token: admin, want: 400})
	h.call(oaCall{op: "revealContact", path: base + "/contact", token: admin, want: 200})
	h.call(oaCall{op: "listAudit", path: "/api/v1/audit", token: admin, want: 200})

	// Attachments.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("visibility", "customer")
	fw, _ := mw.CreateFormFile("file", "receipt.txt")
	fw.Write([]byte("发票：2999.00 元\n"))
	mw.Close()
	att, _ := h.call(oaCall{op: "uploadAttachment", path: openBase + "/attachments", token: admin, want: 201,
		raw: form.Bytes(), contentType: mw.FormDataContentType()})
	h.call(oaCall{op: "uploadAttachment", path: openBase + "/attachments", token: admin, want: 400,
		raw: []byte("not a form"), contentType: "text/plain"})
	h.call(oaCall{op: "listAttachments", path: openBase + "/attachments", token: admin, want: 200})
	download := openBase + "/attachments/" + oaField(att, "id")
	h.call(oaCall{op: "downloadAttachment", path: download, token: admin, want: 200})
	h.call(oaCall{op: "downloadAttachment", path: download, token: admin, want: 206, header: map[string]string{"Range": "bytes=0-3"}})
	h.call(oaCall{op: "downloadAttachment", path: openBase + "/attachments/999999", token: admin, want: 404})
	h.call(oaCall{op: "listEvents", path: openBase + "/events", token: admin, want: 200})

	oaSLACalls(h, admin) // sla_test.go
	oaNotify(h, admin)   // notify_test.go
	oaEmail(h, admin)    // email_test.go
	oaChannels(h, admin) // channels_test.go
	oaClassify(h, admin) // classify_test.go
	oaSearch(h, admin)   // search_test.go

	// Every operation was called with its success status, and the error
	// statuses the document promises were seen at least once.
	for id, o := range h.ops {
		var success []int
		for code := range o.op["responses"].(map[string]any) {
			if n, _ := strconv.Atoi(code); n >= 200 && n < 300 && n != 206 {
				success = append(success, n)
			}
		}
		for _, n := range success {
			if !h.seen[id][n] {
				t.Errorf("operation %s was never called with its success status %d", id, n)
			}
		}
	}
	for _, status := range []int{400, 401, 403, 404, 409, 413} {
		found := false
		for _, statuses := range h.seen {
			found = found || statuses[status]
		}
		if !found {
			t.Errorf("no call answered %d", status)
		}
	}
}
