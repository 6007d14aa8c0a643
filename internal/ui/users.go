package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// The users page, for Admins: the account's users, an invitation (its link shown once, with a
// copy button, to hand to the person), an edit of a user's name, role, fleet visibility and
// groups, a new invitation or a password reset link, deactivation and reactivation. Others do not see the link and are refused (403). The rules (no
// self-demotion, the last Admin) are the service's; their refusals show as messages.

type usersView struct {
	Users []steward.User
	Me    string // the signed-in user's id: no deactivate button on one's own row
	// Link is a one-time link just issued, shown once.
	Link *issuedLink
	More bool // the account has more users than the page shows
	// GroupNames name the account's groups, for the users who see selected groups.
	GroupNames map[string]string
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

// userForm is the invite (id "") or edit dialog of a user, its group choice listing the
// account's active groups and the groups the user is in (archived ones too, so that saving
// keeps them), those in chosen checked.
func (u *UI) userForm(r *http.Request, a *steward.Actor, id string, version int64, f steward.UserFields, chosen []string) (*formView, error) {
	v := newUserForm(f)
	if id != "" {
		v.ID, v.Version, v.Title, v.Action, v.Submit = id, version, "Edit "+f.Name, "/users/"+url.PathEscape(id), "Save"
	}
	pg, err := u.svc.Groups(r.Context(), a, steward.GroupFilter{ListParams: steward.ListParams{
		Status: steward.StatusActive, Sort: "name", Limit: steward.MaxLimit}})
	if err != nil {
		return nil, err
	}
	v.More = pg.NextCursor != nil
	listed := map[string]bool{}
	for _, g := range pg.Data {
		listed[g.ID] = true
		v.Groups = append(v.Groups, option{g.ID, g.Name, slices.Contains(chosen, g.ID)})
	}
	for _, gid := range chosen {
		if listed[gid] || !steward.IsID(gid) {
			continue
		}
		listed[gid] = true
		g, err := u.svc.Group(r.Context(), a, gid)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue // deleted meanwhile, or a foreign id posted: the service names it
		}
		if err != nil {
			return nil, err
		}
		label := g.Name
		if g.ArchivedAt != nil {
			label += " (archived)"
		}
		v.Groups = append(v.Groups, option{g.ID, label, true})
	}
	return v, nil
}

// readUserGroups reads the dialog's chosen groups.
func readUserGroups(p url.Values) []string { return memberIDs(p, "group_ids") }

func (u *UI) usersView(r *http.Request, a *steward.Actor) (*usersView, error) {
	page, err := u.svc.Users(r.Context(), a, steward.UserFilter{Limit: usersPageSize})
	if err != nil {
		return nil, err
	}
	v := &usersView{Users: page.Data, Me: a.UserID, More: page.NextCursor != nil, GroupNames: map[string]string{}}
	// The groups of users who see selected groups, by name: one list of the account's groups.
	for _, us := range page.Data {
		if us.FleetVisibility == steward.FleetVisibilityGroups && len(us.GroupIDs) > 0 {
			gs, err := u.svc.Groups(r.Context(), a, steward.GroupFilter{ListParams: steward.ListParams{
				Status: steward.StatusAll, Sort: "name", Limit: steward.MaxLimit}})
			if err != nil {
				return nil, err
			}
			for _, g := range gs.Data {
				v.GroupNames[g.ID] = g.Name
			}
			break
		}
	}
	return v, nil
}

// GroupsOf names the groups of a user, in the order of their names; "" for none.
func (v *usersView) GroupsOf(us steward.User) string {
	var out []string
	for _, id := range us.GroupIDs {
		if n, ok := v.GroupNames[id]; ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
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
	a := actorOf(r)
	if err := a.Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.userForm(r, a, "", 0, steward.UserFields{}, nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, v)
}

// userInvite creates the user and shows the invitation link once.
func (u *UI) userInvite(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermAdminister, "")
	if !ok {
		return
	}
	f := steward.UserFields{Name: p.Get("name"), Email: p.Get("email"), Role: steward.Role(p.Get("role")),
		FleetVisibility: steward.FleetVisibility(p.Get("fleet_visibility")), GroupIDs: readUserGroups(p)}
	nu, tok, err := u.svc.InviteUser(r.Context(), a, f)
	if err != nil {
		u.userFormFailed(w, r, a, "", 0, f, err)
		return
	}
	if isHTMX(r) {
		w.Header().Set("HX-Trigger", "closeDialog")
	}
	link := &issuedLink{Purpose: steward.TokenInvite, Name: nu.Name,
		URL: web.LinkBase(u.publicURL, r) + web.InvitePath + tok.Token, ExpiresAt: tok.ExpiresAt}
	u.mailLink(r, a, nu.ID, link)
	u.usersAnswer(w, r, a, link)
}

// userFormFailed shows the user dialog again with the service's field errors (group_ids[i]
// under the groups).
func (u *UI) userFormFailed(w http.ResponseWriter, r *http.Request, a *steward.Actor, id string, version int64, f steward.UserFields, err error) {
	v, ferr := u.userForm(r, a, id, version, f, f.GroupIDs)
	if ferr != nil {
		u.fail(w, r, err)
		return
	}
	u.formFailed(w, r, v, memberFieldErrors(err, "group_ids"))
}

// userEdit is the dialog that changes a user's name, role, fleet visibility and groups.
func (u *UI) userEdit(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "user")
	if err == nil {
		err = a.Require(steward.PermAdminister)
	}
	var us *steward.User
	if err == nil {
		us, err = u.svc.User(r.Context(), a, id)
	}
	var v *formView
	if err == nil {
		v, err = u.userForm(r, a, us.ID, us.Version, steward.UserFields{Name: us.Name, Email: us.Email, Role: us.Role,
			FleetVisibility: us.FleetVisibility}, us.GroupIDs)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, v)
}

// userUpdate saves the edit dialog under the version it was opened with.
func (u *UI) userUpdate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "user")
	if err == nil {
		err = a.Require(steward.PermAdminister)
	}
	var p url.Values
	var version int64
	if err == nil {
		p, version, err = readForm(w, r)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := steward.UserFields{Name: p.Get("name"), Role: steward.Role(p.Get("role")),
		FleetVisibility: steward.FleetVisibility(p.Get("fleet_visibility")), GroupIDs: readUserGroups(p)}
	_, err = u.svc.UpdateUser(r.Context(), a, id, version, func(cur *steward.UserPatch) error {
		cur.Name, cur.Role, cur.FleetVisibility, cur.GroupIDs = f.Name, f.Role, f.FleetVisibility, f.GroupIDs
		return nil
	})
	if steward.ErrorCode(err) == steward.EPRECONDITION {
		err = changedMeanwhile("user")
	}
	if err != nil {
		if cur, cerr := u.svc.User(r.Context(), a, id); cerr == nil {
			f.Email = cur.Email
		}
		u.userFormFailed(w, r, a, id, version, f, err)
		return
	}
	if isHTMX(r) {
		w.Header().Set("HX-Trigger", "closeDialog")
	}
	u.usersAnswer(w, r, a, nil)
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
		link := &issuedLink{Purpose: purpose, Name: target.Name,
			URL: web.LinkBase(u.publicURL, r) + path + tok.Token, ExpiresAt: tok.ExpiresAt}
		u.mailLink(r, a, id, link)
		u.usersAnswer(w, r, a, link)
	}
}

// mailLink queues the mail of a link just issued, when the server sends mail; a failure is
// logged (the page shows the link either way).
func (u *UI) mailLink(r *http.Request, a *steward.Actor, userID string, l *issuedLink) {
	if !u.mailLinks {
		return
	}
	if err := u.svc.MailLink(r.Context(), a, userID, l.Purpose, l.URL, l.ExpiresAt); err != nil {
		u.log.Warn("mail: queueing a link", "purpose", string(l.Purpose), "err", err)
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
