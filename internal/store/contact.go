package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/steward-fleet/steward/internal/steward"
)

const contactCols = `k.id, k.account_id, k.customer_id, k.name, k.kind, k.email, k.phone, k.title, k.external_ref,
	k.created_at, k.updated_at, k.archived_at, k.version`

func scanContact(row interface{ Scan(...any) error }, extra ...any) (*steward.Contact, error) {
	var c steward.Contact
	var created, updated int64
	var archived sql.NullInt64
	dest := []any{&c.ID, &c.AccountID, &c.CustomerID, &c.Name, &c.Kind, &c.Email, &c.Phone, &c.Title, &c.ExternalRef,
		&created, &updated, &archived, &c.Version}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.ArchivedAt = steward.FromMicros(created), steward.FromMicros(updated), steward.TimestampPtr(int64Ptr(archived))
	return &c, nil
}

var contactList = listSpec{kind: "contacts", alias: "k", cols: contactCols, def: "name",
	sorts: sortKeys(steward.ContactSorts), names: steward.ContactSorts}

// Contacts returns one page of contacts, of one customer or of all.
func (s *Store) Contacts(ctx context.Context, a *steward.Actor, f steward.ContactFilter) (*steward.Page[steward.Contact], error) {
	lq := listQuery{check: f.Check, refs: []filterRef{{"customer_id", "customers", f.CustomerID}}}
	if f.CustomerID != "" {
		lq.where("k.customer_id = ?", f.CustomerID)
	}
	lq.sigExt = []any{f.CustomerID}
	return list(ctx, s, contactList, a, f.ListParams, lq, func(rows *sql.Rows, key *any) (steward.Contact, string, error) {
		c, err := scanContact(rows, key)
		if err != nil {
			return steward.Contact{}, "", err
		}
		return *c, c.ID, nil
	})
}

// Contact returns one contact.
func (s *Store) Contact(ctx context.Context, a *steward.Actor, id string) (*steward.Contact, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	return getContact(ctx, s.reader(), a.AccountID, id, "")
}

func getContact(ctx context.Context, r q, accountID, id, lock string) (*steward.Contact, error) {
	c, err := scanContact(r.row(ctx, "SELECT "+contactCols+" FROM contacts k WHERE k.account_id = ? AND k.id = ?"+lock, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.NotFound("contact")
	}
	return c, err
}

// CreateContact adds a contact to a customer.
func (s *Store) CreateContact(ctx context.Context, a *steward.Actor, customerID string, f steward.ContactFields) (*steward.Contact, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var c *steward.Contact
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		// The customer is the URL's subject: absent or invisible is 404, before validation.
		if _, err := getCustomer(ctx, t.q, a.AccountID, customerID, s.d.forUpdate()); err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		if err := f.Normalize(); err != nil {
			return err
		}
		if err := t.requireUnique(ctx, "contacts", a.AccountID, "external_ref", f.ExternalRef, ""); err != nil {
			return err
		}
		c = &steward.Contact{ID: newID(), AccountID: a.AccountID, CustomerID: customerID, ContactFields: f,
			Meta: steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}}
		if _, err := t.exec(ctx, `INSERT INTO contacts (account_id, id, customer_id, name, name_key, search, kind, email,
			phone, title, external_ref, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			a.AccountID, c.ID, customerID, f.Name, fold(f.Name), searchText(f.Name, f.Email, f.ExternalRef), string(f.Kind),
			f.Email, f.Phone, f.Title, f.ExternalRef, t.now.Micros(), t.now.Micros()); err != nil {
			return err
		}
		if err := t.recordIdempotency(ctx, steward.ObjectContact, c.ID, c); err != nil {
			return err
		}
		changes := append(diff(nil, f), steward.Change{Field: "customer_id", New: customerID})
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectContact,
			objectID: c.ID, objectName: c.Name, customerID: &c.CustomerID, changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateContact edits a contact.
func (s *Store) UpdateContact(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.ContactFields) error) (*steward.Contact, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var out *steward.Contact
	err := s.write(ctx, func(t *tx) error {
		cur, err := getContact(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		f := cur.ContactFields
		if err := change(&f); err != nil {
			return err
		}
		if err := f.Normalize(); err != nil {
			return err
		}
		out = cur
		changes := diff(cur.ContactFields, f)
		if len(changes) == 0 {
			return nil
		}
		if f.ExternalRef != cur.ExternalRef {
			if err := t.requireUnique(ctx, "contacts", a.AccountID, "external_ref", f.ExternalRef, id); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE contacts SET name = ?, name_key = ?, search = ?, kind = ?, email = ?, phone = ?,
			title = ?, external_ref = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ?`,
			f.Name, fold(f.Name), searchText(f.Name, f.Email, f.ExternalRef), string(f.Kind), f.Email, f.Phone, f.Title,
			f.ExternalRef, t.now.Micros(), a.AccountID, id); err != nil {
			return err
		}
		out.ContactFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectContact,
			objectID: id, objectName: f.Name, customerID: &out.CustomerID, changes: changes})
	})
	return out, err
}

// SetContactArchived archives or unarchives a contact.
func (s *Store) SetContactArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Contact, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	var out *steward.Contact
	err := s.write(ctx, func(t *tx) error {
		cur, err := getContact(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		out = cur
		return t.setArchived(ctx, a, "contacts", steward.ObjectContact, &cur.Meta, id, cur.Name, &cur.CustomerID, ifMatch, archived)
	})
	return out, err
}

// DeleteContact deletes a contact (nothing references contacts yet).
func (s *Store) DeleteContact(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		cur, err := getContact(ctx, t.q, a.AccountID, id, s.d.forUpdate())
		if err != nil {
			return err
		}
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		if _, err := t.exec(ctx, "DELETE FROM contacts WHERE account_id = ? AND id = ?", a.AccountID, id); err != nil {
			return err
		}
		changes := append(diff(cur.ContactFields, nil), steward.Change{Field: "customer_id", Old: cur.CustomerID})
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectContact,
			objectID: id, objectName: cur.Name, customerID: &cur.CustomerID, changes: changes})
	})
}
