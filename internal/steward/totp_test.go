package steward

import (
	"strings"
	"testing"
	"time"
)

// The test vectors of RFC 6238 appendix B for SHA-1 (the 8-digit codes' last six digits are
// the 6-digit codes: both are the same number modulo a power of ten).
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, c := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		step := TOTPStep(time.Unix(c.unix, 0))
		if got, want := TOTPCode(secret, step), c.code[2:]; got != want {
			t.Errorf("TOTPCode at %d = %s, want %s", c.unix, got, want)
		}
	}
}

func TestTOTPSecretAndCodes(t *testing.T) {
	s := NewTOTPSecret()
	if _, ok := DecodeTOTPSecret(s); !ok || s == NewTOTPSecret() {
		t.Fatalf("secret %q", s)
	}
	for _, bad := range []string{"", s[:31], s + "A", strings.ToLower(s), strings.Repeat("1", 32)} {
		if _, ok := DecodeTOTPSecret(bad); ok {
			t.Errorf("DecodeTOTPSecret(%q) accepted", bad)
		}
	}
	uri := TOTPURI("Steward", "ada@example.com", s)
	if !strings.HasPrefix(uri, "otpauth://totp/Steward:ada@example.com?") || !strings.Contains(uri, "secret="+s) {
		t.Errorf("uri %s", uri)
	}
	for _, c := range []string{"123456", "000000"} {
		if !IsTOTPCode(c) {
			t.Errorf("IsTOTPCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "12345", "1234567", "12345a", "１２３４５６", "12 456", "-12345"} {
		if IsTOTPCode(c) {
			t.Errorf("IsTOTPCode(%q) = true", c)
		}
	}
	if got := NormalizeSecondFactor(" ABCDE-fghij "); got != "abcdefghij" {
		t.Errorf("NormalizeSecondFactor = %q", got)
	}
	if got := NormalizeSecondFactor(strings.Repeat("1", 10<<10)); got != "" {
		t.Errorf("a 10 KB code normalizes to %d bytes", len(got))
	}
	rc := NewRecoveryCode()
	if len(rc) != 11 || rc[5] != '-' || NormalizeSecondFactor(rc) == NewRecoveryCode() {
		t.Errorf("recovery code %q", rc)
	}
}
