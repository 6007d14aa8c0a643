package ui

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-fleet/steward/internal/ratelimit"
	"github.com/steward-fleet/steward/internal/steward"
)

// codeTooMany is the error code of a refused sign-in attempt: the API's 429 code.
const codeTooMany = "too_many_requests"

// failures counts failed sign-ins by key (an email, a client address) in a table of token
// buckets, as the API's failed-authentication limit does: a bucket that has filled up again is
// forgotten, so the table only holds recent offenders. nil means no limit.
type failures[K comparable] struct{ t *ratelimit.Table[K] }

func newFailures[K comparable](perSecond float64, burst int) failures[K] {
	return failures[K]{ratelimit.New[K](perSecond, burst, ratelimit.DefaultEntries)}
}

// blocked returns the time to wait when key has no failure left, 0 when it may try.
func (f failures[K]) blocked(key K, now time.Time) time.Duration {
	if f.t == nil {
		return 0
	}
	lim := f.t.Get(key, now, false)
	if lim == nil {
		return 0
	}
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
}

// fail takes a token from key's bucket.
func (f failures[K]) fail(key K, now time.Time) {
	if f.t != nil {
		f.t.Get(key, now, true).AllowN(now, 1)
	}
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
