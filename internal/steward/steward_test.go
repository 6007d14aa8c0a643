package steward

import (
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		body  string
		code  string
		field string
	}{
		{`{"name":"x"}`, "", ""},
		{``, EBADREQUEST, ""},
		{`{"name":`, EBADREQUEST, ""},
		{`[1]`, EBADREQUEST, ""},
		{"{\"name\":\"\xff\"}", EBADREQUEST, ""},
		{`{"name":"x"} {}`, EBADREQUEST, ""},
		{`{"nmae":"x"}`, EINVALID, "nmae"},
		{`{"name":"x","address":{"planet":"Mars"}}`, EINVALID, "address.planet"},
		{`{"name":5}`, EINVALID, "name"},
		{`{"name":"x","address":{"city":7}}`, EINVALID, "address.city"},
	} {
		var f CustomerFields
		err := DecodeJSON([]byte(tc.body), &f)
		if got := ErrorCode(err); got != tc.code {
			t.Errorf("%q: code %q, want %q (%v)", tc.body, got, tc.code, err)
			continue
		}
		if tc.field != "" {
			e := err.(*Error)
			if len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Errorf("%q: fields %v, want %s", tc.body, e.Fields, tc.field)
			}
		}
	}
}

func TestApplyMergePatch(t *testing.T) {
	f := CustomerFields{Name: "Müller Bau", Email: "a@b.example", Notes: "n",
		Address: Address{Street: "Hauptstraße 1", City: "Köln", Country: "DE"}}
	if err := ApplyMergePatch(&f, []byte(`{"email":null,"address":{"city":"Bonn"},"phone":"+49 1 2345"}`)); err != nil {
		t.Fatal(err)
	}
	want := CustomerFields{Name: "Müller Bau", Phone: "+49 1 2345", Notes: "n",
		Address: Address{Street: "Hauptstraße 1", City: "Bonn", Country: "DE"}}
	if f != want {
		t.Fatalf("got %+v\nwant %+v", f, want)
	}
	if err := ApplyMergePatch(&f, []byte(`{"address":null}`)); err != nil || f.Address != (Address{}) {
		t.Fatalf("address null: %+v %v", f.Address, err)
	}
	err := ApplyMergePatch(&f, []byte(`{"address":{"planet":"x"},"colour":1}`))
	e, _ := err.(*Error)
	if e == nil || e.Code != EINVALID || len(e.Fields) != 2 {
		t.Fatalf("unknown fields: %v", err)
	}
	if err := ApplyMergePatch(&f, []byte(`{"name":null}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.Normalize(); ErrorCode(err) != EINVALID {
		t.Fatalf("name cleared: %v", err)
	}
}

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
