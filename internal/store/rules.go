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

// requireUnique returns ECONFLICT naming column when another row of a's account in tb
// (archived ones included) already has value; "" is never a conflict.
func (t *tx) requireUnique(ctx context.Context, a *steward.Actor, tb *table, column, value, exceptID string) error {
	return t.requireUniqueIn(ctx, a, a.AccountID, tb, column, value, exceptID)
}

// requireUniqueIn is requireUnique in accountID (a transfer's target account). The rule is the
// account's, whoever asks, but the other row's id is said only to a caller who sees every row
// of tb there (mayName): an asset outside a scoped caller's fleet, or one of another account,
// is "another asset".
func (t *tx) requireUniqueIn(ctx context.Context, a *steward.Actor, accountID string, tb *table, column, value, exceptID string) error {
	if value == "" {
		return nil
	}
	var other string
	// "<> ''" lets both engines use the partial unique index (WHERE column <> ''): a bound value
	// does not prove it, and without it SQLite walks every row of the account.
	err := t.row(ctx, "SELECT id FROM "+tb.name+" WHERE account_id = ? AND "+column+" = ? AND "+column+" <> '' AND id <> ?",
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
	by := "another " + tb.noun
	if mayName(a, tb, accountID) {
		by = tb.noun + " " + other
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: fmt.Sprintf("another object already has this %s", field),
		Fields: []steward.FieldError{{Field: field, Message: "is already used by " + by}}}
}

// mayName reports whether a sees every row of tb in accountID, so that an error may name any
// of them: its own account, and for assets only a caller who sees the entire fleet.
func mayName(a *steward.Actor, tb *table, accountID string) bool {
	return accountID == a.AccountID && !(tb == assets.table && scoped(a))
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
// tb in a's account that still exists (archived ones included), suggesting archiving instead.
// Each entry says how many rows refer to it, unless some of them are assets a does not see
// (a scoped caller): then it names the condition without a count, which would tell how many
// assets lie outside the caller's fleet.
func (t *tx) refuseReferenced(ctx context.Context, a *steward.Actor, tb *table, id string, refs ...reference) error {
	var v []steward.FieldError
	for _, r := range refs {
		noun := r.noun
		if noun == "" {
			noun = r.from.noun
		}
		var n, seen int64
		if mayName(a, r.from, a.AccountID) {
			if err := t.row(ctx, "SELECT COUNT(*) FROM "+r.from.name+" WHERE account_id = ? AND "+r.column+" = ?",
				a.AccountID, id).Scan(&n); err != nil {
				return err
			}
			seen = n
		} else {
			scope, args := assetScope(a, "x.id")
			if err := t.row(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN "+scope+" THEN 1 ELSE 0 END), 0) FROM "+
				r.from.name+" x WHERE x.account_id = ? AND x."+r.column+" = ?",
				append(args, a.AccountID, id)...).Scan(&n, &seen); err != nil {
				return err
			}
		}
		switch {
		case n > seen:
			v = append(v, steward.FieldError{Field: r.field, Message: fmt.Sprintf("%ss you may not see reference it", noun)})
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
