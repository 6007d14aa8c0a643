package store

import "testing"

func TestSameOrganizationName(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Acme Rentals", "Acme Rentals", true},
		{"Acme Rentals", "ACME RENTALS", true},
		{"Acme Rentals", "  Acme   Rentals ", true},
		{"Acme Rentals", "Acme\u00a0Rentals", true},        // no-break space
		{"Acme Rentals", "Acmé Rentals", true},             // accent
		{"Acme Rentals", "Acme\u200b Rentals", true},       // zero-width space
		{"Acme Rentals", "\u202eAcme Rentals\u202c", true}, // bidirectional override
		{"Acme Rentals", "Ａｃｍｅ Rentals", true},             // full-width letters
		{"Müller Bau", "Mueller Bau", false},               // a different spelling is a different name
		{"Müller Bau", "MULLER BAU", true},
		{"Straße", "Strasse", true},
		{"Ørsted", "Orsted", true},
		{"Acme Rentals", "Acme Rental", false},
		{"Acme Rentals", "AcmeRentals", false},
		{"田中建設", "田中建設 ", true},
		{"田中建設", "田中建設株式会社", false},
	} {
		if got := sameOrganizationName(c.a, c.b); got != c.same {
			t.Errorf("sameOrganizationName(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}
