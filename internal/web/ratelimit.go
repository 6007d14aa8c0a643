package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/steward-fleet/steward/internal/ratelimit"
	"github.com/steward-fleet/steward/internal/steward"
)

// DefaultRateLimitEntries bounds each table of token buckets unless Options says otherwise.
const DefaultRateLimitEntries = ratelimit.DefaultEntries

// codeTooManyRequests is the 429 a rate limit answers.
const codeTooManyRequests = "too_many_requests"

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
