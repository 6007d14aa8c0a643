package steward

import "testing"

// TestTextIdentity: names and identifiers are stored NFC; invisible and bidirectional control
// characters are refused in them; a name needs a visible character.
func TestTextIdentity(t *testing.T) {
	nfd := "Mu\u0308ller" // "Müller" decomposed
	f := AssetFields{Name: nfd, SerialNumber: "SN-" + nfd, ExternalRef: " e\u0301 "}
	if err := f.Normalize(); err != nil {
		t.Fatal(err)
	}
	if f.Name != "Müller" || f.SerialNumber != "SN-Müller" || f.ExternalRef != "é" {
		t.Errorf("not NFC: %q %q %q", f.Name, f.SerialNumber, f.ExternalRef)
	}
	for _, tc := range []struct {
		f     AssetFields
		field string
	}{
		{AssetFields{Name: "Pump", SerialNumber: "SN\u200b1"}, "serial_number"},
		{AssetFields{Name: "Pump", SerialNumber: "\ufeffSN1"}, "serial_number"},
		{AssetFields{Name: "Pump", ExternalRef: "ERP\u202e17"}, "external_ref"},
		{AssetFields{Name: "Pump", ExternalRef: "a\u2066b"}, "external_ref"},
		{AssetFields{Name: "\u200b"}, "name"},
		{AssetFields{Name: "Pu\u200dmp"}, "name"},
		{AssetFields{Name: "\u0301\u0308"}, "name"},
		{AssetFields{Name: "\u00a0"}, "name"},
	} {
		err := tc.f.Normalize()
		e, ok := err.(*Error)
		if !ok || e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
			t.Errorf("%+v: %v, want 422 on %s", tc.f, err, tc.field)
		}
	}
	// Notes may carry direction marks (right-to-left text needs them); names of any script pass.
	c := CustomerFields{Name: "대한건설 有限公司", Notes: "\u200fשלום\u200f"}
	if err := c.Normalize(); err != nil {
		t.Errorf("%v", err)
	}
}
