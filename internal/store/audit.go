package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/steward-fleet/steward/internal/steward"
)

// newID returns a new time-ordered id (UUIDv7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// auditEntry is what a write records about itself.
type auditEntry struct {
	action     string
	objectType string
	objectID   string
	objectName string
	customerID *string
	// previousCustomerID is the customer a location left (its customer_id names the one it
	// moved to), so that customer's history shows it leaving.
	previousCustomerID *string
	changes            []steward.Change
}

// audit appends one event in the transaction of the change it records.
func (t *tx) audit(ctx context.Context, a *steward.Actor, accountID string, e auditEntry) error {
	if e.changes == nil {
		e.changes = []steward.Change{}
	}
	if err := t.labelChanges(ctx, accountID, e.changes); err != nil {
		return err
	}
	changes, err := json.Marshal(e.changes)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	home := a.HomeAccount
	if home == "" {
		home = a.AccountID
	}
	row := auditRow{AuditEvent: steward.AuditEvent{ID: newID(), At: t.now,
		Actor:     steward.AuditActor{Type: a.Type, ID: a.ID, Name: a.Name},
		AccountID: accountID, ActorAccountID: home, RequestID: a.RequestID, Source: a.Source, Action: e.action,
		ObjectType: e.objectType, ObjectID: e.objectID, ObjectName: e.objectName, CustomerID: e.customerID},
		previousCustomerID: e.previousCustomerID, changes: string(changes)}
	if err := audits.insert(ctx, t, &row); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := t.outbox(ctx, &row.AuditEvent, e.changes); err != nil {
		return err
	}
	return t.notify(ctx, &row.AuditEvent, e.changes)
}

// refTables names the table each reference field points into, for labels.
var refTables = map[string]*table{
	"customer_id":       customers.table,
	"owner_customer_id": customers.table,
	"location_id":       locations.table,
}

// labelChanges fills old_label/new_label of reference fields with the names at this time.
func (t *tx) labelChanges(ctx context.Context, accountID string, changes []steward.Change) error {
	for i := range changes {
		table, ok := refTables[changes[i].Field]
		if !ok {
			continue
		}
		for _, side := range []struct {
			v   any
			dst **string
		}{{changes[i].Old, &changes[i].OldLabel}, {changes[i].New, &changes[i].NewLabel}} {
			id, _ := side.v.(string)
			if id == "" {
				continue
			}
			var name string
			err := t.row(ctx, "SELECT name FROM "+table.name+" WHERE account_id = ? AND id = ?", accountID, id).Scan(&name)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
			if err == nil {
				*side.dst = &name
			}
		}
	}
	return nil
}

// flatten renders v (a fields struct) as a map of dotted JSON names to values.
func flatten(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, x := range m {
			if sub, ok := x.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			out[prefix+k] = x
		}
	}
	walk("", m)
	return out
}

// isEmpty reports whether a flattened value counts as "not set".
func isEmpty(v any) bool {
	return v == nil || v == "" || v == false
}

// diff lists the fields whose values differ between two fields structs, in a stable order, each
// value in the object's own JSON representation. A nil old lists every set field of new (a
// create); a nil new every set field of old (a delete).
func diff(old, new any) []steward.Change {
	var om, nm map[string]any
	if old != nil {
		om = flatten(old)
	}
	if new != nil {
		nm = flatten(new)
	}
	keys := map[string]bool{}
	for k := range om {
		keys[k] = true
	}
	for k := range nm {
		keys[k] = true
	}
	var out []steward.Change
	for k := range keys {
		ov, nv := om[k], nm[k]
		if isEmpty(ov) && isEmpty(nv) {
			continue
		}
		if reflect.DeepEqual(ov, nv) {
			continue
		}
		// Each side reads exactly as the object did before and after: a cleared text is "" in
		// the log because it is "" in the object, a cleared reference or number null. Only the
		// side that has no object (a create's old, a delete's new) is null throughout.
		out = append(out, steward.Change{Field: k, Old: ov, New: nv})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// archiveChange is the change an archive or unarchive records.
func archiveChange(before *steward.Timestamp, after *steward.Timestamp) []steward.Change {
	var o, n any
	if before != nil {
		o = before.String()
	}
	if after != nil {
		n = after.String()
	}
	return []steward.Change{{Field: "archived_at", Old: o, New: n}}
}

// auditRow is an audit event as stored: its changes as JSON, and the customer a location left.
type auditRow struct {
	steward.AuditEvent
	previousCustomerID *string
	changes            string
}

// audits describes the audit_events table. Events are only ever inserted.
var audits = (&entity[auditRow]{
	table: &table{name: "audit_events", noun: "audit event", tenant: true},
	id:    func(e *auditRow) string { return e.ID },
	cols: []column[auditRow]{
		{name: "id", kind: colInsert, ptr: func(e *auditRow) any { return &e.ID }, val: func(e *auditRow) any { return e.ID }},
		{name: "at", kind: colInsert, ptr: func(e *auditRow) any { return &e.At }, val: func(e *auditRow) any { return e.At }},
		{name: "actor_type", kind: colInsert, ptr: func(e *auditRow) any { return &e.Actor.Type }, val: func(e *auditRow) any { return string(e.Actor.Type) }},
		{name: "actor_id", kind: colInsert, ptr: func(e *auditRow) any { return &e.Actor.ID }, val: func(e *auditRow) any { return e.Actor.ID }},
		{name: "actor_name", kind: colInsert, ptr: func(e *auditRow) any { return &e.Actor.Name }, val: func(e *auditRow) any { return e.Actor.Name }},
		{name: "account_id", kind: colInsert, ptr: func(e *auditRow) any { return &e.AccountID }, val: func(e *auditRow) any { return e.AccountID }},
		{name: "actor_account_id", kind: colInsert, ptr: func(e *auditRow) any { return &e.ActorAccountID }, val: func(e *auditRow) any { return e.ActorAccountID }},
		{name: "request_id", kind: colInsert, ptr: func(e *auditRow) any { return &e.RequestID }, val: func(e *auditRow) any { return e.RequestID }},
		{name: "source", kind: colInsert, ptr: func(e *auditRow) any { return &e.Source }, val: func(e *auditRow) any { return string(e.Source) }},
		{name: "action", kind: colInsert, ptr: func(e *auditRow) any { return &e.Action }, val: func(e *auditRow) any { return e.Action }},
		{name: "object_type", kind: colInsert, ptr: func(e *auditRow) any { return &e.ObjectType }, val: func(e *auditRow) any { return e.ObjectType }},
		{name: "object_id", kind: colInsert, ptr: func(e *auditRow) any { return &e.ObjectID }, val: func(e *auditRow) any { return e.ObjectID }},
		{name: "object_name", kind: colInsert, ptr: func(e *auditRow) any { return &e.ObjectName }, val: func(e *auditRow) any { return e.ObjectName }},
		{name: "customer_id", kind: colInsert, ptr: func(e *auditRow) any { return nullable[string]{&e.CustomerID} },
			val: func(e *auditRow) any { return nullText(e.CustomerID) }},
		{name: "changes", kind: colInsert, ptr: func(e *auditRow) any { return &e.changes }, val: func(e *auditRow) any { return e.changes }},
		{name: "previous_customer_id", kind: colWriteOnly, val: func(e *auditRow) any { return nullText(e.previousCustomerID) }},
	},
}).build()

// auditCols is the select list of an event.
var auditCols = audits.selectList

func scanAudit(rows *sql.Rows) (*steward.AuditEvent, error) {
	r, err := audits.scan(rows)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(r.changes), &r.Changes); err != nil {
		return nil, fmt.Errorf("audit %s: changes: %w", r.ID, err)
	}
	return &r.AuditEvent, nil
}

// previousCustomer is the customer a location's update event says it left for another one (the
// old value of its customer_id change, when the event belongs to another customer), as the
// service records it and migration 0003 derived it for older events; nil for every other event.
func previousCustomer(e *steward.AuditEvent) *string {
	if e.ObjectType != steward.ObjectLocation || e.Action != steward.ActionUpdate {
		return nil
	}
	for _, c := range e.Changes {
		if old, _ := c.Old.(string); c.Field == "customer_id" && old != "" && (e.CustomerID == nil || *e.CustomerID != old) {
			return &old
		}
	}
	return nil
}

// auditQuery builds the WHERE clause of an audit filter, except its customer (see AuditEvents),
// and checks who may read it.
func auditQuery(a *steward.Actor, f steward.AuditFilter) (string, []any, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return "", nil, err
	}
	var v steward.Violations
	f.Check(&v)
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if err := a.MayReadAudit(f); err != nil {
		return "", nil, err
	}
	conds := []string{"account_id = ?"}
	args := []any{a.AccountID}
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	// Events of objects the caller may not see are left out as if they did not exist (an empty
	// page, never a 403, so a filter by one of their ids learns nothing).
	if visible := a.AuditObjectTypes(); len(visible) < len(steward.ObjectTypes()) {
		conds = append(conds, "object_type IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(visible)), ", ")+")")
		for _, t := range visible {
			args = append(args, t)
		}
	}
	// A scoped caller reads no event of an asset it does not see, and no group event.
	if cond, sargs := auditScope(a); cond != "" {
		conds = append(conds, cond)
		args = append(args, sargs...)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.Source != "" {
		add("source = ?", string(f.Source))
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.From != nil {
		add("at >= ?", f.From.Micros())
	}
	if f.To != nil {
		add("at < ?", f.To.Micros())
	}
	return strings.Join(conds, " AND "), args, nil
}

func auditSignature(f steward.AuditFilter) string {
	var from, to int64 = -1, -1
	if f.From != nil {
		from = f.From.Micros()
	}
	if f.To != nil {
		to = f.To.Micros()
	}
	return signature("audit", f.ObjectType, f.ObjectID, f.CustomerID, f.ActorID, string(f.Source), f.Action, from, to)
}

// auditPageQuery builds the query of one page of limit events (and one more, to know whether a
// next page exists) and the signature its cursors carry.
func auditPageQuery(a *steward.Actor, f steward.AuditFilter, limit int) (query string, args []any, sig string, err error) {
	where, wargs, err := auditQuery(a, f)
	if err != nil {
		return "", nil, "", err
	}
	sig = auditSignature(f)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, sig)
		if err != nil {
			return "", nil, "", err
		}
		at, err := c.int()
		if err != nil {
			return "", nil, "", err
		}
		where += " AND (at, id) < (?, ?)"
		wargs = append(wargs, at, c.ID)
	}
	const order = " ORDER BY at DESC, id DESC LIMIT ?"
	if f.CustomerID == "" {
		return "SELECT " + auditCols + " FROM audit_events WHERE " + where + order, append(wargs, limit+1), sig, nil
	}
	// A customer's history is its events (customer_id) and those of locations that left it
	// (previous_customer_id): two index-ordered reads of one page each, merged. A column is set
	// on an event only when the other names another customer, so none repeats.
	branch := func(col, alias string) string {
		args = append(append(args, wargs...), f.CustomerID, limit+1)
		return "SELECT * FROM (SELECT " + auditCols + " FROM audit_events WHERE " + where + " AND " + col + " = ?" +
			order + ") AS " + alias
	}
	query = branch("customer_id", "at_customer") + " UNION ALL " + branch("previous_customer_id", "left_customer") + order
	return query, append(args, limit+1), sig, nil
}

// AuditEvents returns one page of audit events, newest first.
func (s *Store) AuditEvents(ctx context.Context, a *steward.Actor, f steward.AuditFilter) (*steward.Page[steward.AuditEvent], error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	query, qargs, sig, err := auditPageQuery(a, f, limit)
	if err != nil {
		return nil, err
	}
	rows, err := s.reader().query(ctx, query, qargs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &steward.Page[steward.AuditEvent]{Data: []steward.AuditEvent{}}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		page.Data = append(page.Data, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		last := page.Data[limit-1]
		next := encodeCursor(sig, last.At.Micros(), last.ID)
		page.NextCursor = &next
	}
	return page, nil
}

// EachAuditEvent streams every matching event, newest first, in batches so no transaction or
// result set stays open across the whole export.
func (s *Store) EachAuditEvent(ctx context.Context, a *steward.Actor, f steward.AuditFilter, fn func(*steward.AuditEvent) error) error {
	f.Limit, f.Cursor = steward.MaxLimit, ""
	for {
		page, err := s.AuditEvents(ctx, a, f)
		if err != nil {
			return err
		}
		for i := range page.Data {
			if err := fn(&page.Data[i]); err != nil {
				return err
			}
		}
		if page.NextCursor == nil {
			return nil
		}
		f.Cursor = *page.NextCursor
	}
}
