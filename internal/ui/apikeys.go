package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// The API keys page, for Admins: the account's keys, a key created (its secret shown once, with
// a copy button), a key revoked. Others do not see the link and are refused (403).

type apiKeysView struct {
	Keys    []steward.APIKey
	Created *steward.APIKey // the key just created, with its secret
	Form    *formView
	Users   map[string]string
}

func roleLabel(r steward.Role) string {
	return map[steward.Role]string{steward.RoleAdmin: "Admin", steward.RoleFleetAdmin: "Fleet admin",
		steward.RoleUser: "User", steward.RoleTechnician: "Technician"}[r]
}

func newAPIKeyForm(f steward.APIKeyFields, expires string) *formView {
	v := &formView{Kind: "apikey", Title: "Create an API key", Action: "/api-keys", Submit: "Create key",
		Raw: map[string]string{"name": f.Name, "expires_at": expires}}
	if f.Integration {
		v.Raw["integration"] = "on"
	}
	v.Roles = append(v.Roles, option{"", "Your own role", f.Role == ""})
	for _, r := range steward.Role("").Values() {
		v.Roles = append(v.Roles, option{string(r), roleLabel(r), f.Role == r})
	}
	return v
}

func (u *UI) apiKeysView(r *http.Request, a *steward.Actor) (*apiKeysView, error) {
	keys, err := u.svc.APIKeys(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return &apiKeysView{Keys: keys}, nil
}

func (u *UI) apiKeys(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.apiKeysView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.page(w, r, http.StatusOK, "apikeys", "API keys", "api-keys", v)
}

func (u *UI) apiKeyNew(w http.ResponseWriter, r *http.Request) {
	if err := actorOf(r).Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newAPIKeyForm(steward.APIKeyFields{}, ""))
}

// apiKeyCreate creates a key acting as the signed-in Admin; the answer shows its secret once.
func (u *UI) apiKeyCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermAdminister, "")
	if !ok {
		return
	}
	f := steward.APIKeyFields{Name: p.Get("name"), Role: steward.Role(p.Get("role")), Integration: p.Get("integration") != ""}
	expires := strings.TrimSpace(p.Get("expires_at"))
	if expires != "" {
		d, perr := time.ParseInLocation("2006-01-02", expires, viewerZone(r))
		if perr != nil {
			u.formFailed(w, r, newAPIKeyForm(f, expires), steward.Invalid("expires_at", "must be a date like 2027-01-31"))
			return
		}
		ts := steward.TimestampOf(d.AddDate(0, 0, 1)) // valid through the whole day
		f.ExpiresAt = &ts
	}
	k, err := u.svc.CreateAPIKey(r.Context(), a, a.UserID, f)
	if err != nil {
		u.formFailed(w, r, newAPIKeyForm(f, expires), err)
		return
	}
	v, err := u.apiKeysView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Created = k
	if isHTMX(r) {
		w.Header().Set("HX-Trigger", "closeDialog")
		w.Header().Set("HX-Retarget", "#keys")
		w.Header().Set("HX-Reswap", "outerHTML")
		u.render(w, r, http.StatusOK, "apikeys_body", v)
		return
	}
	// Without htmx the page itself shows the secret, once (the answer is not stored: no-store).
	u.page(w, r, http.StatusOK, "apikeys", "API keys", "api-keys", v)
}

func (u *UI) apiKeyRevoke(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "API key")
	if err == nil {
		err = a.Require(steward.PermAdminister)
	}
	if err == nil {
		err = u.svc.RevokeAPIKey(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/api-keys", http.StatusSeeOther)
		return
	}
	v, err := u.apiKeysView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "apikeys_body", v)
}
