package steward

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Status selects objects by archive state in lists.
type Status string

// List statuses; Active is the default.
const (
	StatusActive   Status = "active"
	StatusArchived Status = "archived"
	StatusAll      Status = "all"
)

// Limits of list pages.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ListParams are the parameters every list takes. Sort is a field name, "-" prefixed for
// descending; Cursor continues a previous page and is only valid with the same filters and sort.
type ListParams struct {
	Q      string
	Status Status
	Sort   string
	Limit  int
	Cursor string
}

// Page is one page of a list. NextCursor is nil on the last page.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// CheckOneOf adds a violation on field unless value is empty (the parameter is absent) or one of
// allowed; the message (OneOf) lists every allowed value, so a client can correct itself.
func CheckOneOf[T ~string](v *Violations, field string, value T, allowed []T) {
	if value != "" && !isOneOf(value, allowed) {
		v.Add(field, "%s", OneOf(allowed))
	}
}

// Check adds a violation for each parameter every list takes that this list cannot take: a
// status other than Status.Values, a sort other than one of sorts (optionally "-" prefixed).
func (p ListParams) Check(v *Violations, sorts []string) {
	CheckOneOf(v, "status", p.Status, p.Status.Values())
	if p.Sort == "" {
		return
	}
	name, _ := strings.CutPrefix(p.Sort, "-")
	for _, s := range sorts {
		if name == s {
			return
		}
	}
	v.Add("sort", "must be one of %s, optionally prefixed with -", strings.Join(sorts, ", "))
}

// IsCleanText reports whether s is text the database can hold and compare: valid UTF-8 without
// control characters (PostgreSQL refuses NUL and invalid UTF-8 outright). Query values, path
// values and the values inside a cursor are checked with it before they reach a query.
func IsCleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// IsID reports whether s could be an id Steward issued: 1 to 64 letters, digits, '-' or '_'.
// Ids are opaque to clients (the server issues UUIDs; bulk loads may bring their own), but never
// hold anything else, so nothing else needs to reach a query.
func IsID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// CheckID adds a violation on field unless id is empty (absent) or has the form of an id.
func CheckID(v *Violations, field, id string) {
	if id != "" && !IsID(id) {
		v.Add(field, "must be an id as the API returns them (like 0190a5c4-1b2c-7d3e-8f40-123456789abc)")
	}
}
