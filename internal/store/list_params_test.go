package store_test

import (
	"fmt"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestListParamErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "C1")
		mkCustomer(t, s, a, "C2")
		l := mkLocation(t, s, a, c.ID, "L1")
		mkLocation(t, s, a, c.ID, "L2")
		mkContact(t, s, a, c.ID, "K1")
		mkContact(t, s, a, c.ID, "K2")
		mkAsset(t, s, a, "X1", c.ID, l.ID)
		mkAsset(t, s, a, "X2", c.ID, l.ID)

		cp := must(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 1}}))
		kp := must(s.Contacts(ctx, a, steward.ContactFilter{ListParams: steward.ListParams{Limit: 1}}))
		lp := must(s.Locations(ctx, a, steward.LocationFilter{ListParams: steward.ListParams{Limit: 1}}))
		xp := must(s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Limit: 1}}))
		for _, p := range []*string{cp.NextCursor, kp.NextCursor, lp.NextCursor, xp.NextCursor} {
			if p == nil {
				t.Fatal("first page of two has no next cursor")
			}
		}
		cc, kc, lc, xc := *cp.NextCursor, *kp.NextCursor, *lp.NextCursor, *xp.NextCursor
		lim := func(sort string, cur string) steward.ListParams {
			return steward.ListParams{Limit: 1, Sort: sort, Cursor: cur}
		}
		// The cursor is accepted with the same list.
		must(s.Customers(ctx, a, steward.CustomerFilter{ListParams: lim("", cc)}))
		for name, err := range map[string]error{
			"customers other sort":           second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: lim("-name", cc)})),
			"customers other status":         second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 1, Cursor: cc, Status: steward.StatusAll}})),
			"customers other q":              second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 1, Cursor: cc, Q: "c"}})),
			"customers other type":           second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: lim("", cc), Type: steward.CustomerOther})),
			"customers with contacts cursor": second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: lim("", kc)})),
			"contacts other sort":            second(s.Contacts(ctx, a, steward.ContactFilter{ListParams: lim("created_at", kc)})),
			"contacts other customer":        second(s.Contacts(ctx, a, steward.ContactFilter{ListParams: lim("", kc), CustomerID: c.ID})),
			"locations other sort":           second(s.Locations(ctx, a, steward.LocationFilter{ListParams: lim("asset_count", lc)})),
			"locations own":                  second(s.Locations(ctx, a, steward.LocationFilter{ListParams: lim("", lc), Own: true})),
			"locations other customer":       second(s.Locations(ctx, a, steward.LocationFilter{ListParams: lim("", lc), CustomerID: c.ID})),
			"assets other sort":              second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("serial_number", xc)})),
			"assets other owner":             second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("", xc), OwnerCustomerID: c.ID})),
			"assets other location":          second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("", xc), LocationID: l.ID})),
			"assets other location customer": second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("", xc), LocationCustomerID: c.ID})),
			"assets with locations cursor":   second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("", lc)})),
			"garbage":                        second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("", "!!not a cursor!!")})),
			"truncated":                      second(s.Assets(ctx, a, steward.AssetFilter{ListParams: lim("", xc[:len(xc)/2])})),
		} {
			if e := asError(err); e == nil || e.Code != steward.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" {
				t.Errorf("%s: %v, want EINVALID on cursor", name, err)
			}
		}
		for name, err := range map[string]error{
			"customers": second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 501}})),
			"contacts":  second(s.Contacts(ctx, a, steward.ContactFilter{ListParams: steward.ListParams{Limit: 501}})),
			"locations": second(s.Locations(ctx, a, steward.LocationFilter{ListParams: steward.ListParams{Limit: 1000}})),
			"assets":    second(s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Limit: -5}})),
		} {
			if e := asError(err); e == nil || e.Code != steward.EINVALID || e.Fields[0].Field != "limit" {
				t.Errorf("%s limit: %v", name, err)
			}
		}
		must(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 500}}))
		for name, err := range map[string]error{
			"customers": second(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Sort: "email"}})),
			"contacts":  second(s.Contacts(ctx, a, steward.ContactFilter{ListParams: steward.ListParams{Sort: "-asset_count"}})),
			"locations": second(s.Locations(ctx, a, steward.LocationFilter{ListParams: steward.ListParams{Sort: "name; DROP TABLE locations"}})),
			"assets":    second(s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Sort: "NAME"}})),
		} {
			if e := asError(err); e == nil || e.Code != steward.EINVALID || e.Fields[0].Field != "sort" {
				t.Errorf("%s sort: %v", name, err)
			}
		}
		for name, err := range map[string]error{
			"contacts":  second(s.Contacts(ctx, a, steward.ContactFilter{ListParams: steward.ListParams{Status: "gone"}})),
			"locations": second(s.Locations(ctx, a, steward.LocationFilter{ListParams: steward.ListParams{Status: "ARCHIVED"}})),
			"assets":    second(s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Status: "x"}})),
		} {
			if e := asError(err); e == nil || e.Code != steward.EINVALID || e.Fields[0].Field != "status" {
				t.Errorf("%s status: %v", name, err)
			}
		}
		// Default page size is 50, the last page has no cursor.
		for i := 0; i < 52; i++ {
			mkAsset(t, s, a, fmt.Sprint("bulk ", i), "", "")
		}
		p := must(s.Assets(ctx, a, steward.AssetFilter{}))
		if len(p.Data) != 50 || p.NextCursor == nil {
			t.Errorf("default page: %d rows, cursor %v", len(p.Data), p.NextCursor != nil)
		}
		p = must(s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Cursor: *p.NextCursor}}))
		if len(p.Data) != 4 || p.NextCursor != nil {
			t.Errorf("second page: %d rows, cursor %v", len(p.Data), p.NextCursor != nil)
		}
		p = must(s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Limit: 54}}))
		if len(p.Data) != 54 || p.NextCursor != nil {
			t.Errorf("exact page: %d rows, cursor %v", len(p.Data), p.NextCursor != nil)
		}
	})
}

func second[T any](_ T, err error) error { return err }
