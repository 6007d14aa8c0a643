package jobs_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/jobs"
	"github.com/steward-fleet/steward/internal/mail"
	"github.com/steward-fleet/steward/internal/mail/mailtest"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func runNotifier(t *testing.T, n *jobs.Notifier) func() {
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { n.Run(c); close(done) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

type fleet struct {
	a                *steward.Actor
	customer         *steward.Customer
	site, elsewhere  *steward.Location
	subscribed, gone *steward.Contact
	asset            *steward.Asset
}

// mkFleet: a customer with a location, two contacts subscribed to asset.location_changed, the
// second unsubscribed by its link, and an asset at another customer's location.
func mkFleet(t *testing.T, s *store.Store) *fleet {
	t.Helper()
	f := &fleet{a: admin(t, s)}
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.customer, err = s.CreateCustomer(ctx, f.a, steward.CustomerFields{Name: "Crane Hire"})
	must(err)
	other, err := s.CreateCustomer(ctx, f.a, steward.CustomerFields{Name: "Other"})
	must(err)
	f.site, err = s.CreateLocation(ctx, f.a, steward.LocationFields{Name: "North Yard", CustomerID: &f.customer.ID})
	must(err)
	f.elsewhere, err = s.CreateLocation(ctx, f.a, steward.LocationFields{Name: "South Yard", CustomerID: &other.ID})
	must(err)
	f.subscribed, err = s.CreateContact(ctx, f.a, f.customer.ID, steward.ContactFields{Name: "Ann", Email: "ann@example.com"})
	must(err)
	f.gone, err = s.CreateContact(ctx, f.a, f.customer.ID, steward.ContactFields{Name: "Bob", Email: "bob@example.com"})
	must(err)
	for _, c := range []*steward.Contact{f.subscribed, f.gone} {
		sub, err := s.CreateSubscription(ctx, f.a, f.customer.ID, steward.SubscriptionFields{ContactID: c.ID,
			Events: []steward.WebhookEventType{"asset.location_changed"}})
		must(err)
		if c == f.gone {
			tok, err := s.UnsubscribeToken(ctx, f.a.AccountID, sub.ID)
			must(err)
			must(s.Unsubscribe(ctx, tok))
		}
	}
	f.asset, err = s.CreateAsset(ctx, f.a, steward.AssetFields{Name: "Crane 7", LocationID: &f.elsewhere.ID})
	must(err)
	return f
}

// TestNotifierSendsThroughSMTP: a subscribed contact gets one mail, through a real SMTP
// conversation, when its customer's asset arrives at one of its locations; the unsubscribed
// one gets none; the mail's unsubscribe link works.
func TestNotifierSendsThroughSMTP(t *testing.T) {
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, engine, dsn)
		srv := mailtest.Start(t, mailtest.Options{TLS: true, User: "steward", Password: "pw"})
		sender, err := mail.New("smtp://steward:pw@"+srv.Addr, "Steward <steward@example.com>")
		if err != nil {
			t.Fatal(err)
		}
		sender.TLSConfig = srv.ClientTLS
		runNotifier(t, &jobs.Notifier{Queue: s, Sender: sender, Wake: s.MailWake(), PublicURL: "https://steward.example.com",
			Poll: 50 * time.Millisecond})
		f := mkFleet(t, s)
		if _, err := s.UpdateAsset(ctx, f.a, f.asset.ID, 0, func(x *steward.AssetFields) error {
			x.LocationID = &f.site.ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(1, 10*time.Second)
		time.Sleep(200 * time.Millisecond) // a second mail, if any, would have come by now
		got = srv.Mails()
		if len(got) != 1 || got[0].To[0] != "ann@example.com" || !got[0].TLS || got[0].Auth != "steward" {
			t.Fatalf("mails %+v", got)
		}
		if !strings.Contains(got[0].Data, "Crane 7 arrived at North Yard") {
			t.Errorf("mail %s", got[0].Data)
		}
		// The link (quoted-printable may wrap it) unsubscribes Ann.
		data := strings.ReplaceAll(strings.ReplaceAll(got[0].Data, "=\n", ""), "=3D", "=")
		i := strings.Index(data, "https://steward.example.com/unsubscribe?token=")
		if i < 0 {
			t.Fatalf("no link in %s", got[0].Data)
		}
		link, _, _ := strings.Cut(data[i:], "\n")
		u, err := url.Parse(strings.TrimSpace(link))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Unsubscribe(ctx, u.Query().Get("token")); err != nil {
			t.Fatal(err)
		}
		if subs, _ := s.Subscriptions(ctx, f.a, f.customer.ID); len(subs) != 0 {
			t.Errorf("subscriptions after both unsubscribed: %+v", subs)
		}
		msgs, err := s.MailMessages(ctx, f.a, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Status != steward.MailSent || msgs[0].SentAt == nil {
			t.Fatalf("%+v %v", msgs, err)
		}
	})
}

// TestNotifierKeepsWithoutSMTP: without a sender, mail is kept (to be read in the UI); a
// server that refuses is retried, then the mail fails with the server's words.
func TestNotifierKeepsWithoutSMTP(t *testing.T) {
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, engine, dsn)
		stop := runNotifier(t, &jobs.Notifier{Queue: s, Wake: s.MailWake(), Poll: 20 * time.Millisecond})
		f := mkFleet(t, s)
		move := func(loc string) {
			if _, err := s.UpdateAsset(ctx, f.a, f.asset.ID, 0, func(x *steward.AssetFields) error { x.LocationID = &loc; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		move(f.site.ID)
		waitStatus(t, s, f.a, steward.MailKept)
		stop()

		srv := mailtest.Start(t, mailtest.Options{Reject: "mailbox unavailable"})
		sender, err := mail.New("smtp://"+srv.Addr, "steward@example.com")
		if err != nil {
			t.Fatal(err)
		}
		runNotifier(t, &jobs.Notifier{Queue: s, Sender: sender, Wake: s.MailWake(), Poll: 20 * time.Millisecond,
			Schedule: []time.Duration{0, 10 * time.Millisecond}})
		move(f.elsewhere.ID)
		m := waitStatus(t, s, f.a, steward.MailFailed)
		if m.Attempts != 2 || !strings.Contains(m.LastError, "mailbox unavailable") {
			t.Fatalf("failed mail %+v", m)
		}
	})
}

// waitStatus waits until the newest mail has status want, and returns it.
func waitStatus(t *testing.T, s *store.Store, a *steward.Actor, want steward.MailStatus) steward.MailMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, err := s.MailMessages(ctx, a, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 1 && msgs[0].Status == want {
			return msgs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("newest mail %+v, want status %s", msgs, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
