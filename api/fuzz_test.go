package api

import (
	"errors"
	"testing"
	"time"

	"github.com/kesu/kesu"
)

// FuzzDecodeNewComplaint feeds arbitrary bodies to the intake decoder. It
// must never panic, and whatever it refuses must be refused as invalid
// input (*kesu.Error, code invalid), never as an internal error. What it
// accepts goes on to Build, which holds to the same rule.
func FuzzDecodeNewComplaint(f *testing.F) {
	f.Add([]byte(fullComplaintBody))
	f.Add([]byte(`{"description":"漏水","customer":{"phone":"13812345678"}}`))
	for _, b := range complaintBadBodies {
		f.Add([]byte(b.body))
	}
	for _, b := range malformedBodies {
		f.Add([]byte(b.body))
	}
	f.Add([]byte(overMiB[:4096]))
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in kesu.NewComplaint
		err := decodeJSON(body, &in)
		if err != nil {
			wantInvalid(t, "decodeJSON", body, err)
			return
		}
		if _, err := in.Build(now, kesu.Actor{UserID: 1, Role: kesu.RoleAgent}); err != nil {
			wantInvalid(t, "Build", body, err)
		}
	})
}

func wantInvalid(t *testing.T, what string, body []byte, err error) {
	t.Helper()
	ke, ok := err.(*kesu.Error)
	if !ok {
		var wrapped *kesu.Error
		t.Fatalf("%s(%q): error %T %v is not a *kesu.Error (wrapped: %v)", what, body, err, err, errors.As(err, &wrapped))
	}
	if ke.Code != kesu.EInvalid || ke.Message == "" {
		t.Fatalf("%s(%q): %#v, want code invalid with a message", what, body, ke)
	}
}
