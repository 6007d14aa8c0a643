package ui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestTechnicianMovesAnAsset: a Technician's one write (PRODUCT.md §5) has its own dialog in the
// asset's window: the location picker alone; the move is saved, and any other field is refused.
func TestTechnicianMovesAnAsset(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			c := addUser(t, st, steward.RoleTechnician)
			u, err := st.s.SignIn(ctx, string(steward.RoleTechnician)+"@example.com", st.password)
			if err != nil {
				t.Fatal(err)
			}
			sys := steward.SystemActor(u.AccountID)
			yard, err := st.s.CreateLocation(ctx, sys, steward.LocationFields{Name: "North Yard"})
			if err != nil {
				t.Fatal(err)
			}
			site, err := st.s.CreateLocation(ctx, sys, steward.LocationFields{Name: "Bridge Site"})
			if err != nil {
				t.Fatal(err)
			}
			as, err := st.s.CreateAsset(ctx, sys, steward.AssetFields{Name: "Crane 7", SerialNumber: "CR-7", LocationID: &yard.ID})
			if err != nil {
				t.Fatal(err)
			}
			base := "/assets/" + as.ID
			mustContain(t, "the asset window", c.get(base, "", 200), `id="move-asset"`)
			if body := c.get(base, "", 200); strings.Contains(body, `id="edit-asset"`) || strings.Contains(body, `id="archive-asset"`) {
				t.Errorf("a technician is offered edit or archive")
			}
			dialog := c.get(base+"/edit", "dialog-body", 200)
			mustContain(t, "move dialog", dialog, "Move Crane 7", `name="location_id"`, "North Yard", `id="save-asset"`)
			if strings.Contains(dialog, `name="name"`) || strings.Contains(dialog, `name="serial_number"`) {
				t.Errorf("the move dialog offers other fields:\n%s", dialog)
			}
			// Another field is refused and nothing changes.
			c.post(base, url.Values{"location_id": {site.ID}, "name": {"Renamed"}, "version": {"1"}}, "dialog-body", 403)
			// The move itself.
			c.post(base, url.Values{"location_id": {site.ID}, "pick": {""}, "version": {"1"}}, "dialog-body", 200)
			got, err := st.s.Asset(ctx, sys, as.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.LocationID == nil || *got.LocationID != site.ID || got.Name != "Crane 7" || got.SerialNumber != "CR-7" {
				t.Errorf("after the move: location %v, name %q, serial %q", got.LocationID, got.Name, got.SerialNumber)
			}
			// A stale form is the usual message; a form without the location is refused on it.
			c.post(base, url.Values{"location_id": {""}, "version": {"1"}}, "dialog-body", 412)
			c.post(base, url.Values{"version": {"2"}}, "dialog-body", 422)
		})
	}
}
