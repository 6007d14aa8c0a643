package web

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/steward-fleet/steward/internal/ratelimit"
)

// MaxTrustedProxies bounds the ranges of Options.TrustedProxies: each request's address is
// compared with every one.
const MaxTrustedProxies = 100

// maxForwardedHops bounds the X-Forwarded-For entries one request's address is looked for in:
// only trusted proxies' entries are walked, and no real chain of them is this long.
const maxForwardedHops = 32

// ParseTrustedProxies reads a comma-separated list of address ranges in CIDR notation
// (10.0.0.0/8, 2001:db8::/32); a single address (192.0.2.7) is a range of one. An empty or
// blank list is none. The error names the entry that is wrong.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxTrustedProxies {
		return nil, fmt.Errorf("lists %d ranges; at most %d are accepted", len(parts), MaxTrustedProxies)
	}
	out := make([]netip.Prefix, 0, len(parts))
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("entry %d is empty (a stray comma?)", i+1)
		}
		var p netip.Prefix
		var err error
		if strings.Contains(part, "/") {
			p, err = netip.ParsePrefix(part)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(part); err == nil {
				if a.Zone() != "" {
					err = fmt.Errorf("has a zone")
				} else {
					p = netip.PrefixFrom(a, a.BitLen())
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not an address range like 10.0.0.0/8 or 2001:db8::/32", shorten(part, 60))
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("%q: write IPv4 ranges as IPv4, like 10.0.0.0/8", shorten(part, 60))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// clientAddr is the rate limits' key for the connection's remote address alone, never a
// forwarded header, which any client can write (Server.clientAddr trusts the configured
// proxies' headers).
func clientAddr(r *http.Request) netip.Addr { return ratelimit.Key(ratelimit.PeerAddr(r)) }

// trusted reports whether a is in one of the ranges.
func trusted(a netip.Addr, ranges []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range ranges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedClient returns the client's address behind trusted proxies: when the peer is in one
// of the ranges, X-Forwarded-For is read from the right (each proxy appends the address it got
// the request from, so the right-most entries are the trusted proxies' own), past every entry
// that is itself a trusted proxy, and the first other entry is the client. Entries to its left
// are the client's own writing and are never read. A malformed entry, or more than
// maxForwardedHops trusted ones, stops the walk at the last trusted hop. forwarded reports
// whether the address came from the header.
func forwardedClient(r *http.Request, ranges []netip.Prefix) (client netip.Addr, forwarded bool) {
	client = ratelimit.PeerAddr(r)
	if len(ranges) == 0 || !trusted(client, ranges) {
		return client, false
	}
	vals := r.Header.Values("X-Forwarded-For")
	hops := 0
	for i := len(vals) - 1; i >= 0; i-- {
		v := vals[i]
		for {
			if !trusted(client, ranges) || hops == maxForwardedHops {
				return client, hops > 0
			}
			j := strings.LastIndexByte(v, ',')
			a, ok := parseForwardedAddr(v[j+1:])
			if !ok {
				return client, hops > 0
			}
			client, hops = a, hops+1
			if j < 0 {
				break
			}
			v = v[:j]
		}
	}
	return client, hops > 0
}

// parseForwardedAddr reads one X-Forwarded-For entry: an address, optionally with a port
// (192.0.2.1:443, [2001:db8::1]:443) or in brackets ([2001:db8::1]), as proxies write them.
func parseForwardedAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		if ap, perr := netip.ParseAddrPort(s); perr == nil {
			a, err = ap.Addr(), nil
		} else if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
			a, err = netip.ParseAddr(s[1 : len(s)-1])
		}
	}
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// client returns the request's client address (forwardedClient with the server's trusted
// proxies), worked out once per request.
func (s *Server) client(r *http.Request) netip.Addr {
	info := infoOf(r.Context())
	if !info.clientKnown {
		info.client, info.forwarded = forwardedClient(r, s.opts.TrustedProxies)
		info.clientKnown = true
	}
	return info.client
}

// clientAddr is the rate limits' key for the request's client.
func (s *Server) clientAddr(r *http.Request) netip.Addr { return ratelimit.Key(s.client(r)) }

// ClientAddr is the request's client as the server's rate limits key it (IPv6 by its /64), for
// handlers the server serves (Options.UI) so that they count per client as the API does: behind
// the trusted proxies (Options.TrustedProxies), the client they named in X-Forwarded-For. For a
// request that did not come through the server, the connection's address.
func ClientAddr(r *http.Request) netip.Addr {
	if info := infoOf(r.Context()); info.clientKnown {
		return ratelimit.Key(info.client)
	}
	return clientAddr(r)
}
