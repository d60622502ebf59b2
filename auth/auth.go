// Package auth hashes passwords and API tokens.
//
// API tokens are random 256-bit secrets stored as SHA-256 hashes: checking
// one costs a hash and an indexed lookup. Passwords use bcrypt, which is
// slow on purpose and used only at login.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// TokenPrefix marks kesu API tokens so that secret scanners can find leaks.
const TokenPrefix = "kesu_"

// NewToken returns a fresh token and the hash to store.
func NewToken() (token string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return h[:]
}

// HashPassword hashes a password with bcrypt.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// RandomPassword returns a password for a generated account.
func RandomPassword() string {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Session cookies: the browser holds a random token (NewToken), the
// database its SHA-256. Over HTTPS the cookie takes the __Host- prefix, which
// browsers only accept with Secure, Path=/ and no Domain.
const (
	SessionCookie       = "kesu_session"
	SecureSessionCookie = "__Host-kesu_session"
	// CSRFHeader carries the session's CSRF token on unsafe requests made by
	// scripts (htmx, fetch); forms send the field "csrf".
	CSRFHeader = "X-CSRF-Token"
)

// SessionToken returns the session token a request carries, if any.
func SessionToken(r *http.Request) string {
	for _, name := range []string{SecureSessionCookie, SessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" && len(c.Value) < 200 {
			return c.Value
		}
	}
	return ""
}

// SameToken compares two secrets in constant time.
func SameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
