package ui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestSharingAndTransfer: the asset window's Sharing tab shares, stops sharing and transfers;
// the account it is shared with sees it read-only on the list's "Shared with this account"
// side; the bulk form shares the ticked assets; the Accounts page sets auto-share.
func TestSharingAndTransfer(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			c := newClient(t, st, st.email, st.password)
			depot, err := st.s.CreateSubAccount(ctx, st.admin, steward.SubAccountFields{Name: "Depot Nord", Email: "nord@example.com", Country: "DE"})
			if err != nil {
				t.Fatal(err)
			}
			cu, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "Kunde GmbH"})
			if err != nil {
				t.Fatal(err)
			}
			x, err := st.s.CreateAsset(ctx, st.admin, steward.AssetFields{Name: "Crane 9", OwnerCustomerID: &cu.ID})
			if err != nil {
				t.Fatal(err)
			}
			y, err := st.s.CreateAsset(ctx, st.admin, steward.AssetFields{Name: "Loader 3"})
			if err != nil {
				t.Fatal(err)
			}
			base := "/assets/" + x.ID
			tab := c.get(base+"?tab=sharing", "", 200)
			mustContain(t, "the sharing tab", tab, `id="share-asset"`, `id="transfer-asset"`, "Depot Nord", "Only this account sees this asset")

			c.post(base+"/shares", url.Values{"account_id": {depot.ID}}, "panel", 200)
			tab = c.get(base+"?tab=sharing", "", 200)
			mustContain(t, "after sharing", tab, `id="shares"`, "Depot Nord", "Stop sharing")
			// Another organization's account is refused, naming nothing of it.
			c.post(base+"/shares", url.Values{"account_id": {"0190c0de-0000-7000-8000-000000000000"}}, "panel", 422)
			c.post(base+"/shares/"+depot.ID+"/delete", url.Values{}, "panel", 200)
			if p, _ := st.s.AssetShares(ctx, st.admin, x.ID); len(p.Data) != 0 {
				t.Fatalf("shares after stop sharing: %v", p.Data)
			}

			// The bulk form: the boxes on the owned side, then the dialog.
			list := c.get("/assets", "", 200)
			mustContain(t, "the owned side", list, `name="asset_ids"`, `id="bulk-share"`, "Shared with this account")
			mustContain(t, "the empty shared side", c.get("/assets?ownership=shared", "", 200), "No assets are shared with this account")
			dialog := c.get("/assets/bulk?asset_ids="+x.ID+"&asset_ids="+y.ID, "dialog-body", 200)
			mustContain(t, "the bulk dialog", dialog, "2 selected", `name="action"`, "Depot Nord")
			c.post("/assets/bulk", url.Values{"asset_ids": {x.ID, y.ID}, "action": {"share"}, "account_id": {depot.ID}}, "dialog-body", 200)
			if p, _ := st.s.AssetShares(ctx, st.admin, y.ID); len(p.Data) != 1 {
				t.Fatalf("bulk share: %v", p.Data)
			}
			_, body := c.post("/assets/bulk", url.Values{"asset_ids": {x.ID, "0190c0de-0000-7000-8000-000000000000"}, "action": {"transfer"},
				"account_id": {depot.ID}}, "dialog-body", 422)
			mustContain(t, "a refused bulk transfer", body, "asset_ids[1]")

			// Transfer, keeping visibility: the window stays, read-only, and the customer is gone.
			c.post(base+"/transfer", url.Values{"account_id": {depot.ID}, "keep_visibility": {"true"}}, "dialog-body", 200)
			window := c.get(base, "", 200)
			mustContain(t, "the shared asset's window", window, `id="shared-notice"`, "Depot Nord")
			if strings.Contains(window, `id="edit-asset"`) || strings.Contains(window, "Kunde GmbH") {
				t.Errorf("the giver may still edit it, or sees the customer:\n%s", window)
			}
			shared := c.get("/assets?ownership=shared", "", 200)
			mustContain(t, "the shared side", shared, "Crane 9", "Depot Nord")
			if strings.Contains(shared, `name="asset_ids"`) {
				t.Error("the shared side offers the bulk boxes")
			}
			c.get("/assets?ownership=theirs", "", 422)
			c.get("/customers?ownership=shared", "", 422)

			// Auto-share on the Accounts page.
			page := c.get("/accounts", "", 200)
			mustContain(t, "the sharing settings", page, `id="sharing-settings"`, `name="auto_share"`, `name="administrative_account_id"`)
			_, body = c.post("/accounts/sharing", url.Values{"auto_share": {"selected"}, "auto_share_account_ids": {depot.ID}}, "sharing-settings", 200)
			mustContain(t, "saved", body, "Saved.")
			c.post("/accounts/sharing", url.Values{"auto_share": {"sometimes"}}, "sharing-settings", 422)
			if set, _ := st.s.SharingSettings(ctx, st.admin); set.AutoShare != steward.AutoShareSelected {
				t.Errorf("auto-share %s", set.AutoShare)
			}
		})
	}
}
