package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
)

type userKey struct{}

// authenticate checks the bearer token.
func (s *Server) authenticate(r *http.Request) (kesu.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" { // a browser's session cookie (web pages calling the API)
		if u, ok, err := s.sessionUser(r); ok {
			return u, err
		}
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return kesu.User{}, kesu.Errorf(kesu.EUnauthorized, "an Authorization: Bearer <token> header is required")
	}
	return s.db.UserByTokenHash(r.Context(), auth.HashToken(token), s.clock.Now())
}

// caller is the authenticated user of the request.
func caller(ctx context.Context) kesu.User {
	u, _ := ctx.Value(userKey{}).(kesu.User)
	return u
}

// requireRole refuses callers whose role is not one of roles.
func requireRole(ctx context.Context, roles ...kesu.Role) error {
	u := caller(ctx)
	for _, r := range roles {
		if u.Role == r {
			return nil
		}
	}
	return kesu.Errorf(kesu.EForbidden, "this needs the role %s", roles[0])
}
