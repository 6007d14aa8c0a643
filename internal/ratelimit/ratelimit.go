// Package ratelimit keeps bounded tables of token buckets by key (an API key, a client address,
// an email), as the API's rate limits and the web interface's sign-in limits use them, and the
// client-address key both agree on.
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultEntries bounds a table of buckets unless New is given another bound.
const DefaultEntries = 100_000

// Table is a bounded table of token buckets, one per key.
//
// It needs no background goroutine: an entry idle long enough for its bucket to be full again
// is the same as no entry, so idle entries are swept while the table is used, at most once per
// refill period. When the table is still full, an arbitrary entry makes room, so a flood of
// fresh keys costs bounded memory (and can only reset someone's bucket, never block them).
type Table[K comparable] struct {
	limit rate.Limit
	burst int
	idle  time.Duration // how long an untouched bucket takes to fill up again
	max   int

	mu        sync.Mutex
	entries   map[K]*entry
	nextSweep time.Time
}

type entry struct {
	lim  *rate.Limiter
	last time.Time // guarded by the table's mu
}

// New returns a table of buckets of perSecond tokens per second and burst, holding at most max
// buckets (DefaultEntries when max < 1); nil when perSecond is not positive (no limit).
func New[K comparable](perSecond float64, burst, max int) *Table[K] {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	if max < 1 {
		max = DefaultEntries
	}
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &Table[K]{limit: rate.Limit(perSecond), burst: burst, idle: max64(idle, time.Second),
		max: max, entries: map[K]*entry{}}
}

func max64(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// Get returns key's bucket; with create false, nil when it has none (a full bucket).
func (t *Table[K]) Get(key K, now time.Time, create bool) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[key]; ok {
		e.last = now
		return e.lim
	}
	if !create {
		return nil
	}
	if now.After(t.nextSweep) {
		t.sweep(now)
	}
	// A table still full makes room by dropping one arbitrary entry: never a scan per insert,
	// which a flood of fresh addresses would turn into work quadratic in the table's size.
	for k := range t.entries {
		if len(t.entries) < t.max {
			break
		}
		delete(t.entries, k)
	}
	e := &entry{lim: rate.NewLimiter(t.limit, t.burst), last: now}
	t.entries[key] = e
	return e.lim
}

// sweep drops the buckets that are full again; it runs at most once per refill period.
func (t *Table[K]) sweep(now time.Time) {
	for k, e := range t.entries {
		if now.Sub(e.last) >= t.idle {
			delete(t.entries, k)
		}
	}
	t.nextSweep = now.Add(t.idle)
}

// Len returns the number of buckets held.
func (t *Table[K]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// PeerAddr is the connection's remote address, IPv4-mapped addresses as IPv4, without a zone;
// the invalid Addr when RemoteAddr holds no address.
func PeerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// Key is the limits' key for a client address: IPv6 addresses are grouped by their /64, the
// block one subscriber usually holds.
func Key(a netip.Addr) netip.Addr {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}
