package ui

import (
	"net/http"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// sessionAccountKey holds the account an Admin switched to, when it is not their own. The
// session keeps only the id: every request checks it again (switched), so a deleted account, a
// lost role or an account moved out of reach ends the switch at once.
const sessionAccountKey = "account_id"

// maxSwitchOptions bounds the header's account picker: the first accounts of the subtree by
// name. An organization with more finds the rest through the API's list.
const maxSwitchOptions = 200

// switched returns a working in the account the session switched to, when it still exists
// below a's home account and a may still switch; otherwise a at home, and the session forgets
// the switch.
func (u *UI) switched(r *http.Request, a steward.Actor) steward.Actor {
	id := u.sm.GetString(r.Context(), sessionAccountKey)
	if id == "" || id == a.AccountID {
		return a
	}
	in, err := u.svc.WorkIn(r.Context(), &a, id)
	if err != nil {
		if c := steward.ErrorCode(err); c != steward.ENOTFOUND && c != steward.EFORBIDDEN {
			u.log.ErrorContext(r.Context(), "ui: switched account", "err", err)
		}
		u.sm.Remove(r.Context(), sessionAccountKey)
		return a
	}
	return *in
}

// switchAccount answers POST /account/switch: the Admin works in account_id from now on (their
// own account is the way back). The switch is audit-logged by the service.
func (u *UI) switchAccount(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermSwitchAccount, "")
	if !ok {
		return
	}
	id := p.Get("account_id")
	if !steward.IsID(id) {
		u.fail(w, r, steward.NotFound("account"))
		return
	}
	in, err := u.svc.SwitchAccount(r.Context(), a, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if in.AccountID == in.HomeAccount {
		u.sm.Remove(r.Context(), sessionAccountKey)
	} else {
		u.sm.Put(r.Context(), sessionAccountKey, in.AccountID)
	}
	redirect(w, r, "/customers")
}

// switchView is the header's account switcher: where the Admin works, the way back home, and
// the accounts they may switch to.
type switchView struct {
	Current          string // the account worked in
	Switched         bool   // it is not the Admin's own
	HomeID, HomeName string
	Options          []option // the home account and the subtree below it, by name
}

// switcher builds the header's switcher for a, or nil when a may not switch or has nowhere to
// switch to.
func (u *UI) switcher(r *http.Request, a *steward.Actor, current string) *switchView {
	if !a.Can(steward.PermSwitchAccount) || a.HomeAccount == "" || a.Type != steward.ActorUser {
		return nil
	}
	home := *a
	home.AccountID = a.HomeAccount
	v := &switchView{Current: current, Switched: a.AccountID != a.HomeAccount, HomeID: a.HomeAccount, HomeName: current}
	if v.Switched {
		acc, err := u.svc.Account(r.Context(), &home)
		if err != nil {
			return nil
		}
		v.HomeName = acc.Name
	}
	pg, err := u.svc.Accounts(r.Context(), &home, steward.AccountFilter{ListParams: steward.ListParams{Limit: maxSwitchOptions}})
	if err != nil || (len(pg.Data) == 0 && !v.Switched) {
		return nil
	}
	v.Options = append(v.Options, option{a.HomeAccount, v.HomeName + " (your account)", !v.Switched})
	for _, acc := range pg.Data {
		v.Options = append(v.Options, option{acc.ID, acc.Name, acc.ID == a.AccountID})
	}
	return v
}

// The Accounts page, for Admins: the tree of accounts below the one they work in (nested, by
// name), a sub-account added under it, a direct sub-account deleted (or the reasons it cannot
// be shown), and a way to work in any of them.

// maxTreeRows bounds the page: the first accounts of the subtree by name.
const maxTreeRows = steward.MaxLimit

// accountNode is one account of the page's tree with the accounts under it.
type accountNode struct {
	steward.Account
	Direct   bool // a direct sub-account of the account worked in: it may be deleted from here
	Children []*accountNode
}

type accountsView struct {
	Current string
	Roots   []*accountNode
	More    bool // the subtree holds more accounts than the page shows
	Sharing *sharingView
}

// sharingView is the Accounts page's sharing settings: auto-share from the accounts below, and,
// at the root, the organization's administrative account.
type sharingView struct {
	steward.SharingSettings
	Modes, Below, Admins []option
	Message              string
	Errors               []steward.FieldError
}

// accountsView lists the subtree and nests it: an account goes under its parent when the parent
// is on the page, at the top otherwise (a direct sub-account, or one whose parent is beyond the
// page).
func (u *UI) accountsView(r *http.Request, a *steward.Actor) (*accountsView, error) {
	acc, err := u.svc.Account(r.Context(), a)
	if err != nil {
		return nil, err
	}
	pg, err := u.svc.Accounts(r.Context(), a, steward.AccountFilter{ListParams: steward.ListParams{Limit: maxTreeRows}})
	if err != nil {
		return nil, err
	}
	v := &accountsView{Current: acc.Name, More: pg.NextCursor != nil}
	nodes := make(map[string]*accountNode, len(pg.Data))
	for _, x := range pg.Data {
		nodes[x.ID] = &accountNode{Account: x, Direct: x.ParentID != nil && *x.ParentID == a.AccountID}
	}
	for _, x := range pg.Data { // by name, so every level stays by name
		n := nodes[x.ID]
		if p := x.ParentID; p != nil && nodes[*p] != nil {
			nodes[*p].Children = append(nodes[*p].Children, n)
		} else {
			v.Roots = append(v.Roots, n)
		}
	}
	set, err := u.svc.SharingSettings(r.Context(), a)
	if err != nil {
		return nil, err
	}
	v.Sharing = &sharingView{SharingSettings: *set}
	for _, m := range []option{{"none", "Off", false}, {"all", "Every account below this one", false},
		{"selected", "The accounts ticked below", false}} {
		m.Selected = m.Value == string(set.AutoShare)
		v.Sharing.Modes = append(v.Sharing.Modes, m)
	}
	for _, x := range pg.Data {
		v.Sharing.Below = append(v.Sharing.Below, option{x.ID, x.Name, slices.Contains(set.AutoShareAccountIDs, x.ID)})
	}
	if acc.ParentID == nil { // the root: it names the administrative account
		v.Sharing.Admins = append(v.Sharing.Admins, option{acc.ID, acc.Name + " (this account)", set.AdministrativeAccountID == acc.ID})
		for _, x := range pg.Data {
			v.Sharing.Admins = append(v.Sharing.Admins, option{x.ID, x.Name, set.AdministrativeAccountID == x.ID})
		}
	}
	return v, nil
}

// sharingSave answers POST /accounts/sharing: the account's auto-share (and, at the root, the
// administrative account).
func (u *UI) sharingSave(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermAdminister, "")
	if !ok {
		return
	}
	in := steward.SharingSettings{AutoShare: steward.AutoShare(p.Get("auto_share")), AdministrativeAccountID: p.Get("administrative_account_id")}
	if in.AutoShare == steward.AutoShareSelected {
		in.AutoShareAccountIDs = p["auto_share_account_ids"]
	}
	_, saveErr := u.svc.UpdateSharingSettings(r.Context(), a, in)
	if saveErr != nil {
		if se, ok := saveErr.(*steward.Error); !ok || se.Code == steward.EINTERNAL {
			u.fail(w, r, saveErr)
			return
		}
	}
	if !isHTMX(r) && saveErr == nil {
		redirect(w, r, "/accounts")
		return
	}
	v, err := u.accountsView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if saveErr != nil {
		se := saveErr.(*steward.Error)
		v.Sharing.Message, v.Sharing.Errors, status = se.Message, se.Fields, web.StatusOf(saveErr)
	} else {
		v.Sharing.Message = "Saved."
	}
	if !isHTMX(r) {
		u.page(w, r, status, "accounts", "Accounts", "accounts", v)
		return
	}
	u.render(w, r, status, "sharing_settings", v.Sharing)
}

func newAccountForm(f steward.SubAccountFields) *formView {
	v := &formView{Kind: "account", Title: "Add a sub-account", Action: "/accounts", Submit: "Add sub-account",
		Raw: map[string]string{"name": f.Name, "email": f.Email, "country": f.Country, "external_ref": f.ExternalRef,
			"phone": f.Phone, "language": f.Language}}
	for _, k := range steward.AccountKind("").Values() {
		v.Kinds = append(v.Kinds, option{string(k), map[steward.AccountKind]string{steward.AccountInternal: "Internal (part of the organization)",
			steward.AccountExternal: "External (a closely tied customer)"}[k], f.Kind == k})
	}
	return v
}

func (u *UI) accounts(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.accountsView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.page(w, r, http.StatusOK, "accounts", "Accounts", "accounts", v)
}

func (u *UI) accountNew(w http.ResponseWriter, r *http.Request) {
	if err := actorOf(r).Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newAccountForm(steward.SubAccountFields{}))
}

// accountCreate adds a sub-account under the account the Admin works in.
func (u *UI) accountCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermAdminister, "")
	if !ok {
		return
	}
	f := steward.SubAccountFields{Name: p.Get("name"), Kind: steward.AccountKind(p.Get("kind")), Email: p.Get("email"),
		Country: p.Get("country"), ExternalRef: p.Get("external_ref"), Phone: p.Get("phone"), Language: p.Get("language")}
	if _, err := u.svc.CreateSubAccount(r.Context(), a, f); err != nil {
		u.formFailed(w, r, newAccountForm(f), err)
		return
	}
	w.Header().Set("HX-Trigger", "closeDialog")
	u.accountsChanged(w, r, a)
}

// accountDelete deletes a direct sub-account; a refusal shows each unmet condition.
func (u *UI) accountDelete(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "account")
	if err == nil {
		err = a.Require(steward.PermAdminister)
	}
	if err == nil {
		err = u.svc.DeleteSubAccount(r.Context(), a, id, 0)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.accountsChanged(w, r, a)
}

// accountsChanged answers a change: the tree again for htmx, the page otherwise.
func (u *UI) accountsChanged(w http.ResponseWriter, r *http.Request, a *steward.Actor) {
	if !isHTMX(r) {
		redirect(w, r, "/accounts")
		return
	}
	v, err := u.accountsView(r, a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	w.Header().Set("HX-Retarget", "#accounts")
	w.Header().Set("HX-Reswap", "outerHTML")
	u.render(w, r, http.StatusOK, "accounts_body", v)
}
