package store_test

import (
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// Every filter that takes an enum or an id refuses a value it cannot take with a 422 naming the
// parameter (and, for an enum, every allowed value): object_type=bogus once answered 200 while
// source=bogus was a 422, and a mistyped id answered an empty list that looked like an answer.
func TestListFilterValues(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Filter Co")
		l := mkLocation(t, s, a, c.ID, "Filter Yard")
		mkAsset(t, s, a, "Filter Digger", c.ID, l.ID)
		gone := mkCustomer(t, s, a, "Gone")
		ok(t, s.DeleteCustomer(ctx, a, gone.ID, 0))
		other := newOrg(t, s)
		theirs := mkCustomer(t, s, other.admin, "Theirs")

		type call struct {
			name   string
			run    func() error
			field  string
			values []string // each must appear in the message
		}
		customers := func(f steward.CustomerFilter) func() error {
			return func() error { _, err := s.Customers(ctx, a, f); return err }
		}
		contacts := func(f steward.ContactFilter) func() error {
			return func() error { _, err := s.Contacts(ctx, a, f); return err }
		}
		locations := func(f steward.LocationFilter) func() error {
			return func() error { _, err := s.Locations(ctx, a, f); return err }
		}
		assets := func(f steward.AssetFilter) func() error {
			return func() error { _, err := s.Assets(ctx, a, f); return err }
		}
		audit := func(f steward.AuditFilter) func() error {
			return func() error { _, err := s.AuditEvents(ctx, a, f); return err }
		}
		lp := func(status steward.Status, sort string) steward.ListParams {
			return steward.ListParams{Status: status, Sort: sort}
		}
		calls := []call{
			{"customers type", customers(steward.CustomerFilter{Type: "bogus"}), "type", []string{"contractor", "end_user", "other"}},
			{"customers type case", customers(steward.CustomerFilter{Type: "OEM"}), "type", []string{"oem"}},
			{"customers status", customers(steward.CustomerFilter{ListParams: lp("deleted", "")}), "status", []string{"active", "archived", "all"}},
			{"customers sort", customers(steward.CustomerFilter{ListParams: lp("", "email")}), "sort", []string{"name", "assets_owned_elsewhere_count"}},
			{"customers sort dash alone", customers(steward.CustomerFilter{ListParams: lp("", "-")}), "sort", []string{"name"}},
			{"customers sort double dash", customers(steward.CustomerFilter{ListParams: lp("", "--name")}), "sort", []string{"name"}},
			{"contacts sort", contacts(steward.ContactFilter{ListParams: lp("", "type")}), "sort", []string{"name", "updated_at"}},
			{"contacts customer_id form", contacts(steward.ContactFilter{CustomerID: "x' OR '1'='1"}), "customer_id", nil},
			{"contacts customer_id unknown", contacts(steward.ContactFilter{CustomerID: "0190a5c4-1b2c-7d3e-8f40-123456789abc"}), "customer_id", nil},
			{"contacts customer_id deleted", contacts(steward.ContactFilter{CustomerID: gone.ID}), "customer_id", nil},
			{"contacts customer_id of a location", contacts(steward.ContactFilter{CustomerID: l.ID}), "customer_id", nil},
			{"locations customer_id of another org", locations(steward.LocationFilter{CustomerID: theirs.ID}), "customer_id", nil},
			{"locations status", locations(steward.LocationFilter{ListParams: lp("Active", "")}), "status", []string{"active"}},
			{"locations own with customer_id", locations(steward.LocationFilter{Own: true, CustomerID: c.ID}), "own", nil},
			{"assets owner_customer_id", assets(steward.AssetFilter{OwnerCustomerID: l.ID}), "owner_customer_id", nil},
			{"assets location_id", assets(steward.AssetFilter{LocationID: c.ID}), "location_id", nil},
			{"assets location_customer_id", assets(steward.AssetFilter{LocationCustomerID: "nope"}), "location_customer_id", nil},
			{"assets location_id with NUL", assets(steward.AssetFilter{LocationID: "a\x00b"}), "location_id", nil},
			{"assets group_id form", assets(steward.AssetFilter{GroupID: "\xff"}), "group_id", nil},
			{"assets sort", assets(steward.AssetFilter{ListParams: lp("", "-asset_count")}), "sort", []string{"serial_number"}},
			{"audit object_type", audit(steward.AuditFilter{ObjectType: "bogus"}), "object_type", []string{"customer", "api_key", "account"}},
			{"audit action", audit(steward.AuditFilter{Action: "created"}), "action", []string{"create", "unarchive", "revoke"}},
			{"audit source", audit(steward.AuditFilter{Source: "fax"}), "source", []string{"web", "api", "import", "system"}},
			{"audit object_id form", audit(steward.AuditFilter{ObjectID: "a b"}), "object_id", nil},
			{"audit customer_id form", audit(steward.AuditFilter{CustomerID: strings.Repeat("a", 65)}), "customer_id", nil},
		}
		for _, tc := range calls {
			err := tc.run()
			e := wantField(t, err, steward.EINVALID, tc.field)
			if e == nil {
				continue
			}
			for _, fe := range e.Fields {
				if fe.Field != tc.field {
					continue
				}
				for _, v := range tc.values {
					if !strings.Contains(fe.Message, v) {
						t.Errorf("%s: message %q does not list %q", tc.name, fe.Message, v)
					}
				}
			}
		}

		// Every bad parameter is named at once.
		_, err := s.Customers(ctx, a, steward.CustomerFilter{Type: "x", ListParams: steward.ListParams{Status: "x", Sort: "x", Limit: 501}})
		if e := wantCode(t, err, steward.EINVALID); e != nil && len(e.Fields) != 4 {
			t.Errorf("four bad parameters: %v", e.Fields)
		}
		_, err = s.AuditEvents(ctx, a, steward.AuditFilter{ObjectType: "x", Action: "x", Source: "x"})
		if e := wantCode(t, err, steward.EINVALID); e != nil && len(e.Fields) != 3 {
			t.Errorf("three bad audit filters: %v", e.Fields)
		}

		// Good values still filter; archived objects count as existing; the history of a
		// deleted customer stays readable by its id.
		if n := len(allAssets(t, s, a, steward.AssetFilter{LocationID: l.ID, OwnerCustomerID: c.ID, LocationCustomerID: c.ID})); n != 1 {
			t.Errorf("assets by good ids: %d", n)
		}
		must(s.SetCustomerArchived(ctx, a, c.ID, 0, true))
		if n := len(allLocations(t, s, a, steward.LocationFilter{CustomerID: c.ID})); n != 1 {
			t.Errorf("locations of an archived customer: %d", n)
		}
		if n := len(allAudit(t, s, a, steward.AuditFilter{CustomerID: gone.ID})); n != 2 {
			t.Errorf("history of a deleted customer: %d events", n)
		}
		if n := len(allAudit(t, s, a, steward.AuditFilter{ObjectType: steward.ObjectLocation, Action: steward.ActionCreate})); n != 1 {
			t.Errorf("audit by type and action: %d", n)
		}
		if n := len(allCustomers(t, s, a, steward.CustomerFilter{Type: steward.CustomerOther, ListParams: steward.ListParams{Status: steward.StatusAll, Sort: "-name"}})); n != 1 {
			t.Errorf("customers of type other, all: %d", n)
		}
	})
}
