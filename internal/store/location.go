package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/steward-fleet/steward/internal/steward"
)

const locationCols = `l.id, l.account_id, l.name, l.customer_id, l.external_ref, l.street, l.postal_code, l.city,
	l.region, l.country, l.latitude, l.longitude, l.radius_m, l.asset_count, l.created_at, l.updated_at, l.archived_at, l.version`

func scanLocation(row interface{ Scan(...any) error }, extra ...any) (*steward.Location, error) {
	var l steward.Location
	var cust sql.NullString
	var lat, lon sql.NullFloat64
	var radius sql.NullInt64
	var created, updated int64
	var archived sql.NullInt64
	dest := []any{&l.ID, &l.AccountID, &l.Name, &cust, &l.ExternalRef, &l.Address.Street, &l.Address.PostalCode,
		&l.Address.City, &l.Address.Region, &l.Address.Country, &lat, &lon, &radius, &l.AssetCount,
		&created, &updated, &archived, &l.Version}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	l.CustomerID, l.Latitude, l.Longitude, l.RadiusM = strPtr(cust), floatPtr(lat), floatPtr(lon), intPtr(radius)
	l.CreatedAt, l.UpdatedAt, l.ArchivedAt = steward.FromMicros(created), steward.FromMicros(updated), steward.TimestampPtr(int64Ptr(archived))
	return &l, nil
}

var locationList = listSpec{kind: "locations", alias: "l", cols: locationCols, def: "name",
	sorts: sortKeys(steward.LocationSorts), names: steward.LocationSorts}

// Locations returns one page of locations.
func (s *Store) Locations(ctx context.Context, a *steward.Actor, f steward.LocationFilter) (*steward.Page[steward.Location], error) {
	lq := listQuery{check: f.Check, refs: []filterRef{{"customer_id", "customers", f.CustomerID}}}
	if f.CustomerID != "" {
		lq.where("l.customer_id = ?", f.CustomerID)
	}
	if f.Own {
		lq.where("l.customer_id IS NULL")
	}
	lq.sigExt = []any{f.CustomerID, f.Own}
	return list(ctx, s, locationList, a, f.ListParams, lq, func(rows *sql.Rows, key *any) (steward.Location, string, error) {
		l, err := scanLocation(rows, key)
		if err != nil {
			return steward.Location{}, "", err
		}
		return *l, l.ID, nil
	})
}

// Location returns one location.
func (s *Store) Location(ctx context.Context, a *steward.Actor, id string) (*steward.Location, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	return getLocation(ctx, s.reader(), a.AccountID, id, "")
}

func getLocation(ctx context.Context, r q, accountID, id, lock string) (*steward.Location, error) {
	l, err := scanLocation(r.row(ctx, "SELECT "+locationCols+" FROM locations l WHERE l.account_id = ? AND l.id = ?"+lock, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.NotFound("location")
	}
	return l, err
}

// requireRef returns EINVALID on field when id names no row of table in the account. lock is
// "" or t.d.forUpdate(): a locked row cannot be deleted before the referencing write commits
// (callers lock only where it keeps the lock order of Store.write).
func (t *tx) requireRef(ctx context.Context, table, accountID, field string, id *string, lock string) error {
	if id == nil {
		return nil
	}
	var one int
	err := t.row(ctx, "SELECT 1 FROM "+table+" WHERE account_id = ? AND id = ?"+lock, accountID, *id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return steward.Invalid(field, "names no %s of this account", singular(table))
	}
	return err
}

func locationSearch(f *steward.LocationFields) string {
	return searchText(f.Name, f.ExternalRef, f.Address.City, f.Address.Street)
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
		if f.CustomerID != nil {
			if err := t.requireCustomersWritable(ctx, a); err != nil {
				return err
			}
		}
		if err := t.requireRef(ctx, "customers", a.AccountID, "customer_id", f.CustomerID, t.d.forUpdate()); err != nil {
			return err
		}
		if err := t.requireUnique(ctx, "locations", a.AccountID, "external_ref", f.ExternalRef, ""); err != nil {
			return err
		}
		l.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
		if _, err := t.exec(ctx, `INSERT INTO locations (account_id, id, customer_id, name, name_key, search, external_ref,
			street, postal_code, city, region, country, latitude, longitude, radius_m, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			a.AccountID, l.ID, nullStr(f.CustomerID), f.Name, fold(f.Name), locationSearch(&f), f.ExternalRef,
			f.Address.Street, f.Address.PostalCode, f.Address.City, f.Address.Region, f.Address.Country,
			nullFloat(f.Latitude), nullFloat(f.Longitude), nullInt(f.RadiusM), t.now.Micros(), t.now.Micros()); err != nil {
			return err
		}
		if err := t.addLocationCount(ctx, a.AccountID, f.CustomerID, 1); err != nil {
			return err
		}
		if err := t.recordIdempotency(ctx, steward.ObjectLocation, l.ID, l); err != nil {
			return err
		}
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectLocation,
			objectID: l.ID, objectName: l.Name, customerID: f.CustomerID, changes: diff(nil, f)})
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// UpdateLocation edits a location. Moving it to another customer moves the assets standing there
// with it: their location_customer_id and the customers' counts follow in the same transaction.
func (s *Store) UpdateLocation(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.LocationFields) error) (*steward.Location, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var out *steward.Location
	err := s.write(ctx, func(t *tx) error {
		cur, err := getLocation(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		f := cur.LocationFields
		if err := change(&f); err != nil {
			return err
		}
		if err := f.Normalize(); err != nil {
			return err
		}
		if cur.CustomerID != nil || f.CustomerID != nil {
			if err := t.requireCustomersWritable(ctx, a); err != nil {
				return err
			}
		}
		out = cur
		changes := diff(cur.LocationFields, f)
		if len(changes) == 0 {
			return nil
		}
		if f.ExternalRef != cur.ExternalRef {
			if err := t.requireUnique(ctx, "locations", a.AccountID, "external_ref", f.ExternalRef, id); err != nil {
				return err
			}
		}
		moved, left := !sameRef(cur.CustomerID, f.CustomerID), cur.CustomerID
		if moved {
			// Not locked here: customers come after the assets this move re-points.
			if err := t.requireRef(ctx, "customers", a.AccountID, "customer_id", f.CustomerID, ""); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE locations SET customer_id = ?, name = ?, name_key = ?, search = ?, external_ref = ?,
			street = ?, postal_code = ?, city = ?, region = ?, country = ?, latitude = ?, longitude = ?, radius_m = ?,
			updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ?`,
			nullStr(f.CustomerID), f.Name, fold(f.Name), locationSearch(&f), f.ExternalRef, f.Address.Street,
			f.Address.PostalCode, f.Address.City, f.Address.Region, f.Address.Country, nullFloat(f.Latitude),
			nullFloat(f.Longitude), nullInt(f.RadiusM), t.now.Micros(), a.AccountID, id); err != nil {
			return err
		}
		if moved {
			if err := t.moveLocationCustomer(ctx, a.AccountID, cur, f.CustomerID); err != nil {
				return err
			}
		}
		out.LocationFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
		// The event belongs to the customer the location is at now (or, moved to none, the one it
		// left); a location that moved from one customer to another names the one it left too.
		cust := f.CustomerID
		if cust == nil {
			cust, left = left, nil
		} else if !moved {
			left = nil
		}
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectLocation,
			objectID: id, objectName: f.Name, customerID: cust, previousCustomerID: left, changes: changes})
	})
	return out, err
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
	_, err = t.exec(ctx, "UPDATE assets SET location_customer_id = ? WHERE account_id = ? AND location_id = ?",
		nullStr(to), accountID, cur.ID)
	return err
}

func sameRef(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// SetLocationArchived archives or unarchives a location; assets standing there stay there.
func (s *Store) SetLocationArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Location, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var out *steward.Location
	err := s.write(ctx, func(t *tx) error {
		cur, err := getLocation(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if cur.CustomerID != nil {
			if err := t.requireCustomersWritable(ctx, a); err != nil {
				return err
			}
		}
		out = cur
		was := cur.ArchivedAt != nil
		if err := t.setArchived(ctx, a, "locations", steward.ObjectLocation, &cur.Meta, id, cur.Name, cur.CustomerID, ifMatch, archived); err != nil {
			return err
		}
		if was != archived {
			delta := int64(1)
			if archived {
				delta = -1
			}
			return t.addLocationCount(ctx, a.AccountID, cur.CustomerID, delta)
		}
		return nil
	})
	return out, err
}

// DeleteLocation deletes a location no asset stands at.
func (s *Store) DeleteLocation(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		cur, err := getLocation(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if cur.CustomerID != nil {
			if err := t.requireCustomersWritable(ctx, a); err != nil {
				return err
			}
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		if err := t.refuseReferenced(ctx, a.AccountID, "location", []reference{
			{"assets", "asset", "SELECT COUNT(*) FROM assets WHERE account_id = ? AND location_id = ?"},
		}, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "DELETE FROM locations WHERE account_id = ? AND id = ?", a.AccountID, id); err != nil {
			return err
		}
		if cur.ArchivedAt == nil {
			if err := t.addLocationCount(ctx, a.AccountID, cur.CustomerID, -1); err != nil {
				return err
			}
		}
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectLocation,
			objectID: id, objectName: cur.Name, customerID: cur.CustomerID, changes: diff(cur.LocationFields, nil)})
	})
}
