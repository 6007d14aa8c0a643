package store_test

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// fleetWrites tries every fleet write once as actor, in the order listed, and returns each
// attempt's error by name. The objects it writes to belong to the actor's org.
func fleetWrites(s *store.Store, actor *steward.Actor, c *steward.Customer, k *steward.Contact, l *steward.Location, x *steward.Asset) map[string]error {
	return map[string]error{
		"CreateCustomer":      second(s.CreateCustomer(ctx, actor, steward.CustomerFields{Name: "New"})),
		"UpdateCustomer":      second(s.UpdateCustomer(ctx, actor, c.ID, 0, func(f *steward.CustomerFields) error { f.Notes = "changed"; return nil })),
		"SetCustomerArchived": second(s.SetCustomerArchived(ctx, actor, c.ID, 0, true)),
		"DeleteCustomer":      s.DeleteCustomer(ctx, actor, c.ID, 0),
		"CreateContact":       second(s.CreateContact(ctx, actor, c.ID, steward.ContactFields{Name: "New"})),
		"UpdateContact":       second(s.UpdateContact(ctx, actor, k.ID, 0, func(f *steward.ContactFields) error { f.Title = "changed"; return nil })),
		"SetContactArchived":  second(s.SetContactArchived(ctx, actor, k.ID, 0, true)),
		"DeleteContact":       s.DeleteContact(ctx, actor, k.ID, 0),
		"CreateLocation":      second(s.CreateLocation(ctx, actor, steward.LocationFields{Name: "New", CustomerID: &c.ID})),
		"UpdateLocation":      second(s.UpdateLocation(ctx, actor, l.ID, 0, func(f *steward.LocationFields) error { f.Address.City = "changed"; return nil })),
		"SetLocationArchived": second(s.SetLocationArchived(ctx, actor, l.ID, 0, true)),
		"DeleteLocation":      s.DeleteLocation(ctx, actor, l.ID, 0),
		"CreateAsset":         second(s.CreateAsset(ctx, actor, steward.AssetFields{Name: "New"})),
		"UpdateAsset name":    second(s.UpdateAsset(ctx, actor, x.ID, 0, func(f *steward.AssetFields) error { f.Name = "changed"; return nil })),
		"SetAssetArchived":    second(s.SetAssetArchived(ctx, actor, x.ID, 0, true)),
		"DeleteAsset":         s.DeleteAsset(ctx, actor, x.ID, 0),
	}
}

func TestRoles(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		admin := o.admin
		c := mkCustomer(t, s, admin, "C")
		k := mkContact(t, s, admin, c.ID, "K")
		l := mkLocation(t, s, admin, c.ID, "L")
		depot := mkLocation(t, s, admin, "", "Depot")
		x := mkAsset(t, s, admin, "X", c.ID, l.ID)
		user := o.keyActor(t, s, steward.RoleUser, false)
		tech := o.keyActor(t, s, steward.RoleTechnician, false)
		fleet := o.keyActor(t, s, steward.RoleFleetAdmin, false)

		// A user reads everything and writes nothing.
		for name, err := range fleetWrites(s, user, c, k, l, x) {
			if steward.ErrorCode(err) != steward.EFORBIDDEN {
				t.Errorf("user %s: %v, want EFORBIDDEN", name, err)
			}
		}
		_, err := s.UpdateAsset(ctx, user, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &depot.ID; return nil })
		wantCode(t, err, steward.EFORBIDDEN)
		must(s.Customer(ctx, user, c.ID))
		must(s.Contact(ctx, user, k.ID))
		must(s.Location(ctx, user, l.ID))
		must(s.Asset(ctx, user, x.ID))
		must(s.Customers(ctx, user, steward.CustomerFilter{}))
		must(s.Contacts(ctx, user, steward.ContactFilter{}))
		must(s.Locations(ctx, user, steward.LocationFilter{}))
		must(s.Assets(ctx, user, steward.AssetFilter{}))
		must(s.AssetMovements(ctx, user, x.ID, steward.ListParams{}))
		must(s.Account(ctx, user))
		must(s.Me(ctx, user))

		// A technician may only change an asset's location.
		for name, err := range fleetWrites(s, tech, c, k, l, x) {
			if steward.ErrorCode(err) != steward.EFORBIDDEN {
				t.Errorf("technician %s: %v, want EFORBIDDEN", name, err)
			}
		}
		for name, change := range map[string]func(*steward.AssetFields){
			"owner":  func(f *steward.AssetFields) { f.OwnerCustomerID = nil },
			"serial": func(f *steward.AssetFields) { f.SerialNumber = "SN" },
			"year":   func(f *steward.AssetFields) { f.Year = ptr(2000) },
			"location and name": func(f *steward.AssetFields) {
				f.LocationID = &depot.ID
				f.Name = "renamed"
			},
		} {
			_, err := s.UpdateAsset(ctx, tech, x.ID, 0, func(f *steward.AssetFields) error { change(f); return nil })
			if steward.ErrorCode(err) != steward.EFORBIDDEN {
				t.Errorf("technician changes %s: %v, want EFORBIDDEN", name, err)
			}
		}
		moved := must(s.UpdateAsset(ctx, tech, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &depot.ID; return nil }))
		if *moved.LocationID != depot.ID || moved.Name != "X" || *moved.OwnerCustomerID != c.ID {
			t.Errorf("technician move = %+v", moved)
		}
		must(s.UpdateAsset(ctx, tech, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = nil; return nil }))
		// Setting the same values again is not a change and is allowed.
		must(s.UpdateAsset(ctx, tech, x.ID, 0, func(f *steward.AssetFields) error { f.Name = " X "; return nil }))
		if got := must(s.Asset(ctx, admin, x.ID)); got.LocationID != nil || got.Name != "X" {
			t.Errorf("asset after technician = %+v", got)
		}
		assertNoMismatch(t, s, o.acc.ID)

		// Admin-only: API keys, the account, the account-wide audit log.
		for _, nonAdmin := range []*steward.Actor{fleet, user, tech} {
			_, err := s.CreateAPIKey(ctx, nonAdmin, o.user.ID, steward.APIKeyFields{Name: "x", Role: steward.RoleUser})
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.APIKeys(ctx, nonAdmin)
			wantCode(t, err, steward.EFORBIDDEN)
			wantCode(t, s.RevokeAPIKey(ctx, nonAdmin, admin.ID), steward.EFORBIDDEN)
			_, err = s.UpdateAccount(ctx, nonAdmin, 0, func(f *steward.AccountFields) error { f.CustomersExternallyManaged = true; return nil })
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.AuditEvents(ctx, nonAdmin, steward.AuditFilter{})
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.AuditEvents(ctx, nonAdmin, steward.AuditFilter{ObjectType: steward.ObjectCustomer, Source: steward.SourceAPI})
			wantCode(t, err, steward.EFORBIDDEN)
			wantCode(t, s.EachAuditEvent(ctx, nonAdmin, steward.AuditFilter{}, func(*steward.AuditEvent) error { return nil }), steward.EFORBIDDEN)
			// One object's history is readable by anyone who may read.
			if p := must(s.AuditEvents(ctx, nonAdmin, steward.AuditFilter{ObjectID: x.ID})); len(p.Data) < 3 {
				t.Errorf("%s reads %d events of the asset", nonAdmin.Role, len(p.Data))
			}
			if p := must(s.AuditEvents(ctx, nonAdmin, steward.AuditFilter{CustomerID: c.ID})); len(p.Data) != 3 {
				t.Errorf("%s reads %d events of the customer", nonAdmin.Role, len(p.Data))
			}
		}
		if acc := must(s.Account(ctx, admin)); acc.CustomersExternallyManaged {
			t.Error("a non-admin changed the account")
		}
		if keys := must(s.APIKeys(ctx, admin)); len(keys) != 4 {
			t.Errorf("%d keys after refused creations, want 4", len(keys))
		}
		if _, err := s.Authenticate(ctx, "stw_"); err == nil {
			t.Error("authenticated garbage")
		}

		// A fleet admin writes the fleet.
		for name, err := range fleetWrites(s, fleet, c, k, l, x) {
			switch name {
			case "DeleteCustomer":
				if steward.ErrorCode(err) != steward.ECONFLICT { // still referenced
					t.Errorf("fleet admin %s: %v", name, err)
				}
			default:
				if err != nil {
					t.Errorf("fleet admin %s: %v", name, err)
				}
			}
		}
		// No actor at all is unauthorized.
		_, err = s.Customers(ctx, nil, steward.CustomerFilter{})
		wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.CreateAsset(ctx, nil, steward.AssetFields{Name: "x"})
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestExternallyManagedCustomers(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		admin := o.admin
		integration := o.keyActor(t, s, steward.RoleFleetAdmin, true)
		web := o.userActor()
		imp := &steward.Actor{Type: steward.ActorImport, ID: "job-1", Name: "import job-1", UserID: o.user.ID, AccountID: o.acc.ID,
			HomeAccount: o.acc.ID, Role: steward.RoleFleetAdmin, Source: steward.SourceImport}
		c := mkCustomer(t, s, admin, "C")
		k := mkContact(t, s, admin, c.ID, "K")
		l := mkLocation(t, s, admin, c.ID, "L")
		x := mkAsset(t, s, admin, "X", "", "")
		must(s.UpdateAccount(ctx, admin, 0, func(f *steward.AccountFields) error { f.CustomersExternallyManaged = true; return nil }))

		for _, actor := range []*steward.Actor{admin, web} {
			// The asset writes are allowed; they get an asset of their own.
			for name, err := range fleetWrites(s, actor, c, k, l, mkAsset(t, s, admin, "Throwaway", "", "")) {
				switch name {
				case "CreateAsset", "UpdateAsset name", "SetAssetArchived", "DeleteAsset":
					continue
				}
				e := asError(err)
				if e == nil || e.Code != steward.EFORBIDDEN || e.Kind != "externally-managed" {
					t.Errorf("%s %s on an externally managed customer: %v, want EFORBIDDEN kind externally-managed", actor.Type, name, err)
				}
			}
		}
		// Moving one of the account's own locations to a customer is a write to the customer's locations.
		depot := mkLocation(t, s, admin, "", "Depot")
		_, err := s.UpdateLocation(ctx, admin, depot.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &c.ID; return nil })
		if e := asError(err); e == nil || e.Kind != "externally-managed" {
			t.Errorf("moving own location to a managed customer: %v", err)
		}
		// Nothing changed.
		if got := must(s.Customer(ctx, admin, c.ID)); got.Notes != "" || got.ArchivedAt != nil || got.Version != 1 {
			t.Errorf("customer changed: %+v", got)
		}
		if n := len(allCustomers(t, s, admin, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll}})); n != 1 {
			t.Errorf("%d customers", n)
		}

		// The account's own locations stay writable.
		up := must(s.UpdateLocation(ctx, admin, depot.ID, 0, func(f *steward.LocationFields) error { f.Address.City = "Kiel"; return nil }))
		if up.Address.City != "Kiel" {
			t.Errorf("own location = %+v", up)
		}
		must(s.SetLocationArchived(ctx, admin, depot.ID, 0, true))
		must(s.SetLocationArchived(ctx, admin, depot.ID, 0, false))
		yard := mkLocation(t, s, web, "", "Yard")
		ok(t, s.DeleteLocation(ctx, admin, yard.ID, 0))

		// Assets can still be assigned to such customers and placed at their locations.
		y := must(s.CreateAsset(ctx, admin, steward.AssetFields{Name: "Y", OwnerCustomerID: &c.ID, LocationID: &l.ID}))
		must(s.UpdateAsset(ctx, web, x.ID, 0, func(f *steward.AssetFields) error { f.OwnerCustomerID = &c.ID; return nil }))
		must(s.SetAssetArchived(ctx, admin, y.ID, 0, true))
		if got := must(s.Customer(ctx, admin, c.ID)); countsOf(got) != (cnt{1, 0, 1, 1}) {
			t.Errorf("counts = %v", countsOf(got))
		}
		ok(t, s.DeleteAsset(ctx, admin, y.ID, 0))

		// Integration keys and imports may write them.
		for _, actor := range []*steward.Actor{integration, imp} {
			c2 := must(s.CreateCustomer(ctx, actor, steward.CustomerFields{Name: "From CRM " + string(actor.Type)}))
			k2 := must(s.CreateContact(ctx, actor, c2.ID, steward.ContactFields{Name: "Contact"}))
			l2 := must(s.CreateLocation(ctx, actor, steward.LocationFields{Name: "Site", CustomerID: &c2.ID}))
			must(s.UpdateCustomer(ctx, actor, c2.ID, 0, func(f *steward.CustomerFields) error { f.Notes = "synced"; return nil }))
			must(s.UpdateContact(ctx, actor, k2.ID, 0, func(f *steward.ContactFields) error { f.Title = "synced"; return nil }))
			must(s.UpdateLocation(ctx, actor, l2.ID, 0, func(f *steward.LocationFields) error { f.Address.City = "synced"; return nil }))
			must(s.SetContactArchived(ctx, actor, k2.ID, 0, true))
			must(s.SetLocationArchived(ctx, actor, l2.ID, 0, true))
			must(s.SetCustomerArchived(ctx, actor, c2.ID, 0, true))
			ok(t, s.DeleteContact(ctx, actor, k2.ID, 0))
			ok(t, s.DeleteLocation(ctx, actor, l2.ID, 0))
			ok(t, s.DeleteCustomer(ctx, actor, c2.ID, 0))
		}
		// The import's changes are recorded as the import's.
		ev := allAudit(t, s, admin, steward.AuditFilter{Source: steward.SourceImport})
		if len(ev) != 12 || ev[0].Actor.Type != steward.ActorImport || ev[0].Actor.ID != "job-1" {
			t.Errorf("import events: %d, first %+v", len(ev), ev[0].Actor)
		}
		// The system may write them too.
		must(s.CreateCustomer(ctx, steward.SystemActor(o.acc.ID), steward.CustomerFields{Name: "Seeded"}))

		// Turning the setting off makes them writable for people again.
		must(s.UpdateAccount(ctx, admin, 0, func(f *steward.AccountFields) error { f.CustomersExternallyManaged = false; return nil }))
		must(s.UpdateCustomer(ctx, web, c.ID, 0, func(f *steward.CustomerFields) error { f.Notes = "by hand"; return nil }))
		// The setting of one org does not affect another.
		o2 := newOrg(t, s)
		must(s.UpdateAccount(ctx, admin, 0, func(f *steward.AccountFields) error { f.CustomersExternallyManaged = true; return nil }))
		mkCustomer(t, s, o2.admin, "Other org's customer")
	})
}
