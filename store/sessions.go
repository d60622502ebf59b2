package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kesu/kesu"
)

// Session is a signed-in browser. The cookie carries a random token; only
// its SHA-256 is stored, so a copy of the database opens no session.
type Session struct {
	ID                 int64
	User               kesu.User
	CSRF               string
	MustChangePassword bool
	CreatedAt          time.Time
	ExpiresAt          time.Time
	lastSeen           time.Time
}

// Session lifetimes: idle sessions end after SessionIdle, every session
// after SessionMax.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
)

// CreateSession stores a new session for userID.
func (db *DB) CreateSession(ctx context.Context, userID int64, tokenHash []byte, csrf, client string, now time.Time) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.insert(ctx, `INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, client)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tokenHash, userID, csrf, micros(now), micros(now), micros(now.Add(SessionIdle)), truncateText(client, 200))
		return err
	})
	return id, err
}

// SessionByHash finds a live session of an active user; the session's idle
// expiry moves forward (written at most every minute).
func (db *DB) SessionByHash(ctx context.Context, tokenHash []byte, now time.Time) (Session, error) {
	var s Session
	var created, expires, seen int64
	u, err := scanUser(db.queryRow(ctx, `SELECT u.id, u.email, u.name, u.role, COALESCE(u.department_id, 0), u.active, u.created_at,
		s.id, s.csrf_token, u.must_change_password, s.created_at, s.expires_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash),
		&s.ID, &s.CSRF, &s.MustChangePassword, &created, &expires, &seen)
	if err == sql.ErrNoRows {
		return s, kesu.Errorf(kesu.EUnauthorized, "not signed in")
	}
	if err != nil {
		return s, db.mapErr(err)
	}
	s.User, s.CreatedAt, s.ExpiresAt, s.lastSeen = u, fromMicros(created), fromMicros(expires), fromMicros(seen)
	if !u.Active || !now.Before(s.ExpiresAt) || now.Sub(s.CreatedAt) > SessionMax {
		return Session{}, kesu.Errorf(kesu.EUnauthorized, "the session has ended; sign in again")
	}
	if now.Sub(s.lastSeen) > time.Minute {
		s.ExpiresAt = now.Add(SessionIdle)
		err := db.tx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`, micros(now), micros(s.ExpiresAt), s.ID)
			return err
		})
		if err != nil {
			return Session{}, err
		}
	}
	return s, nil
}

// DeleteSession ends one session (logout).
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}

// DeleteExpiredSessions removes ended sessions and old login attempts.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR created_at <= ?`,
			micros(now), micros(now.Add(-SessionMax))); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM login_attempts WHERE at < ?`, micros(now.Add(-24*time.Hour)))
		return err
	})
}

// SetPassword stores a new password hash and ends the user's other
// sessions (keepSession survives: the one that changed it). mustChange asks
// for another change at the next login (an administrator set it).
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, keepSession int64) error {
	return db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?`, hash, mustChange, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no user %d", userID)
		}
		_, err = tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keepSession)
		return err
	})
}

// RequirePasswordChange marks the account so that its next login must
// choose a new password (the first administrator's one-time password).
func (db *DB) RequirePasswordChange(ctx context.Context, userID int64) error {
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE users SET must_change_password = ? WHERE id = ?`, true, userID)
		return err
	})
}

// PasswordHash returns the stored password hash of userID.
func (db *DB) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var h string
	err := db.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&h)
	if err == sql.ErrNoRows {
		return "", kesu.Errorf(kesu.ENotFound, "no user %d", userID)
	}
	return h, db.mapErr(err)
}

// Lockout policy: after MaxFailures failed logins for one account within
// LockoutWindow the account is locked until the window passes; one client
// address may fail MaxClientFailures times per window across all accounts.
const (
	MaxFailures       = 5
	MaxClientFailures = 30
	LockoutWindow     = 15 * time.Minute
)

// LoginAllowed reports whether email may try to log in from client now; if
// not, retryAfter says how long to wait.
func (db *DB) LoginAllowed(ctx context.Context, email, client string, now time.Time) (retryAfter time.Duration, err error) {
	since := micros(now.Add(-LockoutWindow))
	var n int
	var oldest sql.NullInt64
	// Failures since the last success count, within the window.
	err = db.queryRow(ctx, `SELECT COUNT(*), MIN(at) FROM login_attempts WHERE email = ? AND ok = ? AND at >= ?
		AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE email = ? AND ok = ?), 0)`,
		email, false, since, email, true).Scan(&n, &oldest)
	if err != nil {
		return 0, db.mapErr(err)
	}
	if n >= MaxFailures {
		return fromMicros(oldest.Int64).Add(LockoutWindow).Sub(now), nil
	}
	err = db.queryRow(ctx, `SELECT COUNT(*), MIN(at) FROM login_attempts WHERE client = ? AND ok = ? AND at >= ?`,
		client, false, since).Scan(&n, &oldest)
	if err != nil {
		return 0, db.mapErr(err)
	}
	if n >= MaxClientFailures {
		return fromMicros(oldest.Int64).Add(LockoutWindow).Sub(now), nil
	}
	return 0, nil
}

// RecordLogin records a login attempt.
func (db *DB) RecordLogin(ctx context.Context, email, client string, ok bool, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO login_attempts(email, client, ok, at) VALUES (?, ?, ?, ?)`,
			truncateText(email, 254), truncateText(client, 200), ok, micros(now))
		return err
	})
}

// Token is an API token's listing (never its secret).
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Tokens lists the user's API tokens, newest first.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	return list(ctx, db, func(s scanner) (Token, error) {
		var t Token
		var created int64
		var revoked sql.NullInt64
		err := s.Scan(&t.ID, &t.Name, &created, &revoked)
		t.CreatedAt, t.RevokedAt = fromMicros(created), fromNullMicros(revoked)
		return t, err
	}, `SELECT id, name, created_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
}

// UserByID returns one user.
func (db *DB) UserByID(ctx context.Context, id int64) (kesu.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return u, kesu.Errorf(kesu.ENotFound, "no user %d", id)
	}
	return u, db.mapErr(err)
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
