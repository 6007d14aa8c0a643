package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

type contact = steward.Contact

// contacts describes the contacts table.
var contacts = (&entity[contact]{
	table: &table{name: "contacts", alias: "k", noun: "contact", objectType: steward.ObjectContact, tenant: true, versioned: true},
	id:    func(k *contact) string { return k.ID },
	keys: func(k *contact) derived {
		return derived{nameKey: fold(k.Name), search: searchText(k.Name, k.Email, k.ExternalRef)}
	},
	cols: append(append([]column[contact]{
		{name: "id", kind: colInsert, ptr: func(k *contact) any { return &k.ID }, val: func(k *contact) any { return k.ID }},
		{name: "account_id", kind: colInsert, ptr: func(k *contact) any { return &k.AccountID }, val: func(k *contact) any { return k.AccountID }},
		{name: "customer_id", kind: colInsert, ptr: func(k *contact) any { return &k.CustomerID }, val: func(k *contact) any { return k.CustomerID }},
		{name: "name", ptr: func(k *contact) any { return &k.Name }, val: func(k *contact) any { return k.Name }},
		{name: "kind", ptr: func(k *contact) any { return &k.Kind }, val: func(k *contact) any { return string(k.Kind) }},
		{name: "email", ptr: func(k *contact) any { return &k.Email }, val: func(k *contact) any { return k.Email }},
		{name: "phone", ptr: func(k *contact) any { return &k.Phone }, val: func(k *contact) any { return k.Phone }},
		{name: "title", ptr: func(k *contact) any { return &k.Title }, val: func(k *contact) any { return k.Title }},
		{name: "external_ref", ptr: func(k *contact) any { return &k.ExternalRef }, val: func(k *contact) any { return k.ExternalRef }},
	}, metaCols(func(k *contact) *steward.Meta { return &k.Meta })...), derivedCols[contact]()...),
}).build()

var contactList = contacts.listSpec(steward.ContactSorts)

// Contacts returns one page of contacts, of one customer or of all.
func (s *Store) Contacts(ctx context.Context, a *steward.Actor, f steward.ContactFilter) (*steward.Page[steward.Contact], error) {
	lq := listQuery{check: f.Check, refs: []filterRef{{"customer_id", customers.table, f.CustomerID}}}
	if f.CustomerID != "" {
		lq.where("k.customer_id = ?", f.CustomerID)
	}
	lq.sigExt = []any{f.CustomerID}
	return list(ctx, s, contactList, a, f.ListParams, lq, contacts.lister())
}

// Contact returns one contact.
func (s *Store) Contact(ctx context.Context, a *steward.Actor, id string) (*steward.Contact, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	return contacts.get(ctx, s.reader(), a.AccountID, id, noLock)
}

// CreateContact adds a contact to a customer.
func (s *Store) CreateContact(ctx context.Context, a *steward.Actor, customerID string, f steward.ContactFields) (*steward.Contact, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	c := &steward.Contact{ID: newID(), AccountID: a.AccountID, CustomerID: customerID, ContactFields: f}
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		c.ContactFields = f // as given: a retried transaction normalizes again
		if err := t.createContact(ctx, a, c); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectContact, c.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// createContact stores c as a new contact of its customer, with its audit row: the customer is
// the URL's subject, so an absent or invisible one is ENOTFOUND, before the fields (which it
// normalizes) are checked.
func (t *tx) createContact(ctx context.Context, a *steward.Actor, c *steward.Contact) error {
	if _, err := customers.get(ctx, t.q, a.AccountID, c.CustomerID, lockWrite); err != nil {
		return err
	}
	if err := t.requireCustomersWritable(ctx, a); err != nil {
		return err
	}
	if err := c.ContactFields.Normalize(); err != nil {
		return err
	}
	if err := t.requireUnique(ctx, a, contacts.table, "external_ref", c.ExternalRef, ""); err != nil {
		return err
	}
	c.AccountID = a.AccountID
	c.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := contacts.insert(ctx, t, c); err != nil {
		return err
	}
	changes := append(diff(nil, c.ContactFields), steward.Change{Field: "customer_id", New: c.CustomerID})
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectContact,
		objectID: c.ID, objectName: c.Name, customerID: &c.CustomerID, changes: changes})
}

// UpdateContact edits a contact.
func (s *Store) UpdateContact(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.ContactFields) error) (*steward.Contact, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Contact, error) {
		return t.updateContact(ctx, a, id, ifMatch, change)
	})
}

func (t *tx) updateContact(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.ContactFields) error) (*steward.Contact, error) {
	cur, err := contacts.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := t.mayChange(ctx, a, true, ifMatch, cur.Version); err != nil {
		return nil, err
	}
	f := cur.ContactFields
	if err := change(&f); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	changes := diff(cur.ContactFields, f)
	if len(changes) == 0 {
		return cur, nil
	}
	if f.ExternalRef != cur.ExternalRef {
		if err := t.requireUnique(ctx, a, contacts.table, "external_ref", f.ExternalRef, id); err != nil {
			return nil, err
		}
	}
	out := *cur
	out.ContactFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
	if err := contacts.update(ctx, t, a.AccountID, &out); err != nil {
		return nil, err
	}
	return &out, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectContact,
		objectID: id, objectName: f.Name, customerID: &out.CustomerID, changes: changes})
}

// SetContactArchived archives or unarchives a contact.
func (s *Store) SetContactArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Contact, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Contact, error) {
		return t.setContactArchived(ctx, a, id, ifMatch, archived)
	})
}

func (t *tx) setContactArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Contact, error) {
	cur, err := contacts.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := t.mayChange(ctx, a, true, ifMatch, cur.Version); err != nil {
		return nil, err
	}
	return cur, t.setArchived(ctx, a, contacts.table, &cur.Meta, subject{id, cur.Name, &cur.CustomerID}, archived)
}

// DeleteContact deletes a contact (nothing references contacts yet).
func (s *Store) DeleteContact(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error { return t.deleteContact(ctx, a, id, ifMatch) })
}

func (t *tx) deleteContact(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	cur, err := contacts.get(ctx, t.q, a.AccountID, id, lockWrite)
	if err != nil {
		return err
	}
	if err := t.mayChange(ctx, a, true, ifMatch, cur.Version); err != nil {
		return err
	}
	if err := t.deleteRow(ctx, contacts.table, a.AccountID, id); err != nil {
		return err
	}
	changes := append(diff(cur.ContactFields, nil), steward.Change{Field: "customer_id", Old: cur.CustomerID})
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectContact,
		objectID: id, objectName: cur.Name, customerID: &cur.CustomerID, changes: changes})
}
