package main

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// The command line names its own flags, never the API's field names.
func TestDescribeNamesTheFlag(t *testing.T) {
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	fs.String("expires", "", "")
	fs.String("role", "", "")
	fs.String("admin-name", "", "")
	flags := flagsOf(fs, map[string]string{"expires_at": "expires"})

	tooLate := &steward.Error{Code: steward.EINVALID, Message: "invalid", Fields: []steward.FieldError{
		{Field: "expires_at", Message: "must be within 10 years from now"},
		{Field: "role", Message: "may only lower the user's role (user)"},
		{Field: "admin_name", Message: "must be at most 200 characters"},
	}}
	err := describe("apikey create", tooLate, flags)
	want := "--expires: must be within 10 years from now; --role: may only lower the user's role (user); --admin-name: must be at most 200 characters"
	if !errors.Is(err, errUsage) || err.Error() != want {
		t.Errorf("%v, want the usage error %q", err, want)
	}
	if strings.Contains(err.Error(), "expires_at") || strings.Contains(err.Error(), "--expires-at") {
		t.Errorf("%q names the API's field", err)
	}

	// A field no flag sets is named as it is, and is no mistake in the command line.
	noFlag := &steward.Error{Code: steward.EINVALID, Fields: []steward.FieldError{{Field: "password", Message: "must be at least 8 characters"}}}
	err = describe("dev seed", noFlag, flags)
	if errors.Is(err, errUsage) || err.Error() != "password: must be at least 8 characters" || !hasField(err, "password") {
		t.Errorf("a field without a flag: %v", err)
	}

	// A conflict keeps its exit status and names the flag.
	conflict := &steward.Error{Code: steward.ECONFLICT, Fields: []steward.FieldError{{Field: "admin_name", Message: "is taken"}}}
	err = describe("init", conflict, flags)
	if errors.Is(err, errUsage) || err.Error() != "--admin-name: is taken" || !hasField(err, "admin_name") {
		t.Errorf("a conflict: %v", err)
	}
}
