package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

type location = steward.Location

// locations describes the locations table.
var locations = (&entity[location]{
	table: &table{name: "locations", alias: "l", noun: "location", objectType: steward.ObjectLocation, tenant: true, versioned: true},
	id:    func(l *location) string { return l.ID },
	keys: func(l *location) derived {
		return derived{nameKey: fold(l.Name), search: searchText(l.Name, l.ExternalRef, l.Address.City, l.Address.Street)}
	},
	cols: append(append([]column[location]{
		{name: "id", kind: colInsert, ptr: func(l *location) any { return &l.ID }, val: func(l *location) any { return l.ID }},
		{name: "account_id", kind: colInsert, ptr: func(l *location) any { return &l.AccountID }, val: func(l *location) any { return l.AccountID }},
		{name: "name", ptr: func(l *location) any { return &l.Name }, val: func(l *location) any { return l.Name }},
		{name: "customer_id", ptr: func(l *location) any { return nullable[string]{&l.CustomerID} }, val: func(l *location) any { return nullText(l.CustomerID) }},
		{name: "external_ref", ptr: func(l *location) any { return &l.ExternalRef }, val: func(l *location) any { return l.ExternalRef }},
		{name: "street", ptr: func(l *location) any { return &l.Address.Street }, val: func(l *location) any { return l.Address.Street }},
		{name: "postal_code", ptr: func(l *location) any { return &l.Address.PostalCode }, val: func(l *location) any { return l.Address.PostalCode }},
		{name: "city", ptr: func(l *location) any { return &l.Address.City }, val: func(l *location) any { return l.Address.City }},
		{name: "region", ptr: func(l *location) any { return &l.Address.Region }, val: func(l *location) any { return l.Address.Region }},
		{name: "country", ptr: func(l *location) any { return &l.Address.Country }, val: func(l *location) any { return l.Address.Country }},
		{name: "latitude", ptr: func(l *location) any { return nullable[float64]{&l.Latitude} }, val: func(l *location) any { return null(l.Latitude) }},
		{name: "longitude", ptr: func(l *location) any { return nullable[float64]{&l.Longitude} }, val: func(l *location) any { return null(l.Longitude) }},
		{name: "radius_m", ptr: func(l *location) any { return nullableInt{&l.RadiusM} }, val: func(l *location) any { return null(l.RadiusM) }},
		{name: "asset_count", kind: colReadOnly, ptr: func(l *location) any { return &l.AssetCount }},
	}, metaCols(func(l *location) *steward.Meta { return &l.Meta })...), derivedCols[location]()...),
}).build()

var locationList = locations.listSpec(steward.LocationSorts)

// Locations returns one page of locations.
func (s *Store) Locations(ctx context.Context, a *steward.Actor, f steward.LocationFilter) (*steward.Page[steward.Location], error) {
	lq := listQuery{check: f.Check, refs: []filterRef{{"customer_id", customers.table, f.CustomerID}}}
	if f.CustomerID != "" {
		lq.where("l.customer_id = ?", f.CustomerID)
	}
	if f.Own {
		lq.where("l.customer_id IS NULL")
	}
	lq.sigExt = []any{f.CustomerID, f.Own}
	summed, err := s.summable(ctx, a)
	if err != nil {
		return nil, err
	}
	if scoped(a) {
		lq.countSort = func(column string) *scopedCount { return scopedCountOf(a, locations.table, column, summed) }
	}
	page, err := list(ctx, s, locationList, a, f.ListParams, lq, locations.lister())
	if err != nil {
		return nil, err
	}
	return page, s.scopeLocationCounts(ctx, a, summed, page.Data)
}

// Location returns one location.
func (s *Store) Location(ctx context.Context, a *steward.Actor, id string) (*steward.Location, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	l, err := locations.get(ctx, s.reader(), a.AccountID, id, noLock)
	if err != nil {
		return nil, err
	}
	one := []steward.Location{*l}
	summed, err := s.summable(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := s.scopeLocationCounts(ctx, a, summed, one); err != nil {
		return nil, err
	}
	return &one[0], nil
}

// CreateLocation stores a new location.
func (s *Store) CreateLocation(ctx context.Context, a *steward.Actor, f steward.LocationFields) (*steward.Location, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	l := &steward.Location{ID: newID(), AccountID: a.AccountID, LocationFields: f}
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		if err := t.createLocation(ctx, a, l); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectLocation, l.ID, l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// createLocation stores l, whose fields are normalized, as a new location of a's account, with
// its customer's count and its audit row.
func (t *tx) createLocation(ctx context.Context, a *steward.Actor, l *steward.Location) error {
	if l.CustomerID != nil {
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
	}
	if err := t.requireRef(ctx, customers.table, a.AccountID, "customer_id", l.CustomerID, lockWrite); err != nil {
		return err
	}
	if err := t.requireUnique(ctx, a, locations.table, "external_ref", l.ExternalRef, ""); err != nil {
		return err
	}
	l.AccountID, l.AssetCount = a.AccountID, 0
	l.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := locations.insert(ctx, t, l); err != nil {
		return err
	}
	if err := t.addLocationCount(ctx, a.AccountID, l.CustomerID, 1); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectLocation,
		objectID: l.ID, objectName: l.Name, customerID: l.CustomerID, changes: diff(nil, l.LocationFields)})
}

// UpdateLocation edits a location. Moving it to another customer moves the assets standing there
// with it: their location_customer_id and the customers' counts follow in the same transaction.
func (s *Store) UpdateLocation(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.LocationFields) error) (*steward.Location, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Location, error) {
		return t.updateLocation(ctx, a, id, ifMatch, change)
	})
}

func (t *tx) updateLocation(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.LocationFields) error) (*steward.Location, error) {
	cur, err := locations.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return nil, err
	}
	f := cur.LocationFields
	if err := change(&f); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	if cur.CustomerID != nil || f.CustomerID != nil {
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return nil, err
		}
	}
	changes := diff(cur.LocationFields, f)
	if len(changes) == 0 {
		return cur, nil
	}
	if f.ExternalRef != cur.ExternalRef {
		if err := t.requireUnique(ctx, a, locations.table, "external_ref", f.ExternalRef, id); err != nil {
			return nil, err
		}
	}
	moved, left := !sameRef(cur.CustomerID, f.CustomerID), cur.CustomerID
	if moved {
		// Not locked here: customers come after the assets this move re-points.
		if err := t.requireRef(ctx, customers.table, a.AccountID, "customer_id", f.CustomerID, noLock); err != nil {
			return nil, err
		}
	}
	out := *cur
	out.LocationFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
	if err := locations.update(ctx, t, a.AccountID, &out); err != nil {
		return nil, err
	}
	if moved {
		if err := t.moveLocationCustomer(ctx, a.AccountID, cur, f.CustomerID); err != nil {
			return nil, err
		}
	}
	// The event belongs to the customer the location is at now (or, moved to none, the one it
	// left); a location that moved from one customer to another names the one it left too.
	cust := f.CustomerID
	if cust == nil {
		cust, left = left, nil
	} else if !moved {
		left = nil
	}
	return &out, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectLocation,
		objectID: id, objectName: f.Name, customerID: cust, previousCustomerID: left, changes: changes})
}

// moveLocationCustomer re-points the assets at a location to its new customer and recounts every
// customer whose counts that touches.
func (t *tx) moveLocationCustomer(ctx context.Context, accountID string, cur *steward.Location, to *string) error {
	t.markRecount(accountID, cur.CustomerID)
	t.markRecount(accountID, to)
	rows, err := t.query(ctx, `SELECT DISTINCT owner_customer_id FROM assets
		WHERE account_id = ? AND location_id = ? AND owner_customer_id IS NOT NULL`, accountID, cur.ID)
	if err != nil {
		return err
	}
	var owners []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return err
		}
		owners = append(owners, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range owners {
		t.markRecount(accountID, &owners[i])
	}
	if _, err = t.exec(ctx, "UPDATE assets SET location_customer_id = ? WHERE account_id = ? AND location_id = ?",
		nullText(to), accountID, cur.ID); err != nil {
		return err
	}
	return t.moveLocationGroupAssets(ctx, accountID, cur.ID, to)
}

func sameRef(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// SetLocationArchived archives or unarchives a location; assets standing there stay there.
func (s *Store) SetLocationArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Location, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Location, error) {
		return t.setLocationArchived(ctx, a, id, ifMatch, archived)
	})
}

func (t *tx) setLocationArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Location, error) {
	cur, err := locations.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := t.mayChange(ctx, a, cur.CustomerID != nil, ifMatch, cur.Version); err != nil {
		return nil, err
	}
	was := cur.ArchivedAt != nil
	if err := t.setArchived(ctx, a, locations.table, &cur.Meta, subject{id, cur.Name, cur.CustomerID}, archived); err != nil {
		return nil, err
	}
	if was != archived {
		delta := int64(1)
		if archived {
			delta = -1
		}
		return cur, t.addLocationCount(ctx, a.AccountID, cur.CustomerID, delta)
	}
	return cur, nil
}

// DeleteLocation deletes a location no asset stands at.
func (s *Store) DeleteLocation(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error { return t.deleteLocation(ctx, a, id, ifMatch) })
}

func (t *tx) deleteLocation(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	cur, err := locations.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return err
	}
	if err := t.mayChange(ctx, a, cur.CustomerID != nil, ifMatch, cur.Version); err != nil {
		return err
	}
	if err := t.refuseReferenced(ctx, a, locations.table, id,
		reference{field: "assets", from: assets.table, column: "location_id"}); err != nil {
		return err
	}
	if err := t.deleteRow(ctx, locations.table, a.AccountID, id); err != nil {
		return err
	}
	if cur.ArchivedAt == nil {
		if err := t.addLocationCount(ctx, a.AccountID, cur.CustomerID, -1); err != nil {
			return err
		}
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectLocation,
		objectID: id, objectName: cur.Name, customerID: cur.CustomerID, changes: diff(cur.LocationFields, nil)})
}
