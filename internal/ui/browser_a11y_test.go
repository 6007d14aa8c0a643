package ui_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-fleet/steward/internal/steward"
)

// axe-core is not vendored: .ci/run installs the pinned npm package (axe-core 4.14.1, MPL-2.0)
// into a cache directory and names its axe.min.js in STEWARD_AXE_JS. The tests inject it through
// the DevTools protocol (which the pages' CSP does not block); it is never served.
var axe struct {
	once   sync.Once
	source string
	err    error
}

// axeSource returns axe-core's script, skipping the test when STEWARD_AXE_JS is not set.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("STEWARD_AXE_JS")
	if path == "" {
		t.Skip("STEWARD_AXE_JS is not set: accessibility checks skipped (run .ci/run, or `npm install --prefix DIR axe-core@4.14.1` and set STEWARD_AXE_JS=DIR/node_modules/axe-core/axe.min.js)")
	}
	axe.once.Do(func() {
		b, err := os.ReadFile(path)
		axe.source, axe.err = string(b), err
	})
	if axe.err != nil {
		t.Fatalf("STEWARD_AXE_JS: %v", axe.err)
	}
	return axe.source
}

// axeCheck runs axe-core on the page as it is and fails on serious or critical violations.
func axeCheck(t *testing.T, ctx context.Context, src, what string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined" || (function(){`+src+`; return true })()`)); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
			v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", what, err)
	}
	if got != "[]" {
		t.Errorf("axe on %s: %s", what, got)
	}
}

// TestBrowserAccessibility runs axe-core on every page and dialog, in light and dark, over a
// small fleet (SQLite: the markup does not depend on the engine).
func TestBrowserAccessibility(t *testing.T) {
	src := axeSource(t)
	st := startSite(t, "sqlite")
	ctx := newTab(t)
	bg := context.Background()
	cu, err := st.s.CreateCustomer(bg, st.admin, steward.CustomerFields{Name: "Kran AG"})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := st.s.CreateLocation(bg, st.admin, steward.LocationFields{Name: "Kran Site North", CustomerID: &cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	as, err := st.s.CreateAsset(bg, st.admin, steward.AssetFields{Name: "Crane 1", LocationID: &loc.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.s.UpdateAsset(bg, st.admin, as.ID, 0, func(f *steward.AssetFields) error { f.OwnerCustomerID = &cu.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.s.CreateContact(bg, st.admin, cu.ID, steward.ContactFields{Name: "Jo Weber", Email: "jo@example.com"}); err != nil {
		t.Fatal(err)
	}
	// A sub-account, so the header's account switcher and the Accounts page's tree are checked.
	if _, err := st.s.CreateSubAccount(bg, st.admin, steward.SubAccountFields{Name: "Kran North", Email: "n@example.com", Country: "DE"}); err != nil {
		t.Fatal(err)
	}
	// A group with the asset, so its window's member lists are checked.
	g, err := st.s.CreateGroup(bg, st.admin, steward.GroupFields{Name: "North cranes", Description: "The north's cranes"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.s.AddGroupAssets(bg, st.admin, g.ID, []string{as.ID}); err != nil {
		t.Fatal(err)
	}
	// A user who sees the group alone: their edit dialog shows the group choice.
	if _, _, err := st.s.InviteUser(bg, st.admin, steward.UserFields{Name: "Gus Group", Email: "gus@example.com",
		Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityGroups, GroupIDs: []string{g.ID}}); err != nil {
		t.Fatal(err)
	}
	hook, err := st.s.CreateWebhook(bg, st.admin, steward.WebhookFields{URL: "https://203.0.113.30/hooks",
		Events: []steward.WebhookEventType{"customer.created"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.s.CreateCustomer(bg, st.admin, steward.CustomerFields{Name: "Delivered Co"}); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, st, st.password)
	do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#add-customer")))
	pages := []struct{ url, wait, dialog string }{
		{"/webhooks", "#webhooks", "#add-webhook"},
		{"/webhooks/" + hook.ID, "#deliveries", ""},
		{"/customers?status=all", "#results", "#add-customer"},
		{"/customers/" + cu.ID + "?tab=contacts", "#customer-panel", "#add-contact"},
		{"/customers/" + cu.ID + "?tab=audit", "#customer-panel", "#edit-customer"},
		{"/locations", "#results", "#add-location"},
		{"/locations/" + loc.ID, "#location-panel", ""},
		{"/assets", "#results", "#add-asset"},
		{"/assets/" + as.ID + "?tab=movements", "#asset-panel", ""},
		{"/assets/" + as.ID + "?tab=sharing", "#asset-panel", "#transfer-asset"},
		{"/assets?ownership=shared", "#results", ""},
		{"/groups?status=all", "#results", "#add-group"},
		{"/groups/" + g.ID + "?tab=assets", "#group-panel", "#add-group-asset"},
		{"/groups/" + g.ID + "?tab=users", "#group-panel", "#add-group-user"},
		{"/groups/" + g.ID, "#group-panel", "#edit-group"},
		{"/audit", "#results", ""},
		{"/api-keys", "#keys", "#add-apikey"},
		{"/accounts", "#accounts", "#add-account"},
		{"/users", "#users", "#add-user"},
		{"/users", "#users", `button[aria-label="Edit Gus Group"]`},
		{"/account/password", "#password-submit", ""},
	}
	for _, s := range []string{"light", "dark"} {
		scheme(t, ctx, s)
		for _, p := range pages {
			do(t, ctx, p.url, chromedp.Navigate(st.base+p.url), chromedp.WaitVisible(chromedp.CSS(p.wait)))
			axeCheck(t, ctx, src, p.url+" ("+s+")")
			if p.dialog != "" {
				do(t, ctx, "dialog", chromedp.Click(chromedp.CSS(p.dialog)), chromedp.WaitVisible(chromedp.CSS("#dialog-body form")))
				axeCheck(t, ctx, src, p.dialog+" dialog ("+s+")")
			}
		}
	}
	do(t, ctx, "sign out", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#me-menu summary")),
		chromedp.Click(chromedp.CSS("#me-menu summary")), chromedp.WaitVisible(chromedp.CSS("#signout")),
		chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin-submit")))
	axeCheck(t, ctx, src, "sign-in page")
	_, tok, err := st.s.InviteUser(bg, st.admin, steward.UserFields{Name: "Ivo", Email: "ivo@example.com",
		Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityAll})
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "invitation", chromedp.Navigate(st.base+"/invite/"+tok.Token), chromedp.WaitVisible(chromedp.CSS("#token-submit")))
	axeCheck(t, ctx, src, "invitation page")
	do(t, ctx, "a bad link", chromedp.Navigate(st.base+"/invite/nothing"), chromedp.WaitVisible(chromedp.CSS("#token-invalid")))
	axeCheck(t, ctx, src, "invalid link page")
}
