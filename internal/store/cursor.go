package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
)

// cursor is the keyset position after the last row of a page: the sort key and the id. Sig
// binds it to the filters and sort it was made with, so reusing it with others is refused.
type cursor struct {
	Sig string `json:"s"`
	Key string `json:"k"`
	ID  string `json:"i"`
}

// signature hashes the parts that define a list (kind, filters, sort) for cursor binding.
func signature(parts ...any) string {
	h := fnv.New64a()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

func encodeCursor(sig string, key any, id string) string {
	if b, ok := key.([]byte); ok {
		key = string(b)
	}
	b, _ := json.Marshal(cursor{Sig: sig, Key: fmt.Sprint(key), ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxCursor bounds an encoded cursor: the longest a server issues is the base64 of a signature,
// a sort key of at most a few hundred bytes and an id.
const maxCursor = 2048

// notIssued is the answer to any cursor this server cannot have made.
func notIssued() error {
	return steward.Invalid("cursor", "is not a cursor this server issued")
}

// decodeCursor reads a cursor the client sent back and binds it to sig. A cursor is outside
// input like any query parameter (its encoding is not secret, so anyone can forge one): every
// value it carries is checked here (the key is clean text, the id has the form of an id),
// before it can reach a query, so a forged one is a 422 on
// cursor and never a database error (PostgreSQL refuses NUL and invalid UTF-8 outright).
func decodeCursor(s, sig string) (*cursor, error) {
	if len(s) > maxCursor {
		return nil, notIssued()
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !utf8.Valid(b) {
		return nil, notIssued()
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || !steward.IsCleanText(c.Key) || !steward.IsCleanText(c.Sig) || !steward.IsID(c.ID) {
		return nil, notIssued()
	}
	if c.Sig != sig {
		return nil, steward.Invalid("cursor", "belongs to a list with other filters or sort; start again without a cursor")
	}
	return &c, nil
}

func (c *cursor) int() (int64, error) {
	n, err := strconv.ParseInt(c.Key, 10, 64)
	if err != nil {
		return 0, notIssued()
	}
	return n, nil
}

// pageLimit applies the default and the maximum page size.
func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return steward.DefaultLimit, nil
	case n < 0 || n > steward.MaxLimit:
		return 0, steward.Invalid("limit", "must be between 1 and %d", steward.MaxLimit)
	}
	return n, nil
}

// sortKey is one sortable column of a list.
type sortKey struct {
	column  string // column name in the table
	numeric bool
}

// sortKeys maps the sort names a list accepts (the domain's XSorts) to their columns: text sorts
// use their folded key column, times and counts are numeric, everything else is its own column.
func sortKeys(names []string) map[string]sortKey {
	m := make(map[string]sortKey, len(names))
	for _, n := range names {
		switch {
		case n == "name":
			m[n] = sortKey{column: "name_key"}
		case n == "serial_number":
			m[n] = sortKey{column: "serial_key"}
		case strings.HasSuffix(n, "_at"), strings.HasSuffix(n, "_count"):
			m[n] = sortKey{column: n, numeric: true}
		default:
			m[n] = sortKey{column: n}
		}
	}
	return m
}

// listSpec describes a list: its table and the columns it sorts by.
type listSpec struct {
	kind  string // "customers", …; also the FTS table prefix
	alias string
	cols  string // the select list, with alias
	sorts map[string]sortKey
	names []string // the accepted sort names, in the order errors list them
	def   string   // the default sort

}

// listQuery is one list request, built by the entity's List method.
type listQuery struct {
	conds  []string
	args   []any
	sigExt []any                       // filter values that bind the cursor
	check  func(v *steward.Violations) // the filter's Check: every parameter's value
	refs   []filterRef                 // ids the filters name
	// countSort, for a caller who sees part of the fleet, returns a count column as the scope
	// counts it (scopedCountOf); nil for a column the scope does not change.
	countSort func(column string) *scopedCount
}

// filterRef is a list filter naming an object by id. It must name an object of its kind in the
// caller's account (archived ones too), as a reference in a body must: a mistyped id is a 422
// naming the parameter, not an empty list that looks like an answer.
type filterRef struct {
	param string // the query parameter
	table *table // where the object lives
	id    string // "" when the filter is not used
}

// checkRefs returns EINVALID naming every filter whose id names no object of the account.
func (s *Store) checkRefs(ctx context.Context, accountID string, refs []filterRef) error {
	var v steward.Violations
	for _, r := range refs {
		if r.id == "" {
			continue
		}
		var one int
		err := s.reader().row(ctx, "SELECT 1 FROM "+r.table.name+" WHERE account_id = ? AND id = ?", accountID, r.id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			v.Add(r.param, "names no %s of this account", r.table.noun)
			continue
		}
		if err != nil {
			return err
		}
	}
	return v.Err()
}

func (lq *listQuery) where(cond string, args ...any) {
	lq.conds = append(lq.conds, cond)
	lq.args = append(lq.args, args...)
}

// statusCond adds the archive-state condition of p.Status.
func (lq *listQuery) status(alias string, st steward.Status) error {
	switch st {
	case "", steward.StatusActive:
		lq.where(alias + ".archived_at IS NULL")
	case steward.StatusArchived:
		lq.where(alias + ".archived_at IS NOT NULL")
	case steward.StatusAll:
	default:
		return steward.Invalid("status", "%s", steward.OneOf(steward.Status("").Values()))
	}
	return nil
}

// list runs a keyset-paginated list. The query selects spec.cols and then the sort column; scan
// reads one row, storing the sort column's value into key, and returns the row and its id. The
// next cursor carries that stored key, so paging never depends on recomputing it.
func list[T any](ctx context.Context, s *Store, spec listSpec, a *steward.Actor, p steward.ListParams, lq listQuery,
	scan func(rows *sql.Rows, key *any) (T, string, error)) (*steward.Page[T], error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	// The filters, sort, status and limit are checked before anything is read, and every bad one
	// is named at once; q and cursor follow, each on its own.
	var v steward.Violations
	if lq.check != nil {
		lq.check(&v)
	} else {
		p.Check(&v, spec.names)
	}
	if p.Limit < 0 || p.Limit > steward.MaxLimit {
		v.Add("limit", "must be between 1 and %d", steward.MaxLimit)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit == 0 {
		limit = steward.DefaultLimit
	}
	sortName, desc := strings.CutPrefix(p.Sort, "-")
	if sortName == "" {
		sortName = spec.def
	}
	key, ok := spec.sorts[sortName]
	if !ok {
		return nil, steward.Invalid("sort", "must be one of %s, optionally prefixed with -", strings.Join(spec.names, ", "))
	}
	filtered := len(lq.conds) > 0 // the entity's own filters, before the archive state joins them
	if err := lq.status(spec.alias, p.Status); err != nil {
		return nil, err
	}
	conds := append([]string{spec.alias + ".account_id = ?"}, lq.conds...)
	args := append([]any{a.AccountID}, lq.args...)
	term, err := searchTerm(p.Q)
	if err != nil {
		return nil, err
	}
	sigParts := append([]any{spec.kind, p.Sort, p.Status, strings.TrimSpace(p.Q)}, lq.sigExt...)
	if k := scopeKey(a); k != "" {
		// A scoped caller's cursor is bound to its scope: its keys (counts) mean something else in another.
		sigParts = append(sigParts, k)
	}
	sig := signature(sigParts...)
	var c *cursor
	if p.Cursor != "" {
		if c, err = decodeCursor(p.Cursor, sig); err != nil {
			return nil, err
		}
	}
	var got []listed[T]
	var sc *scopedCount
	if lq.countSort != nil && key.numeric {
		sc = lq.countSort(key.column)
	}
	if sc != nil {
		got, err = listByScopedCount(ctx, s, spec, conds, args, sc, c, desc, term, limit+1, scan)
	} else if term != "" && p.Sort == "" {
		got, err = searchRanked(ctx, s, spec, a.AccountID, conds, args, c, term, filtered, limit+1, scan)
	} else {
		got, err = listSorted(ctx, s, spec, a.AccountID, conds, args, c, key, desc, term, filtered, limit+1, scan)
	}
	if err != nil {
		return nil, err
	}
	page := closePage(got, limit, sig)
	// A row found proves the ids it was filtered by name objects of the account (rows reference
	// them through foreign keys), so only an empty page costs the lookups.
	if len(page.Data) == 0 {
		if err := s.checkRefs(ctx, a.AccountID, lq.refs); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// pageRequest is a hand-written list's checked page size, folded search term, cursor signature
// and decoded cursor (nil on the first page).
type pageRequest struct {
	limit     int
	term, sig string
	c         *cursor
}

// openPage checks the common parameters of a list that does not go through list (check adds the
// filter's own violations, all named at once with the limit's), folds its search term and
// decodes its cursor, bound to sigParts.
func openPage(check func(*steward.Violations), p steward.ListParams, sigParts ...any) (*pageRequest, error) {
	var v steward.Violations
	check(&v)
	if p.Limit < 0 || p.Limit > steward.MaxLimit {
		v.Add("limit", "must be between 1 and %d", steward.MaxLimit)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := &pageRequest{limit: p.Limit, sig: signature(sigParts...)}
	if r.limit == 0 {
		r.limit = steward.DefaultLimit
	}
	var err error
	if r.term, err = searchTerm(p.Q); err != nil {
		return nil, err
	}
	if p.Cursor != "" {
		if r.c, err = decodeCursor(p.Cursor, r.sig); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// closePage makes a page of up to limit+1 collected rows: the first limit, and the cursor of
// the last of them when there are more.
func closePage[T any](got []listed[T], limit int, sig string) *steward.Page[T] {
	page := &steward.Page[T]{Data: make([]T, 0, min(len(got), limit))}
	for i, r := range got {
		if i == limit {
			last := got[limit-1]
			next := encodeCursor(sig, last.key, last.id)
			page.NextCursor = &next
			break
		}
		page.Data = append(page.Data, r.v)
	}
	return page
}

// listed is one row of a page with the id and sort key its cursor would carry.
type listed[T any] struct {
	v   T
	id  string
	key any
}

// collect reads up to max rows into out, each with its cursor key (the trailing sort column,
// turned by keyOf when set), and closes rows.
func collect[T any](rows *sql.Rows, scan func(rows *sql.Rows, key *any) (T, string, error), keyOf func(any) any,
	out []listed[T], max int) ([]listed[T], error) {
	defer rows.Close()
	// Room for a whole page up front (max is the page size plus one, at most MaxLimit+1): the
	// rows are a few hundred bytes each, and growing from empty copies them several times.
	if n := max - len(out); n > 0 {
		out = slices.Grow(out, n)
	}
	for len(out) < max && rows.Next() {
		var k any
		v, id, err := scan(rows, &k)
		if err != nil {
			return nil, err
		}
		if keyOf != nil {
			k = keyOf(k)
		}
		out = append(out, listed[T]{v: v, id: id, key: k})
	}
	return out, rows.Err()
}

// listSorted reads one page in the order of a sort key, searched when term is set.
func listSorted[T any](ctx context.Context, s *Store, spec listSpec, account string, conds []string, args []any, c *cursor,
	key sortKey, desc bool, term string, filtered bool, want int, scan func(rows *sql.Rows, key *any) (T, string, error)) ([]listed[T], error) {
	col := spec.alias + "." + key.column
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if c != nil {
		var k any = c.Key
		if key.numeric {
			n, err := c.int()
			if err != nil {
				return nil, err
			}
			k = n
		}
		conds = append(conds[:len(conds):len(conds)], "("+col+", "+spec.alias+".id) "+cmp+" (?, ?)")
		args = append(args[:len(args):len(args)], k, c.ID)
	}
	sel := selection{spec: spec, account: account, conds: conds, args: args,
		order: col + " " + dir + ", " + spec.alias + ".id " + dir, key: col, limit: want}
	if term != "" {
		return search(ctx, s, sel, term, true, filtered, scan, nil, nil)
	}
	rows, err := s.reader().query(ctx, sel.plain(), sel.queryArgs()...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan, nil, nil, want)
}
