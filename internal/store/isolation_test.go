package store_test

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestOrganizationsAreIsolated: an object of another organization is never listed, counted or
// found, and every operation on it by id answers ENOTFOUND, exactly as if it did not exist.
func TestOrganizationsAreIsolated(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		mine, theirs := newOrg(t, s), newOrg(t, s)
		a, b := mine.admin, theirs.admin
		// Both organizations use the same names and references, so a leak would be found by search.
		build := func(x *steward.Actor) (c *steward.Customer, k *steward.Contact, l *steward.Location, as *steward.Asset) {
			c = must(s.CreateCustomer(ctx, x, steward.CustomerFields{Name: "Shared Name GmbH", ExternalRef: "REF-1", Email: "same@example.com"}))
			k = must(s.CreateContact(ctx, x, c.ID, steward.ContactFields{Name: "Shared Contact", ExternalRef: "REF-1"}))
			l = must(s.CreateLocation(ctx, x, steward.LocationFields{Name: "Shared Site", CustomerID: &c.ID, ExternalRef: "REF-1"}))
			as = must(s.CreateAsset(ctx, x, steward.AssetFields{Name: "Shared Asset", SerialNumber: "SN-1", ExternalRef: "REF-1",
				OwnerCustomerID: &c.ID, LocationID: &l.ID}))
			return
		}
		c, k, l, x := build(a)
		tc, tk, tl, tx := build(b)
		// Extra objects only the other org has, archived ones included.
		extra := mkCustomer(t, s, b, "Theirs Only")
		must(s.SetCustomerArchived(ctx, b, extra.ID, 0, true))
		tx2 := mkAsset(t, s, b, "Theirs Archived Asset", tc.ID, tl.ID)
		must(s.SetAssetArchived(ctx, b, tx2.ID, 0, true))

		all := steward.ListParams{Status: steward.StatusAll}
		for _, q := range []string{"", "shared", "sh", "ref-1", "same@example", "sn-1", "theirs"} {
			p := all
			p.Q = q
			for _, cu := range allCustomers(t, s, a, steward.CustomerFilter{ListParams: p}) {
				if cu.ID != c.ID {
					t.Errorf("q=%q: customers list shows %s of another org", q, cu.Name)
				}
			}
			for _, ct := range allContacts(t, s, a, steward.ContactFilter{ListParams: p}) {
				if ct.ID != k.ID {
					t.Errorf("q=%q: contacts list shows %s of another org", q, ct.Name)
				}
			}
			for _, lo := range allLocations(t, s, a, steward.LocationFilter{ListParams: p}) {
				if lo.ID != l.ID {
					t.Errorf("q=%q: locations list shows %s of another org", q, lo.Name)
				}
			}
			for _, as := range allAssets(t, s, a, steward.AssetFilter{ListParams: p}) {
				if as.ID != x.ID {
					t.Errorf("q=%q: assets list shows %s of another org", q, as.Name)
				}
			}
		}
		// Filters naming the other org's objects name nothing, exactly as ids that do not exist.
		_, err := s.Contacts(ctx, a, steward.ContactFilter{ListParams: all, CustomerID: tc.ID})
		wantField(t, err, steward.EINVALID, "customer_id")
		_, err = s.Locations(ctx, a, steward.LocationFilter{ListParams: all, CustomerID: tc.ID})
		wantField(t, err, steward.EINVALID, "customer_id")
		for field, f := range map[string]steward.AssetFilter{"owner_customer_id": {OwnerCustomerID: tc.ID},
			"location_id": {LocationID: tl.ID}, "location_customer_id": {LocationCustomerID: tc.ID}} {
			f.ListParams = all
			_, err = s.Assets(ctx, a, f)
			wantField(t, err, steward.EINVALID, field)
		}
		// Counts: each org's customer counts only its own.
		for _, pair := range []struct {
			actor *steward.Actor
			id    string
			want  cnt
		}{{a, c.ID, cnt{1, 1, 1, 0}}, {b, tc.ID, cnt{1, 1, 1, 0}}} {
			if got := countsOf(must(s.Customer(ctx, pair.actor, pair.id))); got != pair.want {
				t.Errorf("counts %v, want %v", got, pair.want)
			}
		}
		if got := must(s.Location(ctx, a, l.ID)); got.AssetCount != 1 {
			t.Errorf("location asset_count %d", got.AssetCount)
		}
		assertNoMismatch(t, s, mine.acc.ID)
		assertNoMismatch(t, s, theirs.acc.ID)

		// Audit: the other org's events are invisible, by any filter.
		for _, e := range allAudit(t, s, a, steward.AuditFilter{}) {
			if e.AccountID != mine.acc.ID {
				t.Errorf("audit shows an event of account %s", e.AccountID)
			}
		}
		for _, f := range []steward.AuditFilter{{ObjectID: tc.ID}, {CustomerID: tc.ID}, {ObjectID: tx.ID}, {ActorID: b.ID}, {ObjectID: theirs.acc.ID}} {
			if n := len(allAudit(t, s, a, f)); n != 0 {
				t.Errorf("audit filter %+v: %d events of another org", f, n)
			}
		}
		n := 0
		ok(t, s.EachAuditEvent(ctx, a, steward.AuditFilter{CustomerID: tc.ID}, func(*steward.AuditEvent) error { n++; return nil }))
		if n != 0 {
			t.Errorf("EachAuditEvent streams %d events of another org", n)
		}
		_, err = s.AssetMovements(ctx, a, tx.ID, steward.ListParams{})
		wantCode(t, err, steward.ENOTFOUND)

		// API keys: listed and revoked per org only.
		for _, key := range must(s.APIKeys(ctx, a)) {
			if key.AccountID != mine.acc.ID {
				t.Errorf("APIKeys lists key %s of another org", key.Name)
			}
		}
		wantCode(t, s.RevokeAPIKey(ctx, a, b.ID), steward.ENOTFOUND)
		must(s.Authenticate(ctx, must(s.CreateAPIKeyForEmail(ctx, theirs.email, steward.APIKeyFields{Name: "still works"})).Key))
		_, err = s.CreateAPIKey(ctx, a, theirs.user.ID, steward.APIKeyFields{Name: "for a foreign user"})
		wantCode(t, err, steward.ENOTFOUND)

		// Every read and write by id of the other org's objects is ENOTFOUND.
		nf := func(what string, err error) {
			t.Helper()
			if steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("%s of another org's object: %v, want ENOTFOUND", what, err)
			}
		}
		nf("Customer", second(s.Customer(ctx, a, tc.ID)))
		nf("UpdateCustomer", second(s.UpdateCustomer(ctx, a, tc.ID, 0, func(f *steward.CustomerFields) error { f.Name = "x"; return nil })))
		nf("SetCustomerArchived", second(s.SetCustomerArchived(ctx, a, tc.ID, 0, true)))
		nf("DeleteCustomer", s.DeleteCustomer(ctx, a, extra.ID, 0))
		nf("CreateContact", second(s.CreateContact(ctx, a, tc.ID, steward.ContactFields{Name: "x"})))
		nf("Contact", second(s.Contact(ctx, a, tk.ID)))
		nf("UpdateContact", second(s.UpdateContact(ctx, a, tk.ID, 0, func(f *steward.ContactFields) error { f.Name = "x"; return nil })))
		nf("SetContactArchived", second(s.SetContactArchived(ctx, a, tk.ID, 0, true)))
		nf("DeleteContact", s.DeleteContact(ctx, a, tk.ID, 0))
		nf("Location", second(s.Location(ctx, a, tl.ID)))
		nf("UpdateLocation", second(s.UpdateLocation(ctx, a, tl.ID, 0, func(f *steward.LocationFields) error { f.Name = "x"; return nil })))
		nf("SetLocationArchived", second(s.SetLocationArchived(ctx, a, tl.ID, 0, true)))
		nf("DeleteLocation", s.DeleteLocation(ctx, a, tl.ID, 0))
		nf("Asset", second(s.Asset(ctx, a, tx.ID)))
		nf("UpdateAsset", second(s.UpdateAsset(ctx, a, tx.ID, 0, func(f *steward.AssetFields) error { f.Name = "x"; return nil })))
		nf("SetAssetArchived", second(s.SetAssetArchived(ctx, a, tx2.ID, 0, false)))
		nf("DeleteAsset", s.DeleteAsset(ctx, a, tx.ID, 0))

		// References into the other org are invalid, on the field.
		_, err = s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.OwnerCustomerID = &tc.ID; return nil })
		wantField(t, err, steward.EINVALID, "owner_customer_id")
		_, err = s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &tl.ID; return nil })
		wantField(t, err, steward.EINVALID, "location_id")
		_, err = s.UpdateLocation(ctx, a, l.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &tc.ID; return nil })
		wantField(t, err, steward.EINVALID, "customer_id")

		// Nothing of theirs changed.
		after := must(s.Customer(ctx, b, tc.ID))
		if after.Name != "Shared Name GmbH" || after.ArchivedAt != nil || after.Version != 1 {
			t.Errorf("other org's customer changed: %+v", after)
		}
		for _, id := range []string{tk.ID} {
			must(s.Contact(ctx, b, id))
		}
		must(s.Location(ctx, b, tl.ID))
		if got := must(s.Asset(ctx, b, tx.ID)); got.Name != "Shared Asset" || got.Version != 1 {
			t.Errorf("other org's asset changed: %+v", got)
		}
		if got := must(s.Asset(ctx, b, tx2.ID)); got.ArchivedAt == nil {
			t.Error("other org's archived asset was unarchived")
		}
		must(s.Customer(ctx, b, extra.ID))
		// Me and Account are the caller's own.
		if me := must(s.Me(ctx, a)); me.Account.ID != mine.acc.ID || me.User.ID != mine.user.ID {
			t.Errorf("Me = %+v", me)
		}
		if acc := must(s.Account(ctx, b)); acc.ID != theirs.acc.ID {
			t.Errorf("Account = %+v", acc)
		}
	})
}
