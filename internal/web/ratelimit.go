package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/steward-fleet/steward/internal/steward"
)

// DefaultRateLimitEntries bounds each table of token buckets unless Options says otherwise.
const DefaultRateLimitEntries = 100_000

// codeTooManyRequests is the 429 a rate limit answers.
const codeTooManyRequests = "too_many_requests"

// limiterSet is a bounded table of token buckets, one per key (an API key, a client address).
//
// It needs no background goroutine: an entry idle long enough for its bucket to be full again
// is the same as no entry, so idle entries are swept while the table is used, at most once per
// refill period. When the table is still full, an arbitrary entry makes room, so a flood of
// fresh keys costs bounded memory (and can only reset someone's bucket, never block them).
type limiterSet[K comparable] struct {
	limit rate.Limit
	burst int
	idle  time.Duration // how long an untouched bucket takes to fill up again
	max   int

	mu        sync.Mutex
	entries   map[K]*limiterEntry
	nextSweep time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	last time.Time // guarded by the set's mu
}

// newLimiterSet returns a table of buckets of perSecond tokens per second and burst; nil when
// perSecond is not positive (no limit).
func newLimiterSet[K comparable](perSecond float64, burst, max int) *limiterSet[K] {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	if max < 1 {
		max = DefaultRateLimitEntries
	}
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &limiterSet[K]{limit: rate.Limit(perSecond), burst: burst, idle: max64(idle, time.Second),
		max: max, entries: map[K]*limiterEntry{}}
}

func max64(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// get returns key's bucket; with create false, nil when it has none (a full bucket).
func (s *limiterSet[K]) get(key K, now time.Time, create bool) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[key]; ok {
		e.last = now
		return e.lim
	}
	if !create {
		return nil
	}
	if now.After(s.nextSweep) {
		s.sweep(now)
	}
	// A table still full makes room by dropping one arbitrary entry: never a scan per insert,
	// which a flood of fresh addresses would turn into work quadratic in the table's size.
	for k := range s.entries {
		if len(s.entries) < s.max {
			break
		}
		delete(s.entries, k)
	}
	e := &limiterEntry{lim: rate.NewLimiter(s.limit, s.burst), last: now}
	s.entries[key] = e
	return e.lim
}

// sweep drops the buckets that are full again; it runs at most once per refill period.
func (s *limiterSet[K]) sweep(now time.Time) {
	for k, e := range s.entries {
		if now.Sub(e.last) >= s.idle {
			delete(s.entries, k)
		}
	}
	s.nextSweep = now.Add(s.idle)
}

// len returns the number of buckets held.
func (s *limiterSet[K]) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// setRateHeaders describes a bucket after this request in RateLimit-Limit (the burst),
// RateLimit-Remaining (whole requests left now) and RateLimit-Reset (seconds until the bucket is
// full again).
func setRateHeaders(h http.Header, lim *rate.Limiter, now time.Time) {
	tokens := lim.TokensAt(now)
	burst := lim.Burst()
	remaining := int(math.Floor(math.Max(tokens, 0)))
	reset := int(math.Ceil((float64(burst) - tokens) / float64(lim.Limit())))
	h.Set("RateLimit-Limit", strconv.Itoa(burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(max(reset, 0)))
}

// tooManyRequests answers 429 for an empty bucket: Retry-After names the whole seconds until
// the next token, and the RateLimit-* headers describe the bucket.
func tooManyRequests(w http.ResponseWriter, lim *rate.Limiter, now time.Time, what string) error {
	h := w.Header()
	setRateHeaders(h, lim, now)
	wait := (1 - lim.TokensAt(now)) / float64(lim.Limit())
	h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait)))))
	return steward.Errorf(codeTooManyRequests, "%s; retry after %s seconds", what, h.Get("Retry-After"))
}
