package steward

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// offline resolves nothing, so the fuzzer never reaches the network.
var offline = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("offline")
}}

// FuzzWebhookFields: whatever URL and event types a caller sends, Normalize answers without
// panicking, and what it accepts is an absolute http(s) URL within the limits, naming a host,
// with known, distinct event types; the address check then refuses every private address.
func FuzzWebhookFields(f *testing.F) {
	for _, s := range []string{"https://203.0.113.7/hooks", "http://127.0.0.1:8080/x", "https://[::ffff:10.0.0.1]/",
		"https://user:pw@example.com/", "javascript:alert(1)", "https://exa\u200bmple.com/", "http://0x7f.1/", "https://[fe80::1%25eth0]/",
		"HTTPS://203.0.113.7:0/", "https://203.0.113.7:65536/", "//203.0.113.7/x", "https://%zz/"} {
		f.Add(s, "customer.created asset.location_changed")
	}
	f.Add("https://203.0.113.7/", "customer.created customer.created")
	f.Add("https://203.0.113.7/", "")
	f.Fuzz(func(t *testing.T, rawURL, events string) {
		fl := WebhookFields{URL: rawURL}
		for _, e := range strings.Fields(events) {
			fl.Events = append(fl.Events, WebhookEventType(e))
		}
		if err := fl.Normalize(); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || len(e.Fields) == 0 {
				t.Fatalf("Normalize: %v", err)
			}
			return
		}
		u, err := url.Parse(fl.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(fl.URL) > MaxWebhookURL || u.User != nil {
			t.Fatalf("accepted %q", fl.URL)
		}
		seen := map[WebhookEventType]bool{}
		for _, e := range fl.Events {
			if !e.Valid() || seen[e] {
				t.Fatalf("accepted events %v", fl.Events)
			}
			seen[e] = true
		}
		ip, perr := netip.ParseAddr(u.Hostname())
		if perr != nil {
			return // a name: resolving it is the resolver's business, not the fuzzer's
		}
		err = CheckWebhookAddress(context.Background(), fl.URL, false, offline)
		if PrivateAddress(ip) != (err != nil) {
			t.Fatalf("address %s: private %v, refused %v", ip, PrivateAddress(ip), err)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("CheckWebhookAddress: %v", err)
		}
	})
}
