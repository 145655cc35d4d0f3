// Package errs is the one error type the domain packages return to their callers.
//
// An Error carries a Code that the API maps to an HTTP status, and a message for the user in
// Vietnamese first with an English translation. Anything that is not an *Error is an internal
// error: the user sees a generic message and the full error is logged.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers; the API maps each code to one HTTP status.
type Code string

// The codes. Keep the list short: a caller branches on them.
const (
	Invalid         Code = "invalid"         // the request is malformed or breaks a rule
	Unauthenticated Code = "unauthenticated" // no valid session
	Forbidden       Code = "forbidden"       // authenticated, but not allowed
	NotFound        Code = "not_found"       // no such thing (or the caller may not know it exists)
	Conflict        Code = "conflict"        // duplicate, stale version, illegal state transition
	TooLarge        Code = "too_large"       // body or file over the limit
	Unsupported     Code = "unsupported"     // wrong media type
	RateLimited     Code = "rate_limited"    // too many attempts
	Unavailable     Code = "unavailable"     // a dependency is down; try again
	Internal        Code = "internal"        // a bug or an unexpected failure
)

// Error is a domain error with a user-facing message in Vietnamese (Message) and English (MessageEN).
type Error struct {
	Code      Code
	Message   string // Vietnamese, shown first
	MessageEN string // English
	Field     string // the input field at fault, when there is one
	Err       error  // the cause, logged but never shown
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.MessageEN
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an Error with a Vietnamese and an English message.
func E(code Code, vi, en string) *Error { return &Error{Code: code, Message: vi, MessageEN: en} }

// Fieldf builds an Invalid error about one input field.
func Fieldf(field, vi, en string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(vi, args...), MessageEN: fmt.Sprintf(en, args...)}
}

// Wrap attaches a cause to an Error (for the log) and returns it.
func (e *Error) Wrap(err error) *Error { c := *e; c.Err = err; return &c }

// CodeOf returns the code of err: the Code of the first *Error in its chain, Internal otherwise.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Common errors shared by several packages.
var (
	ErrUnauthenticated = E(Unauthenticated, "Bạn cần đăng nhập.", "You need to sign in.")
	ErrForbidden       = E(Forbidden, "Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this.")
	ErrNotFound        = E(NotFound, "Không tìm thấy.", "Not found.")
)
