package api

import (
	"net/http"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/store"
)

// HTTPStatus is the status the API answers for an error code; the pages use
// it too, so the mapping stays in one place (statusOf).
func HTTPStatus(code kesu.ErrorCode) int { return statusOf(code) }

// sessionUser authenticates a browser session cookie. Unsafe methods must
// also carry the session's CSRF token in the X-CSRF-Token header.
func (s *Server) sessionUser(r *http.Request) (kesu.User, bool, error) {
	tok := auth.SessionToken(r)
	if tok == "" {
		return kesu.User{}, false, nil
	}
	sess, err := s.db.SessionByHash(r.Context(), auth.HashToken(tok), s.clock.Now())
	if err != nil {
		return kesu.User{}, true, err
	}
	if sess.MustChangePassword {
		return kesu.User{}, true, kesu.Errorf(kesu.EForbidden, "change your password first")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !auth.SameToken(r.Header.Get(auth.CSRFHeader), sess.CSRF) {
			return kesu.User{}, true, kesu.Errorf(kesu.EForbidden, "a cookie-authenticated %s needs the %s header", r.Method, auth.CSRFHeader)
		}
	}
	return sess.User, true, nil
}

// ContactDetails is a complaint's customer, unmasked.
type ContactDetails struct {
	Number   string        `json:"number"`
	Customer kesu.Customer `json:"customer"`
}

// contact reveals a complaint's customer contact details to a role with
// the unmask permission; every reveal is an audit event.
func (s *Server) contact(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	actor := caller(r.Context()).Actor()
	if err := kesu.CanOn(actor, kesu.PermUnmask, &c); err != nil {
		return err
	}
	if err := s.db.Audit(r.Context(), actor, store.AuditUnmask, c.ID, "api: customer contact", s.clock.Now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ContactDetails{Number: c.Number, Customer: c.Customer})
	return nil
}

// AuditList is the privacy audit trail.
type AuditList struct {
	Items []store.AuditEvent `json:"items"`
}

func (s *Server) auditEvents(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAudit); err != nil {
		return err
	}
	for name := range r.URL.Query() {
		if name != "action" {
			return kesu.FieldError(name, "unknown query parameter")
		}
	}
	items, err := s.db.AuditEvents(r.Context(), store.AuditFilter{Action: r.URL.Query().Get("action")})
	if err != nil {
		return err
	}
	if items == nil {
		items = []store.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, AuditList{Items: items})
	return nil
}
