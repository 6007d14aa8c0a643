// Package jobs is Steward's background work, started and stopped by serve: the webhook outbox's
// dispatcher. It talks to the domain's interfaces, never to SQL.
package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// Defaults of the Dispatcher.
const (
	DefaultTimeout = 10 * time.Second // one attempt, connection to the end of the response
	DefaultPoll    = time.Second      // how often the outbox is read when nothing wakes the dispatcher
	DefaultBatch   = 50               // deliveries claimed at once
	DefaultWorkers = 8                // attempts in flight at once
	// maxResponseRead is how much of a receiver's response is read (and thrown away), so that a
	// connection can be reused without a receiver making Steward read without end.
	maxResponseRead = 64 << 10
)

// Dispatcher delivers the webhook outbox: it claims due deliveries, sends each signed (Standard
// Webhooks), and records how each attempt went. Several processes may each run one on one
// PostgreSQL: a delivery is claimed by one of them only (steward.WebhookOutbox).
type Dispatcher struct {
	Outbox steward.WebhookOutbox
	// Wake, when set, receives a value when deliveries were queued in this process.
	Wake <-chan struct{}
	// Schedule is the delay before each attempt (default steward.WebhookRetrySchedule).
	Schedule []time.Duration
	// AllowPrivate lets deliveries connect to private addresses (serve --webhook-allow-private);
	// otherwise each connection's address is checked when it is dialled, whatever DNS said at
	// registration.
	AllowPrivate bool
	Timeout      time.Duration
	Poll         time.Duration
	Batch        int
	Workers      int
	Log          *slog.Logger
}

func (d *Dispatcher) defaults() {
	if d.Schedule == nil {
		d.Schedule = steward.WebhookRetrySchedule
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if d.Poll <= 0 {
		d.Poll = DefaultPoll
	}
	if d.Batch <= 0 {
		d.Batch = DefaultBatch
	}
	if d.Workers <= 0 {
		d.Workers = DefaultWorkers
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
}

// errPrivate is a connection refused because it would reach a private address.
var errPrivate = errors.New("the address is private, loopback or link-local; this server delivers to public addresses only")

// Client is the HTTP client of deliveries: timeouts on each step, no proxy (the dialled address
// is the receiver's), redirects not followed (a 3xx is a failed attempt), and unless
// allowPrivate a dialer that refuses private addresses at connection time (DNS rebinding).
func Client(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 5*time.Second), KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || steward.PrivateAddress(ip) {
				return errPrivate
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   min(timeout, 5*time.Second),
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Run delivers until ctx ends, then returns once every attempt in flight has stopped. An
// attempt cut short by the end is recorded by no one: its claim runs out and another
// dispatcher (or this one, restarted) tries it again.
func (d *Dispatcher) Run(ctx context.Context) {
	d.defaults()
	client := Client(d.Timeout, d.AllowPrivate)
	defer client.CloseIdleConnections()
	// A claim lasts until its whole batch may have ended: Workers attempts at a time, each at
	// most Timeout, and a margin for recording them.
	lease := d.Timeout*time.Duration((d.Batch+d.Workers-1)/d.Workers) + 30*time.Second
	drainLoop(ctx, d.Wake, d.Poll, func() bool {
		claimed, err := d.Outbox.ClaimDeliveries(ctx, d.Batch, lease)
		if err != nil {
			if ctx.Err() == nil {
				d.Log.Warn("webhooks: claiming deliveries", "err", err)
			}
			return false
		}
		d.deliverAll(ctx, client, claimed)
		return len(claimed) == d.Batch
	})
}

// deliverAll sends the claimed deliveries, Workers at a time, and records them together (one
// commit for the batch).
func (d *Dispatcher) deliverAll(ctx context.Context, client *http.Client, claimed []steward.OutboxDelivery) {
	done := make([]steward.FinishedDelivery, len(claimed))
	sem := make(chan struct{}, d.Workers)
	var wg sync.WaitGroup
	for i, od := range claimed {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			done[i] = steward.FinishedDelivery{OutboxDelivery: od, Result: Send(ctx, client, od)}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	if err := d.Outbox.FinishDeliveries(ctx, done, d.Schedule); err != nil && ctx.Err() == nil {
		d.Log.Warn("webhooks: recording deliveries", "count", len(done), "err", err)
	}
}

// Send makes one attempt of a delivery: a POST of its body with the Standard Webhooks headers.
// A 2xx answer is a success.
func Send(ctx context.Context, client *http.Client, od steward.OutboxDelivery) steward.DeliveryResult {
	start := time.Now()
	res := steward.DeliveryResult{At: steward.TimestampOf(start)}
	sig, err := Sign(od.Secrets, od.EventID, start, od.Payload)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, od.URL, bytes.NewReader(od.Payload))
	if err != nil {
		res.Err = "invalid URL"
		return res
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Steward-Webhooks/1")
	h.Set("webhook-id", od.EventID)
	h.Set("webhook-timestamp", strconv.FormatInt(start.Unix(), 10))
	h.Set("webhook-signature", sig)
	h.Set("Steward-Delivery", od.ID)
	resp, err := client.Do(req)
	if err != nil {
		res.Duration = time.Since(start)
		res.Err = describe(err)
		return res
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	resp.Body.Close()
	res.Duration, res.ResponseCode = time.Since(start), resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.Err = "HTTP " + strconv.Itoa(resp.StatusCode)
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			res.Err += " (redirects are not followed)"
		}
	}
	return res
}

// describe is an attempt's error as the delivery log shows it: without Go's wrapping of the
// request ("Post \"https://…\": ").
func describe(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Post ") {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	if errors.Is(err, errPrivate) {
		return errPrivate.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// Sign is the webhook-signature header of a message: "v1,<base64 of HMAC-SHA256 of
// id.timestamp.body>" for each secret (whsec_ and base64 of the key), space-separated.
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			return "", fmt.Errorf("a stored secret is not base64: %w", err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
