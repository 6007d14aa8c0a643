package steward

import (
	"testing"
)

func TestNormalize(t *testing.T) {
	f := CustomerFields{Name: "  Škoda  ", Website: "skoda.example", Address: Address{Country: "cz"}}
	if err := f.Normalize(); err != nil {
		t.Fatal(err)
	}
	if f.Name != "Škoda" || f.Type != CustomerOther || f.Website != "https://skoda.example" || f.Address.Country != "CZ" {
		t.Fatalf("normalized: %+v", f)
	}
	bad := CustomerFields{Name: "", Type: "friend", Email: "nope", Phone: "call me", Website: "ftp://x",
		Address: Address{Country: "XX"}, Notes: "ok\nfine"}
	err := bad.Normalize()
	e, _ := err.(*Error)
	if e == nil {
		t.Fatal("no error")
	}
	got := map[string]bool{}
	for _, fe := range e.Fields {
		got[fe.Field] = true
	}
	for _, want := range []string{"name", "type", "email", "phone", "website", "address.country"} {
		if !got[want] {
			t.Errorf("no violation for %s: %v", want, e.Fields)
		}
	}
	if got["notes"] {
		t.Error("line breaks in notes are allowed")
	}
	loc := LocationFields{Name: "x", Latitude: ptr(91.0)}
	if err := loc.Normalize(); err == nil || len(err.(*Error).Fields) != 2 {
		t.Fatalf("latitude out of range and longitude missing: %v", err)
	}
	asset := AssetFields{Name: "x", LocationID: ptr("a\x00b")}
	if err := asset.Normalize(); ErrorCode(err) != EINVALID {
		t.Fatalf("control character in a reference: %v", err)
	}
}

func TestCountries(t *testing.T) {
	for _, c := range []string{"DE", "US", "GB", "CZ", "ZW", "AX"} {
		if !ValidCountry(c) {
			t.Errorf("%s should be valid", c)
		}
	}
	for _, c := range []string{"UK", "EU", "XX", "D", "DEU", "de"} {
		if ValidCountry(c) {
			t.Errorf("%s should be invalid", c)
		}
	}
}

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		key, user Role
		ok        bool
	}{
		{RoleAdmin, RoleAdmin, true}, {RoleUser, RoleAdmin, true}, {RoleTechnician, RoleFleetAdmin, true},
		{RoleAdmin, RoleFleetAdmin, false}, {RoleTechnician, RoleUser, false}, {RoleUser, RoleTechnician, false},
	} {
		if got := tc.key.AtMost(tc.user); got != tc.ok {
			t.Errorf("%s.AtMost(%s) = %v", tc.key, tc.user, got)
		}
	}
	tech := &Actor{Role: RoleTechnician}
	if tech.Can(PermWriteFleet) || !tech.Can(PermMoveAsset) || tech.Can(PermAdminister) {
		t.Error("technician permissions")
	}
}

func ptr[T any](v T) *T { return &v }
