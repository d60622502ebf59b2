package api

import (
	"context"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/store"
)

// CreateUser validates, hashes the password and stores a staff account. The
// CLI uses it too, so both paths apply the same rules.
func CreateUser(ctx context.Context, db *store.DB, in NewUser, now time.Time) (kesu.User, error) {
	hash := ""
	if in.Password != "" {
		if err := kesu.ValidatePassword(in.Password); err != nil {
			return kesu.User{}, err
		}
		var err error
		if hash, err = auth.HashPassword(in.Password); err != nil {
			return kesu.User{}, err
		}
	}
	return db.CreateUser(ctx, kesu.User{Email: in.Email, Name: in.Name, Role: in.Role}, in.Department, hash, now)
}
