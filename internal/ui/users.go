package ui

import (
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// The users page, for Admins: the account's users, an invitation (its link shown once, with a
// copy button, to hand to the person), a new invitation or a password reset link, deactivation
// and reactivation. Others do not see the link and are refused (403). The rules (no
// self-demotion, the last Admin) are the service's; their refusals show as messages.

type usersView struct {
	Users []steward.User
	Me    string // the signed-in user's id: no deactivate button on one's own row
	// Link is a one-time link just issued, shown once.
	Link *issuedLink
	More bool // the account has more users than the page shows
}

// issuedLink is an invitation or reset link to hand over.
type issuedLink struct {
	Purpose   steward.TokenPurpose
	Name      string
	URL       string
	ExpiresAt steward.Timestamp
}

// usersPageSize is how many users the page shows; an account with more is told to use the
// API's search (an organization's account rarely has hundreds of people).
const usersPageSize = steward.MaxLimit

func visibilityLabel(f steward.FleetVisibility) string {
	return map[steward.FleetVisibility]string{steward.FleetVisibilityAll: "Entire fleet", steward.FleetVisibilityNone: "No assets",
		steward.FleetVisibilityGroups: "Selected groups"}[f]
}

func newUserForm(f steward.UserFields) *formView {
	v := &formView{Kind: "user", Title: "Invite a user", Action: "/users", Submit: "Invite",
		Raw: map[string]string{"name": f.Name, "email": f.Email}}
	for _, r := range steward.Role("").Values() {
		v.Roles = append(v.Roles, option{string(r), roleLabel(r), f.Role == r || (f.Role == "" && r == steward.RoleUser)})
	}
	for _, vis := range steward.FleetVisibility("").Values() {
		v.Visibilities = append(v.Visibilities, option{string(vis), visibilityLabel(vis),
			f.FleetVisibility == vis || (f.FleetVisibility == "" && vis == steward.FleetVisibilityAll)})
	}
	return v
}

func (u *UI) usersView(r *http.Request, a *steward.Actor) (*usersView, error) {
	page, err := u.svc.Users(r.Context(), a, steward.UserFilter{Limit: usersPageSize})
	if err != nil {
		return nil, err
	}
	return &usersView{Users: page.Data, Me: a.UserID, More: page.NextCursor != nil}, nil
}

// usersAnswer shows the users: the section alone for htmx, else the page.
func (u *UI) usersAnswer(w http.ResponseWriter, r *http.Request, a *steward.Actor, link *issuedLink) {
	v, err := u.usersView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Link = link
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#users")
		w.Header().Set("HX-Reswap", "outerHTML")
		u.render(w, r, http.StatusOK, "users_body", v)
		return
	}
	// Without htmx the page itself shows the link, once (the answer is not stored: no-store).
	u.page(w, r, http.StatusOK, "users", "Users", "users", v)
}

func (u *UI) users(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermReadAccess); err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.usersView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.page(w, r, http.StatusOK, "users", "Users", "users", v)
}

func (u *UI) userNew(w http.ResponseWriter, r *http.Request) {
	if err := actorOf(r).Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newUserForm(steward.UserFields{}))
}

// userInvite creates the user and shows the invitation link once.
func (u *UI) userInvite(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	p, _, err := readForm(w, r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := steward.UserFields{Name: p.Get("name"), Email: p.Get("email"), Role: steward.Role(p.Get("role")),
		FleetVisibility: steward.FleetVisibility(p.Get("fleet_visibility"))}
	nu, tok, err := u.svc.InviteUser(r.Context(), a, f)
	if err != nil {
		u.formFailed(w, r, newUserForm(f), err)
		return
	}
	if isHTMX(r) {
		w.Header().Set("HX-Trigger", "closeDialog")
	}
	u.usersAnswer(w, r, a, &issuedLink{Purpose: steward.TokenInvite, Name: nu.Name,
		URL: web.LinkBase(u.publicURL, r) + web.InvitePath + tok.Token, ExpiresAt: tok.ExpiresAt})
}

// userSetActive deactivates (false) or reactivates a user.
func (u *UI) userSetActive(active bool) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		id, err := pathID(r, "user")
		if err == nil {
			err = a.Require(steward.PermAdminister)
		}
		if err == nil {
			_, err = u.svc.SetUserActive(r.Context(), a, id, 0, active)
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.usersAnswer(w, r, a, nil)
	}
}

// userLink issues a new invitation or a password reset link and shows it once.
func (u *UI) userLink(purpose steward.TokenPurpose) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		id, err := pathID(r, "user")
		if err == nil {
			err = a.Require(steward.PermAdminister)
		}
		var target *steward.User
		if err == nil {
			target, err = u.svc.User(r.Context(), a, id)
		}
		var tok *steward.UserToken
		if err == nil {
			if purpose == steward.TokenInvite {
				tok, err = u.svc.ReinviteUser(r.Context(), a, id)
			} else {
				tok, err = u.svc.IssuePasswordReset(r.Context(), a, id)
			}
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		path := web.InvitePath
		if purpose == steward.TokenPasswordReset {
			path = web.PasswordResetPath
		}
		u.usersAnswer(w, r, a, &issuedLink{Purpose: purpose, Name: target.Name,
			URL: web.LinkBase(u.publicURL, r) + path + tok.Token, ExpiresAt: tok.ExpiresAt})
	}
}

// userResetTwoFactor switches a user off two-factor sign-in (one who lost their phone).
func (u *UI) userResetTwoFactor(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "user")
	if err == nil {
		err = a.Require(steward.PermAdminister)
	}
	if err == nil {
		err = u.svc.ResetTwoFactor(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.usersAnswer(w, r, a, nil)
}
