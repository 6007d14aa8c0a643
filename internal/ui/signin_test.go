package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
	"github.com/steward-fleet/steward/internal/ui"
	"github.com/steward-fleet/steward/internal/web"
)

// TestSignInLimitPerClient: failed sign-ins are counted per client address; behind a trusted
// proxy that is the client the proxy names, so one client's guesses do not lock out everyone
// behind the same proxy, and from anyone else a forged X-Forwarded-For changes nothing.
func TestSignInLimitPerClient(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s *store.Store) {
		const email, password = "ada@example.com", "correct horse battery"
		if _, _, err := s.CreateOrganization(context.Background(), steward.Organization{Name: "Acme Rentals",
			Country: "DE", Email: email, AdminName: "Ada Lovelace", Password: password}); err != nil {
			t.Fatal(err)
		}
		uiOpts := ui.Options{SignInFailuresPerAddr: 0.001, SignInBurstPerAddr: 3}
		h := web.New(s, nil, web.Options{UI: ui.New(s, nil, uiOpts),
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		signIn := func(remote, forwarded, email, password string) int {
			form := url.Values{"email": {email}, "password": {password}}
			req := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = remote
			if forwarded != "" {
				req.Header.Set("X-Forwarded-For", forwarded)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code
		}
		// Behind the proxy: one client guesses until it is refused.
		for i := range 3 {
			if code := signIn("10.0.0.2:5000", "198.51.100.1", fmt.Sprintf("guess%d@example.com", i), "nope"); code != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d, want 401", i, code)
			}
		}
		if code := signIn("10.0.0.2:5000", "198.51.100.1", email, password); code != http.StatusTooManyRequests {
			t.Errorf("the guessing client's next sign-in: %d, want 429", code)
		}
		if code := signIn("10.0.0.2:5000", "198.51.100.2", email, password); code != http.StatusSeeOther {
			t.Errorf("another client behind the same proxy: %d, want 303", code)
		}
		// Not a trusted proxy: the connection's address is the client, whatever the header says.
		for i := range 3 {
			signIn("192.0.2.5:5000", fmt.Sprintf("203.0.113.%d", i), "nobody@example.com", "nope")
		}
		if code := signIn("192.0.2.5:5000", "203.0.113.99", email, password); code != http.StatusTooManyRequests {
			t.Errorf("a forged X-Forwarded-For from an untrusted peer: %d, want 429", code)
		}
	})
}
