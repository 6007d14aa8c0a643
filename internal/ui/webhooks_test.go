package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestWebhooksPages: an Admin adds an endpoint (its secret shown once, a refused form naming
// its fields), reads its deliveries with their status, redelivers one, rotates the secret and
// deletes the endpoint; a User is refused.
func TestWebhooksPages(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			ctx := context.Background()
			mustContain(t, "empty page", c.get("/webhooks", "", 200), `id="add-webhook"`, "No webhook endpoints yet")
			mustContain(t, "dialog", c.get("/webhooks/new", "dialog-body", 200), `id="save-webhook"`, `value="asset.location_changed"`)
			_, body := c.post("/webhooks", url.Values{"url": {"ftp://x"}, "events": {"customer.exploded"}}, "dialog-body", 422)
			mustContain(t, "refused form", body, `id="e-url"`, `id="e-events"`, "customer.exploded")
			_, body = c.post("/webhooks", url.Values{"url": {"http://127.0.0.1/x"}, "events": {"customer.created"}}, "dialog-body", 422)
			mustContain(t, "private address", body, `id="e-url"`, "private")
			res, body := c.post("/webhooks", url.Values{"url": {"https://203.0.113.20/erp"}, "events": {"customer.created", "asset.created"},
				"description": {"ERP"}}, "dialog-body", 200)
			if res.Header.Get("HX-Retarget") != "#webhooks" {
				t.Errorf("retarget %q", res.Header.Get("HX-Retarget"))
			}
			mustContain(t, "created", body, `id="new-secret"`, "whsec_", "https://203.0.113.20/erp", "customer.created, asset.created")
			hooks, err := st.s.Webhooks(ctx, st.admin)
			if err != nil || len(hooks) != 1 {
				t.Fatalf("hooks %v %v", hooks, err)
			}
			h := hooks[0]
			if page := c.get("/webhooks", "", 200); strings.Contains(page, "whsec_") {
				t.Error("the list shows the secret again")
			}
			if _, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "Hooked"}); err != nil {
				t.Fatal(err)
			}
			page := c.get("/webhooks/"+h.ID, "", 200)
			mustContain(t, "deliveries", page, "customer.created", "pending", "Not yet", "Redeliver")
			ds, err := st.s.WebhookDeliveries(ctx, st.admin, h.ID, steward.DeliveryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			res, _ = c.post("/webhooks/"+h.ID+"/deliveries/"+ds.Data[0].ID+"/redeliver", url.Values{}, "", http.StatusSeeOther)
			if res.Header.Get("Location") != "/webhooks/"+h.ID {
				t.Errorf("redeliver redirects to %q", res.Header.Get("Location"))
			}
			if ds, _ = st.s.WebhookDeliveries(ctx, st.admin, h.ID, steward.DeliveryFilter{}); len(ds.Data) != 2 {
				t.Errorf("after a redelivery: %d deliveries", len(ds.Data))
			}
			_, body = c.post("/webhooks/"+h.ID+"/rotate-secret", url.Values{}, "", 200)
			mustContain(t, "rotated", body, "Secret rotated.", `id="new-secret"`, "whsec_")
			c.get("/webhooks/0190c0de-0000-7000-8000-000000000000", "", 404)
			user := addUser(t, st, steward.RoleUser)
			user.get("/webhooks", "", 403)
			user.get("/webhooks/"+h.ID, "", 403)
			if nav := user.get("/customers", "", 200); strings.Contains(nav, `href="/webhooks"`) {
				t.Error("a User is shown the webhooks link")
			}
			res, _ = c.post("/webhooks/"+h.ID+"/delete", url.Values{}, "", http.StatusSeeOther)
			if res.Header.Get("Location") != "/webhooks" {
				t.Errorf("delete redirects to %q", res.Header.Get("Location"))
			}
			c.get("/webhooks/"+h.ID, "", 404)
		})
	}
}
