package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

var (
	secretRE   = regexp.MustCompile(`id="two-factor-secret">([A-Z2-7 ]+)<`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// totpAt is the secret's code at the current step plus off.
func totpAt(t *testing.T, secret string, off int64) string {
	key, ok := steward.DecodeTOTPSecret(secret)
	if !ok {
		t.Fatalf("secret %q", secret)
	}
	return steward.TOTPCode(key, steward.TOTPStep(steward.Now().Time)+off)
}

// enrolThroughPage turns two-factor on through the page and returns the secret and the codes.
func enrolThroughPage(t *testing.T, c *client) (string, []string) {
	t.Helper()
	body := c.get("/account/two-factor", "", 200)
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	mustContain(t, "the otpauth URI", html.UnescapeString(body), "otpauth://totp/Steward:", "secret="+secret)
	_, body = c.post("/account/two-factor", url.Values{"code": {"12345x"}}, "", 422)
	mustContain(t, "a wrong code", body, "is not a current code")
	_, body = c.post("/account/two-factor", url.Values{"code": {totpAt(t, secret, 0)}}, "", 200)
	var codes []string
	for _, m := range recoveryRE.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != steward.RecoveryCodes {
		t.Fatalf("%d recovery codes shown:\n%s", len(codes), body)
	}
	if strings.Contains(c.get("/account/two-factor", "", 200), codes[0]) {
		t.Fatal("the recovery codes are shown again")
	}
	return secret, codes
}

// passwordStep signs in with the password only: it must lead to the second step.
func passwordStep(t *testing.T, st *site, email string) *client {
	t.Helper()
	c := anonymousClient(t, st)
	res, _ := c.post("/signin", url.Values{"email": {email}, "password": {st.password}, "next": {"/assets"}}, "", 303)
	if loc := res.Header.Get("Location"); loc != "/signin/two-factor" {
		t.Fatalf("after the password: %s", loc)
	}
	// Not signed in yet.
	if res, _ := c.do("GET", "/customers", nil, ""); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("between the steps /customers: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	c.get("/signin/two-factor", "", 200)
	return c
}

// TestTwoFactorSignIn: enrolment on the own page, the second step with a code (once) or a
// recovery code (once), hostile codes, the sign-in limit, and turning it off.
func TestTwoFactorSignIn(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			admin := newClient(t, st, st.email, st.password)
			secret, codes := enrolThroughPage(t, admin)

			c := passwordStep(t, st, st.email)
			code := totpAt(t, secret, 1) // the enrolment used the current step
			res, _ := c.post("/signin/two-factor", url.Values{"code": {code}}, "", 303)
			if loc := res.Header.Get("Location"); loc != "/assets" {
				t.Fatalf("after the second step: %s", loc)
			}
			c.get("/customers", "", 200)

			// The same code again: refused.
			c2 := passwordStep(t, st, st.email)
			_, body := c2.post("/signin/two-factor", url.Values{"code": {code}}, "", 401)
			mustContain(t, "reused code", body, "Wrong code")
			// A recovery code, once.
			c2.post("/signin/two-factor", url.Values{"code": {strings.ToUpper(codes[0])}}, "", 303)
			c2.get("/customers", "", 200)
			c3 := passwordStep(t, st, st.email)
			c3.post("/signin/two-factor", url.Values{"code": {codes[0]}}, "", 401)
			// Hostile codes: 10 KB, non-digits, invisible characters.
			c3.post("/signin/two-factor", url.Values{"code": {strings.Repeat("7", 10<<10)}}, "", 401)
			c3.post("/signin/two-factor", url.Values{"code": {"abcdef"}}, "", 401)
			// Five failures on the email: the next attempt is refused unchecked, even a good code.
			c3.post("/signin/two-factor", url.Values{"code": {"1\u200b23456"}}, "", 401)
			c3.post("/signin/two-factor", url.Values{"code": {codes[1]}}, "", 429)
			c3.get("/customers", "", 303)
			// The recovery code was not spent by the refused attempt.
			if tf, _ := st.s.TwoFactorOf(context.Background(), st.admin.UserID); tf.RecoveryCodesLeft != 9 {
				t.Errorf("recovery codes left = %d, want 9", tf.RecoveryCodesLeft)
			}
			// Without a pending password step the page sends to the sign-in.
			anon := anonymousClient(t, st)
			if res, _ := anon.do("POST", "/signin/two-factor", url.Values{"code": {totpAt(t, secret, 0)}}, ""); res.StatusCode != 303 ||
				res.Header.Get("Location") != "/signin" {
				t.Errorf("a second step without a password: %d %s", res.StatusCode, res.Header.Get("Location"))
			}

			// Turning it off needs a code or the password.
			_, body = admin.post("/account/two-factor/disable", url.Values{"code": {"wrong"}}, "", 422)
			mustContain(t, "a wrong password", body, "neither")
			_, body = admin.post("/account/two-factor/disable", url.Values{"code": {st.password}}, "", 200)
			mustContain(t, "disabled", body, "Two-factor sign-in is off")
		})
	}
}

// TestTwoFactorRequired: with the account's setting on, a user without two-factor goes to enrol
// right after the password and can reach nothing else until they have.
func TestTwoFactorRequired(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			if _, err := st.s.UpdateAccount(ctx, st.admin, 0, func(f *steward.AccountFields) error {
				f.TwoFactorRequired = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			c := anonymousClient(t, st)
			res, _ := c.post("/signin", url.Values{"email": {st.email}, "password": {st.password}}, "", 303)
			if loc := res.Header.Get("Location"); loc != "/account/two-factor" {
				t.Fatalf("after the password: %s", loc)
			}
			for _, p := range []string{"/customers", "/users", "/account/password"} {
				if res, _ := c.do("GET", p, nil, ""); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/two-factor" {
					t.Errorf("GET %s before enrolling: %d %s", p, res.StatusCode, res.Header.Get("Location"))
				}
			}
			if res, _ := c.do("POST", "/customers", url.Values{"name": {"Sneaky"}}, ""); res.StatusCode != http.StatusSeeOther {
				t.Errorf("POST /customers before enrolling: %d", res.StatusCode)
			}
			body := c.get("/account/two-factor", "", 200)
			mustContain(t, "the requirement", body, "Your account requires two-factor sign-in")
			enrolThroughPage(t, c)
			c.get("/customers", "", 200)
		})
	}
}
