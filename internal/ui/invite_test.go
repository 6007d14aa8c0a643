package ui_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// anonymousClient is a browser that has not signed in.
func anonymousClient(t *testing.T, st *site) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, st: st, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

const badLink = "This link is not valid"

// TestInvitePage: an invitee sets a password through the link and is signed in; the link works
// once; unknown, used and replaced links all show one message; guessing links is limited.
func TestInvitePage(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			u, tok, err := st.s.InviteUser(ctx, st.admin, steward.UserFields{Name: "Ivo <Invitee>", Email: "ivo@example.com",
				Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityAll})
			if err != nil {
				t.Fatal(err)
			}
			c := anonymousClient(t, st)
			path := "/invite/" + tok.Token
			body := c.get(path, "", 200)
			mustContain(t, "invitation page", body, "Accept your invitation", "Ivo &lt;Invitee&gt;", "ivo@example.com",
				`action="`+path+`"`, `name="confirm"`)
			// Mistakes keep the link usable.
			_, body = c.post(path, url.Values{"password": {"long enough 1"}, "confirm": {"long enough 2"}}, "", 422)
			mustContain(t, "mismatch", body, "The two passwords differ.")
			_, body = c.post(path, url.Values{"password": {"short"}, "confirm": {"short"}}, "", 422)
			mustContain(t, "too short", body, "at least 8 characters")
			// Over the form's limit (a 2 MB password is the store test's; a body this size is read
			// off the connection whole, so the answer arrives).
			huge := strings.Repeat("p", 100<<10)
			c.post(path, url.Values{"password": {huge}, "confirm": {huge}}, "", 413)
			// Accepted: signed in at once.
			res, _ := c.post(path, url.Values{"password": {"a good password"}, "confirm": {"a good password"}}, "", 303)
			if res.Header.Get("Location") != "/customers" {
				t.Errorf("after accepting: Location %q", res.Header.Get("Location"))
			}
			c.get("/customers", "", 200)
			newClient(t, st, "ivo@example.com", "a good password")
			// Used: one message, for GET and POST.
			body = c.get(path, "", 404)
			mustContain(t, "used link", body, badLink)
			if strings.Contains(body, "ivo@example.com") || strings.Contains(body, `name="password"`) {
				t.Error("a used link still shows whom it was for, or its form")
			}
			_, body = anonymousClient(t, st).post(path, url.Values{"password": {"another password"}, "confirm": {"another password"}}, "", 404)
			mustContain(t, "used link, posted", body, badLink)
			// A replaced link: the same message.
			_, first, err := st.s.InviteUser(ctx, st.admin, steward.UserFields{Name: "Jo", Email: "jo@example.com",
				Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityNone})
			if err != nil {
				t.Fatal(err)
			}
			jo, _ := st.s.User(ctx, st.admin, first.UserID)
			if _, err := st.s.ReinviteUser(ctx, st.admin, jo.ID); err != nil {
				t.Fatal(err)
			}
			mustContain(t, "replaced link", c.get("/invite/"+first.Token, "", 404), badLink)
			// A reset link is not an invitation, and the reverse.
			reset, err := st.s.IssuePasswordReset(ctx, st.admin, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "reset link as invitation", c.get("/invite/"+reset.Token, "", 404), badLink)
			mustContain(t, "reset page", c.get("/reset-password/"+reset.Token, "", 200), "Choose a new password", "ivo@example.com")
			// Guessing links is limited per client address, like sign-ins (a burst of 20).
			var limited bool
			for range 25 {
				res, _ := c.do("GET", "/invite/"+strings.Repeat("A", 43), nil, "")
				if res.StatusCode == http.StatusTooManyRequests {
					limited = true
					if res.Header.Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
					break
				}
			}
			if !limited {
				t.Error("25 wrong links from one address were not limited")
			}
		})
	}
}

// TestPasswordResetEndsSessions: the user's own change ends their other sessions but not the
// one it was made in; a reset through an Admin's link ends them all and signs in afresh; a
// deactivated user's session stops at once and stays stopped after reactivation.
func TestPasswordResetEndsSessions(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			here, there := newClient(t, st, st.email, st.password), newClient(t, st, st.email, st.password)
			here.get("/account/password", "", 200)
			_, body := here.post("/account/password", url.Values{"current_password": {"wrong one"}, "new_password": {"a new password"},
				"confirm": {"a new password"}}, "", 422)
			mustContain(t, "wrong current password", body, "not your current password")
			there.get("/customers", "", 200) // a refused change ends nothing
			_, body = here.post("/account/password", url.Values{"current_password": {st.password}, "new_password": {"a new password"},
				"confirm": {"a new password"}}, "", 200)
			mustContain(t, "changed", body, "Your password was changed")
			here.get("/customers", "", 200)
			res, _ := there.do("GET", "/customers", nil, "")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
				t.Errorf("the other session after a password change: %d %s", res.StatusCode, res.Header.Get("Location"))
			}

			// An Admin's reset link: every session of the user ends, the link signs in.
			u := &steward.User{}
			_, tok, err := st.s.InviteUser(ctx, st.admin, steward.UserFields{Name: "Rosa", Email: "rosa@example.com",
				Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityAll})
			if err != nil {
				t.Fatal(err)
			}
			if u, err = st.s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, "rosa's password"); err != nil {
				t.Fatal(err)
			}
			rosa := newClient(t, st, "rosa@example.com", "rosa's password")
			reset, err := st.s.IssuePasswordReset(ctx, st.admin, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			rosa.get("/customers", "", 200) // issuing a reset ends nothing yet
			other := anonymousClient(t, st)
			other.post("/reset-password/"+reset.Token, url.Values{"password": {"rosa's new one"}, "confirm": {"rosa's new one"}}, "", 303)
			other.get("/customers", "", 200)
			untouched := newClient(t, st, "rosa@example.com", "rosa's new one")
			if res, _ := rosa.do("GET", "/customers", nil, ""); res.StatusCode != http.StatusSeeOther {
				t.Errorf("a session from before the reset: %d", res.StatusCode)
			}

			// Deactivated: the session stops at once, and stays stopped after reactivation.
			if _, err := st.s.SetUserActive(ctx, st.admin, u.ID, 0, false); err != nil {
				t.Fatal(err)
			}
			if res, _ := other.do("GET", "/customers", nil, ""); res.StatusCode != http.StatusSeeOther {
				t.Errorf("a deactivated user's session: %d", res.StatusCode)
			}
			if _, err := st.s.SetUserActive(ctx, st.admin, u.ID, 0, true); err != nil {
				t.Fatal(err)
			}
			if res, _ := untouched.do("GET", "/customers", nil, ""); res.StatusCode != http.StatusSeeOther {
				t.Errorf("a session from before the deactivation, after reactivation: %d", res.StatusCode)
			}
			newClient(t, st, "rosa@example.com", "rosa's new one").get("/customers", "", 200)
		})
	}
}

// TestBrowserInvite: an Admin invites a user through the users page's dialog and copies the
// link; the invitee opens it in another browser, mistypes the confirmation, sets a password,
// lands signed in on the customers, and the link is then spent.
func TestBrowserInvite(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := newTab(t)
			st := startSite(t, engine)
			signIn(t, ctx, st, st.password)
			do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#q")))
			do(t, ctx, "the users page", chromedp.Navigate(st.base+"/users"), chromedp.WaitVisible(chromedp.CSS("#add-user")),
				click("#add-user"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
				sendKeys("#f-name", "Uma User"), sendKeys("#f-email", "uma@example.com"),
				chromedp.SetValue(chromedp.CSS("#f-role"), "technician"),
				click("#save-user"), chromedp.WaitVisible(chromedp.CSS("#new-link")))
			link := text(t, ctx, "#new-link")
			if !strings.HasPrefix(link, st.base+"/invite/") {
				t.Fatalf("the page shows the link %q", link)
			}
			if row := text(t, ctx, "#users tbody"); !strings.Contains(row, "Uma User") || !strings.Contains(row, "Invited") {
				t.Errorf("the users list: %q", row)
			}

			invitee := newTab(t) // another browser: no session of the Admin's
			do(t, invitee, "open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#password")))
			if got := text(t, invitee, "#token-email"); got != "uma@example.com" {
				t.Errorf("the page is for %q", got)
			}
			do(t, invitee, "mistype", sendKeys("#password", "uma's password"), sendKeys("#confirm", "uma's passwort"),
				click("#token-submit"), chromedp.WaitVisible(chromedp.CSS("#confirm-error")))
			do(t, invitee, "set it", sendKeys("#password", "uma's password"), sendKeys("#confirm", "uma's password"),
				click("#token-submit"), chromedp.WaitVisible(chromedp.CSS("#q")))
			waitJS(t, invitee, "signed in as Uma", `location.pathname === "/customers" && document.body.innerText.includes("Uma User")`)
			do(t, invitee, "the spent link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#token-invalid")))

			// The Admin sees Uma active, and deactivates her: her session ends at once.
			do(t, ctx, "the users page again", chromedp.Navigate(st.base+"/users"), chromedp.WaitVisible(chromedp.CSS("#users")))
			uma := usersRowID(t, st, "uma@example.com")
			do(t, ctx, "deactivate",
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](`(() => { window.confirm = () => true; return true })()`)(ctx, tg)
					return err
				}),
				click("#user-"+uma+" .revoke"), chromedp.WaitVisible(chromedp.CSS("#user-"+uma+".revoked")))
			do(t, invitee, "Uma's next page", chromedp.Navigate(st.base+"/assets"), chromedp.WaitVisible(chromedp.CSS("#signin-submit")))
		})
	}
}

// usersRowID is the id of the user with the email, read from the store.
func usersRowID(t *testing.T, st *site, email string) string {
	t.Helper()
	page, err := st.s.Users(context.Background(), st.admin, steward.UserFilter{Q: email})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("user %s: %v", email, err)
	}
	return page.Data[0].ID
}

// TestUsersPage: Admins invite, see, deactivate and reactivate users and issue links on the
// users page; the service's rules show as messages; other roles are refused.
func TestUsersPage(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			admin := newClient(t, st, st.email, st.password)
			body := admin.get("/users", "", 200)
			mustContain(t, "users page", body, "Ada Lovelace", "ada@example.com", ">You<", `id="add-user"`)
			mustContain(t, "invite dialog", admin.get("/users/new", "dialog-body", 200), `name="fleet_visibility"`, `value="technician"`)
			// Mistakes come back in the dialog.
			_, body = admin.post("/users", url.Values{"name": {"X"}, "email": {"x@example.com"}, "role": {"ADMIN"}, "fleet_visibility": {"all"}}, "dialog-body", 422)
			mustContain(t, "bad role", body, "must be one of admin")
			_, body = admin.post("/users", url.Values{"name": {"X"}, "email": {st.email}, "role": {"user"}, "fleet_visibility": {"all"}}, "dialog-body", 409)
			mustContain(t, "email taken", body, "already has a user")
			// An invitation: the link, once, and the row.
			_, body = admin.post("/users", url.Values{"name": {"Pia"}, "email": {"pia@example.com"}, "role": {"fleet_admin"}, "fleet_visibility": {"groups"}}, "dialog-body", 200)
			mustContain(t, "invited", body, "Invitation for Pia", st.base+"/invite/", "Selected groups", "Invited")
			link := body[strings.Index(body, st.base+"/invite/"):]
			link = link[:strings.IndexAny(link, "<\"")]
			if strings.Contains(admin.get("/users", "", 200), link) {
				t.Error("the link is shown again")
			}
			pia := usersRowID(t, st, "pia@example.com")
			_, body = admin.post("/users/"+pia+"/invite", nil, "users", 200)
			mustContain(t, "new link", body, "Invitation for Pia")
			res, _ := anonymousClient(t, st).do("GET", strings.TrimPrefix(link, st.base), nil, "")
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("the replaced link: %d", res.StatusCode)
			}
			// Deactivate, reactivate, reset.
			_, body = admin.post("/users/"+pia+"/deactivate", nil, "users", 200)
			mustContain(t, "deactivated", body, "Deactivated", "/users/"+pia+"/reactivate")
			admin.post("/users/"+pia+"/reactivate", nil, "users", 200)
			_, body = admin.post("/users/"+pia+"/password-reset", nil, "users", 200)
			mustContain(t, "reset", body, "Password reset for Pia", st.base+"/reset-password/")
			// The rules: one's own deactivation is refused with a message; others are 404.
			me := usersRowID(t, st, st.email)
			_, body = admin.post("/users/"+me+"/deactivate", nil, "users", 422)
			mustContain(t, "self", body, "cannot deactivate yourself")
			admin.post("/users/not-an-id/deactivate", nil, "users", 404)
			// Other roles: no link in the header, and 403.
			fleet := addUser(t, st, steward.RoleFleetAdmin)
			if strings.Contains(fleet.get("/customers", "", 200), `href="/users"`) {
				t.Error("a fleet admin sees the users link")
			}
			fleet.get("/users", "", 403)
			fleet.post("/users", url.Values{"name": {"Y"}, "email": {"y@example.com"}, "role": {"admin"}, "fleet_visibility": {"all"}}, "", 403)
		})
	}
}
