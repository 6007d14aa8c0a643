package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/steward-fleet/steward/internal/steward"
)

const customerCols = `c.id, c.account_id, c.name, c.type, c.external_ref, c.email, c.phone, c.website, c.street,
	c.postal_code, c.city, c.region, c.country, c.notes, c.location_count, c.assets_on_location_count,
	c.assets_owned_count, c.assets_owned_elsewhere_count, c.created_at, c.updated_at, c.archived_at, c.version`

func scanCustomer(row interface{ Scan(...any) error }, extra ...any) (*steward.Customer, error) {
	var c steward.Customer
	var created, updated int64
	var archived sql.NullInt64
	dest := []any{&c.ID, &c.AccountID, &c.Name, &c.Type, &c.ExternalRef, &c.Email, &c.Phone, &c.Website,
		&c.Address.Street, &c.Address.PostalCode, &c.Address.City, &c.Address.Region, &c.Address.Country, &c.Notes,
		&c.LocationCount, &c.AssetsOnLocationCount, &c.AssetsOwnedCount, &c.AssetsOwnedElsewhereCount,
		&created, &updated, &archived, &c.Version}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.ArchivedAt = steward.FromMicros(created), steward.FromMicros(updated), steward.TimestampPtr(int64Ptr(archived))
	return &c, nil
}

var customerList = listSpec{kind: "customers", alias: "c", cols: customerCols, def: "name",
	sorts: sortKeys(steward.CustomerSorts), names: steward.CustomerSorts}

// Customers returns one page of the account's customers.
func (s *Store) Customers(ctx context.Context, a *steward.Actor, f steward.CustomerFilter) (*steward.Page[steward.Customer], error) {
	lq := listQuery{check: f.Check}
	if f.Type != "" {
		lq.where("c.type = ?", string(f.Type))
	}
	lq.sigExt = []any{f.Type}
	return list(ctx, s, customerList, a, f.ListParams, lq, func(rows *sql.Rows, key *any) (steward.Customer, string, error) {
		c, err := scanCustomer(rows, key)
		if err != nil {
			return steward.Customer{}, "", err
		}
		return *c, c.ID, nil
	})
}

// Customer returns one customer.
func (s *Store) Customer(ctx context.Context, a *steward.Actor, id string) (*steward.Customer, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	return getCustomer(ctx, s.reader(), a.AccountID, id, "")
}

func getCustomer(ctx context.Context, r q, accountID, id, lock string) (*steward.Customer, error) {
	c, err := scanCustomer(r.row(ctx, "SELECT "+customerCols+" FROM customers c WHERE c.account_id = ? AND c.id = ?"+lock, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.NotFound("customer")
	}
	return c, err
}

// customerKeys returns the derived columns of a customer's fields.
func customerKeys(f *steward.CustomerFields) (nameKey, search string) {
	return fold(f.Name), searchText(f.Name, f.ExternalRef, f.Email)
}

// CreateCustomer stores a new customer.
func (s *Store) CreateCustomer(ctx context.Context, a *steward.Actor, f steward.CustomerFields) (*steward.Customer, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	c := &steward.Customer{ID: newID(), AccountID: a.AccountID, CustomerFields: f}
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		if err := t.requireUnique(ctx, "customers", a.AccountID, "external_ref", f.ExternalRef, ""); err != nil {
			return err
		}
		c.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
		nameKey, search := customerKeys(&f)
		if _, err := t.exec(ctx, `INSERT INTO customers (account_id, id, name, name_key, search, type, external_ref, email,
			phone, website, street, postal_code, city, region, country, notes, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			a.AccountID, c.ID, f.Name, nameKey, search, string(f.Type), f.ExternalRef, f.Email, f.Phone, f.Website,
			f.Address.Street, f.Address.PostalCode, f.Address.City, f.Address.Region, f.Address.Country, f.Notes,
			t.now.Micros(), t.now.Micros()); err != nil {
			return err
		}
		if err := t.recordIdempotency(ctx, steward.ObjectCustomer, c.ID, c); err != nil {
			return err
		}
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectCustomer,
			objectID: c.ID, objectName: c.Name, customerID: &c.ID, changes: diff(nil, f)})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCustomer edits a customer's fields.
func (s *Store) UpdateCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.CustomerFields) error) (*steward.Customer, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var out *steward.Customer
	err := s.write(ctx, func(t *tx) error {
		cur, err := getCustomer(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		f := cur.CustomerFields
		if err := change(&f); err != nil {
			return err
		}
		if err := f.Normalize(); err != nil {
			return err
		}
		out = cur
		changes := diff(cur.CustomerFields, f)
		if len(changes) == 0 {
			return nil
		}
		if f.ExternalRef != cur.ExternalRef {
			if err := t.requireUnique(ctx, "customers", a.AccountID, "external_ref", f.ExternalRef, id); err != nil {
				return err
			}
		}
		nameKey, search := customerKeys(&f)
		if _, err := t.exec(ctx, `UPDATE customers SET name = ?, name_key = ?, search = ?, type = ?, external_ref = ?,
			email = ?, phone = ?, website = ?, street = ?, postal_code = ?, city = ?, region = ?, country = ?, notes = ?,
			updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ?`,
			f.Name, nameKey, search, string(f.Type), f.ExternalRef, f.Email, f.Phone, f.Website, f.Address.Street,
			f.Address.PostalCode, f.Address.City, f.Address.Region, f.Address.Country, f.Notes, t.now.Micros(), a.AccountID, id); err != nil {
			return err
		}
		out.CustomerFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectCustomer,
			objectID: id, objectName: f.Name, customerID: &out.ID, changes: changes})
	})
	return out, err
}

// SetCustomerArchived archives or unarchives a customer; its locations, contacts and assets keep
// their state. Archiving an archived customer changes nothing.
func (s *Store) SetCustomerArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Customer, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var out *steward.Customer
	err := s.write(ctx, func(t *tx) error {
		cur, err := getCustomer(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		out = cur
		return t.setArchived(ctx, a, "customers", steward.ObjectCustomer, &cur.Meta, id, cur.Name, &cur.ID, ifMatch, archived)
	})
	return out, err
}

// setArchived is the archive/unarchive step every object shares: check If-Match, set or clear
// archived_at, bump the version, and record it. meta is updated in place.
func (t *tx) setArchived(ctx context.Context, a *steward.Actor, table, objectType string, meta *steward.Meta, id, name string,
	customerID *string, ifMatch int64, archived bool) error {
	if ifMatch != 0 && ifMatch != meta.Version {
		return preconditionFailed()
	}
	if (meta.ArchivedAt != nil) == archived {
		return nil
	}
	before := meta.ArchivedAt
	now := t.now
	meta.ArchivedAt = nil
	action := steward.ActionUnarchive
	if archived {
		meta.ArchivedAt, action = &now, steward.ActionArchive
	}
	meta.UpdatedAt, meta.Version = now, meta.Version+1
	if _, err := t.exec(ctx, "UPDATE "+table+" SET archived_at = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ?",
		archivedMicros(archived, now), now.Micros(), a.AccountID, id); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: action, objectType: objectType, objectID: id, objectName: name,
		customerID: customerID, changes: archiveChange(before, meta.ArchivedAt)})
}

// DeleteCustomer deletes a customer nothing references.
func (s *Store) DeleteCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		cur, err := getCustomer(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		if err := t.refuseReferenced(ctx, a.AccountID, "customer", []reference{
			{"locations", "location", "SELECT COUNT(*) FROM locations WHERE account_id = ? AND customer_id = ?"},
			{"contacts", "contact", "SELECT COUNT(*) FROM contacts WHERE account_id = ? AND customer_id = ?"},
			{"assets_owned", "owned asset", "SELECT COUNT(*) FROM assets WHERE account_id = ? AND owner_customer_id = ?"},
		}, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "DELETE FROM customers WHERE account_id = ? AND id = ?", a.AccountID, id); err != nil {
			return err
		}
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectCustomer,
			objectID: id, objectName: cur.Name, customerID: &cur.ID, changes: diff(cur.CustomerFields, nil)})
	})
}

// reference is one kind of row that can keep an object from being deleted.
type reference struct {
	field string // the errors[].field of the refusal
	noun  string // singular, for the message; the plural adds an s
	count string // SELECT COUNT(*) … WHERE account_id = ? AND <ref> = ?
}

// refuseReferenced returns ECONFLICT with one entry per kind of reference that still exists
// (archived ones included), suggesting archiving instead.
func (t *tx) refuseReferenced(ctx context.Context, accountID, kind string, refs []reference, id string) error {
	var v []steward.FieldError
	for _, r := range refs {
		var n int64
		if err := t.row(ctx, r.count, accountID, id).Scan(&n); err != nil {
			return err
		}
		switch {
		case n == 1:
			v = append(v, steward.FieldError{Field: r.field, Message: fmt.Sprintf("1 %s references it", r.noun)})
		case n > 1:
			v = append(v, steward.FieldError{Field: r.field, Message: fmt.Sprintf("%d %ss reference it", n, r.noun)})
		}
	}
	if len(v) == 0 {
		return nil
	}
	return &steward.Error{Code: steward.ECONFLICT, Fields: v,
		Message: fmt.Sprintf("the %s is still referenced and cannot be deleted; archive it instead to hide it", kind)}
}

// requireUnique returns ECONFLICT naming column when another row of the account (archived ones
// included) already has value; "" is never a conflict.
func (t *tx) requireUnique(ctx context.Context, table, accountID, column, value, exceptID string) error {
	if value == "" {
		return nil
	}
	var other string
	err := t.row(ctx, "SELECT id FROM "+table+" WHERE account_id = ? AND "+column+" = ? AND id <> ?",
		accountID, value, exceptID).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	field := column
	if column == "serial_key" {
		field = "serial_number"
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: fmt.Sprintf("another object already has this %s", field),
		Fields: []steward.FieldError{{Field: field, Message: fmt.Sprintf("is already used by %s %s", singular(table), other)}}}
}

func singular(table string) string { return table[:len(table)-1] }
