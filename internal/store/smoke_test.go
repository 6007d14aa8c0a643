package store_test

import (
	"context"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

func TestSmoke(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acc, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Acme", Email: "a@example.com", Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		k, err := s.CreateAPIKeyForEmail(ctx, "a@example.com", steward.APIKeyFields{Name: "k"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Authenticate(ctx, k.Key)
		if err != nil {
			t.Fatal(err)
		}
		if a.AccountID != acc.ID {
			t.Fatal("account")
		}
		c, err := s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Müller Bau"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.CreateLocation(ctx, a, steward.LocationFields{Name: "Site", CustomerID: &c.ID})
		if err != nil {
			t.Fatal(err)
		}
		x, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: "Excavator", SerialNumber: "SN-1", OwnerCustomerID: &c.ID, LocationID: &l.ID})
		if err != nil {
			t.Fatal(err)
		}
		_ = x
		got, err := s.Customer(ctx, a, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LocationCount != 1 || got.AssetsOnLocationCount != 1 || got.AssetsOwnedCount != 1 || got.AssetsOwnedElsewhereCount != 0 {
			t.Fatalf("counts %+v", got.CustomerCounts)
		}
		for _, q := range []string{"mull", "MÜL", "bau", "mü"} {
			p, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: q}})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Data) != 1 {
				t.Fatalf("q=%s: %d", q, len(p.Data))
			}
		}
		ev, err := s.AuditEvents(ctx, a, steward.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Data) < 5 {
			t.Fatalf("audit %d", len(ev.Data))
		}
		t.Logf("%+v", ev.Data[0])
	})
}
