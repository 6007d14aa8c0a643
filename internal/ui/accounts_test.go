package ui_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestSwitchAccount: an Admin switches into a sub-account from the header, works there (what
// they create belongs there), goes back home; a switch to an account out of reach is refused;
// and a session whose account was deleted falls back home on its next request.
func TestSwitchAccount(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			c := newClient(t, st, st.email, st.password)
			home := c.get("/customers", "", 200)
			if strings.Contains(home, `action="/account/switch"`) {
				t.Error("a switcher without sub-accounts")
			}
			depot, err := st.s.CreateSubAccount(ctx, st.admin, steward.SubAccountFields{Name: "Depot <North>", Email: "d@example.com", Country: "DE"})
			if err != nil {
				t.Fatal(err)
			}
			body := c.get("/customers", "", 200)
			mustContain(t, "header", body, `action="/account/switch"`, `Depot &lt;North&gt;`, "Acme Rentals (your account)")

			res, _ := c.post("/account/switch", url.Values{"account_id": {depot.ID}}, "", 303)
			if res.Header.Get("Location") != "/customers" {
				t.Errorf("after the switch: %q", res.Header.Get("Location"))
			}
			body = c.get("/customers", "", 200)
			mustContain(t, "switched header", body, "Working in <strong>Depot &lt;North&gt;</strong>", "Back to Acme Rentals", `id="switch-home"`)
			if res, body := c.do("POST", "/customers", url.Values{"name": {"Made in the depot"}}, ""); res.StatusCode >= 400 {
				t.Fatalf("create a customer while switched: %d %s", res.StatusCode, body)
			}
			made := false
			if pg, err := st.s.Customers(ctx, st.admin, steward.CustomerFilter{}); err == nil {
				for _, cu := range pg.Data {
					made = made || cu.Name == "Made in the depot"
				}
			}
			if made {
				t.Error("a customer created while switched landed in the home account")
			}
			inDepot, err := st.s.WorkIn(ctx, st.admin, depot.ID)
			if err != nil {
				t.Fatal(err)
			}
			if pg, err := st.s.Customers(ctx, inDepot, steward.CustomerFilter{}); err != nil || len(pg.Data) != 1 {
				t.Errorf("the depot's customers: %v %v", pg, err)
			}
			ev, err := st.s.AuditEvents(ctx, inDepot, steward.AuditFilter{Action: steward.ActionSwitchAccount})
			if err != nil || len(ev.Data) != 1 || ev.Data[0].Source != steward.SourceWeb || ev.Data[0].ActorAccountID != st.admin.AccountID {
				t.Errorf("switch audit: %+v %v", ev, err)
			}

			// Out of reach, or nonsense: not found, and the switch stays as it was.
			other, _, err := st.s.CreateOrganization(ctx, steward.Organization{Name: "Globex", Email: "g@example.com", Password: st.password})
			if err != nil {
				t.Fatal(err)
			}
			c.post("/account/switch", url.Values{"account_id": {other.ID}}, "", 404)
			c.post("/account/switch", url.Values{"account_id": {"<script>"}}, "", 404)
			mustContain(t, "still switched", c.get("/customers", "", 200), "Working in")

			// Back home.
			c.post("/account/switch", url.Values{"account_id": {st.admin.AccountID}}, "", 303)
			if body = c.get("/customers", "", 200); strings.Contains(body, "Working in") {
				t.Error("still working in the depot after going back")
			}

			// Switched again, then the account is deleted: the next request is at home.
			c.post("/account/switch", url.Values{"account_id": {depot.ID}}, "", 303)
			if err := st.s.DeleteSubAccount(ctx, st.admin, depot.ID, 0); err != nil {
				t.Fatal(err)
			}
			if body = c.get("/customers", "", 200); strings.Contains(body, "Working in") || strings.Contains(body, "Made in the depot") {
				t.Error("a session kept working in a deleted account")
			}

			// Others may not switch.
			o := addUser(t, st, steward.RoleFleetAdmin)
			o.post("/account/switch", url.Values{"account_id": {depot.ID}}, "", 403)
		})
	}
}

// TestAccountsPage: the tree below the account worked in, a sub-account added (and refused with
// its fields named), a delete refused with each reason shown, a delete done; Admins only.
func TestAccountsPage(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			c := newClient(t, st, st.email, st.password)
			mustContain(t, "empty page", c.get("/accounts", "", 200), "No sub-accounts yet", `href="/accounts"`)
			mustContain(t, "dialog", c.get("/accounts/new", "dialog-body", 200), `id="f-country"`, `name="kind"`)

			_, body := c.post("/accounts", url.Values{"name": {"North"}, "email": {"n@example.com"}, "country": {"de"}, "kind": {"internal"}}, "dialog-body", 200)
			mustContain(t, "tree after the create", body, `id="accounts"`, "North", "DE · n@example.com")
			_, body = c.post("/accounts", url.Values{"name": {"\u200b"}, "country": {"xx"}}, "dialog-body", 422)
			mustContain(t, "refused create", body, `id="e-name"`, `id="e-email"`, `id="e-country"`)

			pg, err := st.s.Accounts(ctx, st.admin, steward.AccountFilter{})
			if err != nil || len(pg.Data) != 1 {
				t.Fatalf("accounts: %v %v", pg, err)
			}
			north := pg.Data[0]
			inNorth, err := st.s.SwitchAccount(ctx, st.admin, north.ID)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := st.s.CreateSubAccount(ctx, inNorth, steward.SubAccountFields{Name: "North <Depot>", Email: "d@example.com", Country: "DE"})
			if err != nil {
				t.Fatal(err)
			}
			body = c.get("/accounts", "", 200)
			mustContain(t, "nested tree", body, `<li id="account-`+north.ID+`">`, `<ul><li id="account-`+sub.ID+`">`, "North &lt;Depot&gt;",
				`action="/accounts/`+north.ID+`/delete"`)
			if strings.Contains(body, `action="/accounts/`+sub.ID+`/delete"`) {
				t.Error("a grandchild offers a delete: only direct sub-accounts can be deleted from here")
			}
			// Refused: the reason is shown; nothing deleted.
			_, body = c.post("/accounts/"+north.ID+"/delete", url.Values{}, "accounts", 409)
			mustContain(t, "refused delete", body, "1 sub-account is under it")
			c.post("/accounts/"+sub.ID+"/delete", url.Values{}, "accounts", 409) // not a direct sub-account
			c.post("/accounts/nope/delete", url.Values{}, "accounts", 404)
			if err := st.s.DeleteSubAccount(ctx, inNorth, sub.ID, 0); err != nil {
				t.Fatal(err)
			}
			_, body = c.post("/accounts/"+north.ID+"/delete", url.Values{}, "accounts", 200)
			mustContain(t, "after the delete", body, "No sub-accounts yet")

			o := addUser(t, st, steward.RoleFleetAdmin)
			if strings.Contains(o.get("/customers", "", 200), `href="/accounts"`) {
				t.Error("a fleet admin sees the Accounts link")
			}
			o.get("/accounts", "", 403)
			o.get("/accounts/new", "dialog-body", 403)
			o.post("/accounts", url.Values{"name": {"x"}, "email": {"x@example.com"}, "country": {"DE"}}, "dialog-body", 403)
		})
	}
}

// TestSwitchEndsWithTheRole: an Admin demoted while working in a sub-account is back home on the
// next request, may not switch again, and the session has forgotten the switch (promoted again,
// they are at home until they switch).
func TestSwitchEndsWithTheRole(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			c := newClient(t, st, st.email, st.password)
			sub, err := st.s.CreateSubAccount(ctx, st.admin, steward.SubAccountFields{Name: "Branch", Email: "b@example.com", Country: "DE"})
			if err != nil {
				t.Fatal(err)
			}
			c.post("/account/switch", url.Values{"account_id": {sub.ID}}, "", 303)
			mustContain(t, "switched", c.get("/customers", "", 200), "Working in <strong>Branch</strong>")

			setRole := func(role steward.Role) {
				t.Helper()
				driver, dsn, query := "sqlite", "file:"+st.dsn, "UPDATE users SET role = ? WHERE email = ?"
				if engine == "postgres" {
					driver, dsn, query = "pgx", st.dsn, "UPDATE users SET role = $1 WHERE email = $2"
				}
				db, err := sql.Open(driver, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Exec(query, string(role), st.email); err != nil {
					t.Fatal(err)
				}
			}
			setRole(steward.RoleFleetAdmin)
			if body := c.get("/customers", "", 200); strings.Contains(body, "Working in") || strings.Contains(body, `action="/account/switch"`) {
				t.Error("a demoted Admin still works in the sub-account, or is offered the switcher")
			}
			c.post("/account/switch", url.Values{"account_id": {sub.ID}}, "", 403)
			setRole(steward.RoleAdmin)
			if body := c.get("/customers", "", 200); strings.Contains(body, "Working in") {
				t.Error("the session kept the switch through the demotion")
			}
		})
	}
}
