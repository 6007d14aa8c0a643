package steward

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Two-factor sign-in (issue 12): a user may add a time-based one-time password (RFC 6238:
// HMAC-SHA-1, 6 digits, 30-second steps) to their password, with ten single-use recovery codes.
// It guards the web interface's sign-in only; API keys are not affected.

// TOTP parameters.
const (
	TOTPDigits  = 6
	TOTPPeriod  = 30 // seconds
	TOTPSkew    = 1  // steps accepted either side of the current one
	TOTPSecretN = 20 // bytes of a secret (160 bits, as RFC 4226 recommends)
	// RecoveryCodes is how many recovery codes enabling two-factor gives.
	RecoveryCodes = 10
	// MaxSecondFactor bounds what is checked as a code: anything longer is wrong unread.
	MaxSecondFactor = 64
)

// TOTPStep is the time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// TOTPCode is the RFC 6238 code of a secret at a time step (HMAC-SHA-1, dynamic truncation).
func TOTPCode(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", TOTPDigits, n%1_000_000)
}

// NewTOTPSecret returns a random secret in base32 (no padding), as authenticator apps take it.
func NewTOTPSecret() string {
	b := make([]byte, TOTPSecretN)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// DecodeTOTPSecret decodes a base32 secret; ok is false unless it is one NewTOTPSecret makes.
func DecodeTOTPSecret(s string) ([]byte, bool) {
	if len(s) != 32 {
		return nil, false
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return b, err == nil && len(b) == TOTPSecretN
}

// TOTPURI is the otpauth:// URI an authenticator app reads (Key Uri Format).
func TOTPURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(TOTPDigits)}, "period": {fmt.Sprint(TOTPPeriod)}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// IsTOTPCode reports whether s has the form of a code: exactly six ASCII digits.
func IsTOTPCode(s string) bool {
	if len(s) != TOTPDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NormalizeSecondFactor takes a typed code: spaces and dashes out, letters lowered. "" when it
// is too long to be one.
func NormalizeSecondFactor(s string) string {
	if len(s) > MaxSecondFactor {
		return ""
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// NewRecoveryCode returns a random recovery code: ten base32 letters and digits (50 bits) in two
// groups of five, lower case. NormalizeSecondFactor of it is what is hashed and checked.
func NewRecoveryCode() string {
	b := make([]byte, 7)
	rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:]
}

// TwoFactor is the state of the caller's two-factor sign-in.
type TwoFactor struct {
	Enabled bool
	// Required is the account's setting (AccountFields.TwoFactorRequired of the user's account).
	Required bool
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int
}

// TwoFactorService manages two-factor sign-in.
type TwoFactorService interface {
	// TwoFactorOf is the state of a user's two-factor sign-in, by user id (for sign-in, before
	// the session is a signed-in one). EUNAUTHORIZED when the user is gone or inactive.
	TwoFactorOf(ctx context.Context, userID string) (*TwoFactor, error)
	// EnableTwoFactor switches two-factor on for the caller with a secret NewTOTPSecret made,
	// given a current code of it (EINVALID on "code" otherwise), and returns the recovery codes,
	// shown once. ECONFLICT when it is already on.
	EnableTwoFactor(ctx context.Context, a *Actor, secret, code string) ([]string, error)
	// DisableTwoFactor switches it off given a current code, a recovery code or the password
	// (EINVALID on "code" otherwise). ECONFLICT when it is off.
	DisableTwoFactor(ctx context.Context, a *Actor, codeOrPassword string) error
	// ResetTwoFactor switches a user of the caller's account off two-factor, for one who lost
	// their phone and recovery codes (they sign in with the password alone, or enrol again when
	// the account requires it). Admin only; ENOTFOUND for a user not in the account; nothing
	// happens (and nothing is audited) when it is already off.
	ResetTwoFactor(ctx context.Context, a *Actor, userID string) error
	// VerifySecondFactor checks a sign-in's second step: a code of the current step ±1 not
	// used before, or an unused recovery code (then used up). EUNAUTHORIZED otherwise.
	VerifySecondFactor(ctx context.Context, userID, code string) error
}
