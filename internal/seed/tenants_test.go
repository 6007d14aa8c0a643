package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestBuildTenants builds the many-tenants variant at a tiny size on each engine: three
// organizations of 20 assets in one load, each with its own Admin, exact stored counts, its own
// fleet only, and each fleet exactly the one Build makes alone for the same name and seed.
func TestBuildTenants(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := seed.Options{Assets: 20, History: 2, Seed: 5, Now: now}
		res, err := seed.BuildTenants(ctx, s, o, 3)
		if err != nil {
			t.Fatal(err)
		}
		// Per organization: max(20/10, 3) customers, max(6, 6) locations, max(5, 3) contacts.
		if len(res.Accounts) != 3 || len(res.Admins) != 3 || res.Customers != 9 || res.Locations != 18 ||
			res.Contacts != 15 || res.Assets != 60 {
			t.Fatalf("sizes: %+v", res)
		}
		if want := 3 * (3 + 6 + 5 + 20*3); res.Audit != want {
			t.Fatalf("audit rows %d, want %d", res.Audit, want)
		}
		emails := map[string]bool{}
		for i, acc := range res.Accounts {
			if want := seed.TenantName("Tenant", i, 3); acc.Name != want {
				t.Errorf("organization %d is named %q, want %q", i, acc.Name, want)
			}
			admin := res.Admins[i]
			if admin.AccountID != acc.ID || admin.Role != steward.RoleAdmin || emails[admin.Email] {
				t.Fatalf("Admin of %q: %+v", acc.Name, admin)
			}
			emails[admin.Email] = true
			m, err := s.CountMismatches(ctx, acc.ID)
			if err != nil || m != (store.Mismatches{}) {
				t.Fatalf("%q: count mismatches %+v %v", acc.Name, m, err)
			}
			a := actorFor(t, s, admin.Email)
			page, err := s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Data) != 20 {
				t.Fatalf("%q sees %d assets, want its 20", acc.Name, len(page.Data))
			}
			for _, x := range page.Data {
				if x.OwnerAccountID != acc.ID {
					t.Fatalf("%q sees asset %s of account %s", acc.Name, x.ID, x.OwnerAccountID)
				}
			}
			cs, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Sort: "-assets_owned_count", Limit: 1}})
			if err != nil || len(cs.Data) != 1 {
				t.Fatalf("%q: customers %v", acc.Name, err)
			}
		}
		// The middle organization's fleet is the one Build makes alone under its name.
		mid := res.Accounts[1]
		got := dumpAccount(t, s, mid.ID, res.Admins[1].Email, res.Now)
		alone := o
		alone.Org = mid.Name
		want := dumpFleet(t, storetest.Open(t, s.Engine()), alone)
		if len(got) < 50 || len(got) != len(want) {
			t.Fatalf("the tenant's dump has %d lines, alone %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("the tenant differs from its fleet built alone at line %d:\ntenant: %s\n alone: %s", i, got[i], want[i])
			}
		}
	})
}
