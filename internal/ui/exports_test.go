package ui_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestListExports: every list page links its CSV export with the current filters, the export
// through the session is the API's file byte for byte, and it follows the caller's fleet scope.
func TestListExports(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			a := st.admin
			cu, err := st.s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "=Hostile Co", Phone: "+49 30 1234", Notes: "two\nlines, \"quoted\""})
			if err != nil {
				t.Fatal(err)
			}
			loc, err := st.s.CreateLocation(ctx, a, steward.LocationFields{Name: "Yard", CustomerID: &cu.ID})
			if err != nil {
				t.Fatal(err)
			}
			in, err := st.s.CreateAsset(ctx, a, steward.AssetFields{Name: "Crane in group", OwnerCustomerID: &cu.ID, LocationID: &loc.ID})
			if err != nil {
				t.Fatal(err)
			}
			out, err := st.s.CreateAsset(ctx, a, steward.AssetFields{Name: "Crane outside"})
			if err != nil {
				t.Fatal(err)
			}
			g, err := st.s.CreateGroup(ctx, a, steward.GroupFields{Name: "North"})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.s.AddGroupAssets(ctx, a, g.ID, []string{in.ID}); err != nil {
				t.Fatal(err)
			}
			otherAcc, otherUser, err := st.s.CreateOrganization(ctx, steward.Organization{Name: "Globex", Country: "US",
				Email: "globex@example.com", AdminName: "Globex Admin", Password: st.password})
			if err != nil {
				t.Fatal(err)
			}
			other := steward.SystemActor(otherAcc.ID)
			other.UserID = otherUser.ID
			foreign, err := st.s.CreateCustomer(ctx, other, steward.CustomerFields{Name: "Globex Customer"})
			if err != nil {
				t.Fatal(err)
			}

			c := newClient(t, st, st.email, st.password)
			// The link carries the page's filters (never its cursor), and follows a search.
			mustContain(t, "customers page", c.get("/customers?q=host&type=other&sort=-name", "", 200),
				`id="export-csv"`, `href="/customers.csv?q=host&amp;sort=-name&amp;type=other"`)
			mustContain(t, "customers search", c.get("/customers?q=zz", "results", 200),
				`hx-swap-oob="true"`, `href="/customers.csv?q=zz"`)
			mustContain(t, "locations page", c.get("/locations?status=all", "", 200), `href="/locations.csv?status=all"`)
			mustContain(t, "assets page", c.get("/assets", "", 200), `href="/assets.csv"`)
			mustContain(t, "shared assets", c.get("/assets?ownership=shared", "results", 200), `href="/assets.csv?ownership=shared"`)
			mustContain(t, "groups page", c.get("/groups?sort=name", "", 200), `href="/groups.csv?sort=name"`)
			mustContain(t, "groups search", c.get("/groups?q=nor", "results", 200), `hx-swap-oob="true"`, `href="/groups.csv?q=nor"`)

			// Byte for byte the API's file.
			key, err := st.s.CreateAPIKeyForEmail(ctx, st.email, steward.APIKeyFields{Name: "csv"})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []struct{ ui, api string }{
				{"/customers.csv?sort=name", "/api/v1/exports/customers.csv?sort=name"},
				{"/locations.csv?customer_id=" + cu.ID, "/api/v1/exports/locations.csv?customer_id=" + cu.ID},
				{"/assets.csv?status=all", "/api/v1/exports/assets.csv?status=all"},
				{"/groups.csv", "/api/v1/exports/groups.csv"},
			} {
				res, body := c.do("GET", p.ui, nil, "")
				if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
					!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="`) {
					t.Fatalf("%s: %d %v", p.ui, res.StatusCode, res.Header)
				}
				req, _ := http.NewRequest("GET", st.base+p.api, nil)
				req.Header.Set("Authorization", "Bearer "+key.Key)
				ares, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				apiBody, _ := io.ReadAll(ares.Body)
				ares.Body.Close()
				if ares.StatusCode != 200 || string(apiBody) != body {
					t.Errorf("%s differs from the API's file:\nui:  %q\napi: %d %q", p.ui, body, ares.StatusCode, apiBody)
				}
			}
			_, body := c.do("GET", "/customers.csv", nil, "")
			if !strings.Contains(body, "'=Hostile Co") || !strings.Contains(body, "'+49 30 1234") || !strings.Contains(body, "\"two\nlines, \"\"quoted\"\"\"") {
				t.Errorf("customers.csv:\n%s", body)
			}

			// Refusals name the parameter; another organization's id is refused like the list's.
			for _, bad := range []struct{ path, field string }{
				{"/assets.csv?owner_customer_id=" + foreign.ID, "owner_customer_id"},
				{"/locations.csv?customer_id=" + foreign.ID, "customer_id"},
				{"/assets.csv?limit=5", "limit"},
				{"/customers.csv?cursor=abc", "cursor"},
				{"/customers.csv?type=pirate", "type"},
				{"/groups.csv?status=gone", "status"},
			} {
				res, body := c.do("GET", bad.path, nil, "")
				if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.field) || strings.Contains(body, "Globex") {
					t.Errorf("%s: %d, want 422 naming %s\n%s", bad.path, res.StatusCode, bad.field, body)
				}
			}
			if res, body := c.do("HEAD", "/assets.csv", nil, ""); res.StatusCode != 200 || body != "" {
				t.Errorf("HEAD /assets.csv: %d %q", res.StatusCode, body)
			}

			// A user whose fleet is the group exports the group's assets only; every role may export.
			scoped := invitedClient(t, st, steward.UserFields{Name: "Gus Group", Email: "gus@example.com", Role: steward.RoleUser,
				FleetVisibility: steward.FleetVisibilityGroups, GroupIDs: []string{g.ID}})
			mustContain(t, "scoped assets page", scoped.get("/assets", "", 200), `href="/assets.csv"`)
			recs := readCSV(t, scoped.get("/assets.csv?status=all", "", 200))
			if len(recs) != 2 || recs[1][0] != in.ID {
				t.Errorf("the scoped user's assets.csv: %q (outside the group: %s)", recs, out.ID)
			}
			tech := invitedClient(t, st, steward.UserFields{Name: "Tia Tech", Email: "tia@example.com", Role: steward.RoleTechnician,
				FleetVisibility: steward.FleetVisibilityAll})
			if recs := readCSV(t, tech.get("/assets.csv", "", 200)); len(recs) != 3 {
				t.Errorf("the technician's assets.csv: %d records, want the header and 2", len(recs))
			}
		})
	}
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not CSV with a header (%v):\n%s", err, body)
	}
	return recs
}

// invitedClient invites a user as the site's Admin and signs them in by accepting the link.
func invitedClient(t *testing.T, st *site, f steward.UserFields) *client {
	t.Helper()
	_, tok, err := st.s.InviteUser(context.Background(), st.admin, f)
	if err != nil {
		t.Fatal(err)
	}
	c := anonymousClient(t, st)
	c.post("/invite/"+tok.Token, url.Values{"password": {"a good password"}, "confirm": {"a good password"}}, "", 303)
	return c
}
