package steward

import (
	"regexp"
	"strings"
	"testing"
)

// snake is the API's form of an enumerated value: lower-case snake_case.
var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// checkEnum checks one enumeration: its values are distinct snake_case strings, each Valid;
// the empty string and near misses are not; OneOf names exactly the values.
func checkEnum[T interface {
	~string
	Values() []T
	Valid() bool
}](t *testing.T, name string, want int) {
	t.Helper()
	var zero T
	vals := zero.Values()
	if len(vals) != want {
		t.Errorf("%s: %d values %v, want %d", name, len(vals), vals, want)
	}
	seen := map[T]bool{}
	var names []string
	for _, v := range vals {
		if seen[v] || !snake.MatchString(string(v)) || !v.Valid() {
			t.Errorf("%s: value %q repeated, not snake_case or not Valid", name, v)
		}
		seen[v] = true
		names = append(names, string(v))
		for _, bad := range []T{T(strings.ToUpper(string(v))), v + " ", " " + v, v + "\x00"} {
			if bad.Valid() {
				t.Errorf("%s: %q is Valid", name, bad)
			}
		}
	}
	if zero.Valid() {
		t.Errorf("%s: the empty value is Valid", name)
	}
	if got, wantMsg := OneOf(vals), "must be one of "+strings.Join(names, ", "); got != wantMsg {
		t.Errorf("%s: OneOf = %q, want %q", name, got, wantMsg)
	}
}

func TestEnumerations(t *testing.T) {
	checkEnum[CustomerType](t, "CustomerType", 8)
	checkEnum[ContactKind](t, "ContactKind", 3)
	checkEnum[Role](t, "Role", 4)
	checkEnum[ActorType](t, "ActorType", 4)
	checkEnum[Source](t, "Source", 4)
	checkEnum[AccountKind](t, "AccountKind", 2)
	checkEnum[Status](t, "Status", 3)
	checkEnum[FleetVisibility](t, "FleetVisibility", 3)
}

// Validation refuses a value outside an enumeration with the message OneOf makes of its values.
func TestEnumerationMessages(t *testing.T) {
	for _, tc := range []struct {
		field string
		err   error
		want  string
	}{
		{"type", (&CustomerFields{Name: "n", Type: "boat"}).Normalize(), OneOf(CustomerType("").Values())},
		{"kind", (&ContactFields{Name: "n", Kind: "robot"}).Normalize(), OneOf(ContactKind("").Values())},
		{"kind", (&AccountFields{Name: "n", Kind: "partner"}).Normalize(), OneOf(AccountKind("").Values())},
		{"role", (&APIKeyFields{Name: "n", Role: "owner"}).Normalize(), OneOf(Role("").Values())},
	} {
		e, ok := tc.err.(*Error)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != tc.field || e.Fields[0].Message != tc.want {
			t.Errorf("%s: %v, want %q", tc.field, tc.err, tc.want)
		}
	}
	if !strings.Contains(OneOf(CustomerType("").Values()), "contractor, dealer") {
		t.Errorf("OneOf: %q", OneOf(CustomerType("").Values()))
	}
}
