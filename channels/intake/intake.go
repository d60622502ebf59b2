// Package intake turns the JSON that other systems post to
// POST /api/v1/intake/{source} (a shop, a CRM, a regulator's 12315
// transfer) into intake requests: each source has its own secret (an HMAC
// signature of the body, or a bearer secret) and its own field mapping
// from its JSON to complaint fields.
package intake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/transfer"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the raw
// body under the source's secret (for sources with auth hmac).
const SignatureHeader = "X-Kesu-Signature"

// Sign returns the SignatureHeader value for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Authenticate checks the request's credentials for src; the error is
// kesu's forbidden, saying nothing about which part was wrong.
func Authenticate(src store.IntakeSource, h http.Header, body []byte) error {
	bad := kesu.Errorf(kesu.EForbidden, "unknown intake source or wrong credentials")
	if !src.Active {
		return bad
	}
	switch src.Auth {
	case store.IntakeHMAC:
		got := strings.TrimSpace(h.Get(SignatureHeader))
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(Sign(src.Secret, body))) != 1 {
			return bad
		}
		return nil
	case store.IntakeBearer:
		auth := h.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(src.Secret)) != 1 {
			return bad
		}
		return nil
	}
	return bad
}

// MaxPath bounds a mapping path.
const MaxPath = 200

// ValidateMapping checks that every key is a complaint field and every path
// is usable.
func ValidateMapping(m map[string]string) error {
	for field, path := range m {
		if !transfer.IsIntakeField(field) {
			return kesu.FieldError("mapping."+field, "not a complaint field (one of: %s)", strings.Join(transfer.IntakeFields(), ", "))
		}
		if strings.TrimSpace(path) == "" || len(path) > MaxPath || !utf8.ValidString(path) {
			return kesu.FieldError("mapping."+field, "needs a path such as /order/id or order.id (at most %d bytes)", MaxPath)
		}
	}
	return nil
}

// Build reads one posted JSON object into an intake request through the
// source's mapping. A field not in the mapping is read from the body's own
// field of the same (dotted) name, so a body in kesu's intake shape needs no
// mapping. The external id (required: it makes retries safe) is prefixed
// with the source's name, so two sources' ids never collide.
func Build(src store.IntakeSource, body []byte, loc *time.Location) (kesu.NewComplaint, error) {
	var in kesu.NewComplaint
	if !utf8.Valid(body) {
		return in, kesu.Errorf(kesu.EInvalid, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return in, kesu.Errorf(kesu.EInvalid, "the body is not JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return in, kesu.Errorf(kesu.EInvalid, "the body must be one JSON object")
	}
	if _, ok := doc.(map[string]any); !ok {
		return in, kesu.Errorf(kesu.EInvalid, "the body must be a JSON object")
	}
	for _, field := range transfer.IntakeFields() {
		path, mapped := src.Mapping[field]
		if !mapped {
			path = field
		}
		v, found := Lookup(doc, path)
		if !found {
			continue
		}
		s, err := scalar(v)
		if err != nil {
			return in, kesu.FieldError(field, "%s (from %s)", err.Error(), path)
		}
		if err := transfer.SetField(&in, field, s, loc); err != nil {
			return in, err
		}
	}
	id := strings.TrimSpace(in.ExternalID)
	if id == "" {
		return in, kesu.FieldError("external_id", "the source's own id of the complaint is required (map it with mapping.external_id)")
	}
	in.ExternalID = src.Name + ":" + id
	if in.Channel == "" {
		in.Channel = src.Channel
	}
	return in, nil
}

// Lookup follows path through decoded JSON. A path starting with "/" is a
// JSON pointer (RFC 6901: "/order/items/0/name", ~1 for "/", ~0 for "~");
// otherwise its parts are separated by dots ("order.items.0.name").
func Lookup(doc any, path string) (any, bool) {
	var parts []string
	if strings.HasPrefix(path, "/") {
		parts = strings.Split(path[1:], "/")
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		}
	} else {
		parts = strings.Split(path, ".")
	}
	cur := doc
	for _, p := range parts {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[p]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// scalar renders a JSON value as the text of a CSV cell: strings as they
// are, numbers and booleans as written, null as empty, a list of scalars
// joined with "|" (tags).
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, err := scalar(e)
			if err != nil {
				return "", err
			}
			if _, nested := e.([]any); nested {
				return "", kesu.Errorf(kesu.EInvalid, "is a nested list")
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "|"), nil
	}
	return "", kesu.Errorf(kesu.EInvalid, "is an object, not a value")
}
