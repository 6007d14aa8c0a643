package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// countingService counts the key lookups the server asks for.
type countingService struct {
	*fakeService
	lookups atomic.Int64
}

func (c *countingService) Authenticate(ctx context.Context, key string) (*steward.Actor, error) {
	c.lookups.Add(1)
	return c.fakeService.Authenticate(ctx, key)
}

// limitedServer is a fake server with the given options whose key lookups are counted.
func limitedServer(t *testing.T, opts Options) (*fakeServer, *countingService) {
	fs := newFakeServer(t, opts)
	cs := &countingService{fakeService: fs.svc}
	fs.srv = New(cs, nil, opts)
	return fs, cs
}

// from sends a request from a client address.
func (fs *fakeServer) from(addr, method, path string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = addr
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, req)
	return rec
}

func headerInt(t *testing.T, rec *httptest.ResponseRecorder, name string) int {
	t.Helper()
	n, err := strconv.Atoi(rec.Header().Get(name))
	if err != nil {
		t.Fatalf("%s: %q is not a number", name, rec.Header().Get(name))
	}
	return n
}

func TestRateLimitPerKey(t *testing.T) {
	fs, cs := limitedServer(t, Options{RateLimit: 0.5, RateLimitBurst: 3})
	admin := []string{"Authorization", "Bearer " + fakeAdminKey}
	for i := range 3 {
		rec := fs.from("192.0.2.1:1000", "GET", "/api/v1/customers", admin...)
		if rec.Code != 200 {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
		if headerInt(t, rec, "RateLimit-Limit") != 3 || headerInt(t, rec, "RateLimit-Remaining") != 2-i {
			t.Errorf("request %d: RateLimit-Limit %s, Remaining %s", i, rec.Header().Get("RateLimit-Limit"), rec.Header().Get("RateLimit-Remaining"))
		}
	}
	lookups := cs.lookups.Load()
	rec := fs.from("192.0.2.1:1000", "GET", "/api/v1/customers", admin...)
	p := readProblem(t, rec, 429)
	if p.Type != "https://steward.dev/problems/too-many-requests" {
		t.Errorf("type %q", p.Type)
	}
	// 0.5 tokens a second: the next one is two seconds away, the bucket full in six.
	if ra := headerInt(t, rec, "Retry-After"); ra < 1 || ra > 2 {
		t.Errorf("Retry-After %d, want 1 or 2", ra)
	}
	if headerInt(t, rec, "RateLimit-Limit") != 3 || headerInt(t, rec, "RateLimit-Remaining") != 0 {
		t.Errorf("RateLimit-Limit %s, Remaining %s", rec.Header().Get("RateLimit-Limit"), rec.Header().Get("RateLimit-Remaining"))
	}
	if reset := headerInt(t, rec, "RateLimit-Reset"); reset < 5 || reset > 6 {
		t.Errorf("RateLimit-Reset %d, want 5 or 6", reset)
	}
	if cs.lookups.Load() != lookups {
		t.Error("a rate-limited request looked its key up")
	}
	// Writes are limited too, before the body is read; other keys and the probes are not.
	readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"x"}`), 429)
	if fs.svc.creates != 0 {
		t.Error("a rate-limited create ran")
	}
	if rec := fs.from("192.0.2.1:1000", "GET", "/api/v1/customers", "Authorization", "Bearer "+fakeUserKey); rec.Code != 200 {
		t.Errorf("another key on the same address: %d", rec.Code)
	}
	for range 20 {
		for _, path := range []string{"/healthz", "/readyz"} {
			if rec := fs.from("192.0.2.1:1000", "GET", path); rec.Code != 200 {
				t.Fatalf("%s: %d", path, rec.Code)
			}
		}
	}
}

// TestRateLimitFirstRequestsRacing: requests of a key that has no bucket yet, all racing to make
// it, take their tokens from the one bucket they share; none passes on an empty bucket.
func TestRateLimitFirstRequestsRacing(t *testing.T) {
	fs, _ := limitedServer(t, Options{RateLimit: 0.01, RateLimitBurst: 3})
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			switch fs.from("192.0.2.9:1000", "GET", "/api/v1/me", "Authorization", "Bearer "+fakeAdminKey).Code {
			case 200:
				ok.Add(1)
			case 429:
				limited.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 3 || limited.Load() != 29 {
		t.Errorf("%d answered, %d limited; want the burst of 3 answered and 29 limited", ok.Load(), limited.Load())
	}
}

func TestRateLimitAnonymousPerAddress(t *testing.T) {
	fs, _ := limitedServer(t, Options{RateLimit: 0.5, RateLimitBurst: 2})
	for _, path := range []string{"/api/v1/openapi.json", "/"} {
		addr := "198.51.100.7:5555"
		if path == "/" {
			addr = "198.51.100.8:5555"
		}
		for i := range 2 {
			if rec := fs.from(addr, "GET", path); rec.Code != 200 {
				t.Fatalf("%s %d: %d", path, i, rec.Code)
			}
		}
		rec := fs.from(addr, "GET", path)
		readProblem(t, rec, 429)
		if rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", path)
		}
	}
	if rec := fs.from("198.51.100.9:5555", "GET", "/api/v1/openapi.json"); rec.Code != 200 {
		t.Errorf("another address: %d", rec.Code)
	}
}

func TestRateLimitFailedAuthentication(t *testing.T) {
	const burst = 20
	fs, cs := limitedServer(t, Options{FailedAuthLimit: 5})
	guesser := "203.0.113.5:40000"
	unauthorized, limited := 0, 0
	start := time.Now()
	for i := range 1600 {
		rec := fs.from(guesser, "GET", "/api/v1/customers", "Authorization", fmt.Sprintf("Bearer stw_guess%06d", i))
		switch rec.Code {
		case 401:
			unauthorized++
		case 429:
			limited++
			if i == 1599 && rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		default:
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	elapsed := time.Since(start)
	t.Logf("1,600 guesses in %v: %d answered 401, %d answered 429, %d keys looked up", elapsed.Round(time.Millisecond),
		unauthorized, limited, cs.lookups.Load())
	if max := burst + int(5*elapsed.Seconds()) + 1; unauthorized > max {
		t.Errorf("%d guesses were answered 401, want at most %d", unauthorized, max)
	}
	if got := cs.lookups.Load(); got > int64(unauthorized)+1 {
		t.Errorf("%d keys looked up for %d answered guesses: blocked guesses must not reach the database", got, unauthorized)
	}
	// The blocked address is blocked even with a good key; other addresses are not.
	if rec := fs.from(guesser, "GET", "/api/v1/customers", "Authorization", "Bearer "+fakeAdminKey); rec.Code != 429 {
		t.Errorf("good key from the blocked address: %d, want 429", rec.Code)
	}
	if rec := fs.from("203.0.113.6:40000", "GET", "/api/v1/customers", "Authorization", "Bearer "+fakeAdminKey); rec.Code != 200 {
		t.Errorf("good key from another address: %d", rec.Code)
	}
	// IPv6 clients are counted per /64: hopping within it does not help.
	for i := range 30 {
		fs.from(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "GET", "/api/v1/me", "Authorization", "Bearer stw_nope")
	}
	if rec := fs.from("[2001:db8:1:2:ffff::1]:443", "GET", "/api/v1/me", "Authorization", "Bearer stw_nope"); rec.Code != 429 {
		t.Errorf("another address of the same /64: %d, want 429", rec.Code)
	}
	// Missing credentials are failed authentications as well.
	for range burst {
		fs.from("203.0.113.7:1", "GET", "/api/v1/me")
	}
	if rec := fs.from("203.0.113.7:1", "GET", "/api/v1/me"); rec.Code != 429 {
		t.Errorf("after %d requests without a key: %d, want 429", burst, rec.Code)
	}
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.1:5":                "192.0.2.1",
		"[::ffff:192.0.2.1]:5":       "192.0.2.1",
		"[2001:db8:a:b:c:d:e:f]:443": "2001:db8:a:b::",
		"[fe80::1%eth0]:80":          "fe80::",
		"garbage":                    "invalid IP",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", "10.9.8.7")
		if got := clientAddr(r); got.String() != want {
			t.Errorf("%s: %s, want %s", remote, got, want)
		}
	}
}
