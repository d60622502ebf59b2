package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kesu/kesu"
)

// CreateDepartment adds a department; parentCode may be empty.
func (db *DB) CreateDepartment(ctx context.Context, d kesu.Department, parentCode string, now time.Time) (kesu.Department, error) {
	if err := d.Validate(); err != nil {
		return kesu.Department{}, err
	}
	d.Active, d.CreatedAt = true, now.UTC()
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		if d.ParentID, err = tx.departmentIDOf(ctx, "parent", parentCode); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO departments(code, name, parent_id, active, created_at) VALUES (?, ?, ?, ?, ?)`,
			d.Code, d.Name, nullID(d.ParentID), true, micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "a department with this code exists", Field: "code"}
		}
		d.ID = id
		return err
	})
	return d, err
}

// UpdateDepartment renames or (de)activates a department. Codes never change.
func (db *DB) UpdateDepartment(ctx context.Context, code string, name *string, active *bool) (kesu.Department, error) {
	var d kesu.Department
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		if d, err = tx.departmentByCode(ctx, code); err != nil {
			return err
		}
		if name != nil {
			d.Name = *name
		}
		if active != nil {
			d.Active = *active
		}
		if err := d.Validate(); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE departments SET name = ?, active = ? WHERE id = ?`, d.Name, d.Active, d.ID)
		return err
	})
	return d, err
}

const departmentCols = `id, code, name, COALESCE(parent_id, 0), active, created_at`

func scanDepartment(s scanner) (kesu.Department, error) {
	var d kesu.Department
	var created int64
	err := s.Scan(&d.ID, &d.Code, &d.Name, &d.ParentID, &d.Active, &created)
	d.CreatedAt = fromMicros(created)
	return d, err
}

func (tx *Tx) departmentByCode(ctx context.Context, code string) (kesu.Department, error) {
	d, err := scanDepartment(tx.queryRow(ctx, `SELECT `+departmentCols+` FROM departments WHERE code = ?`, code))
	if err == sql.ErrNoRows {
		return d, kesu.Errorf(kesu.ENotFound, "no department %q", code)
	}
	return d, tx.db.mapErr(err)
}

// departmentIDOf resolves an optional department code ("" is none) given in
// the input field named field.
func (tx *Tx) departmentIDOf(ctx context.Context, field, code string) (int64, error) {
	if code == "" {
		return 0, nil
	}
	d, err := tx.departmentByCode(ctx, code)
	if kesu.ErrorCodeOf(err) == kesu.ENotFound {
		return 0, kesu.FieldError(field, "no department %q", code)
	}
	return d.ID, err
}

// Department returns the department with code.
func (db *DB) Department(ctx context.Context, code string) (kesu.Department, error) {
	d, err := scanDepartment(db.queryRow(ctx, `SELECT `+departmentCols+` FROM departments WHERE code = ?`, code))
	if err == sql.ErrNoRows {
		return d, kesu.Errorf(kesu.ENotFound, "no department %q", code)
	}
	return d, db.mapErr(err)
}

// Departments lists all departments by code.
func (db *DB) Departments(ctx context.Context) ([]kesu.Department, error) {
	return list(ctx, db, scanDepartment, `SELECT `+departmentCols+` FROM departments ORDER BY code`)
}

// CategoryRefs name a category's parent and owning department by code.
type CategoryRefs struct {
	Parent     string
	Department string
}

// CreateCategory adds a node to the category tree.
func (db *DB) CreateCategory(ctx context.Context, c kesu.Category, refs CategoryRefs, now time.Time) (kesu.Category, error) {
	if err := c.Validate(); err != nil {
		return kesu.Category{}, err
	}
	c.Active, c.CreatedAt = true, now.UTC()
	err := db.tx(ctx, func(tx *Tx) error {
		if refs.Parent != "" {
			if err := tx.queryRow(ctx, `SELECT id FROM categories WHERE code = ?`, refs.Parent).Scan(&c.ParentID); err != nil {
				return &kesu.Error{Code: kesu.EInvalid, Message: "no such parent category", Field: "parent"}
			}
		}
		var err error
		if c.DepartmentID, err = tx.departmentIDOf(ctx, "department", refs.Department); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO categories(code, name, name_en, parent_id, department_id, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Code, c.Name, c.NameEN, nullID(c.ParentID), nullID(c.DepartmentID), true, micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "a category with this code exists", Field: "code"}
		}
		c.ID = id
		return err
	})
	return c, err
}

const categoryCols = `id, code, name, name_en, COALESCE(parent_id, 0), COALESCE(department_id, 0), active, created_at`

func scanCategory(s scanner) (kesu.Category, error) {
	var c kesu.Category
	var created int64
	err := s.Scan(&c.ID, &c.Code, &c.Name, &c.NameEN, &c.ParentID, &c.DepartmentID, &c.Active, &created)
	c.CreatedAt = fromMicros(created)
	return c, err
}

// Categories lists the category tree, parents before children by code.
func (db *DB) Categories(ctx context.Context) ([]kesu.Category, error) {
	return list(ctx, db, scanCategory, `SELECT `+categoryCols+` FROM categories ORDER BY COALESCE(parent_id, 0), code`)
}

// CreateUser adds a staff account; passwordHash may be empty (token-only).
func (db *DB) CreateUser(ctx context.Context, u kesu.User, departmentCode, passwordHash string, now time.Time) (kesu.User, error) {
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		if u.DepartmentID, err = tx.departmentIDOf(ctx, "department", departmentCode); err != nil {
			return err
		}
		if err := u.Validate(); err != nil {
			return err
		}
		u.Active, u.CreatedAt = true, now.UTC()
		id, err := tx.insert(ctx, `INSERT INTO users(email, name, role, department_id, password_hash, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.Email, u.Name, string(u.Role), nullID(u.DepartmentID), passwordHash, true, micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "a user with this email exists", Field: "email"}
		}
		u.ID = id
		return err
	})
	return u, err
}

const userCols = `id, email, name, role, COALESCE(department_id, 0), active, created_at`

func scanUser(s scanner, extra ...any) (kesu.User, error) {
	var u kesu.User
	var created int64
	err := s.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.DepartmentID, &u.Active, &created}, extra...)...)
	u.CreatedAt = fromMicros(created)
	return u, err
}

// UserByEmail returns the user and their password hash.
func (db *DB) UserByEmail(ctx context.Context, email string) (kesu.User, string, error) {
	var hash string
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email = ?`, email), &hash)
	if err == sql.ErrNoRows {
		return u, "", kesu.Errorf(kesu.ENotFound, "no user %q", email)
	}
	return u, hash, db.mapErr(err)
}

// Users lists staff accounts by email.
func (db *DB) Users(ctx context.Context) ([]kesu.User, error) {
	return list(ctx, db, func(r scanner) (kesu.User, error) { return scanUser(r) }, `SELECT `+userCols+` FROM users ORDER BY email`)
}

// UserCount counts accounts (0 on a fresh install).
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, db.mapErr(err)
}

// CreateToken stores the SHA-256 hash of a new API token for the user.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string, hash []byte, now time.Time) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.insert(ctx, `INSERT INTO api_tokens(user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
			userID, name, hash, micros(now))
		return err
	})
	return id, err
}

// UserByTokenHash authenticates an API token by its hash.
func (db *DB) UserByTokenHash(ctx context.Context, hash []byte, now time.Time) (kesu.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT u.id, u.email, u.name, u.role, COALESCE(u.department_id, 0), u.active, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`, hash, micros(now)))
	if err == sql.ErrNoRows || (err == nil && !u.Active) {
		return kesu.User{}, kesu.Errorf(kesu.EUnauthorized, "invalid or revoked token")
	}
	return u, db.mapErr(err)
}
