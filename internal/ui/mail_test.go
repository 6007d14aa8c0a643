package ui_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestUnsubscribeAndMailPages: a contact's link shows what it ends and changes nothing until the
// form is posted (no session needed); a bad token is one message; the Admin's Mail page lists
// the notifications kept; a User is refused it.
func TestUnsubscribeAndMailPages(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			c := newClient(t, st, st.email, st.password)
			cust, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "Crane <Hire>"})
			if err != nil {
				t.Fatal(err)
			}
			ct, err := st.s.CreateContact(ctx, st.admin, cust.ID, steward.ContactFields{Name: "Ann", Email: "ann@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			sub, err := st.s.CreateSubscription(ctx, st.admin, cust.ID, steward.SubscriptionFields{ContactID: ct.ID,
				Events: []steward.WebhookEventType{"asset.created"}})
			if err != nil {
				t.Fatal(err)
			}
			loc, err := st.s.CreateLocation(ctx, st.admin, steward.LocationFields{Name: "Yard", CustomerID: &cust.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.s.CreateAsset(ctx, st.admin, steward.AssetFields{Name: "Crane 7", LocationID: &loc.ID}); err != nil {
				t.Fatal(err)
			}
			mustContain(t, "mail page", c.get("/mail", "", 200), "ann@example.com", "Asset Crane 7: created", "pending")
			user := addUser(t, st, steward.RoleUser)
			user.get("/mail", "", 403)

			tok, err := st.s.UnsubscribeToken(ctx, st.admin.AccountID, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			anon := &client{t: t, st: st, http: &http.Client{Jar: jar}}
			page := anon.get("/unsubscribe?token="+url.QueryEscape(tok), "", 200)
			mustContain(t, "confirm", page, `id="unsubscribe-submit"`, "ann@example.com", "Crane &lt;Hire&gt;")
			if subs, _ := st.s.Subscriptions(ctx, st.admin, cust.ID); len(subs) != 1 {
				t.Fatal("the GET unsubscribed")
			}
			mustContain(t, "bad token", anon.get("/unsubscribe?token="+url.QueryEscape(tok[:len(tok)-3]+"AAA"), "", 404), "not valid")
			mustContain(t, "huge token", anon.get("/unsubscribe?token="+strings.Repeat("x", 3000), "", 404), "not valid")
			_, body := anon.post("/unsubscribe", url.Values{"token": {"nope"}}, "", 404)
			mustContain(t, "bad post", body, "not valid")
			_, body = anon.post("/unsubscribe", url.Values{"token": {tok}}, "", 200)
			mustContain(t, "done", body, "You are unsubscribed")
			if subs, _ := st.s.Subscriptions(ctx, st.admin, cust.ID); len(subs) != 0 {
				t.Fatalf("still subscribed: %+v", subs)
			}
			mustContain(t, "again", anon.get("/unsubscribe?token="+url.QueryEscape(tok), "", 200), "You are unsubscribed")
		})
	}
}
