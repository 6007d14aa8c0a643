package ui

import (
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
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
	if err := a.Require(steward.PermSwitchAccount); err != nil {
		u.fail(w, r, err)
		return
	}
	p, _, err := readForm(w, r)
	if err != nil {
		u.fail(w, r, err)
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
