package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestBrowserGroups, on both engines: an Admin creates a group and adds two assets to it with
// the asset picker, invites a user who sees that group only, and hands over the link; the user
// sets a password through it, is signed in, and sees the group's assets alone: in the Assets
// list, in the customers' counts (exact numbers), and an asset outside the group opened by its
// URL is the not-found page.
func TestBrowserGroups(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := newTab(t)
			bg := context.Background()
			// Kran AG has one site; Bau GmbH none. Kran AG owns Crane 1 (at its site), Crane 2
			// (at no location) and Digger 9 (at its site); Bau GmbH owns Loader 4 (at no location).
			kran, err := st.s.CreateCustomer(bg, st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			bau, err := st.s.CreateCustomer(bg, st.admin, steward.CustomerFields{Name: "Bau GmbH"})
			if err != nil {
				t.Fatal(err)
			}
			site, err := st.s.CreateLocation(bg, st.admin, steward.LocationFields{Name: "Kran Site", CustomerID: &kran.ID})
			if err != nil {
				t.Fatal(err)
			}
			asset := func(name, serial string, owner, loc *string) *steward.Asset {
				t.Helper()
				a, err := st.s.CreateAsset(bg, st.admin, steward.AssetFields{Name: name, SerialNumber: serial, OwnerCustomerID: owner, LocationID: loc})
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			crane1 := asset("Crane 1", "CR-1", &kran.ID, &site.ID)
			crane2 := asset("Crane 2", "CR-2", &kran.ID, nil)
			digger := asset("Digger 9", "DG-9", &kran.ID, &site.ID)
			loader := asset("Loader 4", "LD-4", &bau.ID, nil)

			signIn(t, ctx, st, st.password)
			do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#add-customer")))

			// The Admin sees the whole fleet's counts first.
			do(t, ctx, "customers", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#row-"+kran.ID)))
			if got := rowText(t, ctx, kran.ID); got != "Kran AG Other 1 2 3 1 elsewhere" {
				t.Errorf("the Admin's Kran AG row = %q", got)
			}

			// A group, from the Groups page (in the header's menu).
			do(t, ctx, "the groups page", click(`.topbar nav a[href="/groups"]`), chromedp.WaitVisible(chromedp.CSS("#add-group")),
				click("#add-group"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "North cranes"), sendKeys("#f-description", "The cranes of the north"),
				click("#save-group"), chromedp.WaitVisible(chromedp.CSS("#group-panel")))
			waitJS(t, ctx, "the dialog closed and the window's URL", `!document.getElementById("dialog").open && location.pathname.startsWith("/groups/")`)
			gpath, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if err != nil {
				t.Fatal(err)
			}
			groupID := strings.TrimPrefix(gpath, "/groups/")
			if !steward.IsID(groupID) {
				t.Fatalf("the group's window is at %q", gpath)
			}
			waitPanel(t, ctx)

			// Two assets, each chosen with the asset picker in the Assets tab's dialog.
			do(t, ctx, "the group's assets", click(`.tabs a[href*="tab=assets"]`), chromedp.WaitVisible(chromedp.CSS("#add-group-asset")))
			for _, a := range []*steward.Asset{crane1, crane2} {
				do(t, ctx, "open add an asset", click("#add-group-asset"))
				waitJS(t, ctx, "the add-asset dialog open", `document.getElementById("dialog").open && !!document.querySelector("#p-asset_ids")`)
				pick(t, ctx, "asset_ids", strings.ToLower(a.SerialNumber), a.Name+" · SN "+a.SerialNumber)
				do(t, ctx, "add "+a.Name, click("#save-group-asset"), chromedp.WaitVisible(chromedp.CSS("#member-"+a.ID)))
				waitJS(t, ctx, "the dialog closed", `!document.getElementById("dialog").open`)
			}
			if got := text(t, ctx, `.tabs a[href*="tab=assets"] .count`); got != "2" {
				t.Errorf("the Assets tab's count = %q", got)
			}
			waitJS(t, ctx, "the list's counts without a reload", fmt.Sprintf(
				`!!document.querySelector("#row-%s") && [...document.querySelectorAll("#row-%s td.num")].map(td => td.textContent).join(" ") === "2 0"`, groupID, groupID))

			// Invite a user who sees the group alone: the group choice shows for "Selected groups".
			do(t, ctx, "users", chromedp.Navigate(st.base+"/users"), chromedp.WaitVisible(chromedp.CSS("#add-user")),
				click("#add-user"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
			waitJS(t, ctx, "the group choice hidden for the entire fleet", `document.querySelector("#f-group_ids").hidden`)
			do(t, ctx, "fill the invitation", sendKeys("#f-name", "Nina North"), sendKeys("#f-email", "nina@example.com"),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](`(() => { const s = document.querySelector("#f-fleet_visibility"); s.value = "groups";
						s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)(ctx, tg)
					return err
				}))
			waitJS(t, ctx, "the group choice shown", `!document.querySelector("#f-group_ids").hidden`)
			do(t, ctx, "choose the group and invite", click(`#f-group_ids input[value="`+groupID+`"]`), click("#save-user"),
				chromedp.WaitVisible(chromedp.CSS("#new-link")))
			link := text(t, ctx, "#new-link")
			if !strings.HasPrefix(link, st.base+"/invite/") {
				t.Fatalf("invitation link = %q", link)
			}
			if got := text(t, ctx, "#users"); !strings.Contains(got, "Nina North") || !strings.Contains(got, "North cranes") {
				t.Errorf("the users list does not show Nina's group: %q", got)
			}

			// Nina opens the link, sets a password and is signed in.
			do(t, ctx, "sign out", click("#me-menu summary"), chromedp.WaitVisible(chromedp.CSS("#signout")), click("#signout"),
				chromedp.WaitVisible(chromedp.CSS("#signin-submit")))
			do(t, ctx, "the invitation", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#token-submit")),
				sendKeys("#password", "nina's own password"), sendKeys("#confirm", "nina's own password"),
				click("#token-submit"), chromedp.WaitVisible(chromedp.CSS("#results")))
			if got := text(t, ctx, ".me-name strong"); got != "Nina North" {
				t.Fatalf("signed in as %q", got)
			}

			// The customers' counts are the group's: Crane 1 at Kran AG's site, Crane 1 and
			// Crane 2 owned by Kran AG (Crane 2 elsewhere), nothing of Bau GmbH's. Locations are
			// not scoped.
			do(t, ctx, "customers", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#row-"+kran.ID)))
			if got := rowText(t, ctx, kran.ID); got != "Kran AG Other 1 1 2 1 elsewhere" {
				t.Errorf("Nina's Kran AG row = %q", got)
			}
			if got := rowText(t, ctx, bau.ID); got != "Bau GmbH Other 0 0 0" {
				t.Errorf("Nina's Bau GmbH row = %q", got)
			}

			// The Assets list holds the group's two assets and nothing else.
			do(t, ctx, "assets", chromedp.Navigate(st.base+"/assets?sort=name"), chromedp.WaitVisible(chromedp.CSS("#results")))
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#results tbody tr[id^=row-]")].map(r => r.id).join(" ")`))
			if err != nil {
				t.Fatal(err)
			}
			if want := "row-" + crane1.ID + " row-" + crane2.ID; got != want {
				t.Errorf("Nina's assets = %q, want %q (Crane 1, Crane 2)", got, want)
			}

			// The Groups page shows her group alone, read-only.
			do(t, ctx, "groups", chromedp.Navigate(st.base+"/groups"), chromedp.WaitVisible(chromedp.CSS("#row-"+groupID)))
			if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#results tbody tr[id^=row-]").length + document.querySelectorAll("#add-group").length`)); err != nil || n != 1 {
				t.Errorf("Nina's groups page: %d rows and add buttons (%v)", n, err)
			}

			// An asset outside the group, opened by its URL, is not found, as is one that does
			// not exist.
			for _, a := range []*steward.Asset{digger, loader} {
				do(t, ctx, "an asset outside the group", chromedp.Navigate(st.base+"/assets/"+a.ID), chromedp.WaitVisible(chromedp.CSS(".message-page")))
				if got := text(t, ctx, ".message-page"); !strings.Contains(got, "404") || !strings.Contains(got, "Not found") || strings.Contains(got, a.Name) {
					t.Errorf("%s by URL: %q", a.Name, got)
				}
			}
		})
	}
}

// rowText is a list row's text, its white space collapsed.
func rowText(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	return strings.Join(strings.Fields(text(t, ctx, "#row-"+id)), " ")
}
