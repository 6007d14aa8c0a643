package ui_test

import (
	"context"
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
	tctx, cancel2 := context.WithTimeout(tab, 40*time.Second)
	t.Cleanup(cancel2)
	return tctx
}

// site is a real server (the API and the web interface, as steward serve wires them) on a
// fresh database.
type site struct {
	base, email, password string
	engine, dsn           string
	s                     *store.Store
	admin                 *steward.Actor
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
	srv := web.New(st.s, nil, web.Options{UI: ui.New(st.s, nil, ui.Options{})}).HTTPServer()
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

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, pageText(ctx))
	}
}

// waitPanel waits for the side window to finish sliding in, so clicks land where they aim.
func waitPanel(t *testing.T, ctx context.Context) {
	t.Helper()
	waitJS(t, ctx, "the side window in place", `getComputedStyle(document.getElementById("panel")).transform === "none"`)
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
		chromedp.SendKeys(chromedp.CSS("#email"), st.email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitReady(chromedp.CSS("body")),
	)
}

// TestBrowserCustomers drives the customers screen like a user, on both engines.
func TestBrowserCustomers(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := newTab(t)
			if _, err := st.s.CreateCustomer(context.Background(), st.admin, steward.CustomerFields{Name: "Zeppelin Cranes"}); err != nil {
				t.Fatal(err)
			}

			// A wrong password says so, without saying which part was wrong.
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
			if got := text(t, ctx, ".account"); got != "Acme Rentals" {
				t.Errorf("header account = %q", got)
			}

			// Add a customer: the name is required, and the error sits next to the field.
			do(t, ctx, "open the add dialog",
				chromedp.Click(chromedp.CSS("#add-customer")),
				chromedp.WaitVisible(chromedp.CSS("#f-name")),
				chromedp.Click(chromedp.CSS("#save-customer")),
				chromedp.WaitVisible(chromedp.CSS("#e-name")),
			)
			waitJS(t, ctx, "focus on the invalid name", `document.activeElement && document.activeElement.id === "f-name"`)
			do(t, ctx, "add a customer",
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Müller Baumaschinen"),
				chromedp.Click(chromedp.CSS("#save-customer")),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel")),
			)
			waitJS(t, ctx, "the dialog to close", `!document.getElementById("dialog").open`)
			if got := text(t, ctx, "#panel-title"); got != "Müller Baumaschinen" {
				t.Errorf("side window title = %q", got)
			}
			waitJS(t, ctx, "the new customer in the list without a reload",
				`[...document.querySelectorAll("#results tbody th.name a")].some(a => a.textContent === "Müller Baumaschinen")`)

			// Search as you type, accent-free and partial; the URL holds the search.
			do(t, ctx, "search", chromedp.Navigate(st.base+"/customers"), chromedp.WaitVisible(chromedp.CSS("#q")),
				chromedp.SendKeys(chromedp.CSS("#q"), "mull"))
			waitJS(t, ctx, "search results", `document.querySelectorAll("#results tbody tr[id^=row-]").length === 1 &&
				document.querySelector("#results tbody th.name a").textContent === "Müller Baumaschinen" && location.search === "?q=mull"`)

			// The row's arrow opens the side window, the URL changes, and Back closes it.
			do(t, ctx, "open the side window", chromedp.Click(chromedp.CSS("#results a.open")),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel")))
			waitJS(t, ctx, "the window's URL", `location.pathname.startsWith("/customers/") && location.search === "?q=mull"`)
			do(t, ctx, "Back", chromedp.NavigateBack())
			waitJS(t, ctx, "Back to close the window", `location.pathname === "/customers" && !document.querySelector("#customer-panel") && document.querySelector("#q").value === "mull"`)
			do(t, ctx, "open it again", chromedp.Click(chromedp.CSS("#results a.open")),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel")))
			waitPanel(t, ctx)

			// Edit with the pencil; the audit tab shows the change by name.
			do(t, ctx, "open the edit dialog", chromedp.Click(chromedp.CSS("#edit-customer")))
			waitJS(t, ctx, "the edit dialog", `document.getElementById("dialog").open && !!document.querySelector("#f-name")`)
			do(t, ctx, "edit", setValue("#f-name", "Müller Bau GmbH"), chromedp.Click(chromedp.CSS("#save-customer")))
			waitJS(t, ctx, "the new name", `document.querySelector("#panel-title") && document.querySelector("#panel-title").textContent === "Müller Bau GmbH"`)
			waitJS(t, ctx, "the dialog to close", `!document.getElementById("dialog").open`)
			do(t, ctx, "the audit tab", chromedp.Click(chromedp.CSS(`.tabs a[href*="tab=audit"]`)),
				chromedp.WaitVisible(chromedp.CSS(".timeline")))
			if got := text(t, ctx, ".timeline"); !strings.Contains(got, "Müller Baumaschinen") || !strings.Contains(got, "Müller Bau GmbH") {
				t.Errorf("audit tab does not show the rename: %q", got)
			}

			// Archive: the badge shows, and the customer leaves the active list.
			do(t, ctx, "archive", chromedp.Click(chromedp.CSS("#archive-customer")),
				chromedp.WaitVisible(chromedp.CSS("#customer-panel .badge-archived")))
			waitJS(t, ctx, "the archived customer to leave the list", `!document.querySelector("#results tbody tr[id^=row-]")`)

			// The "Archived" filter shows it again, with its badge.
			do(t, ctx, "filter archived", chromedp.Click(chromedp.CSS(`input[name=status][value=archived] + span`)))
			waitJS(t, ctx, "the archived list", `location.search.includes("status=archived") &&
				document.querySelectorAll("#results tbody tr[id^=row-]").length === 1 &&
				!!document.querySelector("#results tbody .badge-archived")`)

			// Unarchive from the window.
			do(t, ctx, "unarchive", chromedp.Click(chromedp.CSS("#unarchive-customer")),
				chromedp.WaitNotPresent(chromedp.CSS("#customer-panel .badge-archived")))

			// Sign out: the pages need a sign-in again.
			do(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin-submit")),
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
	do(t, ctx, "the other site", chromedp.Navigate(evilURL), chromedp.Click(chromedp.CSS("#go")),
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

// TestScreenshots writes light and dark screenshots of the customers page and the side window
// over the demo fleet into STEWARD_SCREENSHOTS (a directory); skipped unless it is set.
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
	st.serve(t)
	ctx := newTab(t)
	signIn(t, ctx, st, st.password)
	do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#add-customer")))
	for _, scheme := range []string{"light", "dark"} {
		do(t, ctx, "color scheme", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdpCall(ctx, tg, scheme)
			return err
		}))
		shots := []struct{ name, url, wait string }{
			{"customers", "/customers", "#results"},
			{"customer-window", "", "#customer-panel"},
		}
		for _, sh := range shots {
			if sh.url != "" {
				do(t, ctx, sh.name, chromedp.Navigate(st.base+sh.url), chromedp.WaitVisible(chromedp.CSS(sh.wait)))
			} else {
				do(t, ctx, sh.name, chromedp.Click(chromedp.CSS("#results a.open")), chromedp.WaitVisible(chromedp.CSS(sh.wait)),
					chromedp.Sleep(300*time.Millisecond))
			}
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fmt.Sprintf("%s/%s-%s.png", dir, sh.name, scheme), png, 0o644); err != nil {
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
