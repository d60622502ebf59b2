package auth

import (
	"bytes"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	a, ha := NewToken()
	b, hb := NewToken()
	if a == b || bytes.Equal(ha, hb) || !strings.HasPrefix(a, TokenPrefix) || len(ha) != 32 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if !bytes.Equal(HashToken(a), ha) || !bytes.Equal(HashToken(" "+a+"\n"), ha) {
		t.Fatal("hash of the token differs from the one stored")
	}
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "wrong horse battery") || CheckPassword("", "") {
		t.Fatal("password check")
	}
	if p := RandomPassword(); len(p) < 16 || p == RandomPassword() {
		t.Fatalf("random password %q", p)
	}
}
