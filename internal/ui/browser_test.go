package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
	"github.com/steward-fleet/steward/internal/ui"
	"github.com/steward-fleet/steward/internal/web"
)

// One browser for the whole test binary, started by the first test that needs it; each test
// gets a browser context of its own (cookies included), so tests cannot see each other's
// sessions.
var browser struct {
	once   sync.Once
	ctx    context.Context
	err    error
	cancel []context.CancelFunc
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(browser.cancel) - 1; i >= 0; i-- {
		browser.cancel[i]()
	}
	storetest.CloseShared()
	os.Exit(code)
}

// chromiumPath finds the browser: STEWARD_CHROMIUM, or Debian's chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("STEWARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newTab returns a tab in a fresh browser context, skipping the test without a browser.
func newTab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no chromium binary found (install Debian's chromium package, as .ci/run does, or set STEWARD_CHROMIUM): browser tests skipped")
	}
	browser.once.Do(func() {
		alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(path), chromedp.Headless,
			chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("no-first-run", true), chromedp.WindowSize(1440, 900))
		ctx, cancel2 := chromedp.NewContext(alloc)
		browser.cancel = append(browser.cancel, cancel, cancel2)
		browser.ctx, browser.err = ctx, chromedp.Do(ctx) // starts the browser
	})
	if browser.err != nil {
		t.Fatalf("starting chromium: %v", browser.err)
	}
	tab, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	tctx, cancel2 := context.WithTimeout(tab, 5*time.Minute)
	t.Cleanup(cancel2)
	return tctx
}

// site is a real server (the API and the web interface, as steward serve wires them) on a
// fresh database.
type site struct {
	base, email, password string
	engine, dsn           string
	s                     *store.Store
	svc                   steward.Service // what the web interface calls; s when nil
	admin                 *steward.Actor
	ui                    *ui.UI // the web interface served
}

func startSite(t *testing.T, engine string) *site {
	t.Helper()
	dsn := storetest.DSN(t, engine)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := &site{s: s, engine: engine, dsn: dsn, email: "ada@example.com", password: "correct horse battery"}
	if _, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Acme Rentals", Country: "DE",
		Email: st.email, AdminName: "Ada Lovelace", Password: st.password}); err != nil {
		t.Fatal(err)
	}
	st.serve(t)
	return st
}

func (st *site) serve(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	svc := st.svc
	if svc == nil {
		svc = st.s
	}
	st.ui = ui.New(svc, nil, ui.Options{})
	srv := web.New(st.s, nil, web.Options{UI: st.ui}).HTTPServer()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	st.base = "http://" + ln.Addr().String()
	k, err := st.s.CreateAPIKeyForEmail(context.Background(), st.email, steward.APIKeyFields{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if st.admin, err = st.s.Authenticate(context.Background(), k.Key); err != nil {
		t.Fatal(err)
	}
}

// stepTimeout bounds one step of a browser test: long enough for a machine busy with other
// suites (two cores shared with compilers and seeds made 15 s too short), short enough that a
// step that never completes fails the test within minutes.
const stepTimeout = 45 * time.Second

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	// Each step has its own deadline, so that a failure still shows the page.
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, pageText(ctx))
	}
}

// waitPanel waits for the side window to finish sliding in, so clicks land where they aim.
func waitPanel(t *testing.T, ctx context.Context) {
	t.Helper()
	waitJS(t, ctx, "the side window in place", `getComputedStyle(document.getElementById("panel")).transform === "none"`)
}

// htmxQuiet is true when htmx has no request, swap or settle under way: the content it swapped
// in is wired only when it settles, so a click before that would do nothing.
const htmxQuiet = `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`

// click clicks the element once htmx is quiet and the element has stood still for a poll: a
// click lands on coordinates, and a dialog still changing height (its body growing as a part
// loads) moves its buttons under them; a click that lands on the dialog around its body closes
// it as a click on the backdrop does.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Poll[bool](htmxQuiet, chromedp.WithPollingInterval(20*time.Millisecond))(ctx, tg); err != nil {
			return err
		}
		q, _ := json.Marshal(sel)
		still := `(() => { const el = document.querySelector(` + string(q) + `); if (!el) return false;
			const r = el.getBoundingClientRect(), k = [r.x, r.y, r.width, r.height].join();
			const same = window.stewardBox === k; window.stewardBox = k; return same && r.width > 0; })()`
		if _, err := chromedp.Poll[bool](still, chromedp.WithPollingInterval(40*time.Millisecond))(ctx, tg); err != nil {
			return err
		}
		_, err := chromedp.Click(chromedp.CSS(sel))(ctx, tg)
		return err
	})
}

// sendKeys types into the element once htmx is quiet.
func sendKeys(sel, keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Poll[bool](htmxQuiet, chromedp.WithPollingInterval(20*time.Millisecond))(ctx, tg); err != nil {
			return err
		}
		_, err := chromedp.SendKeys(chromedp.CSS(sel), keys)(ctx, tg)
		return err
	})
}

// setValue sets an input's value as a script would (SendKeys types after what is there).
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { document.querySelector(%q).value = %q; return true })()`, sel, v))(ctx, tg)
		return err
	})
}

// pageText is the visible text of the page, for failure messages.
func pageText(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 1500)`))
	if err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return s
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, cancel := context.WithDeadline(ctx, deadline)
		_, err := chromedp.Run(c, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		// A navigation (Back reloads the page) interrupts the poll: poll the new page until the deadline.
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%s): %v\n%s", what, cond, err, pageText(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v\n%s", sel, err, pageText(ctx))
	}
	return strings.TrimSpace(s)
}

func signIn(t *testing.T, ctx context.Context, st *site, password string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(st.base+"/customers"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		setValue("#email", ""),
		sendKeys("#email", st.email),
		sendKeys("#password", password),
		click("#signin-submit"),
		chromedp.WaitReady(chromedp.CSS("body")),
	)
}

// TestBrowserScenario is issue 11's scenario, in its order, on both engines: sign in; add a
// customer with only a name; find it with a partial, accent-free query; open its side window;
// add a location and a contact; an asset at that location owned by nobody and one owned by the
// customer elsewhere; the three counts in the list and in the window; rename it and see it in the
// audit tab; archive it (it leaves the list, shows under "Archived" with its badge, and is still
// found by name in an asset's customer picker); unarchive; create and revoke an API key; the Back
// button closes the side window; sign out.
func TestBrowserScenario(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := newTab(t)
			if _, err := st.s.CreateCustomer(context.Background(), st.admin, steward.CustomerFields{Name: "Zeppelin Cranes"}); err != nil {
				t.Fatal(err)
			}

			// Sign in: a wrong password says so, without saying which part was wrong.
			signIn(t, ctx, st, "wrong password")
			do(t, ctx, "wrong password", chromedp.WaitVisible(chromedp.CSS("#signin-error")))
			if got := text(t, ctx, "#signin-error"); got != "Wrong email or password." {
				t.Errorf("wrong password message = %q", got)
			}
			signIn(t, ctx, st, st.password)
			do(t, ctx, "the customers page", chromedp.WaitVisible(chromedp.CSS("#add-customer")))
			if got := text(t, ctx, ".me-name strong"); got != "Ada Lovelace" {
				t.Errorf("header user = %q", got)
			}

			// Add a customer with only a name; without one, the error sits next to the field.
			do(t, ctx, "open the add dialog",
				click("#add-customer"),
				chromedp.WaitVisible(chromedp.CSS("#f-name")),
				click("#save-customer"),
				chromedp.WaitVisible(chromedp.CSS("#e-name")),
			)
			waitJS(t, ctx, "focus on the invalid name", `document.activeElement && document.activeElement.id === "f-name"`)
			do(t, ctx, "add a customer",
				sendKeys("#f-name", "Müller Baumaschinen"),
				click("#save-customer"),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel")),
			)
			waitJS(t, ctx, "the dialog to close", `!document.getElementById("dialog").open`)
			waitJS(t, ctx, "the new customer in the list without a reload",
				`[...document.querySelectorAll("#results tbody th.name a")].some(a => a.textContent === "Müller Baumaschinen")`)

			// Find it with a partial, accent-free query, typed; the URL holds the search.
			do(t, ctx, "search", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#q")),
				sendKeys("#q", "mull"))
			waitJS(t, ctx, "search results", `document.querySelectorAll("#results tbody tr[id^=row-]").length === 1 &&
				document.querySelector("#results tbody th.name a").textContent === "Müller Baumaschinen" && location.search === "?q=mull"`)

			// Open its side window with the row's arrow: the URL changes.
			do(t, ctx, "open the side window", click("#results a.open"),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel")))
			waitJS(t, ctx, "the window's URL", `location.pathname.startsWith("/customers/") && location.search === "?q=mull"`)
			waitPanel(t, ctx)
			customerURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if err != nil {
				t.Fatal(err)
			}
			cuID := strings.TrimPrefix(customerURL, "/customers/")

			// A contact, in the window's Contacts tab.
			do(t, ctx, "the contacts tab", click(`.tabs a[href*="tab=contacts"]`), chromedp.WaitVisible(chromedp.CSS("#add-contact")),
				click("#add-contact"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "Jo Weber"), click("#save-contact"))
			waitJS(t, ctx, "the contact listed", `!document.getElementById("dialog").open && document.querySelector("#customer-panel .items").textContent.includes("Jo Weber")`)

			// A location, from the window's Locations tab: the customer is already chosen.
			do(t, ctx, "the locations tab", click(`.tabs a[href*="tab=locations"]`), chromedp.WaitVisible(chromedp.CSS("#add-location-here")),
				click("#add-location-here"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
			if got := text(t, ctx, "#chosen-customer_id"); got != "Müller Baumaschinen" {
				t.Errorf("the location's customer starts as %q", got)
			}
			// Escape closes the dialog, and the focus goes back to the button that opened it.
			do(t, ctx, "Escape", chromedp.KeyEvent("\x1b"))
			waitJS(t, ctx, "the dialog closed, focus back", `!document.getElementById("dialog").open && document.activeElement.id === "add-location-here"`)
			do(t, ctx, "open add a location", click("#add-location-here"))
			waitJS(t, ctx, "the add-location dialog open", `document.getElementById("dialog").open`)
			do(t, ctx, "add a location", chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "Müller Site North"),
				click("#save-location"), chromedp.WaitVisible(chromedp.CSS("#location-panel")))
			waitJS(t, ctx, "the dialog closed", `!document.getElementById("dialog").open`)

			// An asset at that location, owned by nobody, added from the location's window.
			waitPanel(t, ctx)
			do(t, ctx, "the location's assets", click(`.tabs a[href*="tab=assets"]`), chromedp.WaitVisible(chromedp.CSS("#add-asset-here")),
				click("#add-asset-here"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "Crane 1"))
			if got := text(t, ctx, "#chosen-location_id"); got != "Müller Site North" {
				t.Errorf("the asset's location starts as %q", got)
			}
			do(t, ctx, "save the asset", click("#save-asset"), chromedp.WaitVisible(chromedp.CSS("#asset-panel")))
			waitJS(t, ctx, "the dialog closed", `!document.getElementById("dialog").open`)

			// One owned by the customer, elsewhere (at no location), its owner chosen in the picker.
			do(t, ctx, "assets", chromedp.Navigate(st.base+"/assets"), chromedp.WaitVisible(chromedp.CSS("#add-asset")),
				click("#add-asset"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "Crane 2"))
			pick(t, ctx, "owner_customer_id", "mull", "Müller Baumaschinen")
			do(t, ctx, "save the owned asset", click("#save-asset"), chromedp.WaitVisible(chromedp.CSS("#asset-panel")))
			waitJS(t, ctx, "both assets listed, with their names resolved", `document.querySelectorAll("#results tr[id^=row-]").length === 2 &&
				document.querySelector("#results").textContent.includes("Müller Site North")`)
			waitJS(t, ctx, "the dialog closed", `!document.getElementById("dialog").open`)

			// The three counts, in the list and in the window.
			do(t, ctx, "customers", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#row-"+cuID)))
			if got := strings.Join(strings.Fields(text(t, ctx, "#row-"+cuID)), " "); !strings.Contains(got, "Müller Baumaschinen Other 1 1 1 1 elsewhere") {
				t.Errorf("customer row = %q", got)
			}
			do(t, ctx, "the window", click("#row-"+cuID+" a.open"), chromedp.WaitVisible(chromedp.CSS("#customer-panel .stats")))
			if got := strings.Join(strings.Fields(text(t, ctx, "#customer-panel .stats")), " "); got != "1 Locations 1 Assets on location 1 Assets owned 1 elsewhere" {
				t.Errorf("the window's counts = %q", got)
			}
			waitPanel(t, ctx)

			// Rename it with the pencil; the audit tab shows the change by name.
			do(t, ctx, "open the edit dialog", click("#edit-customer"))
			waitJS(t, ctx, "the edit dialog", `document.getElementById("dialog").open && !!document.querySelector("#f-name")`)
			do(t, ctx, "rename", setValue("#f-name", "Müller Bau GmbH"), click("#save-customer"))
			waitJS(t, ctx, "the new name", `document.querySelector("#panel-title") && document.querySelector("#panel-title").textContent === "Müller Bau GmbH"`)
			waitJS(t, ctx, "the dialog to close", `!document.getElementById("dialog").open`)
			do(t, ctx, "the audit tab", click(`.tabs a[href*="tab=audit"]`),
				chromedp.WaitVisible(chromedp.CSS(".timeline")))
			if got := text(t, ctx, ".timeline"); !strings.Contains(got, "Müller Baumaschinen") || !strings.Contains(got, "Müller Bau GmbH") {
				t.Errorf("audit tab does not show the rename: %q", got)
			}

			// Archive: the badge shows, and the customer leaves the active list...
			do(t, ctx, "archive", click("#archive-customer"),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel .badge-archived")))
			waitJS(t, ctx, "the archived customer to leave the list", `!document.querySelector("#row-`+cuID+`")`)
			// ...shows under "Archived", with its badge...
			do(t, ctx, "filter archived", click(`input[name=status][value=archived] + span`))
			waitJS(t, ctx, "the archived list", `location.search.includes("status=archived") &&
				document.querySelectorAll("#results tbody tr[id^=row-]").length === 1 && !!document.querySelector("#row-`+cuID+` .badge-archived")`)
			// ...and is not offered by an asset's customer picker, but is found there by name, with its badge.
			do(t, ctx, "the asset dialog", chromedp.Navigate(st.base+"/assets"), chromedp.WaitVisible(chromedp.CSS("#add-asset")),
				click("#add-asset"), chromedp.WaitVisible(chromedp.CSS("#p-owner_customer_id")),
				click("#p-owner_customer_id"))
			waitJS(t, ctx, "the picker's first options", `!!document.querySelector("#opts-owner_customer_id .picker-list")`)
			if got := text(t, ctx, "#opts-owner_customer_id"); strings.Contains(got, "Müller") || !strings.Contains(got, "Zeppelin Cranes") {
				t.Errorf("the picker's first options: %q", got)
			}
			pick(t, ctx, "owner_customer_id", "bau gm", "Müller Bau GmbH")
			waitJS(t, ctx, "the archived badge on the choice", `!!document.querySelector("#chosen-owner_customer_id .badge-archived")`)
			do(t, ctx, "Escape", chromedp.KeyEvent("\x1b"))

			// Unarchive, from its window.
			do(t, ctx, "the archived window", chromedp.Navigate(st.base+customerURL+"?status=archived"), chromedp.WaitVisible(chromedp.CSS("#unarchive-customer")))
			waitPanel(t, ctx)
			do(t, ctx, "unarchive", click("#unarchive-customer"),
				chromedp.WaitNotPresent(chromedp.CSS("#customer-panel .badge-archived")))

			// An API key: created, its secret shown once, revoked.
			do(t, ctx, "API keys", chromedp.Navigate(st.base+"/api-keys"), chromedp.WaitVisible(chromedp.CSS("#add-apikey")),
				click("#add-apikey"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "Nightly sync"), click("#save-apikey"),
				chromedp.WaitVisible(chromedp.CSS("#new-key")))
			if got := text(t, ctx, "#new-key"); !strings.HasPrefix(got, "stw_") {
				t.Errorf("new key = %q", got)
			}
			do(t, ctx, "revoke", chromedp.Sleep(300*time.Millisecond),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](`(() => { window.confirm = () => true; return true })()`)(ctx, tg)
					return err
				}),
				click(`button[aria-label="Revoke Nightly sync"]`))
			waitJS(t, ctx, "the key revoked", `document.querySelector("#keys").textContent.includes("Revoked") && !document.querySelector("#new-key")`)

			// The Back button closes the side window (and keeps the list's search).
			do(t, ctx, "search again", chromedp.Navigate(st.base+"/customers?q=mull"), chromedp.WaitVisible(chromedp.CSS("#row-"+cuID)),
				click("#row-"+cuID+" a.open"), chromedp.WaitVisible(chromedp.CSS("#customer-panel")))
			waitJS(t, ctx, "the window's URL", `location.pathname === "`+customerURL+`"`)
			do(t, ctx, "Back", chromedp.NavigateBack())
			waitJS(t, ctx, "Back to close the window", `location.pathname === "/customers" && !document.querySelector("#customer-panel") && document.querySelector("#q").value === "mull"`)

			// Sign out: the pages need a sign-in again.
			do(t, ctx, "sign out", click("#me-menu summary"), chromedp.WaitVisible(chromedp.CSS("#signout")), click("#signout"),
				chromedp.WaitVisible(chromedp.CSS("#signin-submit")),
				chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#signin-submit")))
		})
	}
}

// TestBrowserCrossOrigin: a form on another site that posts to Steward is refused, even for a
// signed-in user.
func TestBrowserCrossOrigin(t *testing.T) {
	st := startSite(t, "sqlite")
	ctx := newTab(t)
	signIn(t, ctx, st, st.password)
	do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#add-customer")))
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/customers"><input name="name" value="Planted by another site"><button id="go">Go</button></form>`, st.base)
	}))
	defer evil.Close()
	// localhost and 127.0.0.1 are different sites to the browser.
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	do(t, ctx, "the other site", chromedp.Navigate(evilURL), click("#go"),
		chromedp.WaitVisible(chromedp.CSS(".message-page")))
	if got := text(t, ctx, ".message-page"); !strings.Contains(got, "403") || !strings.Contains(got, "another site") {
		t.Errorf("cross-origin post answered %q", got)
	}
	page, err := st.s.Customers(context.Background(), st.admin, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 0 {
		t.Errorf("a cross-origin post created %d customers", len(page.Data))
	}
}

// TestScreenshots writes light and dark screenshots over the demo fleet into STEWARD_SCREENSHOTS
// (a directory): the customers list and a customer's window (docs/screenshots), the locations,
// assets, audit log, API keys, groups and users pages, a group's window and a user's groups in their
// dialog, each page also at tablet width (768 px); skipped unless it is set.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("STEWARD_SCREENSHOTS")
	if dir == "" {
		t.Skip("set STEWARD_SCREENSHOTS to a directory to write screenshots")
	}
	s := storetest.Open(t, "sqlite")
	st := &site{s: s, email: "admin@demo-rentals.example", password: "steward-demo"}
	if _, err := seed.Build(context.Background(), s, seed.Options{Org: "Demo Rentals", Email: st.email, Password: st.password,
		Country: "DE", Assets: 3000, History: 3, Seed: 2026}); err != nil {
		t.Fatal(err)
	}
	// A sub-account, and an asset shared with it, for the sharing tab and the Accounts page.
	u, err := s.SignIn(context.Background(), st.email, st.password)
	if err != nil {
		t.Fatal(err)
	}
	admin := steward.SystemActor(u.AccountID)
	depot, err := s.CreateSubAccount(context.Background(), admin, steward.SubAccountFields{Name: "Depot Nord", Email: "nord@example.com", Country: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	firstAssets, err := s.Assets(context.Background(), admin, steward.AssetFilter{ListParams: steward.ListParams{Limit: 1}})
	if err != nil || len(firstAssets.Data) == 0 {
		t.Fatalf("assets: %v", err)
	}
	shared := firstAssets.Data[0].ID
	if _, err := s.ShareAsset(context.Background(), admin, shared, depot.ID); err != nil {
		t.Fatal(err)
	}
	st.serve(t)
	groupID, userID := screenshotGroups(t, st)
	hookID, importID := screenshotIntegrations(t, st)
	ctx := newTab(t)
	signIn(t, ctx, st, st.password)
	do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#add-customer")))
	shots := []struct {
		name, url, wait string
		width           int64
	}{
		{"customers", "/customers", "#results", 1280},
		{"customer-window", "", "#customer-panel", 1280},
		{"locations", "/locations", "#results", 1280},
		{"assets", "/assets", "#results", 1280},
		{"audit", "/audit", "#results", 1280},
		{"api-keys", "/api-keys", "#keys", 1280},
		{"asset-sharing", "/assets/" + shared + "?tab=sharing", "#asset-panel", 1280},
		{"accounts", "/accounts", "#sharing-settings", 1280},
		{"assets-shared", "/assets?ownership=shared", "#results", 1280},
		{"groups", "/groups", "#results", 1280},
		{"group-window", "/groups/" + groupID + "?tab=assets", "#group-panel", 1280},
		{"users", "/users", "#users", 1280},
		{"user-groups", "/users/" + userID + "/edit", "#f-group_ids", 1280},
		{"imports", "/imports", "#import-form", 1280},
		{"import-job", "/imports/" + importID, "main h1", 1280},
		{"webhooks", "/webhooks", "#add-webhook", 1280},
		{"webhook", "/webhooks/" + hookID, "main h1", 1280},
		{"settings-menu", "/webhooks", "#add-webhook", 1280},
		{"customers-768", "/customers", "#results", 768},
		{"customer-window-768", "", "#customer-panel", 768},
		{"locations-768", "/locations", "#results", 768},
		{"assets-768", "/assets", "#results", 768},
		{"audit-768", "/audit", "#results", 768},
		{"api-keys-768", "/api-keys", "#keys", 768},
		{"groups-768", "/groups", "#results", 768},
		{"asset-sharing-768", "/assets/" + shared + "?tab=sharing", "#asset-panel", 768},
		{"assets-shared-768", "/assets?ownership=shared", "#results", 768},
		{"accounts-768", "/accounts", "#sharing-settings", 768},
		{"users-768", "/users", "#users", 768},
		{"settings-menu-768", "/customers", "#results", 768},
		{"imports-768", "/imports", "#import-form", 768},
		{"import-job-768", "/imports/" + importID, "main h1", 768},
		{"webhook-768", "/webhooks/" + hookID, "main h1", 768},
		{"mail", "/mail", "main h1", 1280},
		{"mail-768", "/mail", "main h1", 768},
	}
	for _, sc := range []string{"light", "dark"} {
		scheme(t, ctx, sc)
		for _, sh := range shots {
			do(t, ctx, "window size", chromedp.EmulateViewport(sh.width, 800))
			if sh.url != "" {
				do(t, ctx, sh.name, chromedp.Navigate(st.base+sh.url), chromedp.WaitVisible(chromedp.CSS(sh.wait)))
			} else {
				do(t, ctx, sh.name, click("#results a.open"), chromedp.WaitVisible(chromedp.CSS(sh.wait)))
				waitPanel(t, ctx)
			}
			if strings.HasPrefix(sh.name, "settings-menu") {
				do(t, ctx, "open Settings", click("#settings-menu summary"), chromedp.WaitVisible(chromedp.CSS(`#settings-menu a[href="/users"]`)))
			}
			do(t, ctx, "settle", chromedp.Sleep(200*time.Millisecond))
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fmt.Sprintf("%s/%s-%s.png", dir, sh.name, sc), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func cdpCall(ctx context.Context, tg *chromedp.Target, scheme string) (any, error) {
	_, err := emulationSetScheme(ctx, tg, scheme)
	if err != nil {
		return nil, errors.Join(errors.New("prefers-color-scheme"), err)
	}
	return nil, nil
}

func emulationSetScheme(ctx context.Context, tg *chromedp.Target, scheme string) (any, error) {
	return cdpCallEmulation(ctx, tg, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
}

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
	do(t, ctx, "search the picker", click("#p-"+field), sendKeys("#p-"+field, query))
	sel := fmt.Sprintf(`[...document.querySelectorAll("#opts-%s [data-pick]")].find(b => b.getAttribute("data-pick-name") === %q)`, field, name)
	waitJS(t, ctx, "the option "+name, "!!"+sel)
	do(t, ctx, "pick "+name, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => { `+sel+`.click(); return true })()`)(ctx, tg)
		return err
	}))
	waitJS(t, ctx, "the choice shown", fmt.Sprintf(`document.querySelector("#chosen-%s").textContent.includes(%q)`, field, name))
}

// screenshotIntegrations gives the screenshots an endpoint with a delivery in its log and a
// finished dry run of a customers file with one bad row, and returns their ids.
func screenshotIntegrations(t *testing.T, st *site) (string, string) {
	t.Helper()
	ctx := context.Background()
	hook, err := st.s.CreateWebhook(ctx, st.admin, steward.WebhookFields{URL: "https://203.0.113.7/steward/events",
		Events: []steward.WebhookEventType{"asset.location_changed", "asset.transferred", "customer.created"}, Description: "ERP sync"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "Harbour Cranes Ltd"}); err != nil {
		t.Fatal(err)
	}
	file := "name,type,external_ref,email\nHarbour Cranes Ltd,rental,HC-1,ops@harbour.example\nNordbau GmbH,contractor,NB-7,not-an-email\nAlpine Lift AG,dealer,AL-3,\n"
	job, err := st.s.CreateImport(ctx, st.admin, steward.NewImport{Kind: steward.ImportCustomers, DryRun: true, FileName: "customers.csv",
		File: strings.NewReader(file)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.s.RunImport(ctx, job.ID, "screenshots", nil); err != nil {
		t.Fatal(err)
	}
	return hook.ID, job.ID
}

// screenshotGroups gives the demo fleet a few groups (the seed makes none), their members
// taken from the fleet's assets with Latin names (this machine's chromium has no CJK font), and
// returns the id of the first group and of a user who sees two of them.
func screenshotGroups(t *testing.T, st *site) (string, string) {
	t.Helper()
	ctx := context.Background()
	pg, err := st.s.Assets(ctx, st.admin, steward.AssetFilter{ListParams: steward.ListParams{Sort: "name", Limit: steward.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	var locs []string
	for _, a := range pg.Data {
		if a.LocationID != nil {
			locs = append(locs, *a.LocationID)
		}
	}
	_, locNames, err := st.s.Names(ctx, st.admin, nil, locs)
	if err != nil {
		t.Fatal(err)
	}
	isLatin := func(s string) bool { return strings.IndexFunc(s, func(r rune) bool { return r > 0x2FF }) < 0 }
	var latin []string
	for _, a := range pg.Data {
		if isLatin(a.Name) && (a.LocationID == nil || isLatin(locNames[*a.LocationID].Name)) {
			latin = append(latin, a.ID)
		}
	}
	groups := []struct {
		name, description string
		assets            int
	}{
		{"North region", "Everything the Hamburg and Bremen depots rent out", 37},
		{"Tower cranes", "Tower cranes of every depot, for the crane team", 12},
		{"Rental pool Berlin", "", 64},
		{"Workshop", "Machines in for service", 5},
		{"Key accounts", "Assets placed with our five largest customers", 23},
	}
	first := ""
	var ids []string
	for i, g := range groups {
		grp, err := st.s.CreateGroup(ctx, st.admin, steward.GroupFields{Name: g.name, Description: g.description})
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = grp.ID
		}
		from := (i * 41) % len(latin)
		members := latin[from:min(len(latin), from+g.assets)]
		if err := st.s.AddGroupAssets(ctx, st.admin, grp.ID, members); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, grp.ID)
	}
	// A few people who see some groups only.
	var user string
	for i, p := range []string{"Jonas Weber", "Mia Hoffmann", "Lena Schulz"} {
		email := strings.ToLower(strings.Fields(p)[0]) + "@demo-rentals.example"
		u, _, err := st.s.InviteUser(ctx, st.admin, steward.UserFields{Name: p, Email: email, Role: steward.RoleTechnician,
			FleetVisibility: steward.FleetVisibilityGroups, GroupIDs: ids[i : i+2]})
		if err != nil {
			t.Fatal(err)
		}
		if user == "" {
			user = u.ID
		}
	}
	return first, user
}
