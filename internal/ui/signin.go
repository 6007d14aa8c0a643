package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

type signInView struct {
	Email, Next string
	Error       string
}

// safeNext keeps a post-sign-in destination only when it is a path of this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		len(next) > 2000 || !steward.IsCleanText(next) {
		return "/customers"
	}
	return next
}

func (u *UI) signInPage(w http.ResponseWriter, r *http.Request) {
	if id := u.sm.GetString(r.Context(), sessionUserKey); id != "" {
		if _, err := u.sessionActor(r, id); err == nil {
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	u.page(w, r, http.StatusOK, "signin", "Sign in", "", signInView{Next: safeNext(r.URL.Query().Get("next"))})
}

// signIn checks the form. Failed attempts are limited per email and per client address; a
// refused one is not even checked. The message never says which of email or password was wrong.
func (u *UI) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, steward.Errorf(steward.EBADREQUEST, "the form could not be read"))
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	v := signInView{Email: email, Next: safeNext(r.PostForm.Get("next"))}
	now := time.Now()
	key := strings.ToLower(email)
	addr := web.ClientAddr(r)
	if wait := max(u.byEmail.blocked(key, now), u.byAddr.blocked(addr, now)); wait > 0 {
		err := tooMany(w, wait)
		v.Error = err.(*steward.Error).Message
		u.page(w, r, http.StatusTooManyRequests, "signin", "Sign in", "", v)
		return
	}
	user, err := u.svc.SignIn(r.Context(), email, r.PostForm.Get("password"))
	if steward.ErrorCode(err) == steward.EUNAUTHORIZED {
		u.byEmail.fail(key, now)
		u.byAddr.fail(addr, now)
		u.log.WarnContext(r.Context(), "ui: failed sign-in", "request_id", requestID(w), "remote", r.RemoteAddr)
		v.Error = "Wrong email or password."
		u.page(w, r, http.StatusUnauthorized, "signin", "Sign in", "", v)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	// A new token on sign-in (or its second step), so a token planted before it (session
	// fixation) is worth nothing.
	u.afterPassword(w, r, user, key, v.Next)
}

func (u *UI) signOut(w http.ResponseWriter, r *http.Request) {
	if err := u.sm.Destroy(r.Context()); err != nil {
		u.fail(w, r, err)
		return
	}
	redirect(w, r, "/signin")
}

func (u *UI) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/customers", http.StatusSeeOther)
}
