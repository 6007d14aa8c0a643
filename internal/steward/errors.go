// Package steward holds Steward's domain: the types every layer speaks, their validation, the
// error codes, the caller (Actor) and the service interfaces the store implements and the web
// layer consumes. It imports nothing but the standard library.
package steward

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web layer, in one table.
const (
	EINVALID      = "invalid"             // 422: a field is wrong; Fields says which.
	EBADREQUEST   = "bad_request"         // 400: the request itself cannot be read.
	EUNAUTHORIZED = "unauthorized"        // 401: no valid credentials.
	EFORBIDDEN    = "forbidden"           // 403: the caller's role does not allow it.
	ENOTFOUND     = "not_found"           // 404: absent, or not visible to the caller.
	ECONFLICT     = "conflict"            // 409: a uniqueness or reference conflict.
	EPRECONDITION = "precondition_failed" // 412: If-Match did not match the stored version.
	ETOOLARGE     = "too_large"           // 413: the body is over its limit.
	EINTERNAL     = "internal"            // 500: a bug or an outage; never shown in detail.
)

// FieldError says what is wrong with one field, named by its JSON name (dotted when nested).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of the domain. Code decides the HTTP status; Message is safe to
// show to the caller; Fields lists field-level violations; Kind, when set, refines the problem
// type (for example "externally-managed").
type Error struct {
	Code    string
	Message string
	Kind    string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("steward: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("steward: %s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error,
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the *Error's message, or "internal error".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// NotFound returns the ENOTFOUND error for an object kind ("customer", "asset", …).
func NotFound(kind string) *Error {
	return Errorf(ENOTFOUND, "%s not found", kind)
}

// Violations collects field errors; its Err method returns nil when there are none.
type Violations []FieldError

// Add records that field is wrong.
func (v *Violations) Add(field, format string, args ...any) {
	*v = append(*v, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID *Error listing every violation, or nil.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	msg := "validation failed"
	if len(v) == 1 {
		msg = v[0].Field + ": " + v[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: v}
}

// Invalid returns an EINVALID error for one field.
func Invalid(field, format string, args ...any) *Error {
	var v Violations
	v.Add(field, format, args...)
	return v.Err().(*Error)
}
