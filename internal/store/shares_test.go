package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// sharedIDs lists the ids of the assets shared with a's account.
func sharedIDs(t *testing.T, s *store.Store, a *steward.Actor) []string {
	t.Helper()
	var out []string
	for _, x := range allAssets(t, s, a, steward.AssetFilter{Ownership: steward.OwnershipShared, ListParams: steward.ListParams{Limit: 2}}) {
		if x.OwnerCustomerID != nil || x.LocationID != nil || x.LocationCustomerID != nil || x.OwnerAccountName == "" {
			t.Errorf("shared asset %s shows the owner's references: %+v", x.Name, x)
		}
		out = append(out, x.ID)
	}
	return sortedCopy(out)
}

func shareNames(p *steward.Page[steward.AssetShare]) []string {
	var out []string
	for _, sh := range p.Data {
		out = append(out, sh.AccountName)
	}
	return out
}

// tree is an organization with two sub-accounts, an Admin working in each, and a stranger.
type tree struct {
	o            *org
	a, b         *steward.Account
	inA, inB     *steward.Actor
	otherAccount string
}

func newTree(t *testing.T, s *store.Store) *tree {
	o := newOrg(t, s)
	tr := &tree{o: o, a: mkSub(t, s, o.admin, "Branch A"), b: mkSub(t, s, o.admin, "Branch B"), otherAccount: newOrg(t, s).acc.ID}
	tr.inA, tr.inB = switchTo(t, s, o.admin, tr.a.ID), switchTo(t, s, o.admin, tr.b.ID)
	return tr
}

func TestShareAndUnshare(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		tr := newTree(t, s)
		cu := mkCustomer(t, s, tr.inA, "Acme")
		loc := mkLocation(t, s, tr.inA, cu.ID, "Acme yard")
		x := mkAsset(t, s, tr.inA, "Crane 7", cu.ID, loc.ID)
		other := mkAsset(t, s, tr.inA, "Crane 8", "", "")

		// Refusals: another organization's account, the owner itself, a role without the power.
		_, err := s.ShareAsset(ctx, tr.inA, x.ID, tr.otherAccount)
		wantField(t, err, steward.EINVALID, "account_id")
		_, err = s.ShareAsset(ctx, tr.inA, x.ID, tr.a.ID)
		wantField(t, err, steward.EINVALID, "account_id")
		_, err = s.ShareAsset(ctx, tr.inB, x.ID, tr.b.ID) // B does not see it yet
		wantCode(t, err, steward.ENOTFOUND)
		for _, role := range []steward.Role{steward.RoleUser, steward.RoleTechnician} {
			_, err = s.ShareAsset(ctx, tr.o.keyActor(t, s, role, false), x.ID, tr.b.ID)
			wantCode(t, err, steward.EFORBIDDEN)
		}

		p := must(s.ShareAsset(ctx, tr.inA, x.ID, tr.b.ID))
		if !equalStrings(shareNames(p), []string{"Branch B"}) || p.Data[0].Auto {
			t.Fatalf("shares = %+v", p.Data)
		}
		must(s.ShareAsset(ctx, tr.inA, x.ID, tr.b.ID)) // again: unchanged, not logged twice

		// B sees it, without A's customer and location, and changes nothing of it.
		if got := sharedIDs(t, s, tr.inB); !equalStrings(got, []string{x.ID}) {
			t.Fatalf("B's shared assets = %v", got)
		}
		if own := allAssets(t, s, tr.inB, steward.AssetFilter{}); len(own) != 0 {
			t.Errorf("B's own assets = %v", assetNames(own))
		}
		seen := must(s.Asset(ctx, tr.inB, x.ID))
		if seen.OwnerAccountID != tr.a.ID || seen.OwnerAccountName != "Branch A" || seen.OwnerCustomerID != nil || seen.LocationID != nil || seen.Name != "Crane 7" {
			t.Errorf("B reads %+v", seen)
		}
		_, err = s.Asset(ctx, tr.inB, other.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.UpdateAsset(ctx, tr.inB, x.ID, 0, func(f *steward.AssetFields) error { f.Name = "mine"; return nil })
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = s.SetAssetArchived(ctx, tr.inB, x.ID, 0, true)
		wantCode(t, err, steward.EFORBIDDEN)
		wantCode(t, s.DeleteAsset(ctx, tr.inB, x.ID, 0), steward.EFORBIDDEN)
		_, err = s.ShareAsset(ctx, tr.inB, x.ID, tr.o.acc.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = s.AssetShares(ctx, tr.inB, x.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = s.TransferAsset(ctx, tr.inB, x.ID, tr.b.ID, false)
		wantCode(t, err, steward.EFORBIDDEN)
		wantField(t, s.AddGroupAssets(ctx, tr.inB, mkGroup(t, s, tr.inB, "B's group").ID, []string{x.ID}), steward.EINVALID, "asset_ids[0]")
		// The other organization sees nothing of it.
		stranger := newOrg(t, s)
		_, err = s.Asset(ctx, stranger.admin, x.ID)
		wantCode(t, err, steward.ENOTFOUND)
		if got := sharedIDs(t, s, stranger.admin); len(got) != 0 {
			t.Errorf("stranger sees %v", got)
		}

		// A user of B scoped to groups sees none of the shared assets (groups hold B's own).
		bOrg := &org{acc: tr.b, admin: tr.inB}
		scopedB := scopedUser(t, s, raw, bOrg, steward.RoleUser, steward.FleetVisibilityGroups)
		if got := sharedIDs(t, s, scopedB); len(got) != 0 {
			t.Errorf("scoped user sees %v", got)
		}
		_, err = s.Asset(ctx, scopedB, x.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// B cannot be deleted while it sees the asset.
		err = s.DeleteSubAccount(ctx, tr.o.admin, tr.b.ID, 0)
		wantField(t, err, steward.ECONFLICT, "shared_assets")

		// Both logs record the share once, naming B.
		for _, in := range []*steward.Actor{tr.inA, tr.inB} {
			var shares int
			for _, e := range auditFor(t, s, in, x.ID) {
				if e.Action == steward.ActionShare {
					shares++
					if c := changeOf(e, "shared_with"); c == nil || c.New != tr.b.ID || c.NewLabel == nil || *c.NewLabel != "Branch B" {
						t.Errorf("share event %+v", e.Changes)
					}
				}
			}
			if shares != 1 {
				t.Errorf("account %s logs %d share events, want 1", in.AccountID, shares)
			}
		}

		ok(t, s.UnshareAsset(ctx, tr.inA, x.ID, tr.b.ID))
		wantCode(t, s.UnshareAsset(ctx, tr.inA, x.ID, tr.b.ID), steward.ENOTFOUND)
		_, err = s.Asset(ctx, tr.inB, x.ID)
		wantCode(t, err, steward.ENOTFOUND)
		if got := sharedIDs(t, s, tr.inB); len(got) != 0 {
			t.Errorf("after unshare B sees %v", got)
		}
		ok(t, s.DeleteSubAccount(ctx, tr.o.admin, tr.b.ID, 0))
	})
}

func TestTransferIsIrreversibleForTheGiver(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		cu := mkCustomer(t, s, tr.inA, "Acme")
		loc := mkLocation(t, s, tr.inA, cu.ID, "Acme yard")
		serial := "SN-1"
		x := must(s.CreateAsset(ctx, tr.inA, steward.AssetFields{Name: "Loader", SerialNumber: serial, OwnerCustomerID: &cu.ID, LocationID: &loc.ID}))
		g := mkGroup(t, s, tr.inA, "Yard")
		ok(t, s.AddGroupAssets(ctx, tr.inA, g.ID, []string{x.ID}))
		c := mkSub(t, s, tr.o.admin, "Branch C")
		inC := switchTo(t, s, tr.o.admin, c.ID)
		must(s.ShareAsset(ctx, tr.inA, x.ID, c.ID)) // shared with the receiver: that share goes

		// A serial number the receiver already uses stops the transfer, naming the field but not
		// the receiver's asset, which the giver does not see.
		taken := must(s.CreateAsset(ctx, tr.inB, steward.AssetFields{Name: "B's loader", SerialNumber: "sn-1"}))
		_, err := s.TransferAsset(ctx, tr.inA, x.ID, tr.b.ID, false)
		if e := wantField(t, err, steward.ECONFLICT, "serial_number"); strings.Contains(fmt.Sprint(e.Fields), taken.ID) {
			t.Errorf("the conflict names the receiver's asset: %v", e.Fields)
		}
		ok(t, s.DeleteAsset(ctx, tr.inB, taken.ID, 0))

		must(s.ShareAsset(ctx, tr.inA, x.ID, c.ID))
		got := must(s.TransferAsset(ctx, tr.inA, x.ID, tr.b.ID, true))
		if got.OwnerAccountID != tr.b.ID || got.OwnerCustomerID != nil || got.LocationID != nil || got.Version != x.Version+1 {
			t.Fatalf("transferred %+v", got)
		}
		// A's counts and group forget it; A keeps seeing it (keep_visibility), read-only.
		expectCounts(t, s, tr.inA, "after the transfer", map[string]cnt{cu.ID: {1, 0, 0, 0}}, map[string]int64{loc.ID: 0})
		if g := must(s.Group(ctx, tr.inA, g.ID)); g.AssetCount != 0 {
			t.Errorf("A's group still counts %d", g.AssetCount)
		}
		assertNoMismatch(t, s, tr.a.ID) // the group's counts per customer and location too
		if got := sharedIDs(t, s, tr.inA); !equalStrings(got, []string{x.ID}) {
			t.Errorf("A sees %v", got)
		}
		_, err = s.UpdateAsset(ctx, tr.inA, x.ID, 0, func(f *steward.AssetFields) error { f.Name = "back"; return nil })
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = s.TransferAsset(ctx, tr.inA, x.ID, tr.a.ID, false)
		wantCode(t, err, steward.EFORBIDDEN)
		// B owns it; C, which had a share, still sees it.
		if own := allAssets(t, s, tr.inB, steward.AssetFilter{}); len(own) != 1 || own[0].ID != x.ID {
			t.Errorf("B owns %v", assetNames(own))
		}
		if got := sharedIDs(t, s, inC); !equalStrings(got, []string{x.ID}) {
			t.Errorf("C sees %v", got)
		}
		shares := must(s.AssetShares(ctx, tr.inB, x.ID))
		if !equalStrings(shareNames(shares), []string{"Branch A", "Branch C"}) {
			t.Errorf("shares after the transfer: %v", shareNames(shares))
		}
		// Each log records it; the giver's also the references it dropped.
		var inA, inB *steward.AuditEvent
		for _, e := range auditFor(t, s, tr.inA, x.ID) {
			if e.Action == steward.ActionTransfer {
				inA = &e
			}
		}
		for _, e := range auditFor(t, s, tr.inB, x.ID) {
			if e.Action == steward.ActionTransfer {
				inB = &e
			}
		}
		if inA == nil || inB == nil || changeOf(*inA, "owner_account_id") == nil || changeOf(*inA, "location_id") == nil ||
			changeOf(*inB, "owner_customer_id") != nil {
			t.Fatalf("transfer events: A %+v, B %+v", inA, inB)
		}
		if l := changeOf(*inA, "location_id").OldLabel; l == nil || *l != "Acme yard" {
			t.Errorf("A's event names the location %v", l)
		}
		// B may give it on (to A again: a new transfer, by the new owner); without keep_visibility
		// B no longer sees it.
		must(s.TransferAsset(ctx, tr.inB, x.ID, tr.a.ID, false))
		_, err = s.Asset(ctx, tr.inB, x.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestAdministrativeAccount(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		x := mkAsset(t, s, tr.inA, "Generator", "", "")
		// The root, the administrative account by default, shares A's asset without switching.
		must(s.ShareAsset(ctx, tr.o.admin, x.ID, tr.b.ID))
		// A sibling may not; it does not see the asset at all.
		_, err := s.ShareAsset(ctx, tr.inB, x.ID, tr.b.ID)
		wantCode(t, err, steward.EFORBIDDEN) // B sees it now, shared: forbidden, not hidden
		c := mkSub(t, s, tr.o.admin, "Branch C")
		inC := switchTo(t, s, tr.o.admin, c.ID)
		_, err = s.ShareAsset(ctx, inC, x.ID, c.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// Only the root's Admin moves the administrative role; the ids are checked.
		_, err = s.UpdateSharingSettings(ctx, tr.inA, steward.SharingSettings{AdministrativeAccountID: c.ID})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = s.UpdateSharingSettings(ctx, tr.o.admin, steward.SharingSettings{AdministrativeAccountID: tr.otherAccount})
		wantField(t, err, steward.EINVALID, "administrative_account_id")
		set := must(s.UpdateSharingSettings(ctx, tr.o.admin, steward.SharingSettings{AdministrativeAccountID: c.ID}))
		if set.AdministrativeAccountID != c.ID {
			t.Fatalf("settings %+v", set)
		}
		must(s.TransferAsset(ctx, inC, x.ID, tr.b.ID, false))
		wantField(t, s.UnshareAssets(ctx, tr.o.admin, []string{x.ID}, tr.b.ID), steward.EINVALID, "asset_ids[0]")
		if got := must(s.SharingSettings(ctx, tr.inB)); got.AdministrativeAccountID != c.ID {
			t.Errorf("B reads administrative account %s", got.AdministrativeAccountID)
		}
		// Deleting the administrative account gives the role back to the root.
		ok(t, s.DeleteSubAccount(ctx, tr.o.admin, c.ID, 0))
		if got := must(s.SharingSettings(ctx, tr.o.admin)); got.AdministrativeAccountID != tr.o.acc.ID {
			t.Errorf("after deleting it: %s", got.AdministrativeAccountID)
		}
	})
}

func TestAutoShareNowAndLater(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		root := tr.o.admin
		a1 := mkAsset(t, s, tr.inA, "A one", "", "")
		b1 := mkAsset(t, s, tr.inB, "B one", "", "")
		deep := mkSub(t, s, tr.inA, "Deep")
		inDeep := switchTo(t, s, root, deep.ID)
		d1 := mkAsset(t, s, inDeep, "Deep one", "", "")
		must(s.ShareAsset(ctx, tr.inA, a1.ID, tr.o.acc.ID)) // a manual share survives auto-share's changes

		_, err := s.UpdateSharingSettings(ctx, root, steward.SharingSettings{AutoShare: steward.AutoShareAll, AutoShareAccountIDs: []string{tr.a.ID}})
		wantField(t, err, steward.EINVALID, "auto_share_account_ids")
		_, err = s.UpdateSharingSettings(ctx, root, steward.SharingSettings{AutoShare: steward.AutoShareSelected, AutoShareAccountIDs: []string{tr.o.acc.ID}})
		wantField(t, err, steward.EINVALID, "auto_share_account_ids[0]")
		_, err = s.UpdateSharingSettings(ctx, tr.o.keyActor(t, s, steward.RoleFleetAdmin, false), steward.SharingSettings{AutoShare: steward.AutoShareAll})
		wantCode(t, err, steward.EFORBIDDEN)

		// All: every account below, at any depth, now…
		set := must(s.UpdateSharingSettings(ctx, root, steward.SharingSettings{AutoShare: steward.AutoShareAll}))
		if set.AutoShare != steward.AutoShareAll || set.AdministrativeAccountID != tr.o.acc.ID {
			t.Errorf("settings %+v", set)
		}
		if shares := must(s.AssetShares(ctx, tr.inA, a1.ID)); len(shares.Data) != 1 || shares.Data[0].Auto {
			t.Errorf("a1's share by hand became automatic: %+v", shares.Data)
		}
		if got := sharedIDs(t, s, root); !equalStrings(got, sortedCopy([]string{a1.ID, b1.ID, d1.ID})) {
			t.Fatalf("root sees %v", got)
		}
		// …and later: a new asset, and one in an account made after the setting.
		late := mkSub(t, s, tr.inB, "Late")
		l1 := mkAsset(t, s, switchTo(t, s, root, late.ID), "Late one", "", "")
		a2 := mkAsset(t, s, tr.inA, "A two", "", "")
		if got := sharedIDs(t, s, root); !equalStrings(got, sortedCopy([]string{a1.ID, a2.ID, b1.ID, d1.ID, l1.ID})) {
			t.Fatalf("root sees %v", got)
		}
		// A new asset's share is marked automatic.
		if shares := must(s.AssetShares(ctx, tr.inA, a2.ID)); len(shares.Data) != 1 || !shares.Data[0].Auto {
			t.Errorf("a2's shares %+v", shares.Data)
		}

		// Selected: only B's own assets; A's automatic shares go, the manual one stays.
		must(s.UpdateSharingSettings(ctx, root, steward.SharingSettings{AutoShare: steward.AutoShareSelected, AutoShareAccountIDs: []string{tr.b.ID, tr.b.ID}}))
		if got := sharedIDs(t, s, root); !equalStrings(got, sortedCopy([]string{a1.ID, b1.ID})) {
			t.Fatalf("selected B: root sees %v", got)
		}
		b2 := mkAsset(t, s, tr.inB, "B two", "", "")
		mkAsset(t, s, tr.inA, "A three", "", "")
		if got := sharedIDs(t, s, root); !equalStrings(got, sortedCopy([]string{a1.ID, b1.ID, b2.ID})) {
			t.Fatalf("selected B, later: root sees %v", got)
		}
		settings := must(s.SharingSettings(ctx, root))
		if settings.AutoShare != steward.AutoShareSelected || !equalStrings(settings.AutoShareAccountIDs, []string{tr.b.ID}) {
			t.Errorf("settings %+v", settings)
		}
		// None: the automatic shares go.
		must(s.UpdateSharingSettings(ctx, root, steward.SharingSettings{AutoShare: steward.AutoShareNone}))
		if got := sharedIDs(t, s, root); !equalStrings(got, []string{a1.ID}) {
			t.Fatalf("none: root sees %v", got)
		}
		var logged bool
		for _, e := range allAudit(t, s, root, steward.AuditFilter{ObjectID: tr.o.acc.ID}) {
			if changeOf(e, "auto_share") != nil {
				logged = true
			}
		}
		if !logged {
			t.Error("auto-share changes are not in the account's log")
		}
	})
}

func TestBulkShareAndTransferAllOrNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		x1 := mkAsset(t, s, tr.inA, "One", "", "")
		x2 := must(s.CreateAsset(ctx, tr.inA, steward.AssetFields{Name: "Two", SerialNumber: "S2"}))
		foreign := mkAsset(t, s, newOrg(t, s).admin, "Foreign", "", "")

		err := s.ShareAssets(ctx, tr.inA, []string{x1.ID, x2.ID, foreign.ID}, tr.b.ID)
		wantField(t, err, steward.EINVALID, "asset_ids[2]")
		if got := sharedIDs(t, s, tr.inB); len(got) != 0 {
			t.Fatalf("a refused bulk share shared %v", got)
		}
		ok(t, s.ShareAssets(ctx, tr.inA, []string{x1.ID, x2.ID, x1.ID}, tr.b.ID))
		if got := sharedIDs(t, s, tr.inB); !equalStrings(got, sortedCopy([]string{x1.ID, x2.ID})) {
			t.Fatalf("B sees %v", got)
		}
		ok(t, s.UnshareAssets(ctx, tr.inA, []string{x1.ID}, tr.b.ID))
		if got := sharedIDs(t, s, tr.inB); !equalStrings(got, []string{x2.ID}) {
			t.Fatalf("after bulk unshare B sees %v", got)
		}
		// A transfer whose second asset's serial number is taken in B moves neither.
		must(s.CreateAsset(ctx, tr.inB, steward.AssetFields{Name: "B's", SerialNumber: "s2"}))
		err = s.TransferAssets(ctx, tr.inA, []string{x1.ID, x2.ID}, tr.b.ID, false)
		wantField(t, err, steward.ECONFLICT, "asset_ids[1]")
		if own := allAssets(t, s, tr.inA, steward.AssetFilter{}); len(own) != 2 {
			t.Fatalf("A owns %v after a refused bulk transfer", assetNames(own))
		}
		ok(t, s.TransferAssets(ctx, tr.inA, []string{x1.ID}, tr.b.ID, false))
		if own := allAssets(t, s, tr.inA, steward.AssetFilter{}); len(own) != 1 || own[0].ID != x2.ID {
			t.Fatalf("A owns %v", assetNames(own))
		}
		wantField(t, s.ShareAssets(ctx, tr.inA, []string{x2.ID}, tr.otherAccount), steward.EINVALID, "account_id")
		wantCode(t, s.ShareAssets(ctx, tr.o.keyActor(t, s, steward.RoleUser, false), []string{x2.ID}, tr.b.ID), steward.EFORBIDDEN)
	})
}

// A sub-account with groups, members and two-factor users goes whole once it meets the conditions.
func TestDeleteSubAccountWithGroupsAndUsers(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		g := mkGroup(t, s, tr.inB, "B group")
		u := mkUser(t, s, tr.inB, "B person", steward.RoleUser)
		ok(t, s.AddGroupUsers(ctx, tr.inB, g.ID, []string{u.ID}))
		ok(t, s.DeleteSubAccount(ctx, tr.o.admin, tr.b.ID, 0))
	})
}

func TestShareTargets(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		deep := mkSub(t, s, tr.inA, "Deep")
		names := func(a *steward.Actor) []string {
			var out []string
			for _, r := range must(s.ShareTargets(ctx, a)) {
				out = append(out, r.Name)
			}
			return out
		}
		// The administrative root: every other account. A: its parent and its subtree, not B.
		if got := names(tr.o.admin); !equalStrings(got, []string{"Branch A", "Branch B", "Deep"}) {
			t.Errorf("root: %v", got)
		}
		if got := names(tr.inA); len(got) != 2 || got[0] != "Deep" || got[1] != tr.o.acc.Name {
			t.Errorf("A: %v", got)
		}
		_, err := s.ShareTargets(ctx, tr.o.keyActor(t, s, steward.RoleUser, false))
		wantCode(t, err, steward.EFORBIDDEN)
		_ = deep
	})
}

// The shared side's order and archive state follow the owner's changes (the share rows copy the
// sort keys); deleting a shared asset ends its shares.
func TestSharedListFollowsTheOwnersChanges(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		a1 := mkAsset(t, s, tr.inA, "Alpha", "", "")
		b1 := mkAsset(t, s, tr.inA, "Bravo", "", "")
		c1 := mkAsset(t, s, tr.inA, "Charlie", "", "")
		ok(t, s.ShareAssets(ctx, tr.inA, []string{a1.ID, b1.ID, c1.ID}, tr.b.ID))
		names := func(f steward.AssetFilter) []string {
			f.Ownership = steward.OwnershipShared
			return assetNames(allAssets(t, s, tr.inB, f))
		}
		if got := names(steward.AssetFilter{ListParams: steward.ListParams{Limit: 1}}); !equalStrings(got, []string{"Alpha", "Bravo", "Charlie"}) {
			t.Fatalf("by name: %v", got)
		}
		must(s.UpdateAsset(ctx, tr.inA, a1.ID, 0, func(f *steward.AssetFields) error { f.Name = "Zulu"; return nil }))
		must(s.SetAssetArchived(ctx, tr.inA, b1.ID, 0, true))
		if got := names(steward.AssetFilter{ListParams: steward.ListParams{Limit: 1}}); !equalStrings(got, []string{"Charlie", "Zulu"}) {
			t.Errorf("after a rename and an archive: %v", got)
		}
		if got := names(steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusArchived}}); !equalStrings(got, []string{"Bravo"}) {
			t.Errorf("archived: %v", got)
		}
		if got := names(steward.AssetFilter{ListParams: steward.ListParams{Sort: "-updated_at", Limit: 1}}); !equalStrings(got, []string{"Zulu", "Charlie"}) {
			t.Errorf("by last change: %v", got)
		}
		if got := names(steward.AssetFilter{ListParams: steward.ListParams{Q: "zul"}}); !equalStrings(got, []string{"Zulu"}) {
			t.Errorf("search: %v", got)
		}
		ok(t, s.DeleteAsset(ctx, tr.inA, c1.ID, 0))
		if got := names(steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll}}); !equalStrings(got, []string{"Bravo", "Zulu"}) {
			t.Errorf("after a delete: %v", got)
		}
	})
}
