package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// The pages behind one-time links, /invite/{token} and /reset-password/{token}, where a user
// sets a password and is signed in; and the signed-in user's own password change
// (/account/password). A link that cannot be used (unknown, used, expired, of a deactivated
// user) shows one message, whichever it is; each such lookup counts as a failed sign-in of the
// client address, so guessing links stops as guessing passwords does.

// tokenPage describes one kind of link page.
type tokenPage struct {
	purpose steward.TokenPurpose
	path    string // web.InvitePath or web.PasswordResetPath
	title   string
	intro   string
	submit  string
}

var (
	invitePage = &tokenPage{purpose: steward.TokenInvite, path: web.InvitePath, title: "Accept your invitation",
		intro: "Choose a password to finish setting up your account.", submit: "Set password and sign in"}
	resetPage = &tokenPage{purpose: steward.TokenPasswordReset, path: web.PasswordResetPath, title: "Choose a new password",
		intro: "Your Admin issued a password reset. Choose a new password; your other sessions will end.", submit: "Set password and sign in"}
)

// badLinkMessage is the one answer for a link that cannot be used.
const badLinkMessage = "This link is not valid: it may have expired or been used already. Ask your Admin for a new one."

// tokenView is what a link page shows.
type tokenView struct {
	Title, Intro, Submit string
	Action               string // the form's action; "" when the link is not valid
	Name, Email          string
	Error                string // a message above the form, or the invalid-link message
	Fields               map[string]string
	MinPassword          int
}

// tokenPageGet shows the form of a valid link, or the one message for any other.
func (u *UI) tokenPageGet(p *tokenPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		now := time.Now()
		addr := web.ClientAddr(r)
		if wait := u.byAddr.blocked(addr, now); wait > 0 {
			err := tooMany(w, wait)
			u.page(w, r, http.StatusTooManyRequests, "token", p.title, "", p.view(token, nil, err.(*steward.Error).Message, false))
			return
		}
		info, err := u.svc.LookUpUserToken(r.Context(), p.purpose, token)
		if steward.ErrorCode(err) == steward.EUNAUTHORIZED {
			u.byAddr.fail(addr, now)
			u.page(w, r, http.StatusNotFound, "token", p.title, "", p.view(token, nil, badLinkMessage, false))
			return
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.page(w, r, http.StatusOK, "token", p.title, "", p.view(token, info, "", true))
	}
}

// view is the page of the link token: with its form when valid.
func (p *tokenPage) view(token string, info *steward.TokenInfo, msg string, valid bool) *tokenView {
	v := &tokenView{Title: p.title, Intro: p.intro, Submit: p.submit, Error: msg, MinPassword: steward.MinPassword}
	if valid {
		v.Action = p.path + token
	}
	if info != nil {
		v.Name, v.Email = info.Name, info.Email
	}
	return v
}

// maxPasswordForm bounds a password form's body: three passwords of MaxPasswordBytes, encoded.
const maxPasswordForm = 16 << 10

// readPasswordForm reads a form of passwords; ok is false when it is too large or unreadable.
func readPasswordForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxPasswordForm)
	return r.ParseForm() == nil
}

// tokenPagePost sets the password of a valid link's user and signs them in.
func (u *UI) tokenPagePost(p *tokenPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		now := time.Now()
		addr := web.ClientAddr(r)
		if wait := u.byAddr.blocked(addr, now); wait > 0 {
			err := tooMany(w, wait)
			u.page(w, r, http.StatusTooManyRequests, "token", p.title, "", p.view(token, nil, err.(*steward.Error).Message, false))
			return
		}
		again := func(status int, field, msg string) {
			info, err := u.svc.LookUpUserToken(r.Context(), p.purpose, token)
			if err != nil {
				u.byAddr.fail(addr, now)
				u.page(w, r, http.StatusNotFound, "token", p.title, "", p.view(token, nil, badLinkMessage, false))
				return
			}
			v := p.view(token, info, "", true)
			v.Fields = map[string]string{field: msg}
			u.page(w, r, status, "token", p.title, "", v)
		}
		if !readPasswordForm(w, r) {
			again(http.StatusRequestEntityTooLarge, "password", "The form is too large: a password is at most 1024 bytes.")
			return
		}
		pw := r.PostForm.Get("password")
		if pw != r.PostForm.Get("confirm") {
			again(http.StatusUnprocessableEntity, "confirm", "The two passwords differ.")
			return
		}
		user, err := u.svc.RedeemUserToken(r.Context(), p.purpose, token, pw)
		switch steward.ErrorCode(err) {
		case "":
		case steward.EUNAUTHORIZED:
			u.byAddr.fail(addr, now)
			u.page(w, r, http.StatusNotFound, "token", p.title, "", p.view(token, nil, badLinkMessage, false))
			return
		case steward.EINVALID:
			again(http.StatusUnprocessableEntity, "password", fieldMessages(err))
			return
		default:
			u.fail(w, r, err)
			return
		}
		if err := u.signInAs(r, user.ID); err != nil {
			u.fail(w, r, err)
			return
		}
		u.log.InfoContext(r.Context(), "ui: password set through a link", "request_id", requestID(w), "user_id", user.ID,
			"purpose", p.purpose)
		http.Redirect(w, r, "/customers", http.StatusSeeOther)
	}
}

// fieldMessages joins the field messages of a validation error.
func fieldMessages(err error) string {
	e, ok := err.(*steward.Error)
	if !ok || len(e.Fields) == 0 {
		return steward.ErrorMessage(err)
	}
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = "The password " + strings.TrimPrefix(f.Message, "is ")
	}
	return strings.Join(msgs, "; ") + "."
}

// signInAs starts a new session (a new token: none planted before survives) for the user,
// dated now, so that sessions_after voids only those before it.
func (u *UI) signInAs(r *http.Request, userID string) error {
	if err := u.sm.RenewToken(r.Context()); err != nil {
		return err
	}
	u.sm.Put(r.Context(), sessionUserKey, userID)
	u.sm.Put(r.Context(), sessionSignedInKey, time.Now().UnixMicro())
	return nil
}

// passwordView is the own-password page.
type passwordView struct {
	Fields      map[string]string
	Done        bool
	MinPassword int
}

func (u *UI) passwordPage(w http.ResponseWriter, r *http.Request) {
	u.page(w, r, http.StatusOK, "password", "Change your password", "", &passwordView{MinPassword: steward.MinPassword})
}

// passwordChange changes the signed-in user's password. Wrong current passwords count as failed
// sign-ins of the user, so a left-open session cannot be used to guess it.
func (u *UI) passwordChange(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	v := &passwordView{MinPassword: steward.MinPassword}
	show := func(status int, field, msg string) {
		v.Fields = map[string]string{field: msg}
		u.page(w, r, status, "password", "Change your password", "", v)
	}
	now := time.Now()
	key := "user:" + a.UserID
	if wait := u.byEmail.blocked(key, now); wait > 0 {
		err := tooMany(w, wait)
		show(http.StatusTooManyRequests, "current_password", err.(*steward.Error).Message)
		return
	}
	if !readPasswordForm(w, r) {
		show(http.StatusRequestEntityTooLarge, "new_password", "The form is too large: a password is at most 1024 bytes.")
		return
	}
	next := r.PostForm.Get("new_password")
	if next != r.PostForm.Get("confirm") {
		show(http.StatusUnprocessableEntity, "confirm", "The two new passwords differ.")
		return
	}
	err := u.svc.ChangePassword(r.Context(), a, r.PostForm.Get("current_password"), next)
	if e, ok := err.(*steward.Error); ok && e.Code == steward.EINVALID && len(e.Fields) > 0 {
		if e.Fields[0].Field == "current_password" {
			u.byEmail.fail(key, now)
		}
		show(http.StatusUnprocessableEntity, e.Fields[0].Field, "This "+strings.ReplaceAll(e.Fields[0].Field, "_", " ")+" "+e.Fields[0].Message+".")
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	// The change ended every session of the user; this one goes on, under a new token.
	if err := u.signInAs(r, a.UserID); err != nil {
		u.fail(w, r, err)
		return
	}
	v.Done = true
	u.page(w, r, http.StatusOK, "password", "Change your password", "", v)
}
