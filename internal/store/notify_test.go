package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func code(err error) string {
	var e *steward.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func moveAsset(t *testing.T, s *store.Store, a *steward.Actor, as *steward.Asset, loc string) *steward.Asset {
	t.Helper()
	return must(s.UpdateAsset(ctx, a, as.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &loc; return nil }))
}

// TestNotificationsInTransaction: a subscribed contact gets one mail when its customer's asset
// arrives at one of its locations, another when it leaves; an unsubscribed one gets none; the
// unsubscribe token ends the subscription; accounts without subscriptions write nothing.
func TestNotificationsInTransaction(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Crane Hire")
		other := mkCustomer(t, s, o.admin, "Other")
		site := mkLocation(t, s, o.admin, c.ID, "North Yard")
		elsewhere := mkLocation(t, s, o.admin, other.ID, "South Yard")
		ann := must(s.CreateContact(ctx, o.admin, c.ID, steward.ContactFields{Name: "Ann", Email: "ann@example.com"}))
		bob := must(s.CreateContact(ctx, o.admin, c.ID, steward.ContactFields{Name: "Bob", Email: "bob@example.com"}))
		noMail := must(s.CreateContact(ctx, o.admin, c.ID, steward.ContactFields{Name: "No Mail"}))
		as := mkAsset(t, s, o.admin, "Crane 7", "", elsewhere.ID)
		if m := must(s.MailMessages(ctx, o.admin, 100)); len(m) != 0 {
			t.Fatalf("mail without subscriptions: %+v", m)
		}
		subAnn := must(s.CreateSubscription(ctx, o.admin, c.ID, steward.SubscriptionFields{ContactID: ann.ID,
			Events: []steward.WebhookEventType{"asset.location_changed"}}))
		subBob := must(s.CreateSubscription(ctx, o.admin, c.ID, steward.SubscriptionFields{ContactID: bob.ID,
			Events: []steward.WebhookEventType{"asset.location_changed", "asset.archived"}}))
		if subAnn.Email != "ann@example.com" {
			t.Fatalf("subscription %+v", subAnn)
		}
		// Bob unsubscribes by his link.
		tok := must(s.UnsubscribeToken(ctx, o.acc.ID, subBob.ID))
		if tg := must(s.CheckUnsubscribe(ctx, tok)); tg.Email != "bob@example.com" || tg.CustomerName != "Crane Hire" || tg.Gone {
			t.Fatalf("target %+v", tg)
		}
		ok(t, s.Unsubscribe(ctx, tok))
		ok(t, s.Unsubscribe(ctx, tok)) // twice is fine
		if tg := must(s.CheckUnsubscribe(ctx, tok)); !tg.Gone {
			t.Fatalf("target after unsubscribe %+v", tg)
		}
		for _, bad := range []string{"", tok + "x", strings.Replace(tok, ".", "", 1), strings.Repeat("a", 5000),
			"e30." + strings.SplitN(tok, ".", 2)[1], tok[:len(tok)-2] + "AA"} {
			if err := s.Unsubscribe(ctx, bad); code(err) != steward.EINVALID {
				t.Errorf("token %.40q: %v", bad, err)
			}
		}

		moveAsset(t, s, o.admin, as, site.ID)
		msgs := must(s.MailMessages(ctx, o.admin, 100))
		if len(msgs) != 1 || msgs[0].To != "ann@example.com" || msgs[0].Status != steward.MailPending ||
			!strings.Contains(msgs[0].Subject, "arrived at North Yard") {
			t.Fatalf("after arriving: %+v", msgs)
		}
		as = moveAsset(t, s, o.admin, as, elsewhere.ID)
		msgs = must(s.MailMessages(ctx, o.admin, 100))
		if len(msgs) != 2 || !strings.Contains(msgs[0].Subject, "left North Yard") {
			t.Fatalf("after leaving: %+v", msgs)
		}
		// An archived contact is not mailed.
		must(s.SetContactArchived(ctx, o.admin, ann.ID, 0, true))
		as = moveAsset(t, s, o.admin, as, site.ID)
		as = moveAsset(t, s, o.admin, as, elsewhere.ID)
		if msgs = must(s.MailMessages(ctx, o.admin, 100)); len(msgs) != 2 {
			t.Fatalf("an archived contact was mailed: %+v", msgs)
		}
		must(s.SetContactArchived(ctx, o.admin, ann.ID, 0, false))
		// Archived is not among Ann's events.
		must(s.SetAssetArchived(ctx, o.admin, as.ID, 0, true))
		if msgs = must(s.MailMessages(ctx, o.admin, 100)); len(msgs) != 2 {
			t.Fatalf("after archiving: %+v", msgs)
		}

		// Claim, keep (no SMTP), and the retry schedule.
		got := must(s.ClaimMail(ctx, 10, time.Minute))
		if len(got) != 2 || got[0].Unsubscribe == "" || got[0].Attempts != 1 {
			t.Fatalf("claimed %+v", got)
		}
		if again := must(s.ClaimMail(ctx, 10, time.Minute)); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		ok(t, s.FinishMail(ctx, []steward.MailResult{{AccountID: o.acc.ID, ID: got[0].ID, Attempt: 1, Kept: true},
			{AccountID: o.acc.ID, ID: got[1].ID, Attempt: 1, Err: "421 try later"}}, steward.MailRetrySchedule))
		byID := map[string]steward.MailMessage{}
		for _, m := range must(s.MailMessages(ctx, o.admin, 100)) {
			byID[m.ID] = m
		}
		if m := byID[got[0].ID]; m.Status != steward.MailKept {
			t.Errorf("kept: %+v", m)
		}
		if m := byID[got[1].ID]; m.Status != steward.MailPending || m.LastError != "421 try later" || m.Attempts != 1 {
			t.Errorf("retry: %+v", m)
		}

		// Validation and conflicts.
		for _, c2 := range []struct {
			f     steward.SubscriptionFields
			field string
		}{
			{steward.SubscriptionFields{Events: []steward.WebhookEventType{"asset.archived"}}, "user_id"},
			{steward.SubscriptionFields{UserID: o.user.ID, ContactID: ann.ID, Events: []steward.WebhookEventType{"asset.archived"}}, "contact_id"},
			{steward.SubscriptionFields{ContactID: ann.ID}, "events"},
			{steward.SubscriptionFields{ContactID: ann.ID, Events: []steward.WebhookEventType{"customer.created"}}, "events[0]"},
			{steward.SubscriptionFields{ContactID: ann.ID, Events: []steward.WebhookEventType{"asset.archived", "asset.archived"}}, "events[1]"},
			{steward.SubscriptionFields{ContactID: "not-an-id\u200b", Events: []steward.WebhookEventType{"asset.archived"}}, "contact_id"},
			{steward.SubscriptionFields{ContactID: noMail.ID, Events: []steward.WebhookEventType{"asset.archived"}}, "contact_id"},
			{steward.SubscriptionFields{ContactID: elsewhere.ID, Events: []steward.WebhookEventType{"asset.archived"}}, "contact_id"},
		} {
			_, err := s.CreateSubscription(ctx, o.admin, c.ID, c2.f)
			var e *steward.Error
			if !errors.As(err, &e) || e.Code != steward.EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != c2.field {
				t.Errorf("%+v: %v", c2.f, err)
			}
		}
		if _, err := s.CreateSubscription(ctx, o.admin, c.ID, steward.SubscriptionFields{ContactID: ann.ID,
			Events: []steward.WebhookEventType{"asset.archived"}}); code(err) != steward.ECONFLICT {
			t.Errorf("second subscription of Ann: %v", err)
		}

		// Roles: a User may subscribe themself, not a contact; another organization sees nothing.
		user := o.keyActor(t, s, steward.RoleUser, false)
		if _, err := s.CreateSubscription(ctx, user, c.ID, steward.SubscriptionFields{ContactID: bob.ID,
			Events: []steward.WebhookEventType{"asset.archived"}}); code(err) != steward.EFORBIDDEN {
			t.Errorf("user subscribing a contact: %v", err)
		}
		self := must(s.CreateSubscription(ctx, user, other.ID, steward.SubscriptionFields{UserID: user.UserID,
			Events: []steward.WebhookEventType{"asset.unarchived"}}))
		if err := s.DeleteSubscription(ctx, user, c.ID, subAnn.ID, 0); code(err) != steward.EFORBIDDEN {
			t.Errorf("user deleting a contact's subscription: %v", err)
		}
		o2 := newOrg(t, s)
		if _, err := s.Subscriptions(ctx, o2.admin, c.ID); code(err) != steward.ENOTFOUND {
			t.Errorf("other org lists: %v", err)
		}
		if _, err := s.CreateSubscription(ctx, o2.admin, c.ID, steward.SubscriptionFields{UserID: o2.user.ID,
			Events: []steward.WebhookEventType{"asset.archived"}}); code(err) != steward.ENOTFOUND {
			t.Errorf("other org creates: %v", err)
		}
		c3 := mkCustomer(t, s, o2.admin, "Theirs")
		if _, err := s.CreateSubscription(ctx, o2.admin, c3.ID, steward.SubscriptionFields{ContactID: ann.ID,
			Events: []steward.WebhookEventType{"asset.archived"}}); code(err) != steward.EINVALID {
			t.Errorf("other org subscribes our contact: %v", err)
		}
		if _, err := s.CreateSubscription(ctx, o2.admin, c3.ID, steward.SubscriptionFields{UserID: o.user.ID,
			Events: []steward.WebhookEventType{"asset.archived"}}); code(err) != steward.EINVALID {
			t.Errorf("other org subscribes our user: %v", err)
		}
		if err := s.DeleteSubscription(ctx, o2.admin, c.ID, subAnn.ID, 0); code(err) != steward.ENOTFOUND {
			t.Errorf("other org deletes: %v", err)
		}
		if _, err := s.MailMessages(ctx, user, 10); code(err) != steward.EFORBIDDEN {
			t.Errorf("user reads mail: %v", err)
		}
		must(s.SetAssetArchived(ctx, o.admin, as.ID, 0, false))
		if msgs = must(s.MailMessages(ctx, o.admin, 100)); len(msgs) != 3 || msgs[0].To != o.email || msgs[0].Unsubscribe != "" {
			t.Fatalf("after unarchiving: %+v", msgs)
		}
		if err := s.DeleteSubscription(ctx, user, c.ID, self.ID, 0); code(err) != steward.ENOTFOUND {
			t.Errorf("delete under the wrong customer: %v", err)
		}
		ok(t, s.DeleteSubscription(ctx, user, other.ID, self.ID, 1))
		subs := must(s.Subscriptions(ctx, o.admin, c.ID))
		if len(subs) != 1 || subs[0].ID != subAnn.ID {
			t.Fatalf("subscriptions %+v", subs)
		}
	})
}

func FuzzParseUnsubscribeToken(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	f.Add("")
	f.Add("YWJj.ZGVm")
	f.Add(strings.Repeat(".", 400))
	f.Fuzz(func(t *testing.T, token string) {
		acc, sub, err := store.ParseUnsubscribeToken(key, token)
		if err == nil && (!steward.IsID(acc) || !steward.IsID(sub)) {
			t.Fatalf("accepted %q: %q %q", token, acc, sub)
		}
	})
}
