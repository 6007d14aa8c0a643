package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/ratelimit"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,172.16.5.9/12, ::1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "172.16.0.0/12", "::1/128"}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("entry %d: %s, want %s", i, got[i], want[i])
		}
	}
	for _, s := range []string{"", "   "} {
		if p, err := ParseTrustedProxies(s); err != nil || p != nil {
			t.Errorf("%q: %v, %v; want none", s, p, err)
		}
	}
	for s, want := range map[string]string{
		"10.0.0.0/8,":              "entry 2 is empty",
		",10.0.0.0/8":              "entry 1 is empty",
		"10.0.0.0/33":              `"10.0.0.0/33" is not an address range`,
		"proxy.example":            `"proxy.example" is not an address range`,
		"10.0.0.0/8;192.0.2.0/24":  "is not an address range",
		"fe80::1%eth0":             "is not an address range",
		"::ffff:10.0.0.0/104":      "write IPv4 ranges as IPv4",
		"10.0.0.1:8080":            "is not an address range",
		strings.Repeat("1", 10000): "…(10000 bytes)",
		strings.Repeat("10.0.0.0/8,", 100) + "10.0.0.0/8": "at most 100",
	} {
		_, err := ParseTrustedProxies(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: %v, want an error with %q", s, err, want)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("%.40q: an error of %d bytes", s, len(err.Error()))
		}
	}
}

func TestForwardedClient(t *testing.T) {
	ranges, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	many := strings.Repeat("10.1.1.1, ", 10000) + "10.1.1.1"
	for _, tt := range []struct {
		name      string
		peer      string
		xff       []string
		want      string
		forwarded bool
	}{
		{"no header", "10.0.0.1:5", nil, "10.0.0.1", false},
		{"spoofed from an untrusted peer", "192.0.2.1:5", []string{"203.0.113.9"}, "192.0.2.1", false},
		{"one proxy", "10.0.0.1:5", []string{"203.0.113.9"}, "203.0.113.9", true},
		{"a client's own entries are never read", "10.0.0.1:5", []string{"1.1.1.1, 10.0.0.7, 203.0.113.9"}, "203.0.113.9", true},
		{"two proxies", "10.0.0.1:5", []string{"198.51.100.1, 203.0.113.9, 10.0.0.2"}, "203.0.113.9", true},
		{"header lines in order", "10.0.0.1:5", []string{"198.51.100.1", "203.0.113.9", "10.0.0.2"}, "203.0.113.9", true},
		{"only proxies", "10.0.0.1:5", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3", true},
		{"malformed right-most entry", "10.0.0.1:5", []string{"203.0.113.9, nonsense"}, "10.0.0.1", false},
		{"malformed entry after a proxy", "10.0.0.1:5", []string{"203.0.113.9, <script>, 10.0.0.2"}, "10.0.0.2", true},
		{"empty entry", "10.0.0.1:5", []string{"203.0.113.9,,"}, "10.0.0.1", false},
		{"empty header", "10.0.0.1:5", []string{""}, "10.0.0.1", false},
		{"malformed entries left of the client", "10.0.0.1:5", []string{"x, [y, 999.1.1.1, 203.0.113.9"}, "203.0.113.9", true},
		{"an entry with a port", "10.0.0.1:5", []string{"203.0.113.9:4711"}, "203.0.113.9", true},
		{"an overlong entry", "10.0.0.1:5", []string{strings.Repeat("9", 100000)}, "10.0.0.1", false},
		{"IPv6 client", "10.0.0.1:5", []string{"2001:db8:2::7"}, "2001:db8:2::7", true},
		{"IPv6 in brackets with a port", "10.0.0.1:5", []string{"[2001:db8:2::7]:443"}, "2001:db8:2::7", true},
		{"IPv6 in brackets", "10.0.0.1:5", []string{"[2001:db8:2::7]"}, "2001:db8:2::7", true},
		{"IPv6 with a zone", "10.0.0.1:5", []string{"fe80::1%eth0"}, "fe80::1", true},
		{"IPv4-mapped", "10.0.0.1:5", []string{"::ffff:203.0.113.9"}, "203.0.113.9", true},
		{"IPv6 proxy", "[2001:db8:1::5]:443", []string{"203.0.113.9, 2001:db8:1::6"}, "203.0.113.9", true},
		{"IPv4-mapped proxy", "[::ffff:10.0.0.1]:5", []string{"203.0.113.9"}, "203.0.113.9", true},
		{"untrusted IPv6 peer", "[2001:db8:2::5]:443", []string{"203.0.113.9"}, "2001:db8:2::5", false},
		{"many proxies stop at the hop limit", "10.0.0.1:5", []string{many}, "10.1.1.1", true},
		{"many spoofed entries left of the client", "10.0.0.1:5", []string{many + ", 203.0.113.9"}, "203.0.113.9", true},
		{"peer without an address", "garbage", []string{"203.0.113.9"}, "invalid IP", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		got, forwarded := forwardedClient(r, ranges)
		if got.String() != tt.want || forwarded != tt.forwarded {
			t.Errorf("%s: %s (forwarded %v), want %s (%v)", tt.name, got, forwarded, tt.want, tt.forwarded)
		}
		// Without trusted proxies the header never counts.
		if got, forwarded := forwardedClient(r, nil); forwarded || got != ratelimit.PeerAddr(r) {
			t.Errorf("%s without trusted proxies: %s (forwarded %v)", tt.name, got, forwarded)
		}
	}
}

// A long X-Forwarded-For through many trusted proxies costs a bounded walk, not one per entry.
func TestForwardedClientManyEntriesIsCheap(t *testing.T) {
	ranges := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:5"
	r.Header.Set("X-Forwarded-For", strings.Repeat("10.1.1.1,", 6000)+"10.1.1.1")
	allocs := testing.AllocsPerRun(100, func() { forwardedClient(r, ranges) })
	if allocs > 2 {
		t.Errorf("%v allocations per request", allocs)
	}
}

// Behind a trusted proxy, each client has its own failed-authentication bucket; a client
// connecting directly cannot pick another's bucket (or escape its own) with the header.
func TestRateLimitsBehindTrustedProxy(t *testing.T) {
	ranges, _ := ParseTrustedProxies("10.0.0.0/8")
	fs, cs := limitedServer(t, Options{FailedAuthLimit: 1, FailedAuthBurst: 2, TrustedProxies: ranges})
	bad := []string{"Authorization", "Bearer stw_wrong"}
	via := func(client string) []string { return append([]string{"X-Forwarded-For", client}, bad...) }
	statuses := func(addr string, headers []string, n int) []int {
		var out []int
		for range n {
			out = append(out, fs.from(addr, "GET", "/api/v1/me", headers...).Code)
		}
		return out
	}
	if got := statuses("10.0.0.1:1", via("203.0.113.1"), 3); got[0] != 401 || got[1] != 401 || got[2] != 429 {
		t.Errorf("client 1 behind the proxy: %v, want 401 401 429", got)
	}
	// Another client behind the same proxy has a full bucket of its own.
	if got := statuses("10.0.0.1:2", via("203.0.113.2"), 2); got[0] != 401 || got[1] != 401 {
		t.Errorf("client 2 behind the proxy: %v, want 401 401", got)
	}
	// A direct client naming someone else in the header is still itself.
	if got := statuses("198.51.100.9:1", via("203.0.113.3"), 3); got[2] != 429 {
		t.Errorf("direct client with a spoofed header: %v, want its own bucket used up", got)
	}
	if got := statuses("198.51.100.9:1", via("203.0.113.4"), 1); got[0] != 429 {
		t.Errorf("direct client naming a fresh address: %v, want 429: the header must not reset its bucket", got)
	}
	lookups := cs.lookups.Load()
	if got := statuses("10.0.0.1:3", via("203.0.113.1"), 1); got[0] != 429 || cs.lookups.Load() != lookups {
		t.Errorf("client 1 again: %v (%d lookups), want 429 without a lookup", got, cs.lookups.Load()-lookups)
	}
	// Without trusted proxies, everyone behind the proxy shares its bucket.
	fs2, _ := limitedServer(t, Options{FailedAuthLimit: 1, FailedAuthBurst: 2})
	var got []int
	for _, c := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		got = append(got, fs2.from("10.0.0.1:1", "GET", "/api/v1/me", via(c)...).Code)
	}
	if got[2] != 429 {
		t.Errorf("without trusted proxies: %v, want the proxy's one bucket used up", got)
	}
}

// The request log names the forwarded client as remote, and the proxy it came through.
func TestRequestLogBehindTrustedProxy(t *testing.T) {
	ranges, _ := ParseTrustedProxies("10.0.0.0/8")
	fs := newFakeServer(t, Options{TrustedProxies: ranges})
	for _, c := range []struct{ peer, xff, id string }{
		{"10.0.0.1:1234", "203.0.113.1", "via-proxy"},
		{"198.51.100.9:4321", "203.0.113.1", "direct"},
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.RemoteAddr = c.peer
		req.Header.Set("X-Forwarded-For", c.xff)
		req.Header.Set("X-Request-Id", c.id)
		fs.srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	lines := map[string]map[string]any{}
	deadline := time.Now().Add(time.Second)
	for len(lines) < 2 && time.Now().Before(deadline) {
		for l := range strings.SplitSeq(strings.TrimSpace(fs.log.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
				id, _ := m["request_id"].(string)
				lines[id] = m
			}
		}
	}
	if l := lines["via-proxy"]; l == nil || l["remote"] != "203.0.113.1" || l["proxy"] != "10.0.0.1:1234" {
		t.Errorf("through the proxy: %v", l)
	}
	if l := lines["direct"]; l == nil || l["remote"] != "198.51.100.9:4321" || l["proxy"] != nil {
		t.Errorf("direct: %v", l)
	}
}

// BenchmarkForwardedClient is the cost per request of finding the client behind two proxies,
// and of a header of 6,000 trusted entries (the walk stops at maxForwardedHops).
func BenchmarkForwardedClient(b *testing.B) {
	ranges := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for name, xff := range map[string]string{
		"two proxies": "203.0.113.9, 10.0.0.2",
		"6000 hops":   strings.Repeat("10.1.1.1,", 6000) + "10.1.1.1",
	} {
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "10.0.0.1:5"
			r.Header.Set("X-Forwarded-For", xff)
			b.ReportAllocs()
			for b.Loop() {
				forwardedClient(r, ranges)
			}
		})
	}
}

// The web interface, served by the server (Options.UI), sees the client the API's rate limits
// key: the one a trusted proxy named, never one a direct client wrote; outside the server, the
// connection's address.
func TestClientAddrForTheUI(t *testing.T) {
	ranges, _ := ParseTrustedProxies("10.0.0.0/8")
	var seen netip.Addr
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = ClientAddr(r) })
	for _, c := range []struct {
		ranges    []netip.Prefix
		peer, xff string
		want      string
		what      string
	}{
		{ranges, "10.0.0.1:1234", "203.0.113.1", "203.0.113.1", "through a trusted proxy"},
		{ranges, "10.0.0.1:1234", "2001:db8:1:2:3::4", "2001:db8:1:2::", "an IPv6 client by its /64"},
		{ranges, "198.51.100.9:4321", "203.0.113.1", "198.51.100.9", "a direct client's header is ignored"},
		{nil, "10.0.0.1:1234", "203.0.113.1", "10.0.0.1", "no trusted proxies: the connection"},
	} {
		fs := newFakeServer(t, Options{TrustedProxies: c.ranges, UI: ui})
		req := httptest.NewRequest("GET", "/customers", nil)
		req.RemoteAddr = c.peer
		req.Header.Set("X-Forwarded-For", c.xff)
		seen = netip.Addr{}
		fs.srv.ServeHTTP(httptest.NewRecorder(), req)
		if seen.String() != c.want {
			t.Errorf("%s: ClientAddr %s, want %s", c.what, seen, c.want)
		}
	}
	req := httptest.NewRequest("GET", "/customers", nil)
	req.RemoteAddr = "10.0.0.1:1234"
	req.Header.Set("X-Forwarded-For", "203.0.113.1")
	if got := ClientAddr(req); got.String() != "10.0.0.1" {
		t.Errorf("outside the server: %s, want the connection's address", got)
	}
}
