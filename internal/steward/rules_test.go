package steward

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuditObjectTypesFollowThePolicy(t *testing.T) {
	access := []string{ObjectAccount, ObjectUser, ObjectAPIKey, ObjectWebhook}
	for _, role := range []Role{RoleAdmin, RoleFleetAdmin, RoleUser, RoleTechnician} {
		a := &Actor{Role: role}
		got := a.AuditObjectTypes()
		for _, typ := range ObjectTypes() {
			want := role == RoleAdmin || !slices.Contains(access, typ)
			if slices.Contains(got, typ) != want {
				t.Errorf("%s: may read %s events = %v, want %v", role, typ, !want, want)
			}
		}
		if a.Can(PermReadAccess) != (role == RoleAdmin) {
			t.Errorf("%s: PermReadAccess = %v", role, a.Can(PermReadAccess))
		}
	}
	if got := (&Actor{Role: "root"}).AuditObjectTypes(); slices.Contains(got, ObjectAPIKey) {
		t.Errorf("an unknown role reads api_key events")
	}
}

func TestCheckOneOfListsTheValues(t *testing.T) {
	var v Violations
	CheckOneOf(&v, "status", Status(""), Status("").Values())
	CheckOneOf(&v, "status", StatusAll, StatusAll.Values())
	if v.Err() != nil {
		t.Fatalf("absent and valid values refused: %v", v)
	}
	CheckOneOf(&v, "status", Status("ALL"), StatusAll.Values())
	if len(v) != 1 || v[0].Field != "status" || v[0].Message != "must be one of active, archived, all" {
		t.Errorf("violations %v", v)
	}
}

func TestListParamsCheck(t *testing.T) {
	sorts := []string{"name", "created_at"}
	for sort, ok := range map[string]bool{"": true, "name": true, "-created_at": true, "-": false, "--name": false,
		"Name": false, "name ": false, "email": false, "-email": false} {
		var v Violations
		ListParams{Sort: sort}.Check(&v, sorts)
		if (v.Err() == nil) != ok {
			t.Errorf("sort %q: %v, want ok %v", sort, v, ok)
		}
		if !ok && (len(v) != 1 || !strings.Contains(v[0].Message, "name, created_at")) {
			t.Errorf("sort %q: %v", sort, v)
		}
	}
}

func TestIsID(t *testing.T) {
	for s, want := range map[string]bool{
		"0190a5c4-1b2c-7d3e-8f40-123456789abc": true, "bulk-c1-ab12": true, "seed": true, "A_b-9": true,
		"": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "a b": false, "a'b": false,
		"a\x00b": false, "é": false, "a/b": false, "a%00": false, "a\u200bb": false,
	} {
		if IsID(s) != want {
			t.Errorf("IsID(%q) = %v", s, !want)
		}
	}
}

func TestAuditFilterCheck(t *testing.T) {
	var v Violations
	AuditFilter{ObjectType: ObjectAPIKey, Action: ActionRevoke, Source: SourceAPI, ObjectID: "k1", CustomerID: "c1",
		ActorID: "seed"}.Check(&v)
	if v.Err() != nil {
		t.Fatalf("a good filter: %v", v)
	}
	AuditFilter{ObjectType: "Customer", Action: "created", Source: "fax", ObjectID: "a b", CustomerID: "\xff",
		ActorID: "a\x00"}.Check(&v)
	var fields []string
	for _, f := range v {
		fields = append(fields, f.Field)
	}
	if want := []string{"object_type", "object_id", "customer_id", "actor_id", "source", "action"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
}

func TestAPIKeyExpiryWithinTenYears(t *testing.T) {
	for name, at := range map[string]time.Time{
		"past": time.Now().Add(-time.Second), "eleven years": time.Now().AddDate(11, 0, 0),
		"year 10000": time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -(23*3600+59*60))),
	} {
		ts := TimestampOf(at)
		f := APIKeyFields{Name: "k", ExpiresAt: &ts}
		var e *Error
		if err := f.Normalize(); !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "expires_at" {
			t.Errorf("%s: %v, want a violation on expires_at", name, err)
		}
	}
	ts := TimestampOf(time.Now().AddDate(9, 11, 0))
	if err := (&APIKeyFields{Name: "k", ExpiresAt: &ts}).Normalize(); err != nil {
		t.Errorf("nine years and eleven months: %v", err)
	}
}
