package store_test

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestTextIdentity: one serial number typed in NFC, in NFD, or with an invisible character is
// one identifier: the NFD form conflicts with the first, the invisible one is refused.
func TestTextIdentity(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		a := newOrg(t, s).admin
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "Pumpe", SerialNumber: "MÜ-1", ExternalRef: "Ré-1"}))
		_, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: "Pumpe 2", SerialNumber: "MU\u0308-1"})
		wantField(t, err, steward.ECONFLICT, "serial_number")
		_, err = s.CreateAsset(ctx, a, steward.AssetFields{Name: "Pumpe 3", ExternalRef: "Re\u0301-1"})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		_, err = s.CreateAsset(ctx, a, steward.AssetFields{Name: "Pumpe 4", SerialNumber: "MÜ\u200b-1"})
		wantField(t, err, steward.EINVALID, "serial_number")
		_, err = s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "\u200b"})
		wantField(t, err, steward.EINVALID, "name")
		if got := allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll}}); len(got) != 1 {
			t.Errorf("%d assets, want 1", len(got))
		}
	})
}
