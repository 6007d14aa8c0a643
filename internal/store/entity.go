package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// An entity describes one table once: its columns, how each is scanned into the Go value
// (a pointer getter) and written from it (a value getter), and the derived columns computed
// from it. The select list, the scan destinations, the INSERT and UPDATE statements (built once,
// at init) and the bulk loader's rows all come from it. No reflection: getters are plain
// functions, and a list reuses one set of scan destinations for all its rows.

// colKind says which statements a column takes part in.
type colKind uint8

const (
	colStored    colKind = iota // selected, inserted and updated
	colInsert                   // selected and inserted, never updated: keys, created_at, archived_at, version
	colReadOnly                 // selected only: the stored counts, kept by their own statements
	colDerived                  // written only, computed by the entity's keys function
	colWriteOnly                // inserted only, never selected: what a row records but no read needs
)

// column is one column of an entity's table.
type column[T any] struct {
	name string
	kind colKind
	ptr  func(*T) any      // the Scan destination (not for derived and write-only columns)
	val  func(*T) any      // the value written (colStored, colInsert, colWriteOnly)
	key  func(derived) any // the value of a derived column
}

// derived holds the columns computed from an entity's fields: the folded sort key, the search
// text and, for assets, the serial number's key; for users the email's key.
type derived struct{ nameKey, search, serialKey, emailKey string }

// table is what the shared rules (rules.go) need of an entity: where it lives, what it is
// called, and how one row is named.
type table struct {
	name       string // also the FTS table prefix of searched entities
	alias      string // the alias the select list uses
	noun       string // singular, for messages ("names no customer of this account")
	objectType string // as the audit log names it
	// tenant says the table has an account_id column that leads its key.
	tenant bool
	// versioned says UPDATE bumps a version column.
	versioned bool
}

// entity is the descriptor of one table and its Go type.
type entity[T any] struct {
	*table
	cols []column[T]
	keys func(*T) derived // computes the derived columns; nil when there are none
	id   func(*T) string

	// Built once by build.
	selectList string   // "c.id, c.account_id, …", in cols' order (derived columns left out)
	selectFrom string   // "SELECT " + selectList + " FROM customers c"
	written    []string // the INSERT's columns, in the order row writes them
	insertSQL  string
	updateSQL  string // the SET of colStored and derived columns; WHERE [account_id = ? AND] id = ?; "" if none
	updated    []int  // indexes into cols of the UPDATE's values
	inserted   []int
	nScan      int
}

// build derives the statements from the columns. It runs at package init.
func (e *entity[T]) build() *entity[T] {
	var sel, set []string
	prefix := ""
	if e.alias != "" {
		prefix = e.alias + "."
	}
	for i, c := range e.cols {
		if c.selected() {
			sel = append(sel, prefix+c.name)
			e.nScan++
		}
		if c.kind != colReadOnly {
			e.written = append(e.written, c.name)
			e.inserted = append(e.inserted, i)
		}
		if c.kind == colStored || c.kind == colDerived {
			set = append(set, c.name+" = ?")
			e.updated = append(e.updated, i)
		}
	}
	e.selectList = strings.Join(sel, ", ")
	e.selectFrom = "SELECT " + e.selectList + " FROM " + e.name
	if e.alias != "" {
		e.selectFrom += " " + e.alias
	}
	e.insertSQL = "INSERT INTO " + e.name + " (" + strings.Join(e.written, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(e.written)), ", ") + ")"
	if len(set) == 0 {
		return e // never updated: API keys, audit events
	}
	if e.versioned {
		set = append(set, "version = version + 1")
	}
	e.updateSQL = "UPDATE " + e.name + " SET " + strings.Join(set, ", ") + " WHERE " + e.keyCond("")
	return e
}

func (c *column[T]) selected() bool { return c.kind != colDerived && c.kind != colWriteOnly }

// keyCond is the condition naming one row: "[alias.]account_id = ? AND [alias.]id = ?".
func (e *table) keyCond(alias string) string {
	if alias != "" {
		alias += "."
	}
	if e.tenant {
		return alias + "account_id = ? AND " + alias + "id = ?"
	}
	return alias + "id = ?"
}

// keyArgs are the arguments of keyCond.
func (e *table) keyArgs(accountID, id string) []any {
	if e.tenant {
		return []any{accountID, id}
	}
	return []any{id}
}

// dests appends the scan destinations of v's columns to dst, in select order.
func (e *entity[T]) dests(v *T, dst []any) []any {
	for i := range e.cols {
		if c := &e.cols[i]; c.selected() {
			dst = append(dst, c.ptr(v))
		}
	}
	return dst
}

// scan reads one row of the select list (and then extra) into a new value.
func (e *entity[T]) scan(row interface{ Scan(...any) error }, extra ...any) (*T, error) {
	v := new(T)
	dst := e.dests(v, make([]any, 0, e.nScan+len(extra)))
	if err := row.Scan(append(dst, extra...)...); err != nil {
		return nil, err
	}
	return v, nil
}

// lister returns a list's scan function (see list): it reads each row into one reused value
// through one reused set of destinations, and returns a copy, so a page costs no allocation per
// row or column beyond the values themselves. Every column is scanned on every row, and
// optional fields get a new pointer or nil, so no row sees another's values.
func (e *entity[T]) lister() func(rows *sql.Rows, key *any) (T, string, error) {
	v := new(T)
	dst := e.dests(v, make([]any, 0, e.nScan+1))
	dst = append(dst, nil)
	return func(rows *sql.Rows, key *any) (T, string, error) {
		dst[e.nScan] = key
		if err := rows.Scan(dst...); err != nil {
			var zero T
			return zero, "", err
		}
		return *v, e.id(v), nil
	}
}

// row appends the INSERT's values of v to dst, in the order of e.written.
func (e *entity[T]) row(v *T, dst []any) []any {
	var d derived
	if e.keys != nil {
		d = e.keys(v)
	}
	for _, i := range e.inserted {
		if c := &e.cols[i]; c.kind == colDerived {
			dst = append(dst, c.key(d))
		} else {
			dst = append(dst, c.val(v))
		}
	}
	return dst
}

// insert writes v as a new row.
func (e *entity[T]) insert(ctx context.Context, t *tx, v *T) error {
	_, err := t.exec(ctx, e.insertSQL, e.row(v, make([]any, 0, len(e.written)))...)
	return err
}

// update writes v's stored and derived columns over the row (accountID, id), bumping its
// version; v carries its new updated_at.
func (e *entity[T]) update(ctx context.Context, t *tx, accountID string, v *T) error {
	if e.updateSQL == "" {
		return fmt.Errorf("store: %s are never updated", e.name)
	}
	var d derived
	if e.keys != nil {
		d = e.keys(v)
	}
	args := make([]any, 0, len(e.updated)+2)
	for _, i := range e.updated {
		if c := &e.cols[i]; c.kind == colDerived {
			args = append(args, c.key(d))
		} else {
			args = append(args, c.val(v))
		}
	}
	_, err := t.exec(ctx, e.updateSQL, append(args, e.keyArgs(accountID, e.id(v))...)...)
	return err
}

// get reads one row of the account by id; ENOTFOUND naming the noun when there is none.
func (e *entity[T]) get(ctx context.Context, r q, accountID, id string, lock lockMode) (*T, error) {
	v, err := e.scan(r.row(ctx, e.selectFrom+" WHERE "+e.keyCond(e.alias)+
		r.d.lock(lock), e.keyArgs(accountID, id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.NotFound(e.noun)
	}
	return v, err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// listSpec is the entity's list description for list and search.
func (e *entity[T]) listSpec(sorts []string) listSpec {
	return listSpec{kind: e.name, alias: e.alias, cols: e.selectList, def: "name", sorts: sortKeys(sorts), names: sorts}
}

// lockMode is how a read in a write transaction locks the row it reads.
type lockMode uint8

const (
	noLock    lockMode = iota
	lockWrite          // the row is about to change: FOR NO KEY UPDATE on PostgreSQL (see dialect.forUpdate)
)

// lock is the clause of a lock mode.
func (d dialect) lock(m lockMode) string {
	if m == lockWrite {
		return d.forUpdate()
	}
	return ""
}

// Column helpers.

// nullable scans an optional column into a *T field: NULL is nil, anything else a new value
// (read through sql.Null[T]). It holds one pointer, so passing it as a Scan destination
// allocates nothing.
type nullable[T any] struct{ p **T }

func (n nullable[T]) Scan(src any) error {
	if src == nil {
		*n.p = nil
		return nil
	}
	v := new(sql.Null[T])
	if err := v.Scan(src); err != nil {
		return err
	}
	*n.p = &v.V
	return nil
}

// nullableInt is nullable for *int fields, read as the int64 both drivers return.
type nullableInt struct{ p **int }

func (n nullableInt) Scan(src any) error {
	if src == nil {
		*n.p = nil
		return nil
	}
	var v sql.Null[int64]
	if err := v.Scan(src); err != nil {
		return err
	}
	i := int(v.V)
	*n.p = &i
	return nil
}

// null is the written form of an optional field: NULL for nil.
func null[T any](p *T) sql.Null[T] {
	if p == nil {
		return sql.Null[T]{}
	}
	return sql.Null[T]{V: *p, Valid: true}
}

// nullText is the written form of an optional reference: NULL for nil and for "".
func nullText(p *string) sql.Null[string] {
	if p == nil || *p == "" {
		return sql.Null[string]{}
	}
	return sql.Null[string]{V: *p, Valid: true}
}

// metaCols are the bookkeeping columns every fleet table ends with.
func metaCols[T any](m func(*T) *steward.Meta) []column[T] {
	return []column[T]{
		{name: "created_at", kind: colInsert, ptr: func(v *T) any { return &m(v).CreatedAt }, val: func(v *T) any { return m(v).CreatedAt }},
		{name: "updated_at", ptr: func(v *T) any { return &m(v).UpdatedAt }, val: func(v *T) any { return m(v).UpdatedAt }},
		{name: "archived_at", kind: colInsert, ptr: func(v *T) any { return nullable[steward.Timestamp]{&m(v).ArchivedAt} },
			val: func(v *T) any { return null(m(v).ArchivedAt) }},
		{name: "version", kind: colInsert, ptr: func(v *T) any { return &m(v).Version }, val: func(v *T) any { return max(m(v).Version, 1) }},
	}
}

// derivedCols are the name_key and search columns of a searched entity.
func derivedCols[T any]() []column[T] {
	return []column[T]{
		{name: "name_key", kind: colDerived, key: func(d derived) any { return d.nameKey }},
		{name: "search", kind: colDerived, key: func(d derived) any { return d.search }},
	}
}
