package ui_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// countingService counts the lookups of one customer or location and the batch lookups.
type countingService struct {
	steward.Service
	one, batch atomic.Int64
}

func (c *countingService) Customer(ctx context.Context, a *steward.Actor, id string) (*steward.Customer, error) {
	c.one.Add(1)
	return c.Service.Customer(ctx, a, id)
}

func (c *countingService) Location(ctx context.Context, a *steward.Actor, id string) (*steward.Location, error) {
	c.one.Add(1)
	return c.Service.Location(ctx, a, id)
}

func (c *countingService) Names(ctx context.Context, a *steward.Actor, cs, ls []string) (map[string]steward.Ref, map[string]steward.Ref, error) {
	c.batch.Add(1)
	return c.Service.Names(ctx, a, cs, ls)
}

// TestListNamesInOneCall: the locations and assets pages name the customers and locations their
// rows refer to with one call for the page, never one lookup per row.
func TestListNamesInOneCall(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			cs := &countingService{Service: st.s}
			st.svc = cs
			st.serve(t) // a second server, over the counting service
			bg := context.Background()
			for i := range 12 {
				cu, err := st.s.CreateCustomer(bg, st.admin, steward.CustomerFields{Name: fmt.Sprintf("Customer %02d", i)})
				if err != nil {
					t.Fatal(err)
				}
				loc, err := st.s.CreateLocation(bg, st.admin, steward.LocationFields{Name: fmt.Sprintf("Yard %02d", i), CustomerID: &cu.ID})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.s.CreateAsset(bg, st.admin, steward.AssetFields{Name: fmt.Sprintf("Crane %02d", i), OwnerCustomerID: &cu.ID, LocationID: &loc.ID}); err != nil {
					t.Fatal(err)
				}
			}
			c := newClient(t, st, st.email, st.password)
			for _, page := range []struct{ path, target string }{{"/assets", ""}, {"/assets?sort=name", "results"}, {"/locations", ""}} {
				cs.one.Store(0)
				cs.batch.Store(0)
				body := c.get(page.path, page.target, 200)
				mustContain(t, page.path, body, "Customer 00", "Customer 11")
				if page.path != "/locations" {
					mustContain(t, page.path, body, "Yard 00", "Yard 11")
				}
				if one, batch := cs.one.Load(), cs.batch.Load(); one != 0 || batch != 1 {
					t.Errorf("%s: %d single lookups and %d batch lookups, want 0 and 1", page.path, one, batch)
				}
			}
		})
	}
}
