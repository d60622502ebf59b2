package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/kesu/kesu"
)

// statusOf is THE mapping from kesu error codes to HTTP statuses.
func statusOf(code kesu.ErrorCode) int {
	switch code {
	case kesu.EInvalid:
		return http.StatusBadRequest
	case kesu.ENotFound:
		return http.StatusNotFound
	case kesu.EConflict:
		return http.StatusConflict
	case kesu.EForbidden:
		return http.StatusForbidden
	case kesu.EUnauthorized:
		return http.StatusUnauthorized
	case kesu.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case kesu.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

type ErrorDetail struct {
	Code    kesu.ErrorCode `json:"code"`
	Message string         `json:"message"`
	Field   string         `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := kesu.ErrorCodeOf(err)
	if code == kesu.EInternal {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == kesu.EUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kesu"`)
	}
	writeJSON(w, statusOf(code), ErrorBody{Error: ErrorDetail{Code: code, Message: kesu.ErrorMessageOf(err), Field: kesu.ErrorFieldOf(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readBody reads a request body of at most max bytes.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, kesu.Errorf(kesu.ETooLarge, "the request body is larger than %d bytes", max)
		}
		return nil, kesu.Errorf(kesu.EInvalid, "could not read the request body")
	}
	return body, nil
}

// decodeJSON decodes body strictly into dst: unknown fields, wrong types,
// trailing data and malformed JSON are refused with the field named.
func decodeJSON(body []byte, dst any) error {
	if b := bytes.TrimSpace(body); len(b) == 0 || string(b) == "null" { // null would decode as an empty object
		return kesu.Errorf(kesu.EInvalid, "a JSON object is required as the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return kesu.Errorf(kesu.EInvalid, "unexpected data after the JSON object")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ke *kesu.Error
	switch {
	case errors.As(err, &syn):
		return kesu.Errorf(kesu.EInvalid, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return kesu.Errorf(kesu.EInvalid, "malformed JSON: unexpected end of input")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return kesu.Errorf(kesu.EInvalid, "the request body must be a JSON object")
		}
		return &kesu.Error{Code: kesu.EInvalid, Field: field, Message: "must be " + describeType(typ)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if path := badField(body, reflect.TypeOf(dst)); path != "" {
			name = path
		}
		return &kesu.Error{Code: kesu.EInvalid, Field: name, Message: "unknown field"}
	case errors.As(err, &ke):
		if ke.Field == "" {
			ke.Field = badField(body, reflect.TypeOf(dst))
		}
		return ke
	default:
		// Errors from a type's own decoder (time.Time) do not say where they
		// happened; badField finds the field.
		return &kesu.Error{Code: kesu.EInvalid, Field: badField(body, reflect.TypeOf(dst)), Message: "invalid value: " + err.Error()}
	}
}

func describeType(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "of another type"
	}
	switch e.Type.String() {
	case "kesu.Money":
		return `a decimal string such as "199.00"`
	case "time.Time":
		return `an RFC 3339 time such as "2026-11-20T10:00:00+08:00"`
	}
	switch e.Type.Kind().String() {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "an integer"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "of type " + e.Type.Elem().String()
	}
	return "of type " + e.Type.String()
}

// badField finds the dotted path of the first field of body that does not
// decode into type t: an unknown key or a value its field refuses.
func badField(body []byte, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return key
		}
		f, ok := jsonField(t, key)
		if !ok {
			return key
		}
		v := reflect.New(f.Type)
		sub := json.NewDecoder(bytes.NewReader(raw))
		sub.DisallowUnknownFields()
		if err := sub.Decode(v.Interface()); err != nil {
			if inner := badField(raw, f.Type); inner != "" {
				return key + "." + inner
			}
			return key
		}
	}
	return ""
}

// jsonField finds the struct field that encoding/json would fill for key.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f, true
		}
	}
	return fold, found
}
