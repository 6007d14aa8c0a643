package ui

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// Two-factor sign-in. After a correct password, a user with two-factor on is not signed in: the
// session only remembers who passed the password (and when, for at most pendingLifetime), and
// /signin/two-factor asks for a code or a recovery code; wrong ones count as failed sign-ins of
// the email and the client address. A user without it whose account requires it is signed in
// with an "enrol first" mark that auth honours: every page but /account/two-factor sends them
// there until they have enrolled.

// The session's values of a sign-in between its two steps, and of a user who must enrol.
const (
	sessionPendingUserKey  = "two_factor_user_id"
	sessionPendingEmailKey = "two_factor_email"
	sessionPendingAtKey    = "two_factor_since"
	sessionPendingNextKey  = "two_factor_next"
	sessionMustEnrolKey    = "two_factor_must_enrol"
	sessionNewSecretKey    = "two_factor_new_secret"
)

// pendingLifetime is how long a passed password waits for its second step.
const pendingLifetime = 5 * time.Minute

// twoFactorPath is the signed-in user's own two-factor page.
const twoFactorPath = "/account/two-factor"

// afterPassword finishes a sign-in whose password was right: the second step when the user has
// two-factor on, else signed in (marked to enrol first when the account requires it).
func (u *UI) afterPassword(w http.ResponseWriter, r *http.Request, user *steward.User, email, next string) {
	tf, err := u.svc.TwoFactorOf(r.Context(), user.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if tf.Enabled {
		if err := u.sm.RenewToken(r.Context()); err != nil {
			u.fail(w, r, err)
			return
		}
		u.sm.Put(r.Context(), sessionPendingUserKey, user.ID)
		u.sm.Put(r.Context(), sessionPendingEmailKey, email)
		u.sm.Put(r.Context(), sessionPendingAtKey, time.Now().UnixMicro())
		u.sm.Put(r.Context(), sessionPendingNextKey, next)
		http.Redirect(w, r, "/signin/two-factor", http.StatusSeeOther)
		return
	}
	if err := u.signInAs(r, user.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.InfoContext(r.Context(), "ui: signed in", "request_id", requestID(w), "user_id", user.ID)
	if tf.Required {
		u.sm.Put(r.Context(), sessionMustEnrolKey, true)
		next = twoFactorPath
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// pending is the user id waiting for its second step, "" when none (or too old).
func (u *UI) pending(r *http.Request) string {
	at := u.sm.GetInt64(r.Context(), sessionPendingAtKey)
	if at == 0 || time.Since(time.UnixMicro(at)) > pendingLifetime {
		return ""
	}
	return u.sm.GetString(r.Context(), sessionPendingUserKey)
}

// secondStepView is the second step's page.
type secondStepView struct {
	Error string
}

func (u *UI) secondStepPage(w http.ResponseWriter, r *http.Request) {
	if u.pending(r) == "" {
		redirect(w, r, "/signin")
		return
	}
	u.page(w, r, http.StatusOK, "signin_two_factor", "Two-factor sign-in", "", secondStepView{})
}

// secondStep checks the code of a sign-in's second step.
func (u *UI) secondStep(w http.ResponseWriter, r *http.Request) {
	userID := u.pending(r)
	if userID == "" {
		redirect(w, r, "/signin")
		return
	}
	now := time.Now()
	key := u.sm.GetString(r.Context(), sessionPendingEmailKey)
	addr := web.ClientAddr(r)
	if wait := max(u.byEmail.blocked(key, now), u.byAddr.blocked(addr, now)); wait > 0 {
		err := tooMany(w, wait)
		u.page(w, r, http.StatusTooManyRequests, "signin_two_factor", "Two-factor sign-in", "",
			secondStepView{Error: err.(*steward.Error).Message})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	code := ""
	if r.ParseForm() == nil {
		code = r.PostForm.Get("code")
	}
	err := u.svc.VerifySecondFactor(r.Context(), userID, code)
	if steward.ErrorCode(err) == steward.EUNAUTHORIZED {
		u.byEmail.fail(key, now)
		u.byAddr.fail(addr, now)
		u.log.WarnContext(r.Context(), "ui: failed second sign-in step", "request_id", requestID(w), "remote", r.RemoteAddr)
		u.page(w, r, http.StatusUnauthorized, "signin_two_factor", "Two-factor sign-in", "",
			secondStepView{Error: "Wrong code. Enter the current code of your authenticator app, or a recovery code."})
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	next := safeNext(u.sm.GetString(r.Context(), sessionPendingNextKey))
	for _, k := range []string{sessionPendingUserKey, sessionPendingEmailKey, sessionPendingAtKey, sessionPendingNextKey} {
		u.sm.Remove(r.Context(), k)
	}
	if err := u.signInAs(r, userID); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.InfoContext(r.Context(), "ui: signed in", "request_id", requestID(w), "user_id", userID, "two_factor", true)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// mustEnrol reports whether the session's user was told to enrol before anything else.
func (u *UI) mustEnrol(r *http.Request) bool {
	return u.sm.GetBool(r.Context(), sessionMustEnrolKey) && r.URL.Path != twoFactorPath
}

// twoFactorView is the own two-factor page.
type twoFactorView struct {
	Status        *steward.TwoFactor
	MustEnrol     bool
	Secret        string // while enrolling
	URI           template.URL
	RecoveryCodes []string // once, right after enrolling
	Disabled      bool     // right after turning it off
	Fields        map[string]string
}

// twoFactorPage shows the state, and a new secret to enrol when two-factor is off. The secret
// waits in the session (server-side) until a code of it switches two-factor on.
func (u *UI) twoFactorPage(w http.ResponseWriter, r *http.Request) {
	u.showTwoFactor(w, r, http.StatusOK, &twoFactorView{})
}

func (u *UI) showTwoFactor(w http.ResponseWriter, r *http.Request, status int, v *twoFactorView) {
	a := actorOf(r)
	tf, err := u.svc.TwoFactorOf(r.Context(), a.UserID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Status = tf
	v.MustEnrol = u.sm.GetBool(r.Context(), sessionMustEnrolKey)
	if !tf.Enabled && v.RecoveryCodes == nil {
		secret := u.sm.GetString(r.Context(), sessionNewSecretKey)
		if _, ok := steward.DecodeTOTPSecret(secret); !ok {
			secret = steward.NewTOTPSecret()
			u.sm.Put(r.Context(), sessionNewSecretKey, secret)
		}
		email := a.Name
		if me, err := u.svc.Me(r.Context(), a); err == nil {
			email = me.User.Email
		}
		// The otpauth: scheme is one html/template would refuse; the URI is built here, from a
		// secret of base32 letters and an escaped email.
		v.Secret, v.URI = groupSecret(secret), template.URL(steward.TOTPURI("Steward", email, secret))
	}
	u.page(w, r, status, "two_factor", "Two-factor sign-in", "", v)
}

// groupSecret shows a secret in groups of four, easier to type.
func groupSecret(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// twoFactorEnable switches two-factor on with the session's new secret and a code of it, and
// shows the recovery codes once.
func (u *UI) twoFactorEnable(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		u.showTwoFactor(w, r, http.StatusRequestEntityTooLarge, &twoFactorView{Fields: map[string]string{"code": "The form is too large."}})
		return
	}
	secret := u.sm.GetString(r.Context(), sessionNewSecretKey)
	codes, err := u.svc.EnableTwoFactor(r.Context(), a, secret, r.PostForm.Get("code"))
	if e, ok := err.(*steward.Error); ok && (e.Code == steward.EINVALID || e.Code == steward.ECONFLICT) {
		status := http.StatusUnprocessableEntity
		if e.Code == steward.ECONFLICT {
			status = http.StatusConflict
		}
		msg := e.Message
		if e.Code == steward.EINVALID && len(e.Fields) > 0 {
			msg = "The " + e.Fields[0].Field + " " + e.Fields[0].Message + "."
		}
		u.showTwoFactor(w, r, status, &twoFactorView{Fields: map[string]string{"code": msg}})
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.sm.Remove(r.Context(), sessionNewSecretKey)
	u.sm.Remove(r.Context(), sessionMustEnrolKey)
	u.showTwoFactor(w, r, http.StatusOK, &twoFactorView{RecoveryCodes: codes})
}

// twoFactorDisable switches two-factor off given a code, a recovery code or the password. Wrong
// ones count as failed sign-ins of the user, as on the password page.
func (u *UI) twoFactorDisable(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	now := time.Now()
	key := "user:" + a.UserID
	if wait := u.byEmail.blocked(key, now); wait > 0 {
		err := tooMany(w, wait)
		u.showTwoFactor(w, r, http.StatusTooManyRequests, &twoFactorView{Fields: map[string]string{"disable": err.(*steward.Error).Message}})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPasswordForm)
	if err := r.ParseForm(); err != nil {
		u.showTwoFactor(w, r, http.StatusRequestEntityTooLarge, &twoFactorView{Fields: map[string]string{"disable": "The form is too large."}})
		return
	}
	err := u.svc.DisableTwoFactor(r.Context(), a, r.PostForm.Get("code"))
	if e, ok := err.(*steward.Error); ok && (e.Code == steward.EINVALID || e.Code == steward.ECONFLICT) {
		status, msg := http.StatusConflict, e.Message
		if e.Code == steward.EINVALID && len(e.Fields) > 0 {
			status, msg = http.StatusUnprocessableEntity, "That "+e.Fields[0].Message+"."
			u.byEmail.fail(key, now)
		}
		u.showTwoFactor(w, r, status, &twoFactorView{Fields: map[string]string{"disable": msg}})
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showTwoFactor(w, r, http.StatusOK, &twoFactorView{Disabled: true})
}
