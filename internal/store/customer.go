package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

type customer = steward.Customer

// customers describes the customers table.
var customers = (&entity[customer]{
	table: &table{name: "customers", alias: "c", noun: "customer", objectType: steward.ObjectCustomer, tenant: true, versioned: true},
	id:    func(c *customer) string { return c.ID },
	keys: func(c *customer) derived {
		return derived{nameKey: fold(c.Name), search: searchText(c.Name, c.ExternalRef, c.Email)}
	},
	cols: append(append([]column[customer]{
		{name: "id", kind: colInsert, ptr: func(c *customer) any { return &c.ID }, val: func(c *customer) any { return c.ID }},
		{name: "account_id", kind: colInsert, ptr: func(c *customer) any { return &c.AccountID }, val: func(c *customer) any { return c.AccountID }},
		{name: "name", ptr: func(c *customer) any { return &c.Name }, val: func(c *customer) any { return c.Name }},
		{name: "type", ptr: func(c *customer) any { return &c.Type }, val: func(c *customer) any { return string(c.Type) }},
		{name: "external_ref", ptr: func(c *customer) any { return &c.ExternalRef }, val: func(c *customer) any { return c.ExternalRef }},
		{name: "email", ptr: func(c *customer) any { return &c.Email }, val: func(c *customer) any { return c.Email }},
		{name: "phone", ptr: func(c *customer) any { return &c.Phone }, val: func(c *customer) any { return c.Phone }},
		{name: "website", ptr: func(c *customer) any { return &c.Website }, val: func(c *customer) any { return c.Website }},
		{name: "street", ptr: func(c *customer) any { return &c.Address.Street }, val: func(c *customer) any { return c.Address.Street }},
		{name: "postal_code", ptr: func(c *customer) any { return &c.Address.PostalCode }, val: func(c *customer) any { return c.Address.PostalCode }},
		{name: "city", ptr: func(c *customer) any { return &c.Address.City }, val: func(c *customer) any { return c.Address.City }},
		{name: "region", ptr: func(c *customer) any { return &c.Address.Region }, val: func(c *customer) any { return c.Address.Region }},
		{name: "country", ptr: func(c *customer) any { return &c.Address.Country }, val: func(c *customer) any { return c.Address.Country }},
		{name: "notes", ptr: func(c *customer) any { return &c.Notes }, val: func(c *customer) any { return c.Notes }},
		{name: "location_count", kind: colReadOnly, ptr: func(c *customer) any { return &c.LocationCount }},
		{name: "assets_on_location_count", kind: colReadOnly, ptr: func(c *customer) any { return &c.AssetsOnLocationCount }},
		{name: "assets_owned_count", kind: colReadOnly, ptr: func(c *customer) any { return &c.AssetsOwnedCount }},
		{name: "assets_owned_elsewhere_count", kind: colReadOnly, ptr: func(c *customer) any { return &c.AssetsOwnedElsewhereCount }},
	}, metaCols(func(c *customer) *steward.Meta { return &c.Meta })...), derivedCols[customer]()...),
}).build()

var customerList = customers.listSpec(steward.CustomerSorts)

// Customers returns one page of the account's customers.
func (s *Store) Customers(ctx context.Context, a *steward.Actor, f steward.CustomerFilter) (*steward.Page[steward.Customer], error) {
	lq := listQuery{check: f.Check}
	if f.Type != "" {
		lq.where("c.type = ?", string(f.Type))
	}
	lq.sigExt = []any{f.Type}
	summed, err := s.summable(ctx, a)
	if err != nil {
		return nil, err
	}
	if scoped(a) {
		lq.countSort = func(column string) *scopedCount { return scopedCountOf(a, customers.table, column, summed) }
	}
	page, err := list(ctx, s, customerList, a, f.ListParams, lq, customers.lister())
	if err != nil {
		return nil, err
	}
	return page, s.scopeCustomerCounts(ctx, a, summed, page.Data)
}

// Customer returns one customer.
func (s *Store) Customer(ctx context.Context, a *steward.Actor, id string) (*steward.Customer, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	c, err := customers.get(ctx, s.reader(), a.AccountID, id, noLock)
	if err != nil {
		return nil, err
	}
	one := []steward.Customer{*c}
	summed, err := s.summable(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := s.scopeCustomerCounts(ctx, a, summed, one); err != nil {
		return nil, err
	}
	return &one[0], nil
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
		if err := t.createCustomer(ctx, a, c); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectCustomer, c.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// createCustomer stores c, whose fields are normalized, as a new customer of a's account, with
// its audit row; it sets c's bookkeeping.
func (t *tx) createCustomer(ctx context.Context, a *steward.Actor, c *steward.Customer) error {
	if err := t.requireCustomersWritable(ctx, a); err != nil {
		return err
	}
	if err := t.requireUnique(ctx, a, customers.table, "external_ref", c.ExternalRef, ""); err != nil {
		return err
	}
	c.AccountID, c.CustomerCounts = a.AccountID, steward.CustomerCounts{}
	c.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := customers.insert(ctx, t, c); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectCustomer,
		objectID: c.ID, objectName: c.Name, customerID: &c.ID, changes: diff(nil, c.CustomerFields)})
}

// UpdateCustomer edits a customer's fields.
func (s *Store) UpdateCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.CustomerFields) error) (*steward.Customer, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Customer, error) {
		return t.updateCustomer(ctx, a, id, ifMatch, change)
	})
}

// updateCustomer locks the customer, lets change edit its fields, and stores and records them.
func (t *tx) updateCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.CustomerFields) error) (*steward.Customer, error) {
	cur, err := customers.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := t.mayChange(ctx, a, true, ifMatch, cur.Version); err != nil {
		return nil, err
	}
	f := cur.CustomerFields
	if err := change(&f); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	changes := diff(cur.CustomerFields, f)
	if len(changes) == 0 {
		return cur, nil
	}
	if f.ExternalRef != cur.ExternalRef {
		if err := t.requireUnique(ctx, a, customers.table, "external_ref", f.ExternalRef, id); err != nil {
			return nil, err
		}
	}
	out := *cur
	out.CustomerFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
	if err := customers.update(ctx, t, a.AccountID, &out); err != nil {
		return nil, err
	}
	return &out, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectCustomer,
		objectID: id, objectName: f.Name, customerID: &out.ID, changes: changes})
}

// SetCustomerArchived archives or unarchives a customer; its locations, contacts and assets keep
// their state. Archiving an archived customer changes nothing.
func (s *Store) SetCustomerArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Customer, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Customer, error) {
		return t.setCustomerArchived(ctx, a, id, ifMatch, archived)
	})
}

func (t *tx) setCustomerArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Customer, error) {
	cur, err := customers.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := t.mayChange(ctx, a, true, ifMatch, cur.Version); err != nil {
		return nil, err
	}
	return cur, t.setArchived(ctx, a, customers.table, &cur.Meta, subject{id, cur.Name, &cur.ID}, archived)
}

// DeleteCustomer deletes a customer nothing references.
func (s *Store) DeleteCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error { return t.deleteCustomer(ctx, a, id, ifMatch) })
}

func (t *tx) deleteCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	cur, err := customers.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return err
	}
	if err := t.mayChange(ctx, a, true, ifMatch, cur.Version); err != nil {
		return err
	}
	if err := t.refuseReferenced(ctx, a, customers.table, id,
		reference{field: "locations", from: locations.table, column: "customer_id"},
		reference{field: "contacts", from: contacts.table, column: "customer_id"},
		reference{field: "assets_owned", from: assets.table, column: "owner_customer_id", noun: "owned asset"},
	); err != nil {
		return err
	}
	if err := t.deleteRow(ctx, customers.table, a.AccountID, id); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectCustomer,
		objectID: id, objectName: cur.Name, customerID: &cur.ID, changes: diff(cur.CustomerFields, nil)})
}
