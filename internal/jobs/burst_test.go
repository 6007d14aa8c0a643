package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/jobs"
	"github.com/steward-fleet/steward/internal/steward"
)

// TestWebhookBurst measures delivery under a burst of changes (docs/PERFORMANCE.md, "Webhook
// delivery"): STEWARD_WEBHOOK_BURST=N customers are created by 4 writers while one dispatcher
// (the defaults serve uses) delivers to a local receiver; it reports the creates' latency with
// an endpoint subscribed, the delivery throughput and each event's lag (received − changed).
// Skipped unless STEWARD_WEBHOOK_BURST is set; bounded by N and 127.0.0.1.
func TestWebhookBurst(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("STEWARD_WEBHOOK_BURST"))
	if n <= 0 {
		t.Skip("set STEWARD_WEBHOOK_BURST=10000 to measure webhook delivery under a burst")
	}
	forEngine(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, engine, dsn)
		a := admin(t, s)
		var mu sync.Mutex
		var lags []time.Duration
		var first, last time.Time
		var got atomic.Int64
		done := make(chan struct{})
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Timestamp steward.Timestamp `json:"timestamp"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				w.WriteHeader(400)
				return
			}
			now := time.Now()
			mu.Lock()
			lags = append(lags, now.Sub(body.Timestamp.Time))
			if first.IsZero() {
				first = now
			}
			last = now
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			if got.Add(1) == int64(n) {
				close(done)
			}
		}))
		defer rcv.Close()
		if _, err := s.CreateWebhook(ctx, a, steward.WebhookFields{URL: rcv.URL, Events: []steward.WebhookEventType{"customer.created"}}); err != nil {
			t.Fatal(err)
		}
		to := &timedOutbox{WebhookOutbox: s}
		stop := run(&jobs.Dispatcher{Outbox: to, Wake: s.WebhookWake(), AllowPrivate: true})
		defer stop()
		const writers = 4
		creates := make([][]time.Duration, writers)
		start := time.Now()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := w; i < n; i += writers {
					t0 := time.Now()
					if _, err := s.CreateCustomer(ctx, a, steward.CustomerFields{Name: fmt.Sprintf("Burst %d", i)}); err != nil {
						t.Error(err)
						return
					}
					creates[w] = append(creates[w], time.Since(t0))
				}
			})
		}
		wg.Wait()
		written := time.Since(start)
		select {
		case <-done:
		case <-time.After(10 * time.Minute):
			t.Fatalf("%d of %d delivered after 10 minutes", got.Load(), n)
		}
		total := time.Since(start)
		to.mu.Lock()
		var sc, sf time.Duration
		for _, d := range to.claims {
			sc += d
		}
		for _, d := range to.fins {
			sf += d
		}
		var series []string
		for i := 0; i < len(to.claims); i += max(1, len(to.claims)/12) {
			series = append(series, fmt.Sprintf("%v@%v", to.claims[i].Round(time.Millisecond), to.at[i].Sub(start).Round(100*time.Millisecond)))
		}
		t.Logf("%s: claim durations over time: %v", engine, series)
		t.Logf("%s: %d claims took %v in all (%d deliveries claimed), %d batches recorded in %v", engine, len(to.claims), sc.Round(time.Millisecond),
			to.claimed, len(to.fins), sf.Round(time.Millisecond))
		to.mu.Unlock()
		all := slices.Concat(creates...)
		slices.Sort(all)
		mu.Lock()
		slices.Sort(lags)
		mu.Unlock()
		pct := func(d []time.Duration, p float64) time.Duration { return d[min(len(d)-1, int(float64(len(d))*p))] }
		t.Logf("%s: %d creates by %d writers in %v (%.0f/s; create p50 %v, p99 %v); all delivered %v after the first create "+
			"(%.0f deliveries/s overall, %.0f/s from first to last delivery); lag p50 %v, p99 %v, max %v",
			engine, n, writers, written.Round(time.Millisecond), float64(n)/written.Seconds(),
			pct(all, .5).Round(10*time.Microsecond), pct(all, .99).Round(10*time.Microsecond),
			total.Round(time.Millisecond), float64(n)/total.Seconds(), float64(n)/last.Sub(first).Seconds(),
			pct(lags, .5).Round(time.Millisecond), pct(lags, .99).Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	})
}

// timedOutbox times the dispatcher's calls of the store, for the burst's report.
type timedOutbox struct {
	steward.WebhookOutbox
	mu           sync.Mutex
	claims, fins []time.Duration
	at           []time.Time
	claimed      int
}

func (o *timedOutbox) ClaimDeliveries(ctx context.Context, n int, lease time.Duration) ([]steward.OutboxDelivery, error) {
	t0 := time.Now()
	d, err := o.WebhookOutbox.ClaimDeliveries(ctx, n, lease)
	o.mu.Lock()
	o.claims = append(o.claims, time.Since(t0))
	o.at = append(o.at, t0)
	o.claimed += len(d)
	o.mu.Unlock()
	return d, err
}

func (o *timedOutbox) FinishDeliveries(ctx context.Context, done []steward.FinishedDelivery, s []time.Duration) error {
	t0 := time.Now()
	err := o.WebhookOutbox.FinishDeliveries(ctx, done, s)
	o.mu.Lock()
	o.fins = append(o.fins, time.Since(t0))
	o.mu.Unlock()
	return err
}
