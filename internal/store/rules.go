package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/steward-fleet/steward/internal/steward"
)

// The rules every write shares, in one place: If-Match, uniqueness, references, archiving,
// refusing to delete what is referenced, and externally managed customers.

func preconditionFailed() error {
	return steward.Errorf(steward.EPRECONDITION, "the object has changed since you read it (If-Match does not match); read it again")
}

// checkIfMatch returns EPRECONDITION unless ifMatch is 0 (no If-Match) or the stored version.
func checkIfMatch(ifMatch, version int64) error {
	if ifMatch != 0 && ifMatch != version {
		return preconditionFailed()
	}
	return nil
}

// mayChange checks a locked row before a change: on the customer side (a customer, a contact, a
// location at a customer) the account must let the actor write it (requireCustomersWritable),
// and ifMatch must name the row's version (checkIfMatch), in that order.
func (t *tx) mayChange(ctx context.Context, a *steward.Actor, customerSide bool, ifMatch, version int64) error {
	if customerSide {
		if err := t.requireCustomersWritable(ctx, a); err != nil {
			return err
		}
	}
	return checkIfMatch(ifMatch, version)
}

// requireUnique returns ECONFLICT naming column when another row of the account in tb (archived
// ones included) already has value; "" is never a conflict.
func (t *tx) requireUnique(ctx context.Context, tb *table, accountID, column, value, exceptID string) error {
	if value == "" {
		return nil
	}
	var other string
	err := t.row(ctx, "SELECT id FROM "+tb.name+" WHERE account_id = ? AND "+column+" = ? AND id <> ?",
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
		Fields: []steward.FieldError{{Field: field, Message: fmt.Sprintf("is already used by %s %s", tb.noun, other)}}}
}

// requireRef returns EINVALID on field when id names no row of tb in the account. With
// lockWrite the row cannot be deleted before the referencing write commits (callers lock only
// where it keeps the lock order of Store.write).
func (t *tx) requireRef(ctx context.Context, tb *table, accountID, field string, id *string, lock lockMode) error {
	if id == nil {
		return nil
	}
	var one int
	err := t.row(ctx, "SELECT 1 FROM "+tb.name+" WHERE account_id = ? AND id = ?"+t.d.lock(lock), accountID, *id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return steward.Invalid(field, "names no %s of this account", tb.noun)
	}
	return err
}

// subject is the object a write records in the audit log.
type subject struct {
	id, name   string
	customerID *string // the customer whose history shows the event
}

// setArchived is the archive/unarchive step every object of tb shares (after its If-Match
// check): set or clear archived_at, bump the version, and record it. meta is updated in place;
// archiving an archived object changes nothing.
func (t *tx) setArchived(ctx context.Context, a *steward.Actor, tb *table, meta *steward.Meta, obj subject, archived bool) error {
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
	if _, err := t.exec(ctx, "UPDATE "+tb.name+" SET archived_at = ?, updated_at = ?, version = version + 1 WHERE "+tb.keyCond(""),
		append([]any{null(meta.ArchivedAt), now}, tb.keyArgs(a.AccountID, obj.id)...)...); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: action, objectType: tb.objectType, objectID: obj.id,
		objectName: obj.name, customerID: obj.customerID, changes: archiveChange(before, meta.ArchivedAt)})
}

// deleteRow deletes the object id of tb in the account.
func (t *tx) deleteRow(ctx context.Context, tb *table, accountID, id string) error {
	_, err := t.exec(ctx, "DELETE FROM "+tb.name+" WHERE "+tb.keyCond(""), tb.keyArgs(accountID, id)...)
	return err
}

// reference is one kind of row that can keep an object from being deleted.
type reference struct {
	field  string // the errors[].field of the refusal
	from   *table // the referencing rows' table; its noun (plural with an s) is the message's
	column string // the referencing column
	noun   string // the message's noun when not from's ("owned asset")
}

// refuseReferenced returns ECONFLICT with one entry per kind of reference to the object id of
// tb that still exists (archived ones included), suggesting archiving instead.
func (t *tx) refuseReferenced(ctx context.Context, tb *table, accountID, id string, refs ...reference) error {
	var v []steward.FieldError
	for _, r := range refs {
		var n int64
		if err := t.row(ctx, "SELECT COUNT(*) FROM "+r.from.name+" WHERE account_id = ? AND "+r.column+" = ?",
			accountID, id).Scan(&n); err != nil {
			return err
		}
		noun := r.noun
		if noun == "" {
			noun = r.from.noun
		}
		switch {
		case n == 1:
			v = append(v, steward.FieldError{Field: r.field, Message: fmt.Sprintf("1 %s references it", noun)})
		case n > 1:
			v = append(v, steward.FieldError{Field: r.field, Message: fmt.Sprintf("%d %ss reference it", n, noun)})
		}
	}
	if len(v) == 0 {
		return nil
	}
	return &steward.Error{Code: steward.ECONFLICT, Fields: v,
		Message: fmt.Sprintf("the %s is still referenced and cannot be deleted; archive it instead to hide it", tb.noun)}
}

// requireCustomersWritable refuses writes to customers, their contacts and their locations when
// the account's customers are externally managed, unless an integration key, an import or the
// system makes them.
// The decision is the policy's (Actor.MayWriteCustomers); the store only reads the setting.
func (t *tx) requireCustomersWritable(ctx context.Context, a *steward.Actor) error {
	if a.WritesExternallyManaged() {
		return nil // no need to read the setting
	}
	var managed bool
	if err := t.row(ctx, "SELECT customers_externally_managed FROM accounts WHERE id = ?", a.AccountID).Scan(&managed); err != nil {
		return err
	}
	return a.MayWriteCustomers(managed)
}
