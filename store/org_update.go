package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kesu/kesu"
)

// CategoryPatch changes a category; nil fields stay. Codes never change.
type CategoryPatch struct {
	Name       *string
	NameEN     *string
	Department *string // owning department code; "" clears
	Active     *bool
}

// UpdateCategory applies a patch to the category with code.
func (db *DB) UpdateCategory(ctx context.Context, code string, p CategoryPatch) (kesu.Category, error) {
	var c kesu.Category
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		c, err = scanCategory(tx.queryRow(ctx, `SELECT `+categoryCols+` FROM categories WHERE code = ?`, code))
		if err == sql.ErrNoRows {
			return kesu.Errorf(kesu.ENotFound, "no category %q", code)
		} else if err != nil {
			return err
		}
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.NameEN != nil {
			c.NameEN = *p.NameEN
		}
		if p.Active != nil {
			c.Active = *p.Active
		}
		if p.Department != nil {
			if c.DepartmentID, err = tx.departmentIDOf(ctx, "department", *p.Department); err != nil {
				return err
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE categories SET name = ?, name_en = ?, department_id = ?, active = ? WHERE id = ?`,
			c.Name, c.NameEN, nullID(c.DepartmentID), c.Active, c.ID)
		return err
	})
	return c, err
}

// UserPatch changes a staff account; nil fields stay. Emails never change.
type UserPatch struct {
	Name         *string
	Role         *kesu.Role
	Department   *string // code; "" clears
	Active       *bool
	PasswordHash *string
}

// UpdateUser applies a patch to the user with id. Deactivating a user also
// stops their API tokens (UserByTokenHash checks the account is active).
func (db *DB) UpdateUser(ctx context.Context, id int64, p UserPatch) (kesu.User, error) {
	var u kesu.User
	err := db.tx(ctx, func(tx *Tx) error {
		var hash string
		var err error
		u, err = scanUser(tx.queryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE id = ?`, id), &hash)
		if err == sql.ErrNoRows {
			return kesu.Errorf(kesu.ENotFound, "no user %d", id)
		} else if err != nil {
			return err
		}
		wasAdmin := u.Role == kesu.RoleAdmin && u.Active
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.Role != nil {
			u.Role = *p.Role
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		if p.PasswordHash != nil {
			hash = *p.PasswordHash
		}
		if p.Department != nil {
			if u.DepartmentID, err = tx.departmentIDOf(ctx, "department", *p.Department); err != nil {
				return err
			}
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if wasAdmin && (!u.Active || u.Role != kesu.RoleAdmin) {
			// Never lock everyone out: one active administrator must remain.
			var admins int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND active = ? AND id <> ?`,
				string(kesu.RoleAdmin), true, u.ID).Scan(&admins); err != nil {
				return err
			}
			if admins == 0 {
				return kesu.Errorf(kesu.EConflict, "this would leave no active administrator")
			}
		}
		_, err = tx.exec(ctx, `UPDATE users SET name = ?, role = ?, department_id = ?, active = ?, password_hash = ? WHERE id = ?`,
			u.Name, string(u.Role), nullID(u.DepartmentID), u.Active, hash, u.ID)
		return err
	})
	return u, err
}

// RevokeToken revokes an API token. ownerID limits it to that user's tokens
// (0: any token, for administrators).
func (db *DB) RevokeToken(ctx context.Context, tokenID, ownerID int64, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		q := `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`
		args := []any{micros(now), tokenID}
		if ownerID != 0 {
			q += ` AND user_id = ?`
			args = append(args, ownerID)
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no active token %d of yours", tokenID)
		}
		return nil
	})
}
