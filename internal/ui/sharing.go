package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
)

// Sharing and transfer of assets (PRODUCT.md §4): the asset window's Sharing tab (its shares,
// share with an account, stop sharing, transfer), and the assets list's bulk form. The service
// decides who may (the owner account or the administrative account, PermShareAssets); the
// pages only offer what the policy allows.

// sharingTab fills the Sharing tab of an asset's window.
func (u *UI) sharingTab(ctx context.Context, a *steward.Actor, p *objPanel) error {
	if p.Shared {
		return nil // a viewer's tab says whose it is; the shares are the owner's business
	}
	shares, err := u.svc.AssetShares(ctx, a, p.ID)
	if err != nil {
		return err
	}
	p.Shares = shares.Data
	if !a.Can(steward.PermShareAssets) {
		return nil
	}
	p.CanShare = true
	targets, err := u.svc.ShareTargets(ctx, a)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if t.ID != p.A.OwnerAccountID && !slices.ContainsFunc(p.Shares, func(s steward.AssetShare) bool { return s.AccountID == t.ID }) {
			p.Targets = append(p.Targets, option{Value: t.ID, Label: t.Name})
		}
	}
	return nil
}

// sharingDone shows the asset's window on its Sharing tab after a share or an unshare.
func (u *UI) sharingDone(w http.ResponseWriter, r *http.Request, id string) {
	if !isHTMX(r) {
		http.Redirect(w, r, "/assets/"+url.PathEscape(id)+"?tab=sharing", http.StatusSeeOther)
		return
	}
	p, err := u.objPanel(r, actorOf(r), assetsKind, id, "sharing", currentFilters(r, assetsKind.check))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showPanel(w, r, "obj_panel", p, "", "listChanged")
}

// assetShare answers POST /assets/{id}/shares: share with the form's account_id.
func (u *UI) assetShare(w http.ResponseWriter, r *http.Request) {
	id, p, _, ok := u.posted(w, r, steward.PermShareAssets, "asset")
	if !ok {
		return
	}
	if _, err := u.svc.ShareAsset(r.Context(), actorOf(r), id, p.Get("account_id")); err != nil {
		u.fail(w, r, err)
		return
	}
	u.sharingDone(w, r, id)
}

// assetUnshare answers POST /assets/{id}/shares/{account_id}/delete.
func (u *UI) assetUnshare(w http.ResponseWriter, r *http.Request) {
	id, _, _, ok := u.posted(w, r, steward.PermShareAssets, "asset")
	if !ok {
		return
	}
	if err := u.svc.UnshareAsset(r.Context(), actorOf(r), id, r.PathValue("account_id")); err != nil {
		u.fail(w, r, err)
		return
	}
	u.sharingDone(w, r, id)
}

// transferView is the transfer dialog, of one asset or (bulk) of the selected ones.
func (u *UI) transferView(ctx context.Context, a *steward.Actor, title, action string, p url.Values) (*formView, error) {
	v := &formView{Kind: "share", Title: title, Action: action, Submit: "Transfer", Bulk: action == "/assets/bulk"}
	targets, err := u.svc.ShareTargets(ctx, a)
	if err != nil {
		return nil, err
	}
	chosen := p.Get("account_id")
	v.Targets = append(v.Targets, option{Value: "", Label: "Choose an account", Selected: chosen == ""})
	for _, t := range targets {
		v.Targets = append(v.Targets, option{Value: t.ID, Label: t.Name, Selected: t.ID == chosen})
	}
	v.Keep = p.Get("keep_visibility") == "true"
	v.AssetIDs = p["asset_ids"]
	action2 := p.Get("action")
	if action2 == "" {
		action2 = "share"
	}
	for _, o := range []option{{"share", "Share with the account", false}, {"unshare", "Stop sharing with the account", false},
		{"transfer", "Transfer to the account (cannot be undone by this account)", false}} {
		o.Selected = o.Value == action2
		v.Actions = append(v.Actions, o)
	}
	return v, nil
}

// assetTransferForm answers GET /assets/{id}/transfer: the dialog.
func (u *UI) assetTransferForm(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "asset")
	if err == nil {
		err = a.Require(steward.PermShareAssets)
	}
	var x *steward.Asset
	if err == nil {
		x, err = u.svc.Asset(r.Context(), a, id)
	}
	var v *formView
	if err == nil {
		v, err = u.transferView(r.Context(), a, "Transfer "+x.Name, "/assets/"+url.PathEscape(id)+"/transfer", url.Values{})
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, v)
}

// assetTransfer answers POST /assets/{id}/transfer.
func (u *UI) assetTransfer(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, p, _, ok := u.posted(w, r, steward.PermShareAssets, "asset")
	if !ok {
		return
	}
	keep := p.Get("keep_visibility") == "true"
	if _, err := u.svc.TransferAsset(r.Context(), a, id, p.Get("account_id"), keep); err != nil {
		v, verr := u.transferView(r.Context(), a, "Transfer the asset", "/assets/"+url.PathEscape(id)+"/transfer", p)
		if verr != nil {
			u.fail(w, r, err)
			return
		}
		u.formFailed(w, r, v, err)
		return
	}
	if keep {
		// The account still sees it, shared: its window stays open, read-only.
		u.fleetSaved(w, r, assetsKind, id)
		return
	}
	u.closePanel(w, r, currentFilters(r, assetsKind.check).url("/assets"))
}

// assetsBulkForm answers GET /assets/bulk?asset_ids=…: the dialog for the assets selected in the list.
func (u *UI) assetsBulkForm(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermShareAssets); err != nil {
		u.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	v, err := u.transferView(r.Context(), a, "Share or transfer the selected assets", "/assets/bulk", q)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Submit = "Apply"
	if len(v.AssetIDs) == 0 {
		v.Message = "Select assets in the list first (the boxes next to their names)."
	}
	u.dialog(w, r, http.StatusOK, v)
}

// assetsBulk answers POST /assets/bulk: share, unshare or transfer the selected assets, all or nothing.
func (u *UI) assetsBulk(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermShareAssets, "")
	if !ok {
		return
	}
	ids, to, ctx := p["asset_ids"], p.Get("account_id"), r.Context()
	var err error
	switch p.Get("action") {
	case "share":
		err = u.svc.ShareAssets(ctx, a, ids, to)
	case "unshare":
		err = u.svc.UnshareAssets(ctx, a, ids, to)
	case "transfer":
		err = u.svc.TransferAssets(ctx, a, ids, to, p.Get("keep_visibility") == "true")
	default:
		err = steward.Invalid("action", "must be share, unshare or transfer")
	}
	if err != nil {
		v, verr := u.transferView(ctx, a, "Share or transfer the selected assets", "/assets/bulk", p)
		if verr != nil {
			u.fail(w, r, err)
			return
		}
		v.Submit = "Apply"
		u.formFailed(w, r, v, err)
		return
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/assets", http.StatusSeeOther)
		return
	}
	w.Header().Set("HX-Trigger", "closeDialog, listChanged")
	u.render(w, r, http.StatusOK, "empty", nil)
}
