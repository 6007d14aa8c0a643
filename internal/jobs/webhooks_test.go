package jobs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/steward-fleet/steward/internal/jobs"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

var ctx = context.Background()

// openStore opens a fresh migrated database of engine, with private webhook addresses allowed
// (the receivers listen on 127.0.0.1).
func openStore(t *testing.T, engine string, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(ctx, dsn, store.Options{WebhookAllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// admin makes an organization and returns its Admin.
func admin(t *testing.T, s *store.Store) *steward.Actor {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	email := "admin-" + hex.EncodeToString(b) + "@example.com"
	if _, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Org " + email, Email: email, Country: "DE",
		AdminName: "Ada", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate(ctx, k.Key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// receiver is a local endpoint that records what it receives and answers with status(n) for the
// n-th request (from 1).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status func(n int) int
	signal chan struct{}
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status, signal: make(chan struct{}, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(r.status(n))
		r.signal <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// wait waits for n requests in all.
func (r *receiver) wait(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for len(r.requests()) < n {
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("received %d requests, want %d", len(r.requests()), n)
		}
	}
	return r.requests()
}

// run starts d and returns its stop, which waits for it.
func run(d *jobs.Dispatcher) (stop func()) {
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(c); close(done) }()
	return func() { cancel(); <-done }
}

func forEngine(t *testing.T, fn func(t *testing.T, engine, dsn string)) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { fn(t, engine, storetest.DSN(t, engine)) })
	}
}

// TestDeliverySignedAndRetried: a receiver that fails twice then succeeds gets the event three
// times, each signed so the Standard Webhooks library verifies it, with the same webhook-id, and
// then no more; the delivery log shows it succeeded on the third attempt.
func TestDeliverySignedAndRetried(t *testing.T) {
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, engine, dsn)
		a := admin(t, s)
		rcv := newReceiver(t, func(n int) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusNoContent
		})
		h, err := s.CreateWebhook(ctx, a, steward.WebhookFields{URL: rcv.URL + "/hook", Events: []steward.WebhookEventType{"customer.created"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Signed Customer", ExternalRef: "S-1"})
		if err != nil {
			t.Fatal(err)
		}
		stop := run(&jobs.Dispatcher{Outbox: s, Wake: s.WebhookWake(), Poll: 10 * time.Millisecond,
			Schedule: []time.Duration{0, 30 * time.Millisecond, 30 * time.Millisecond, 30 * time.Millisecond}, AllowPrivate: true})
		got := rcv.wait(t, 3)
		time.Sleep(200 * time.Millisecond) // nothing more comes
		stop()
		if n := len(rcv.requests()); n != 3 {
			t.Fatalf("%d requests, want 3", n)
		}
		wh, err := standardwebhooks.NewWebhook(h.Secret)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			if err := wh.Verify(r.body, r.header); err != nil {
				t.Errorf("request %d does not verify: %v", i+1, err)
			}
			if r.header.Get("webhook-id") != got[0].header.Get("webhook-id") || r.header.Get("Steward-Delivery") == "" {
				t.Errorf("request %d headers %v", i+1, r.header)
			}
		}
		var body struct {
			ID         string           `json:"id"`
			Type       string           `json:"type"`
			AccountID  string           `json:"account_id"`
			ObjectType string           `json:"object_type"`
			ObjectID   string           `json:"object_id"`
			Timestamp  string           `json:"timestamp"`
			Data       map[string]any   `json:"data"`
			Changes    []steward.Change `json:"changes"`
		}
		if err := json.Unmarshal(got[0].body, &body); err != nil {
			t.Fatal(err)
		}
		if body.ID != got[0].header.Get("webhook-id") || body.Type != "customer.created" || body.ObjectID != c.ID || body.AccountID != a.AccountID ||
			body.ObjectType != "customer" || body.Timestamp == "" ||
			body.Data["name"] != "Signed Customer" || len(body.Changes) == 0 {
			t.Errorf("body %s", got[0].body)
		}
		var sawRef bool
		for _, ch := range body.Changes {
			sawRef = sawRef || (ch.Field == "external_ref" && ch.New == "S-1" && ch.Old == nil)
		}
		if !sawRef {
			t.Errorf("the changes lack external_ref's before/after: %s", got[0].body)
		}
		ds, err := s.WebhookDeliveries(ctx, a, h.ID, steward.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		d := ds.Data[0]
		if len(ds.Data) != 1 || d.Status != steward.DeliverySucceeded || d.Attempts != 3 || d.ResponseCode == nil ||
			*d.ResponseCode != 204 || d.DurationMS == nil || d.Error != "" {
			t.Errorf("delivery log %+v", ds.Data)
		}
	})
}

// TestDeliveryRefusesPrivateAtConnection: an endpoint registered while private addresses were
// allowed (or whose name now resolves to one) is not connected to by a dispatcher that does not
// allow them; the attempt fails naming why.
func TestDeliveryRefusesPrivateAtConnection(t *testing.T) {
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, engine, dsn)
		a := admin(t, s)
		rcv := newReceiver(t, func(int) int { return 200 })
		h, err := s.CreateWebhook(ctx, a, steward.WebhookFields{URL: strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1),
			Events: []steward.WebhookEventType{"customer.created"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Private"}); err != nil {
			t.Fatal(err)
		}
		stop := run(&jobs.Dispatcher{Outbox: s, Wake: s.WebhookWake(), Poll: 10 * time.Millisecond,
			Schedule: []time.Duration{0}})
		deadline := time.Now().Add(10 * time.Second)
		var d steward.WebhookDelivery
		for time.Now().Before(deadline) {
			ds, err := s.WebhookDeliveries(ctx, a, h.ID, steward.DeliveryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if d = ds.Data[0]; d.Status != steward.DeliveryPending {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		if d.Status != steward.DeliveryFailed || !strings.Contains(d.Error, "private") || d.ResponseCode != nil {
			t.Errorf("delivery %+v", d)
		}
		if n := len(rcv.requests()); n != 0 {
			t.Errorf("the private receiver got %d requests", n)
		}
	})
}

// TestRotationSignsWithBoth: after a rotation, deliveries carry two signatures, so a receiver
// holding either secret verifies them; a redelivery by hand is sent again.
func TestRotationSignsWithBoth(t *testing.T) {
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, engine, dsn)
		a := admin(t, s)
		rcv := newReceiver(t, func(int) int { return 200 })
		h, err := s.CreateWebhook(ctx, a, steward.WebhookFields{URL: rcv.URL, Events: []steward.WebhookEventType{"asset.created"}})
		if err != nil {
			t.Fatal(err)
		}
		rot, err := s.RotateWebhookSecret(ctx, a, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: "Rotated"}); err != nil {
			t.Fatal(err)
		}
		stop := run(&jobs.Dispatcher{Outbox: s, Wake: s.WebhookWake(), Poll: 10 * time.Millisecond, AllowPrivate: true})
		defer stop()
		got := rcv.wait(t, 1)
		if sigs := strings.Fields(got[0].header.Get("webhook-signature")); len(sigs) != 2 {
			t.Errorf("signatures %q, want two", sigs)
		}
		for _, secret := range []string{h.Secret, rot.Secret} {
			wh, _ := standardwebhooks.NewWebhook(secret)
			if err := wh.Verify(got[0].body, got[0].header); err != nil {
				t.Errorf("does not verify with one of the secrets: %v", err)
			}
		}
		ds, err := s.WebhookDeliveries(ctx, a, h.ID, steward.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Redeliver(ctx, a, h.ID, ds.Data[0].ID); err != nil {
			t.Fatal(err)
		}
		again := rcv.wait(t, 2)
		if again[1].header.Get("webhook-id") != got[0].header.Get("webhook-id") ||
			again[1].header.Get("Steward-Delivery") == got[0].header.Get("Steward-Delivery") {
			t.Errorf("redelivery headers %v, first %v", again[1].header, got[0].header)
		}
	})
}

// TestTwoDispatchersDeliverOnce: two dispatchers on two store handles of one database (two serve
// processes on one PostgreSQL) deliver every event exactly once per endpoint.
func TestTwoDispatchersDeliverOnce(t *testing.T) {
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s1, s2 := openStore(t, engine, dsn), openStore(t, engine, dsn)
		a := admin(t, s1)
		rcv := newReceiver(t, func(int) int { return 200 })
		for i := range 2 {
			if _, err := s1.CreateWebhook(ctx, a, steward.WebhookFields{URL: fmt.Sprintf("%s/endpoint-%d", rcv.URL, i),
				Events: []steward.WebhookEventType{"customer.created"}}); err != nil {
				t.Fatal(err)
			}
		}
		stop1 := run(&jobs.Dispatcher{Outbox: s1, Wake: s1.WebhookWake(), Poll: 5 * time.Millisecond, Batch: 5, AllowPrivate: true})
		stop2 := run(&jobs.Dispatcher{Outbox: s2, Poll: 5 * time.Millisecond, Batch: 5, AllowPrivate: true})
		const n = 40
		for i := range n {
			if _, err := s1.CreateCustomer(ctx, a, steward.CustomerFields{Name: fmt.Sprintf("Once %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		rcv.wait(t, 2*n)
		time.Sleep(300 * time.Millisecond)
		stop1()
		stop2()
		seen := map[string]int{}
		for _, r := range rcv.requests() {
			seen[r.header.Get("webhook-id")+" "+r.header.Get("Steward-Delivery")]++
		}
		if len(rcv.requests()) != 2*n || len(seen) != 2*n {
			t.Errorf("%d requests, %d distinct deliveries; want %d of each", len(rcv.requests()), len(seen), 2*n)
		}
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.CloseShared()
	os.Exit(code)
}
