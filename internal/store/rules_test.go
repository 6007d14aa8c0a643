package store_test

import (
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// fieldMessage is the message err gives field; the test fails unless err is code on field.
func fieldMessage(t *testing.T, err error, code, field string) string {
	t.Helper()
	for _, f := range wantField(t, err, code, field).Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// TestConflictsHideWhatScopedCallersDoNotSee: uniqueness stays per account, but a caller who
// sees part of the fleet learns neither the id of the asset that holds a serial number or an
// external reference, nor how many assets it does not see keep a customer or a location from
// being deleted, nor the id of a group it does not see that holds a name. A caller who sees the
// entire fleet is told all of it, as before.
func TestConflictsHideWhatScopedCallersDoNotSee(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Acme")
		yard, shed := mkLocation(t, s, a, c.ID, "Yard"), mkLocation(t, s, a, c.ID, "Shed")
		seen := must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "Seen", SerialNumber: "SN-SEEN", ExternalRef: "EXT-SEEN",
			OwnerCustomerID: &c.ID, LocationID: &shed.ID}))
		hidden := must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "Hidden", SerialNumber: "SN-HIDDEN", ExternalRef: "EXT-HIDDEN",
			OwnerCustomerID: &c.ID, LocationID: &yard.ID}))
		mine, theirs := mkGroup(t, s, a, "Mine"), mkGroup(t, s, a, "Theirs")
		ok(t, s.AddGroupAssets(ctx, a, mine.ID, []string{seen.ID}))
		ok(t, s.AddGroupAssets(ctx, a, theirs.ID, []string{hidden.ID}))
		scoped := scopedUser(t, s, raw, o, steward.RoleFleetAdmin, steward.FleetVisibilityGroups, mine.ID)
		none := scopedUser(t, s, raw, o, steward.RoleFleetAdmin, steward.FleetVisibilityNone)
		noID := func(step, msg string, ids ...string) {
			t.Helper()
			for _, id := range ids {
				if strings.Contains(msg, id) {
					t.Errorf("%s: %q names %s", step, msg, id)
				}
			}
		}

		// Serial numbers and external references: the rule holds, the other asset goes unnamed.
		for _, f := range []struct {
			field string
			set   func(*steward.AssetFields)
		}{
			{"serial_number", func(f *steward.AssetFields) { f.SerialNumber = "sn-hidden" }},
			{"external_ref", func(f *steward.AssetFields) { f.ExternalRef = "EXT-HIDDEN" }},
			{"serial_number", func(f *steward.AssetFields) { f.SerialNumber = "SN-SEEN" }},
		} {
			nf := steward.AssetFields{Name: "New"}
			f.set(&nf)
			_, err := s.CreateAsset(ctx, scoped, nf)
			msg := fieldMessage(t, err, steward.ECONFLICT, f.field)
			if msg != "is already used by another asset" {
				t.Errorf("scoped create, %s: %q", f.field, msg)
			}
			noID("scoped create", err.Error(), hidden.ID, seen.ID)
			_, err = s.CreateAsset(ctx, a, nf)
			if msg := fieldMessage(t, err, steward.ECONFLICT, f.field); !strings.Contains(msg, hidden.ID) && !strings.Contains(msg, seen.ID) {
				t.Errorf("the Admin, who sees the entire fleet, is not told which asset: %q", msg)
			}
		}
		_, err := s.UpdateAsset(ctx, scoped, seen.ID, 0, func(f *steward.AssetFields) error { f.ExternalRef = "EXT-HIDDEN"; return nil })
		if msg := fieldMessage(t, err, steward.ECONFLICT, "external_ref"); msg != "is already used by another asset" {
			t.Errorf("scoped update: %q", msg)
		}
		// Customers and locations are the whole account's for everyone: their ids are named.
		mkCustomer(t, s, a, "Other") // no conflict on an empty reference
		c2 := must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Ref holder", ExternalRef: "CUST-1"}))
		_, err = s.CreateCustomer(ctx, scoped, steward.CustomerFields{Name: "Copy", ExternalRef: "CUST-1"})
		if msg := fieldMessage(t, err, steward.ECONFLICT, "external_ref"); msg != "is already used by customer "+c2.ID {
			t.Errorf("scoped customer conflict: %q", msg)
		}

		// Deleting a customer or a location that assets the caller does not see reference.
		wantDelete := func(step string, err error, field, want string) {
			t.Helper()
			if msg := fieldMessage(t, err, steward.ECONFLICT, field); msg != want {
				t.Errorf("%s: %s says %q, want %q", step, field, msg, want)
			}
		}
		err = s.DeleteCustomer(ctx, scoped, c.ID, 0)
		wantDelete("scoped, customer", err, "assets_owned", "owned assets you may not see reference it")
		wantDelete("scoped, customer", err, "locations", "2 locations reference it")
		wantDelete("no fleet, customer", s.DeleteCustomer(ctx, none, c.ID, 0), "assets_owned", "owned assets you may not see reference it")
		wantDelete("Admin, customer", s.DeleteCustomer(ctx, a, c.ID, 0), "assets_owned", "2 owned assets reference it")
		wantDelete("scoped, location of a hidden asset", s.DeleteLocation(ctx, scoped, yard.ID, 0), "assets", "assets you may not see reference it")
		wantDelete("scoped, location of a seen asset", s.DeleteLocation(ctx, scoped, shed.ID, 0), "assets", "1 asset references it")
		wantDelete("no fleet, location of a seen asset", s.DeleteLocation(ctx, none, shed.ID, 0), "assets", "assets you may not see reference it")
		wantDelete("Admin, location", s.DeleteLocation(ctx, a, yard.ID, 0), "assets", "1 asset references it")

		// Group names: a scoped caller sees its own groups only.
		_, err = s.CreateGroup(ctx, scoped, steward.GroupFields{Name: "THEIRS"})
		if msg := fieldMessage(t, err, steward.ECONFLICT, "name"); strings.Contains(msg, theirs.ID) || !strings.Contains(msg, "another group") {
			t.Errorf("scoped, a group it does not see: %q", msg)
		}
		_, err = s.CreateGroup(ctx, scoped, steward.GroupFields{Name: "mine"})
		if msg := fieldMessage(t, err, steward.ECONFLICT, "name"); !strings.Contains(msg, mine.ID) {
			t.Errorf("scoped, its own group: %q", msg)
		}
		_, err = s.CreateGroup(ctx, a, steward.GroupFields{Name: "Theirs"})
		if msg := fieldMessage(t, err, steward.ECONFLICT, "name"); !strings.Contains(msg, theirs.ID) {
			t.Errorf("the Admin: %q", msg)
		}
	})
}
