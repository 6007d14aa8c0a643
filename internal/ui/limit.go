package ui

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/steward-fleet/steward/internal/steward"
)

// codeTooMany is the error code of a refused sign-in attempt (429).
const codeTooMany = "too_many_requests"

// maxLimiterEntries bounds each table of buckets; the oldest are dropped first when full.
const maxLimiterEntries = 100_000

// limiter is a table of token buckets by key (an email, a client address), as the API's
// failed-authentication limit keeps them (internal/web/ratelimit.go). A bucket that has filled
// up again is forgotten, so the table only holds recent offenders. nil means no limit.
type limiter[K comparable] struct {
	limit   rate.Limit
	burst   int
	idle    time.Duration
	mu      sync.Mutex
	entries map[K]*limiterEntry
	sweep   time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter[K comparable](perSecond float64, burst int) *limiter[K] {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		return nil
	}
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &limiter[K]{limit: rate.Limit(perSecond), burst: max(burst, 1), idle: max(idle, time.Second),
		entries: map[K]*limiterEntry{}}
}

// blocked returns the time to wait when key has no failure left, 0 when it may try.
func (l *limiter[K]) blocked(key K, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok || e.lim.TokensAt(now) >= 1 {
		return 0
	}
	return time.Duration((1 - e.lim.TokensAt(now)) / float64(l.limit) * float64(time.Second))
}

// fail takes a token from key's bucket.
func (l *limiter[K]) fail(key K, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok {
		if now.After(l.sweep) {
			for k, e := range l.entries {
				if now.Sub(e.last) >= l.idle {
					delete(l.entries, k)
				}
			}
			l.sweep = now.Add(l.idle)
		}
		for k := range l.entries {
			if len(l.entries) < maxLimiterEntries {
				break
			}
			delete(l.entries, k)
		}
		e = &limiterEntry{lim: rate.NewLimiter(l.limit, l.burst)}
		l.entries[key] = e
	}
	e.last = now
	e.lim.AllowN(now, 1)
}

// tooMany is the error of a refused attempt, with Retry-After set.
func tooMany(w http.ResponseWriter, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return steward.Errorf(codeTooMany, "Too many failed sign-ins. Wait %s and try again.", humanWait(secs))
}

func humanWait(secs int) string {
	if secs < 90 {
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}

// clientAddr is the request's client address (a /64 for IPv6), as the API's limits key it.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr().String()
	}
	return a.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
