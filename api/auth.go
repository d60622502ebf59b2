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

// require refuses a caller whose role lacks p: the permission matrix of
// permission.go, the same check the pages make.
func require(ctx context.Context, p kesu.Permission) error {
	return kesu.Can(caller(ctx).Actor(), p)
}
