package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// client is a signed-in user without a browser: plain HTTP with the session cookie, and the
// headers htmx sends when asked.
type client struct {
	t    *testing.T
	st   *site
	http *http.Client
}

func newClient(t *testing.T, st *site, email, password string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, st: st, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	res, body := c.do("POST", "/signin", url.Values{"email": {email}, "password": {password}}, "")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d %s", email, res.StatusCode, body)
	}
	return c
}

// do sends a request; target "" is a plain browser request, else an htmx one aimed at target.
func (c *client) do(method, path string, form url.Values, target string) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.st.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if target != "" {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", target)
		req.Header.Set("HX-Current-URL", c.st.base+"/customers")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// get fetches path and fails unless the status is want.
func (c *client) get(path, target string, want int) string {
	c.t.Helper()
	res, body := c.do("GET", path, nil, target)
	if res.StatusCode != want {
		c.t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, want, body)
	}
	return body
}

// post posts a form and fails unless the status is want.
func (c *client) post(path string, form url.Values, target string, want int) (*http.Response, string) {
	c.t.Helper()
	res, body := c.do("POST", path, form, target)
	if res.StatusCode != want {
		c.t.Fatalf("POST %s: %d, want %d\n%s", path, res.StatusCode, want, body)
	}
	return res, body
}

func mustContain(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s does not contain %q", what, p)
		}
	}
}

// TestContacts: contacts are added, edited and archived inside the customer window.
func TestContacts(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			cu, err := st.s.CreateCustomer(context.Background(), st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			base := "/customers/" + cu.ID
			body := c.get(base+"?tab=contacts", "panel", 200)
			mustContain(t, "empty contacts tab", body, "No contacts yet", `id="add-contact"`)
			mustContain(t, "add dialog", c.get(base+"/contacts/new", "dialog-body", 200), `id="save-contact"`, "Add a contact to Kran AG")

			// A bad email is a field error next to its field; the dialog stays.
			_, body = c.post(base+"/contacts", url.Values{"name": {"Jo"}, "email": {"not an email"}}, "dialog-body", 422)
			mustContain(t, "field error", body, `id="e-email"`, `value="Jo"`)
			res, body := c.post(base+"/contacts", url.Values{"name": {"Jo Weber"}, "kind": {"person"}, "title": {"Dispatcher"}, "email": {"jo@kran.example"}}, "dialog-body", 200)
			if res.Header.Get("HX-Retarget") != "#panel" || !strings.Contains(res.Header.Get("HX-Trigger"), "closeDialog") {
				t.Errorf("create answered retarget %q trigger %q", res.Header.Get("HX-Retarget"), res.Header.Get("HX-Trigger"))
			}
			mustContain(t, "contacts tab after add", body, "Jo Weber", "Dispatcher", "jo@kran.example")
			page, err := st.s.Contacts(context.Background(), st.admin, steward.ContactFilter{CustomerID: cu.ID})
			if err != nil || len(page.Data) != 1 {
				t.Fatalf("contacts: %v %v", page, err)
			}
			ct := page.Data[0]
			mustContain(t, "edit dialog", c.get("/contacts/"+ct.ID+"/edit", "dialog-body", 200), `value="Jo Weber"`, `name="version" value="1"`)
			_, body = c.post("/contacts/"+ct.ID, url.Values{"name": {"Johanna Weber"}, "kind": {"department"}, "version": {"1"}}, "dialog-body", 200)
			mustContain(t, "after edit", body, "Johanna Weber", "Department")
			// A stale version says someone else changed it.
			_, body = c.post("/contacts/"+ct.ID, url.Values{"name": {"Old"}, "version": {"1"}}, "dialog-body", 412)
			mustContain(t, "stale edit", body, "Someone else changed this contact", "Request id")

			_, body = c.post("/contacts/"+ct.ID+"/archive", url.Values{"version": {"2"}}, "panel", 200)
			if strings.Contains(body, "Johanna Weber") {
				t.Error("an archived contact is still in the active tab")
			}
			body = c.get(base+"?tab=contacts&contacts=archived", "panel", 200)
			mustContain(t, "archived contacts", body, "Johanna Weber", "badge-archived", "/contacts/"+ct.ID+"/unarchive")
			c.post("/contacts/"+ct.ID+"/unarchive", url.Values{"version": {"3"}}, "panel", 200)

			// Without htmx, the forms work as plain posts.
			res, _ = c.post(base+"/contacts", url.Values{"name": {"Front desk"}}, "", 303)
			if loc := res.Header.Get("Location"); loc != base+"?tab=contacts" {
				t.Errorf("plain post went to %q", loc)
			}
			c.get("/contacts/nope!/edit", "", 404)
		})
	}
}
