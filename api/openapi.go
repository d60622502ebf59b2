package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// The OpenAPI 3.0 document is generated from the route table (routes.go) and
// the Go types of the bodies, so it cannot forget a route or a field;
// openapi_test.go calls every operation and checks the responses against it.

// OpenAPIDocument is the root of an OpenAPI 3.0 document.
type OpenAPIDocument struct {
	OpenAPI    string                     `json:"openapi"`
	Info       OpenAPIInfo                `json:"info"`
	Security   []map[string][]string      `json:"security"`
	Tags       []OpenAPITag               `json:"tags,omitempty"`
	Paths      map[string]OpenAPIPathItem `json:"paths"`
	Components OpenAPIComponents          `json:"components"`
}

type OpenAPIInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

type OpenAPITag struct {
	Name string `json:"name"`
}

// OpenAPIPathItem maps lower-case HTTP methods to operations.
type OpenAPIPathItem map[string]*OpenAPIOperation

type OpenAPIOperation struct {
	OperationID string   `json:"operationId"`
	Summary     string   `json:"summary"`
	Tags        []string `json:"tags,omitempty"`
	// Security is nil to inherit the document's (bearer), or an empty list
	// for public operations.
	Security    *[]map[string][]string      `json:"security,omitempty"`
	Parameters  []OpenAPIParameter          `json:"parameters,omitempty"`
	RequestBody *OpenAPIRequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*OpenAPIResponse `json:"responses"`
}

type OpenAPIParameter struct {
	Name        string         `json:"name"`
	In          string         `json:"in"` // path, query or header
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required,omitempty"`
	Schema      *OpenAPISchema `json:"schema"`
}

type OpenAPIRequestBody struct {
	Required bool                        `json:"required"`
	Content  map[string]OpenAPIMediaType `json:"content"`
}

type OpenAPIMediaType struct {
	Schema *OpenAPISchema `json:"schema"`
}

// OpenAPIResponse is a response, or a $ref to one in components/responses.
type OpenAPIResponse struct {
	Ref         string                      `json:"$ref,omitempty"`
	Description string                      `json:"description,omitempty"`
	Headers     map[string]OpenAPIHeader    `json:"headers,omitempty"`
	Content     map[string]OpenAPIMediaType `json:"content,omitempty"`
}

type OpenAPIHeader struct {
	Description string         `json:"description,omitempty"`
	Schema      *OpenAPISchema `json:"schema"`
}

type OpenAPIComponents struct {
	Schemas         map[string]*OpenAPISchema        `json:"schemas"`
	Responses       map[string]*OpenAPIResponse      `json:"responses"`
	SecuritySchemes map[string]OpenAPISecurityScheme `json:"securitySchemes"`
}

type OpenAPISecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme"`
	Description string `json:"description,omitempty"`
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	b, err := s.openapiJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

// encodeOpenAPI encodes the document once; New keeps it with sync.OnceValues.
func (s *Server) encodeOpenAPI() ([]byte, error) {
	b, err := json.Marshal(s.OpenAPI())
	return append(b, '\n'), err
}

// OpenAPI returns the OpenAPI 3.0 document of the server's routes, freshly
// built (the caller may change it); GET /api/v1/openapi.json serves its
// JSON encoding.
func (s *Server) OpenAPI() *OpenAPIDocument {
	return buildOpenAPI(s.routes())
}

const jsonMedia = "application/json"

// errorStatuses describes the error responses, shared in
// components/responses; every one carries an ErrorBody.
var errorStatuses = map[int]string{
	http.StatusBadRequest:            "Invalid input; error.field names the offending field or parameter",
	http.StatusUnauthorized:          "Missing, unknown or expired bearer token",
	http.StatusForbidden:             "The caller's role or department may not do this",
	http.StatusNotFound:              "Not found: the complaint, attachment or a code the request refers to",
	http.StatusConflict:              "Conflicts with the current state: the lifecycle does not allow it, the code or key exists, or someone else changed it first",
	http.StatusRequestEntityTooLarge: "The request body or file is too large",
	http.StatusInternalServerError:   "Internal error",
	http.StatusServiceUnavailable:    "The database or the file storage is unavailable",
}

// fromMemory are the operations that answer without the database or files,
// so they never answer 503.
var fromMemory = map[string]bool{"healthz": true, "openapi": true}

func buildOpenAPI(routes []Route) *OpenAPIDocument {
	var responseTypes []reflect.Type
	for _, rt := range routes {
		if rt.Response != nil {
			responseTypes = append(responseTypes, reflect.TypeOf(rt.Response))
		}
	}
	responseTypes = append(responseTypes, reflect.TypeFor[ErrorBody]())
	g := newSchemaGen(responseTypes)
	errorSchema := g.schemaOf(reflect.TypeFor[ErrorBody]())
	errorResponses := map[string]*OpenAPIResponse{}
	for status, desc := range errorStatuses {
		errorResponses[errorResponseName(status)] = &OpenAPIResponse{Description: desc,
			Content: map[string]OpenAPIMediaType{jsonMedia: {Schema: errorSchema}}}
	}

	doc := &OpenAPIDocument{
		OpenAPI: "3.0.3",
		Info: OpenAPIInfo{Title: "kesu", Version: "1", Description: "kesu (客诉) complaint management API. " +
			"Authenticate with an API token: Authorization: Bearer kesu_.... " +
			"Errors are {\"error\":{\"code\",\"message\",\"field\"}}. Amounts are decimal strings. " +
			"Request bodies are decoded strictly: unknown fields are refused."},
		Security: []map[string][]string{{"bearer": {}}},
		Paths:    map[string]OpenAPIPathItem{},
		Components: OpenAPIComponents{Responses: errorResponses, SecuritySchemes: map[string]OpenAPISecurityScheme{
			"bearer": {Type: "http", Scheme: "bearer", Description: "An API token (kesu_...) from POST /api/v1/tokens or `kesu token create`"},
		}},
	}
	seenTag := map[string]bool{}
	for _, rt := range routes {
		op := operation(g, rt)
		if doc.Paths[rt.Path] == nil {
			doc.Paths[rt.Path] = OpenAPIPathItem{}
		}
		doc.Paths[rt.Path][strings.ToLower(rt.Method)] = op
		if tag := op.Tags[0]; !seenTag[tag] {
			seenTag[tag] = true
			doc.Tags = append(doc.Tags, OpenAPITag{Name: tag})
		}
	}
	doc.Components.Schemas = g.schemas
	return doc
}

func operation(g *schemaGen, rt Route) *OpenAPIOperation {
	op := &OpenAPIOperation{OperationID: rt.ID, Summary: rt.Summary, Tags: []string{tagOf(rt.Path)},
		Responses: map[string]*OpenAPIResponse{}}
	if rt.Public {
		op.Security = &[]map[string][]string{}
	}
	params := pathParams(rt.Path)
	for _, name := range params {
		schema := &OpenAPISchema{Type: "string"}
		if name == "id" {
			schema = &OpenAPISchema{Type: "integer", Format: "int64"}
		}
		op.Parameters = append(op.Parameters, OpenAPIParameter{Name: name, In: "path", Required: true, Schema: schema})
	}
	for _, q := range rt.Query {
		op.Parameters = append(op.Parameters, OpenAPIParameter{Name: q.Name, In: "query", Description: q.Description,
			Schema: &OpenAPISchema{Type: "string"}})
	}

	hasBody := rt.Request != nil || rt.Upload
	switch {
	case rt.Upload:
		op.RequestBody = &OpenAPIRequestBody{Required: true, Content: map[string]OpenAPIMediaType{
			"multipart/form-data": {Schema: &OpenAPISchema{
				Type: "object",
				Properties: map[string]*OpenAPISchema{
					"visibility": {Type: "string", Enum: []string{"internal", "customer"},
						Description: "Who may see the file (default internal); send it before the file part"},
					"file": {Type: "string", Format: "binary"},
				},
				Required:             []string{"file"},
				AdditionalProperties: false,
			}},
		}}
	case rt.Request != nil:
		op.RequestBody = &OpenAPIRequestBody{Required: true, Content: map[string]OpenAPIMediaType{
			jsonMedia: {Schema: g.schemaOf(reflect.TypeOf(rt.Request))},
		}}
	}

	success := &OpenAPIResponse{Description: http.StatusText(rt.Status)}
	switch {
	case rt.Download:
		binary := map[string]OpenAPIMediaType{"application/octet-stream": {Schema: &OpenAPISchema{Type: "string", Format: "binary"}}}
		success.Description = "The file, with its stored Content-Type"
		success.Content = binary
		// http.ServeContent answers ranges and conditional requests.
		op.Responses["206"] = &OpenAPIResponse{Description: "The requested byte range", Content: binary}
		op.Responses["304"] = &OpenAPIResponse{Description: "Not modified since If-Modified-Since"}
		op.Responses["416"] = &OpenAPIResponse{Description: "The requested range is not satisfiable"}
	case rt.Response != nil:
		success.Content = map[string]OpenAPIMediaType{jsonMedia: {Schema: g.schemaOf(reflect.TypeOf(rt.Response))}}
	case rt.Status != http.StatusNoContent:
		// A JSON document this one does not describe (the document itself).
		success.Content = map[string]OpenAPIMediaType{jsonMedia: {Schema: &OpenAPISchema{Type: "object"}}}
	}
	op.Responses[strconv.Itoa(rt.Status)] = success

	if rt.ID == "createComplaint" {
		op.Parameters = append(op.Parameters, OpenAPIParameter{Name: "Idempotency-Key", In: "header",
			Description: "Makes retries safe: the same key with the same body returns the first response; with another body, 409",
			Schema:      &OpenAPISchema{Type: "string", MaxLength: MaxIdempotencyKey}})
		success.Headers = map[string]OpenAPIHeader{
			"Location": {Description: "The new complaint's URL", Schema: &OpenAPISchema{Type: "string"}},
			"Idempotent-Replayed": {Description: "Present when this is the stored response of an earlier request with the same Idempotency-Key",
				Schema: &OpenAPISchema{Type: "string", Enum: []string{"true"}}},
		}
	}

	addError := func(status int) {
		op.Responses[strconv.Itoa(status)] = &OpenAPIResponse{Ref: "#/components/responses/" + errorResponseName(status)}
	}
	if hasBody || len(rt.Query) > 0 {
		addError(http.StatusBadRequest)
	}
	if !rt.Public {
		addError(http.StatusUnauthorized)
		addError(http.StatusForbidden)
	}
	if rt.Public && hasBody {
		// Public routes that take a body authenticate it another way (an
		// intake webhook's secret): wrong credentials are refused with 403.
		addError(http.StatusForbidden)
	}
	if len(params) > 0 || hasBody { // bodies refer to departments, categories and complaints by code
		addError(http.StatusNotFound)
	}
	if rt.Method != http.MethodGet {
		addError(http.StatusConflict)
	}
	if hasBody {
		addError(http.StatusRequestEntityTooLarge)
	}
	addError(http.StatusInternalServerError)
	if !fromMemory[rt.ID] {
		addError(http.StatusServiceUnavailable)
	}
	return op
}

// errorResponseName names an error response in components/responses:
// BadRequest, NotFound ...
func errorResponseName(status int) string {
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// pathParams lists the {names} of a route pattern.
func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && seg != "{$}" {
			out = append(out, strings.TrimSuffix(seg[1:len(seg)-1], "..."))
		}
	}
	return out
}

// tagOf groups operations by the first segment under /api/v1.
func tagOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/v1/")
	if !ok {
		return "health"
	}
	seg, _, _ := strings.Cut(rest, "/")
	seg, _, _ = strings.Cut(seg, ".")
	return seg
}
