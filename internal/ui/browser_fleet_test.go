package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

func scheme(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	do(t, ctx, "color scheme "+s, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdpCall(ctx, tg, s)
		return err
	}))
}

// pick types into a picker's search and chooses the option named name.
func pick(t *testing.T, ctx context.Context, field, query, name string) {
	t.Helper()
	do(t, ctx, "search the picker", chromedp.Click(chromedp.CSS("#p-"+field)), chromedp.SendKeys(chromedp.CSS("#p-"+field), query))
	sel := fmt.Sprintf(`[...document.querySelectorAll("#opts-%s [data-pick]")].find(b => b.getAttribute("data-pick-name") === %q)`, field, name)
	waitJS(t, ctx, "the option "+name, "!!"+sel)
	do(t, ctx, "pick "+name, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => { `+sel+`.click(); return true })()`)(ctx, tg)
		return err
	}))
	waitJS(t, ctx, "the choice shown", fmt.Sprintf(`document.querySelector("#chosen-%s").textContent.includes(%q)`, field, name))
}

// TestBrowserFleet drives the locations, assets, contacts, audit log and API keys screens, with
// the keyboard, on both engines.
func TestBrowserFleet(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := newTab(t)
			cu, err := st.s.CreateCustomer(context.Background(), st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			signIn(t, ctx, st, st.password)
			do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#add-customer")))

			// A location of the customer, chosen in the picker.
			do(t, ctx, "locations", chromedp.Navigate(st.base+"/locations"), chromedp.WaitVisible(chromedp.CSS("#add-location")),
				chromedp.Click(chromedp.CSS("#add-location")), chromedp.WaitVisible(chromedp.CSS("#f-name")))
			// Escape closes the dialog, and the focus goes back to the button that opened it.
			do(t, ctx, "Escape", chromedp.KeyEvent("\x1b"))
			waitJS(t, ctx, "the dialog closed, focus back", `!document.getElementById("dialog").open && document.activeElement.id === "add-location"`)
			do(t, ctx, "add a location", chromedp.Click(chromedp.CSS("#add-location")), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Kran Site North"))
			pick(t, ctx, "customer_id", "kran", "Kran AG")
			do(t, ctx, "save the location", chromedp.Click(chromedp.CSS("#save-location")), chromedp.WaitVisible(chromedp.CSS("#location-panel")))
			waitJS(t, ctx, "the location in the list", `[...document.querySelectorAll("#results th.name a")].some(a => a.textContent === "Kran Site North")`)

			// An asset at that location, owned by nobody, added from the location's window.
			waitPanel(t, ctx)
			do(t, ctx, "the location's assets", chromedp.Click(chromedp.CSS(`.tabs a[href*="tab=assets"]`)), chromedp.WaitVisible(chromedp.CSS("#add-asset-here")))
			do(t, ctx, "add an asset here", chromedp.Click(chromedp.CSS("#add-asset-here")), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Crane 1"))
			if got := text(t, ctx, "#chosen-location_id"); got != "Kran Site North" {
				t.Errorf("the asset's location starts as %q", got)
			}
			do(t, ctx, "save the asset", chromedp.Click(chromedp.CSS("#save-asset")), chromedp.WaitVisible(chromedp.CSS("#asset-panel")))

			// One owned by the customer, elsewhere.
			do(t, ctx, "assets", chromedp.Navigate(st.base+"/assets"), chromedp.WaitVisible(chromedp.CSS("#add-asset")),
				chromedp.Click(chromedp.CSS("#add-asset")), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Crane 2"))
			pick(t, ctx, "owner_customer_id", "kra", "Kran AG")
			do(t, ctx, "save the owned asset", chromedp.Click(chromedp.CSS("#save-asset")), chromedp.WaitVisible(chromedp.CSS("#asset-panel")))
			waitJS(t, ctx, "both assets listed", `document.querySelectorAll("#results tr[id^=row-]").length === 2`)

			waitJS(t, ctx, "the dialog closed", `!document.getElementById("dialog").open`)
			// The three counts in the customers list and in its window.
			do(t, ctx, "customers", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#row-"+cu.ID)))
			if got := strings.Join(strings.Fields(text(t, ctx, "#row-"+cu.ID)), " "); !strings.Contains(got, "1 1 1 1 elsewhere") {
				t.Errorf("customer row = %q", got)
			}
			// A contact, inside the window.
			do(t, ctx, "the customer's contacts", chromedp.Navigate(st.base+"/customers/"+cu.ID+"?tab=contacts"), chromedp.WaitVisible(chromedp.CSS("#add-contact")),
				chromedp.Click(chromedp.CSS("#add-contact")), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Jo Weber"), chromedp.Click(chromedp.CSS("#save-contact")))
			waitJS(t, ctx, "the contact listed", `!document.getElementById("dialog").open && document.querySelector("#customer-panel .items").textContent.includes("Jo Weber")`)

			// Archived, the customer leaves the picker's list but is found by name, with its badge.
			if _, err := st.s.SetCustomerArchived(context.Background(), st.admin, cu.ID, 0, true); err != nil {
				t.Fatal(err)
			}
			do(t, ctx, "the asset dialog", chromedp.Navigate(st.base+"/assets"), chromedp.WaitVisible(chromedp.CSS("#add-asset")),
				chromedp.Click(chromedp.CSS("#add-asset")), chromedp.WaitVisible(chromedp.CSS("#p-owner_customer_id")),
				chromedp.Click(chromedp.CSS("#p-owner_customer_id")))
			waitJS(t, ctx, "the picker's first options", `!!document.querySelector("#opts-owner_customer_id .picker-list")`)
			if got := text(t, ctx, "#opts-owner_customer_id"); strings.Contains(got, "Kran AG") {
				t.Errorf("the picker lists an archived customer: %q", got)
			}
			pick(t, ctx, "owner_customer_id", "kran", "Kran AG")
			waitJS(t, ctx, "the archived badge on the choice", `!!document.querySelector("#chosen-owner_customer_id .badge-archived")`)
			do(t, ctx, "Escape", chromedp.KeyEvent("\x1b"))

			// An API key: created, its secret shown once, revoked.
			do(t, ctx, "API keys", chromedp.Navigate(st.base+"/api-keys"), chromedp.WaitVisible(chromedp.CSS("#add-apikey")),
				chromedp.Click(chromedp.CSS("#add-apikey")), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Nightly sync"), chromedp.Click(chromedp.CSS("#save-apikey")),
				chromedp.WaitVisible(chromedp.CSS("#new-key")))
			if got := text(t, ctx, "#new-key"); !strings.HasPrefix(got, "stw_") {
				t.Errorf("new key = %q", got)
			}
			do(t, ctx, "revoke", chromedp.Sleep(300*time.Millisecond),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](`(() => { window.confirm = () => true; return true })()`)(ctx, tg)
					return err
				}),
				chromedp.Click(chromedp.CSS(`button[aria-label="Revoke Nightly sync"]`)))
			waitJS(t, ctx, "the key revoked", `document.querySelector("#keys").textContent.includes("Revoked") && !document.querySelector("#new-key")`)

			// The audit log shows the changes by name.
			do(t, ctx, "audit log", chromedp.Navigate(st.base+"/audit"), chromedp.WaitVisible(chromedp.CSS("#results")))
			if got := text(t, ctx, "#results"); !strings.Contains(got, "Kran Site North") || !strings.Contains(got, "Crane 2") {
				t.Errorf("audit log = %q", got)
			}

		})
	}
}
