package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TenantsResult says what BuildTenants built: one organization per entry of Accounts (in the
// order they were made), each with its Admin in Admins, and the totals over all of them.
type TenantsResult struct {
	Accounts                               []*steward.Account
	Admins                                 []*steward.User
	Customers, Locations, Contacts, Assets int
	Audit                                  int
	Took, Organizations, Load, Recount     time.Duration
	Now                                    time.Time
}

// TenantName is the name of organization i (from 0) of a BuildTenants run of n organizations
// named after prefix: "Tenant 0001" … "Tenant 2000".
func TenantName(prefix string, i, n int) string {
	width := max(4, len(fmt.Sprint(n)))
	return fmt.Sprintf("%s %0*d", prefix, width, i+1)
}

// BuildTenants creates orgs organizations, each with its Admin and a fleet of o.Assets assets
// shaped as Build shapes one (customers, locations, contacts and history scaled alike), for the
// "many tenants" variant of BENCHMARKS.md. The organizations are named after o.Org ("Tenant"
// when empty) with a number; each one's Email and Password derive from its name (o.Email and
// o.Password are ignored). Every fleet goes through one bulk load; each organization's data
// depends only on the seed and its name, so the same options give the same fleets.
func BuildTenants(ctx context.Context, s *store.Store, o Options, orgs int) (*TenantsResult, error) {
	start := time.Now()
	if o.Assets < 10 {
		return nil, fmt.Errorf("seed: --assets must be at least 10")
	}
	if orgs < 1 {
		return nil, fmt.Errorf("seed: --orgs must be at least 1")
	}
	if o.Org == "" {
		o.Org = "Tenant"
	}
	prefix := o.Org
	o.Email, o.Password = "", ""
	o.fill()
	newDB, err := s.Empty(ctx)
	if err != nil {
		return nil, err
	}
	defer collectLess()()
	res := &TenantsResult{Now: o.Now}
	opts := make([]Options, orgs)
	for i := range orgs {
		oi := o
		oi.Org, oi.Email, oi.Password = TenantName(prefix, i, orgs), "", ""
		oi.Progress = func(string, ...any) {} // one line per phase of the whole run instead
		oi.fill()
		acc, admin, err := s.CreateOrganization(ctx, steward.Organization{Name: oi.Org, Email: oi.Email,
			Password: oi.Password, Country: oi.Country, AdminName: oi.AdminName})
		if err != nil {
			return nil, fmt.Errorf("organization %q: %w", oi.Org, err)
		}
		opts[i] = oi
		res.Accounts, res.Admins = append(res.Accounts, acc), append(res.Admins, admin)
		if (i+1)%200 == 0 && i+1 < orgs {
			o.Progress("%d organizations", i+1)
		}
	}
	res.Organizations = time.Since(start)
	o.Progress("%d organizations with their Admins in %s", orgs, since(start))

	t := time.Now()
	total := orgs * o.Assets
	bo := store.BulkOptions{RebuildIndexes: total >= 100000 || o.RebuildIndexes, NewDatabase: newDB,
		Organizations: orgs, Progress: o.Progress}
	err = s.Bulk(ctx, bo, func(b *store.BulkLoader) error {
		for i, oi := range opts {
			g := newGen(oi, res.Accounts[i].ID)
			g.b = b
			var r Result
			if err := g.build(&r); err != nil {
				return err
			}
			res.Customers += r.Customers
			res.Locations += r.Locations
			res.Contacts += r.Contacts
			res.Assets += r.Assets
			res.Audit += g.audit
			if (i+1)%200 == 0 && i+1 < orgs {
				o.Progress("%d fleets generated", i+1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Load = time.Since(t)

	if res.Recount, err = finish(ctx, s, o.Progress, res.Accounts...); err != nil {
		return nil, err
	}
	res.Took = time.Since(start)
	return res, nil
}
