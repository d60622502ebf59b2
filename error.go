package kesu

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a failure. The HTTP layer maps each code to one status
// in one place; the domain and the store never speak HTTP.
type ErrorCode string

const (
	EInvalid      ErrorCode = "invalid"
	ENotFound     ErrorCode = "not_found"
	EConflict     ErrorCode = "conflict"
	EForbidden    ErrorCode = "forbidden"
	EUnauthorized ErrorCode = "unauthorized"
	ETooLarge     ErrorCode = "too_large"
	EUnavailable  ErrorCode = "unavailable"
	EInternal     ErrorCode = "internal"
)

// Error is the one error type of kesu. Message is safe to show to the caller;
// Field names the offending input field when there is one.
type Error struct {
	Code    ErrorCode
	Message string
	Field   string
	// Format and Args are what Message was made of, so that a page can show
	// the message in the reader's language (i18n.ErrorText).
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldError returns an invalid-input error that names the field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Message: fmt.Sprintf(format, args...), Field: field, Format: format, Args: args}
}

// ErrorCodeOf returns the code of err, or EInternal for errors that are not
// *Error (they are bugs or infrastructure failures, never shown verbatim).
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessageOf returns the caller-safe message of err.
func ErrorMessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFieldOf returns the field named by err, if any.
func ErrorFieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
