// Package ui is Steward's web interface: server-rendered pages (html/template, embedded) with
// htmx and Pico.css vendored as static files. It calls the domain's steward.Service, as the API
// does, and never the API over HTTP nor SQL. Sessions (scs) live in the database through the
// service's SessionStore; every state-changing request passes http.CrossOriginProtection.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// The defaults of Options.
const (
	DefaultSessionLifetime    = 24 * time.Hour // a session ends this long after sign-in
	DefaultSessionIdleTimeout = 2 * time.Hour  // or after this long without a request
	// Failed sign-ins: per account (email), a burst of 5 and then one a minute; per client
	// address, a burst of 20 and then one every 6 seconds.
	DefaultSignInFailuresPerEmail = 1.0 / 60
	DefaultSignInBurstPerEmail    = 5
	DefaultSignInFailuresPerAddr  = 1.0 / 6
	DefaultSignInBurstPerAddr     = 20
)

// Options configure the web interface. The zero value is valid: the defaults above, cookies
// without Secure.
type Options struct {
	// MaxImportBytes is the largest file the import page takes (0: steward.DefaultMaxImportBytes).
	MaxImportBytes int64
	// ImportQueued, when set, is told the id of each import the page queues.
	ImportQueued func(id string)

	// SessionLifetime and SessionIdleTimeout bound a session; 0 means the default.
	SessionLifetime    time.Duration
	SessionIdleTimeout time.Duration
	// Secure marks the session cookie Secure and names it with the __Host- prefix: set it when
	// the interface is served over TLS (directly or behind a proxy that terminates TLS).
	Secure bool
	// Failed sign-ins allowed per second, and their bursts, per email and per client address;
	// 0 means the default, a negative rate turns that limit off.
	SignInFailuresPerEmail float64
	SignInBurstPerEmail    int
	SignInFailuresPerAddr  float64
	SignInBurstPerAddr     int
	// PublicURL is the base of the invitation and reset links the users page shows (see
	// web.ParsePublicURL); "" means the request's scheme and Host.
	PublicURL string
	// MailLinks mails each invitation and password reset link to its user as well (the server
	// sends mail); the page still shows the link.
	MailLinks bool
}

func (o Options) withDefaults() Options {
	if o.MaxImportBytes <= 0 {
		o.MaxImportBytes = steward.DefaultMaxImportBytes
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = DefaultSessionLifetime
	}
	if o.SessionIdleTimeout <= 0 {
		o.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	if o.SignInFailuresPerEmail == 0 {
		o.SignInFailuresPerEmail = DefaultSignInFailuresPerEmail
	}
	if o.SignInBurstPerEmail <= 0 {
		o.SignInBurstPerEmail = DefaultSignInBurstPerEmail
	}
	if o.SignInFailuresPerAddr == 0 {
		o.SignInFailuresPerAddr = DefaultSignInFailuresPerAddr
	}
	if o.SignInBurstPerAddr <= 0 {
		o.SignInBurstPerAddr = DefaultSignInBurstPerAddr
	}
	return o
}

// CookieName is the session cookie's name over plain HTTP; over TLS it is "__Host-" + CookieName.
const CookieName = "steward_session"

// The session's values: the signed-in user's id, and when they signed in (Unix microseconds):
// a password change or reset, or a deactivation, voids the sessions signed in before it.
const (
	sessionUserKey     = "user_id"
	sessionSignedInKey = "signed_in_at"
)

// csp is the Content-Security-Policy of every page: only this server's own files, no inline
// script or style, no framing, forms posting only here.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// UI is the web interface's http.Handler.
type UI struct {
	svc     steward.Service
	log     *slog.Logger
	sm      *scs.SessionManager
	pages   *templates
	static  *staticFiles
	byEmail failures[string]
	byAddr  failures[netip.Addr]
	routes  []route
	handler http.Handler
	// publicURL is Options.PublicURL.
	publicURL string
	mailLinks bool
	// maxImportBytes and importQueued are Options' (the imports page).
	maxImportBytes int64
	importQueued   func(id string)
}

// route is one page or form of the web interface: a ServeMux pattern (method and path) and its
// handler, which sees only signed-in users unless the route is public.
type route struct {
	pattern string
	public  bool
	handle  http.HandlerFunc
}

// routeTable lists every page and form the web interface serves (static files aside), once:
// New registers them, and the isolation tests call each of them.
func (u *UI) routeTable() []route {
	rs := []route{
		{pattern: "GET /signin", public: true, handle: u.signInPage},
		{pattern: "POST /signin", public: true, handle: u.signIn},
		{pattern: "POST /signout", public: true, handle: u.signOut},
		{pattern: "GET /{$}", handle: u.home},
		{pattern: "GET /customers", handle: u.customers},
		{pattern: "GET /customers/new", handle: u.customerNew},
		{pattern: "POST /customers", handle: u.customerCreate},
		{pattern: "GET /customers/{id}", handle: u.customer},
		{pattern: "GET /customers/{id}/edit", handle: u.customerEdit},
		{pattern: "POST /customers/{id}", handle: u.customerUpdate()},
		{pattern: "POST /customers/{id}/archive", handle: u.customerArchive(true)},
		{pattern: "POST /customers/{id}/unarchive", handle: u.customerArchive(false)},
		{pattern: "GET /customers/{id}/contacts/new", handle: u.contactNew},
		{pattern: "POST /customers/{id}/contacts", handle: u.contactCreate},
		{pattern: "GET /contacts/{id}/edit", handle: u.contactEdit},
		{pattern: "POST /contacts/{id}", handle: u.contactUpdate()},
		{pattern: "POST /contacts/{id}/archive", handle: u.contactArchive(true)},
		{pattern: "POST /contacts/{id}/unarchive", handle: u.contactArchive(false)},
	}
	for _, k := range []*fleetKind{locationsKind, assetsKind} {
		p := "/" + k.Key
		rs = append(rs,
			route{pattern: "GET " + p, handle: u.fleetList(k)},
			route{pattern: "GET " + p + "/new", handle: u.fleetNew(k)},
			route{pattern: "POST " + p, handle: u.fleetSave(k)},
			route{pattern: "GET " + p + "/{id}", handle: u.fleetObject(k)},
			route{pattern: "GET " + p + "/{id}/edit", handle: u.fleetEdit(k)},
			route{pattern: "POST " + p + "/{id}", handle: u.fleetSave(k)},
			route{pattern: "POST " + p + "/{id}/archive", handle: u.fleetArchive(k, true)},
			route{pattern: "POST " + p + "/{id}/unarchive", handle: u.fleetArchive(k, false)})
	}
	rs = append(rs,
		route{pattern: "POST /assets/{id}/shares", handle: u.assetShare},
		route{pattern: "POST /assets/{id}/shares/{account_id}/delete", handle: u.assetUnshare},
		route{pattern: "GET /assets/{id}/transfer", handle: u.assetTransferForm},
		route{pattern: "POST /assets/{id}/transfer", handle: u.assetTransfer},
		route{pattern: "GET /assets/bulk", handle: u.assetsBulkForm},
		route{pattern: "POST /assets/bulk", handle: u.assetsBulk},
		route{pattern: "GET /groups", handle: u.groups},
		route{pattern: "GET /groups/new", handle: u.groupNew},
		route{pattern: "POST /groups", handle: u.groupCreate},
		route{pattern: "GET /groups/{id}", handle: u.group},
		route{pattern: "GET /groups/{id}/edit", handle: u.groupEdit},
		route{pattern: "POST /groups/{id}", handle: u.groupUpdate()},
		route{pattern: "POST /groups/{id}/archive", handle: u.groupArchive(true)},
		route{pattern: "POST /groups/{id}/unarchive", handle: u.groupArchive(false)},
		route{pattern: "POST /groups/{id}/delete", handle: u.groupDelete},
		route{pattern: "GET /groups/{id}/assets/new", handle: u.groupAssetNew},
		route{pattern: "POST /groups/{id}/assets", handle: u.groupAssetsAdd},
		route{pattern: "POST /groups/{id}/assets/remove", handle: u.groupAssetsRemove},
		route{pattern: "GET /groups/{id}/users/new", handle: u.groupUserNew},
		route{pattern: "POST /groups/{id}/users", handle: u.groupUsersAdd},
		route{pattern: "POST /groups/{id}/users/remove", handle: u.groupUsersRemove},
		route{pattern: "GET /pick/{kind}", handle: u.pick},
		route{pattern: "GET /audit", handle: u.audit},
		route{pattern: "GET /audit.csv", handle: u.auditCSV},
		route{pattern: "GET /imports", handle: u.imports},
		route{pattern: "POST /imports", handle: u.importCreate},
		route{pattern: "GET /imports/{id}", handle: u.importJob},
		route{pattern: "GET /imports/{id}/errors.csv", handle: u.importErrors},
		route{pattern: "GET /customers.csv", handle: u.export("customers")},
		route{pattern: "GET /locations.csv", handle: u.export("locations")},
		route{pattern: "GET /assets.csv", handle: u.export("assets")},
		route{pattern: "GET /groups.csv", handle: u.export("groups")},
		route{pattern: "GET /api-keys", handle: u.apiKeys},
		route{pattern: "GET /api-keys/new", handle: u.apiKeyNew},
		route{pattern: "POST /api-keys", handle: u.apiKeyCreate},
		route{pattern: "POST /api-keys/{id}/revoke", handle: u.apiKeyRevoke},
		route{pattern: "GET /webhooks", handle: u.webhooks},
		route{pattern: "GET /webhooks/new", handle: u.webhookNew},
		route{pattern: "POST /webhooks", handle: u.webhookCreate},
		route{pattern: "GET /webhooks/{id}", handle: u.webhook},
		route{pattern: "POST /webhooks/{id}/rotate-secret", handle: u.webhookRotate},
		route{pattern: "POST /webhooks/{id}/delete", handle: u.webhookDelete},
		route{pattern: "POST /webhooks/{id}/deliveries/{delivery_id}/redeliver", handle: u.webhookRedeliver},
		route{pattern: "POST /account/switch", handle: u.switchAccount},
		route{pattern: "GET /accounts", handle: u.accounts},
		route{pattern: "GET /accounts/new", handle: u.accountNew},
		route{pattern: "POST /accounts", handle: u.accountCreate},
		route{pattern: "POST /accounts/{id}/delete", handle: u.accountDelete},
		route{pattern: "POST /accounts/sharing", handle: u.sharingSave},
		route{pattern: "GET /users", handle: u.users},
		route{pattern: "GET /users/new", handle: u.userNew},
		route{pattern: "POST /users", handle: u.userInvite},
		route{pattern: "GET /users/{id}/edit", handle: u.userEdit},
		route{pattern: "POST /users/{id}", handle: u.userUpdate},
		route{pattern: "POST /users/{id}/deactivate", handle: u.userSetActive(false)},
		route{pattern: "POST /users/{id}/reactivate", handle: u.userSetActive(true)},
		route{pattern: "POST /users/{id}/invite", handle: u.userLink(steward.TokenInvite)},
		route{pattern: "POST /users/{id}/password-reset", handle: u.userLink(steward.TokenPasswordReset)},
		route{pattern: "GET /account/password", handle: u.passwordPage},
		route{pattern: "POST /account/password", handle: u.passwordChange},
		route{pattern: "GET " + twoFactorPath, handle: u.twoFactorPage},
		route{pattern: "POST " + twoFactorPath, handle: u.twoFactorEnable},
		route{pattern: "POST " + twoFactorPath + "/disable", handle: u.twoFactorDisable},
		route{pattern: "POST /users/{id}/two-factor-reset", handle: u.userResetTwoFactor},
		// The second step of a sign-in: public, the session holds who passed the password.
		route{pattern: "GET /signin/two-factor", public: true, handle: u.secondStepPage},
		route{pattern: "POST /signin/two-factor", public: true, handle: u.secondStep},
		route{pattern: "GET /mail", handle: u.mail},
		// A contact's unsubscribe link: public, the signed token is the credential.
		route{pattern: "GET /unsubscribe", public: true, handle: u.unsubscribePage},
		route{pattern: "POST /unsubscribe", public: true, handle: u.unsubscribe})
	for _, k := range steward.ImportKind("").Values() {
		rs = append(rs, route{pattern: "GET /imports/templates/" + string(k) + ".csv", handle: u.importTemplate(k)})
	}
	// The invitation and password reset pages: public, the token is the credential.
	for _, p := range []*tokenPage{invitePage, resetPage} {
		rs = append(rs,
			route{pattern: "GET " + p.path + "{token}", public: true, handle: u.tokenPageGet(p)},
			route{pattern: "POST " + p.path + "{token}", public: true, handle: u.tokenPagePost(p)})
	}
	return rs
}

// New returns the web interface over svc. A nil logger discards logs.
func New(svc steward.Service, logger *slog.Logger, opts Options) *UI {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	// Not scs.New: it starts an in-memory store whose cleanup goroutine nothing stops (and its
	// StopCleanup races with the goroutine's start). The literal leaves scs's private context key
	// at its zero value, which is unique to the package and enough for the one manager a request
	// passes through; ErrorFunc is set below.
	sm := &scs.SessionManager{
		Store:            svc.Sessions(),
		Codec:            scs.GobCodec{},
		HashTokenInStore: true, // the database holds SHA-256 of tokens, never a usable token
		Lifetime:         opts.SessionLifetime,
		IdleTimeout:      opts.SessionIdleTimeout,
		Cookie: scs.SessionCookie{Name: CookieName, HttpOnly: true, SameSite: http.SameSiteLaxMode, Path: "/",
			Persist: true},
	}
	if opts.Secure {
		sm.Cookie.Secure = true
		sm.Cookie.Name = "__Host-" + CookieName
	}
	u := &UI{svc: svc, log: logger, sm: sm, pages: parsedTemplates(), static: assets(), publicURL: opts.PublicURL, mailLinks: opts.MailLinks,
		maxImportBytes: opts.MaxImportBytes, importQueued: opts.ImportQueued,
		byEmail: newFailures[string](opts.SignInFailuresPerEmail, opts.SignInBurstPerEmail),
		byAddr:  newFailures[netip.Addr](opts.SignInFailuresPerAddr, opts.SignInBurstPerAddr),
	}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { u.fail(w, r, err) }

	mux := http.NewServeMux()
	u.routes = u.routeTable()
	for _, rt := range u.routes {
		if rt.public {
			mux.Handle(rt.pattern, rt.handle)
		} else {
			mux.Handle(rt.pattern, u.auth(rt.handle))
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, steward.NotFound("page"))
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, steward.Errorf(steward.EFORBIDDEN,
			"this request came from another site, so it was refused; reload the page and try again"))
	}))
	pages := cop.Handler(sm.LoadAndSave(mux))
	u.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, staticPrefix) {
			u.static.ServeHTTP(w, r) // no session: static files are public and cached
			return
		}
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "HX-Request, HX-Target")
		pages.ServeHTTP(w, r)
	})
	return u
}

// ServeHTTP serves the web interface.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.handler.ServeHTTP(w, r) }

type ctxKey int

const actorKey ctxKey = iota

// actorOf returns the signed-in user of a request that passed auth.
func actorOf(r *http.Request) *steward.Actor { return r.Context().Value(actorKey).(*steward.Actor) }

// auth lets only signed-in users through: the session's user is loaded again on every request,
// so a deactivated user stops at once. Others go to the sign-in page, which brings them back.
func (u *UI) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := u.sm.GetString(r.Context(), sessionUserKey)
		var a *steward.Actor
		var err error
		if id != "" {
			a, err = u.sessionActor(r, id)
		}
		if id == "" || steward.ErrorCode(err) == steward.EUNAUTHORIZED {
			if id != "" {
				_ = u.sm.Destroy(r.Context())
			}
			target := "/signin"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			redirect(w, r, target)
			return
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if u.mustEnrol(r) { // the account requires two-factor: enrol before anything else
			redirect(w, r, twoFactorPath)
			return
		}
		actor := u.switched(r, *a) // an Admin may work in an account below their own
		actor.RequestID = requestID(w)
		next(w, r.WithContext(context.WithValue(r.Context(), actorKey, &actor)))
	})
}

// sessionActor is the actor of the session's user id: EUNAUTHORIZED when the user is gone or
// deactivated, or when the session began before the user's sessions were voided.
func (u *UI) sessionActor(r *http.Request, id string) (*steward.Actor, error) {
	a, err := u.svc.UserActor(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.SessionsAfter > u.sm.GetInt64(r.Context(), sessionSignedInKey) {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "sign in again")
	}
	return a, nil
}

// requestID is the id the web layer gave the request (its X-Request-Id response header).
func requestID(w http.ResponseWriter) string { return w.Header().Get("X-Request-Id") }

// isHTMX reports whether htmx sent the request (not a history restore, which wants the page).
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// hxTarget is the id of the element an htmx request will swap, "" for a full page.
func hxTarget(r *http.Request) string {
	if !isHTMX(r) {
		return ""
	}
	return r.Header.Get("HX-Target")
}

// redirect sends the browser to target: HX-Redirect for htmx (a full navigation), 303 else.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// errorView is what an error page or message shows.
type errorView struct {
	Status    int
	Title     string
	Message   string
	Fields    []steward.FieldError
	RequestID string
}

// fail shows err: as a message in the page's flash area for htmx, else as an error page. The
// message of an internal error is never shown; the request id lets an operator find it in logs.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := web.StatusOf(err)
	v := errorView{Status: status, Title: http.StatusText(status), RequestID: requestID(w)}
	var se *steward.Error
	if errors.As(err, &se) && status < 500 {
		v.Message, v.Fields = se.Message, se.Fields
	} else {
		u.log.ErrorContext(r.Context(), "ui", "request_id", v.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
		v.Message = "Something went wrong on our side. It was logged; try again, and if it persists, tell your administrator the request id."
	}
	if status == http.StatusNotFound {
		v.Title = "Not found"
	}
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		u.render(w, r, status, "flash", v)
		return
	}
	u.page(w, r, status, "error", v.Title, "", v)
}
