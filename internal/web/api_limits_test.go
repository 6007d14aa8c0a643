package web_test

// Transport limits against the real server and store: authorization before the body is read,
// bounded decoding of hostile bodies, and the memory they cost.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/web"
)

// unknownKeysBody is a JSON object of n distinct unknown members ("aaaa":0, …), n×9 bytes.
func unknownKeysBody(n int) []byte {
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b bytes.Buffer
	b.Grow(n*9 + 2)
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		k := [4]byte{}
		x := i
		for j := 3; j >= 0; j-- {
			k[j] = digits[x%len(digits)]
			x /= len(digits)
		}
		b.WriteByte('"')
		b.Write(k[:])
		b.WriteString(`":0`)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// memoryPeak samples the Go runtime's memory while running fn and returns the peak of memory
// mapped and not released to the system (what the process holds) and the peak of live heap
// objects.
func memoryPeak(fn func()) (held, heap uint64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	var peakHeld, peakHeap atomic.Uint64
	read := func() {
		metrics.Read(samples)
		h := samples[0].Value.Uint64() - samples[1].Value.Uint64()
		if h > peakHeld.Load() {
			peakHeld.Store(h)
		}
		if o := samples[2].Value.Uint64(); o > peakHeap.Load() {
			peakHeap.Store(o)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	read()
	return peakHeld.Load(), peakHeap.Load()
}

func TestAPIHugeUnknownBodyIsBounded(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		body := unknownKeysBody(110_000)
		if len(body) > 1<<20 {
			t.Fatalf("the body is %d bytes, over the 1 MiB limit", len(body))
		}
		const parallel = 64
		send := func(key string) (statuses []int, errCounts []int) {
			statuses, errCounts = make([]int, parallel), make([]int, parallel)
			parallelDo(parallel, func(i int) {
				req, _ := http.NewRequest("POST", e.srv.URL+customersPath, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := e.srv.Client().Do(req)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				defer res.Body.Close()
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				raw, _ := io.ReadAll(res.Body)
				_ = json.Unmarshal(raw, &p)
				statuses[i], errCounts[i] = res.StatusCode, len(p.Errors)
			})
			return statuses, errCounts
		}
		runtime.GC()
		var statuses, counts []int
		held, heap := memoryPeak(func() { statuses, _ = send(e.user.key) })
		t.Logf("%s: %d × %d-byte body of 110,000 unknown members as a user key: peak held %.1f MB, heap objects %.1f MB",
			e.engine, parallel, len(body), float64(held)/1e6, float64(heap)/1e6)
		for i, st := range statuses {
			if st != http.StatusForbidden {
				t.Errorf("user key, request %d: %d, want 403", i, st)
			}
		}
		runtime.GC()
		held, heap = memoryPeak(func() { statuses, counts = send(e.admin.key) })
		t.Logf("%s: the same as an admin key: peak held %.1f MB, heap objects %.1f MB",
			e.engine, float64(held)/1e6, float64(heap)/1e6)
		for i, st := range statuses {
			if st != http.StatusUnprocessableEntity || counts[i] < 1 || counts[i] > 20 {
				t.Errorf("admin key, request %d: %d with %d errors, want 422 with 1 to 20", i, st, counts[i])
			}
		}
		if held > 300<<20 {
			t.Errorf("peak memory held %d MB, want under 300 MB", held>>20)
		}
	})
}

func TestAPIFieldErrorsInDocumentOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		r := e.admin.post(t, customersPath, `{"email":"nope","foo":1}`).want(t, 422)
		if got := r.fields(); !slices.Equal(got, []string{"email", "foo", "name"}) {
			t.Errorf("errors %v, want email, foo, name (the missing name last)", got)
		}
		r = e.admin.post(t, customersPath, `{"name":"Acme","website":"ftp://x","address":{"country":"XX","planet":"Mars"},"type":"friend"}`).want(t, 422)
		if got := r.fields(); !slices.Equal(got, []string{"website", "address.country", "address.planet", "type"}) {
			t.Errorf("errors %v, want them in the order of the body", got)
		}
		// Without decoding errors, the store's validation is sorted the same way.
		r = e.admin.post(t, customersPath, `{"type":"friend","name":"Acme","email":"nope"}`).want(t, 422)
		if got := r.fields(); !slices.Equal(got, []string{"type", "email"}) {
			t.Errorf("errors %v, want type, email", got)
		}
		c := e.admin.create(t, customersPath, obj{"name": "Ordered"})
		r = e.admin.patch(t, customersPath+"/"+str(c, "id"), `{"phone":"call me","colour":"red","email":"nope"}`).want(t, 422)
		if got := r.fields(); !slices.Equal(got, []string{"phone", "colour", "email"}) {
			t.Errorf("patch errors %v, want phone, colour, email", got)
		}
		// Many bad members: twenty errors, the first twenty.
		var b bytes.Buffer
		b.WriteString(`{"name":"x"`)
		for i := range 50 {
			fmt.Fprintf(&b, `,"bad%02d":%d`, i, i)
		}
		b.WriteString(`}`)
		r = e.admin.post(t, customersPath, b.String()).want(t, 422)
		got := r.fields()
		if len(got) != 20 || got[0] != "bad00" || got[19] != "bad19" {
			t.Errorf("errors %v, want bad00…bad19", got)
		}
		// The read-only key is refused before its body is looked at, bad or not.
		for _, body := range []string{`{"name":"ok"}`, `{"foo":1}`, `not json`} {
			e.user.post(t, customersPath, body).want(t, 403)
			e.user.patch(t, customersPath+"/"+str(c, "id"), body).want(t, 403)
		}
		e.tech.post(t, customersPath, `{"foo":1}`).want(t, 403)
		e.fleet.post(t, apiKeysPath, `{"foo":1}`).want(t, 403)
	})
}

// p99 returns the 99th percentile of ds.
func p99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*99)/100]
}

func TestAPIOneTenantsRateLimitDoesNotSlowAnother(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		// A limit of 20 requests a second per key, burst 150. The quiet tenant sends at most 40 a
		// second for four seconds (within its burst); the noisy one asks for 400 a second, twenty
		// times its limit, in windows of a quarter second that alternate with silence. The quiet
		// tenant's latencies in noisy windows are compared with those in silent ones: the two
		// interleave, so the load of the (shared) machine weighs on both alike.
		srv := httptest.NewServer(web.New(e.store, nil, web.Options{RateLimit: 20, RateLimitBurst: 150}))
		defer srv.Close()
		for i := range 5 {
			e.other.create(t, customersPath, obj{"name": fmt.Sprintf("Quiet %d", i)})
		}
		call := func(key string) (int, time.Duration) {
			req, _ := http.NewRequest("GET", srv.URL+customersPath+"?limit=5", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			start := time.Now()
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return 0, 0
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res.StatusCode, time.Since(start)
		}
		for range 5 { // warm up connections and caches
			call(e.other.key)
		}

		var noisy atomic.Int64 // the number of the current window; odd windows are noisy
		noisy.Store(1)
		var ok, limited atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if noisy.Load()%2 == 0 {
						continue
					}
					switch st, _ := call(e.admin.key); st {
					case 200:
						ok.Add(1)
					case 429:
						limited.Add(1)
					default:
						t.Errorf("the noisy tenant got %d", st)
					}
				}
			}()
		}
		for limited.Load() < 10 && !t.Failed() { // the noisy tenant uses up its burst
			time.Sleep(10 * time.Millisecond)
		}
		wg.Add(1)
		go func() { // alternate noisy and silent windows
			defer wg.Done()
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					noisy.Add(1)
				}
			}
		}()
		var inNoise, inSilence []time.Duration
		tick := time.NewTicker(25 * time.Millisecond)
		for end := time.Now().Add(4 * time.Second); time.Now().Before(end); {
			<-tick.C
			w := noisy.Load()
			st, d := call(e.other.key)
			if st != 200 {
				t.Fatalf("the quiet tenant got %d", st)
			}
			if noisy.Load() != w { // the window changed during the request: it belongs to neither
				continue
			}
			if w%2 == 1 {
				inNoise = append(inNoise, d)
			} else {
				inSilence = append(inSilence, d)
			}
		}
		tick.Stop()
		close(stop)
		wg.Wait()

		if len(inNoise) < 20 || len(inSilence) < 20 {
			t.Fatalf("too few samples: %d in noise, %d in silence", len(inNoise), len(inSilence))
		}
		b, l := p99(inSilence), p99(inNoise)
		t.Logf("%s: quiet tenant p99 %v in silence (%d requests), %v while the noisy one ran into its limit (%d requests); noisy: %d answered, %d limited",
			e.engine, b.Round(time.Microsecond), len(inSilence), l.Round(time.Microsecond), len(inNoise), ok.Load(), limited.Load())
		// The target (within 2×) is a measurement for docs/API.md, taken without -race on a
		// quiet machine; here, on two shared cores under -race, only a gross slowdown (the quiet
		// tenant queued behind the noisy one's refusals) fails the test, never the scheduler.
		const slack = 250 * time.Millisecond
		if l > 5*b+slack {
			t.Errorf("quiet tenant p99 %v under load, want at most 5 × %v + %v", l, b, slack)
		}
	})
}
