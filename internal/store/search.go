package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
)

// Search is a case- and accent-insensitive substring match over a table's folded search column,
// answered in the list's own order (name, a count, a time…) so that its pages and cursors are
// those of the list. Its cost is bounded however broad the term and whatever other
// organizations hold, by two plans tried in turn:
//
//  1. The walk: read the list's own index from the cursor on, at most walkRows rows, and keep
//     the rows that contain the term. A broad term (a make, a category, a common letter pair)
//     fills its page within a few hundred rows, so this answers every term that matches at
//     least one row in ~walkFactor of the account.
//  2. The index: when the walk did not fill the page, the term is rare in the account: the
//     trigram index finds its rows, which are few (fewer than one in walkFactor), and they are
//     sorted. The index leads with the account (a GIN over (account_id, search) on PostgreSQL,
//     an account marker inside each FTS5 document on SQLite), so another organization's matches
//     cost nothing. Terms of one or two characters, which trigrams cannot serve, scan the
//     account's rows instead.

// maxSearchRunes is the longest search term accepted.
const maxSearchRunes = 100

// walkFactor sets the walk's length: walkFactor rows per row of the page.
const walkFactor = 100

// searchTerm validates a q parameter and returns it folded, or "" when there is none.
func searchTerm(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", nil
	}
	if utf8.RuneCountInString(q) > maxSearchRunes {
		return "", steward.Invalid("q", "must be at most %d characters", maxSearchRunes)
	}
	if !utf8.ValidString(q) || strings.IndexFunc(q, unicode.IsControl) >= 0 {
		return "", steward.Invalid("q", "must not contain control characters")
	}
	t := strings.TrimSpace(fold(q))
	if t == "" {
		return "", steward.Invalid("q", "must contain at least one letter, digit or symbol")
	}
	return t, nil
}

// selection is one page of a list: its conditions (account, filters, archive state, cursor),
// order, and how many rows to fetch.
type selection struct {
	spec    listSpec
	account string
	conds   []string
	args    []any
	order   string // the ORDER BY clause
	key     string // the sort column, selected after spec.cols
	limit   int    // rows to fetch: the page size plus one
}

func (sel selection) where() string { return strings.Join(sel.conds, " AND ") }

// plain is the list's query without a search.
func (sel selection) plain() string {
	return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + sel.spec.kind + " " + sel.spec.alias +
		" WHERE " + sel.where() + " ORDER BY " + sel.order + " LIMIT ?"
}

func (sel selection) queryArgs() []any { return append(append([]any{}, sel.args...), sel.limit) }

// walk is the query of plan 1: the first walkRows rows of the list that contain the term. Its
// arguments are the selection's, walkRows, the term and the limit.
func (sel selection) walk(d dialect) string {
	a := sel.spec.alias
	return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM (SELECT " + a + ".* FROM " + sel.spec.kind + " " + a +
		" WHERE " + sel.where() + " ORDER BY " + sel.order + " LIMIT ?) " + a +
		" WHERE " + d.contains(a+".search") + " ORDER BY " + sel.order + " LIMIT ?"
}

// maxSortedMatches bounds the matches a search sorted by an explicit sort key may have to sort:
// beyond it the request is refused (422 on q) rather than sorting without bound.
var maxSortedMatches = 10000

// search runs a list query whose rows must contain term (folded, non-empty). With capped, a
// term too broad for the walk whose matches exceed maxSortedMatches is refused.
func (s *Store) search(ctx context.Context, sel selection, term string, capped bool) (*sql.Rows, error) {
	r := s.reader()
	walkRows := walkFactor * sel.limit
	walk := sel.walk(s.d)
	walkArgs := append(append([]any{}, sel.args...), walkRows, term, sel.limit)
	// Plan 1, counted first: the count stops as soon as the page is full.
	var found int
	if err := r.row(ctx, "SELECT count(*) FROM ("+walk+") w", walkArgs...).Scan(&found); err != nil {
		return nil, err
	}
	if found == sel.limit {
		return r.query(ctx, walk, walkArgs...)
	}
	// Plan 2: the term is rare in this account, or its matches lie beyond the walk.
	if capped {
		query, args := s.d.searchCount(sel, term, maxSortedMatches+1)
		var n int
		if err := r.row(ctx, query, args...).Scan(&n); err != nil {
			return nil, err
		}
		if n > maxSortedMatches {
			return nil, steward.Invalid("q", "matches more than %d rows, too many to sort by %s: narrow the term, or leave sort out to get the best matches first",
				maxSortedMatches, strings.TrimPrefix(sel.key, sel.spec.alias+"."))
		}
	}
	query, args := s.d.searchIndexed(sel, term)
	return r.query(ctx, query, args...)
}

// searchRanked reads one page of a search without an explicit sort, best matches first: the
// rows whose name starts with the term, by name; then the others, newest first. Each part is
// served in its own order from an index, so a page costs the same however many rows match.
// The cursor's key says which part it stopped in: "p" and the name key, or "i" (by id).
func searchRanked[T any](ctx context.Context, s *Store, spec listSpec, account string, conds []string, args []any,
	c *cursor, term string, want int, scan func(rows *sql.Rows, key *any) (T, string, error)) ([]listed[T], error) {
	a := spec.alias
	lo, hi := term, term+"\U0010FFFF"
	var out []listed[T]
	named := c == nil || strings.HasPrefix(c.Key, "p")
	if c != nil && !named && c.Key != "i" {
		return nil, steward.Invalid("cursor", "is not a cursor this server issued")
	}
	if named {
		conds1 := append(conds[:len(conds):len(conds)], a+".name_key >= ?", a+".name_key < ?")
		args1 := append(args[:len(args):len(args)], lo, hi)
		if c != nil {
			conds1 = append(conds1, "("+a+".name_key, "+a+".id) > (?, ?)")
			args1 = append(args1, c.Key[1:], c.ID)
		}
		sel := selection{spec: spec, account: account, conds: conds1, args: args1,
			order: a + ".name_key, " + a + ".id", key: a + ".name_key", limit: want}
		rows, err := s.reader().query(ctx, sel.plain(), sel.queryArgs()...)
		if err != nil {
			return nil, err
		}
		if out, err = collect(rows, scan, func(k any) any { return "p" + keyString(k) }, out, want); err != nil {
			return nil, err
		}
		if len(out) == want {
			return out, nil
		}
	}
	conds2 := append(conds[:len(conds):len(conds)], "NOT ("+a+".name_key >= ? AND "+a+".name_key < ?)")
	args2 := append(args[:len(args):len(args)], lo, hi)
	if c != nil && !named {
		conds2 = append(conds2, a+".id < ?")
		args2 = append(args2, c.ID)
	}
	sel := selection{spec: spec, account: account, conds: conds2, args: args2,
		order: a + ".id DESC", key: a + ".id", limit: want - len(out)}
	rows, err := s.search(ctx, sel, term, false)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan, func(any) any { return "i" }, out, want)
}

// keyString is a scanned text key as a string.
func keyString(k any) string {
	switch v := k.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return fmt.Sprint(k)
}

// contains is the condition that column (folded text) holds the bound term as a substring.
func (d dialect) contains(column string) string {
	if d == postgres {
		return "strpos(" + column + ", ?) > 0"
	}
	return "instr(" + column + ", ?) > 0"
}

// minTrigramRunes is the shortest term the trigram indexes can serve.
const minTrigramRunes = 3

// searchIndexed returns plan 2 of a search: the selection's rows containing term, found through
// the account-led trigram index, sorted.
func (d dialect) searchIndexed(sel selection, term string) (string, []any) {
	a, kind := sel.spec.alias, sel.spec.kind
	if utf8.RuneCountInString(term) < minTrigramRunes {
		// Too short for trigrams: scan the account's rows in the list's order.
		return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + kind + " " + a +
				" WHERE " + sel.where() + " AND " + d.contains(a+".search") + " ORDER BY " + sel.order + " LIMIT ?",
			append(append(append([]any{}, sel.args...), term), sel.limit)
	}
	if d == postgres {
		// Materialized, so the planner cannot trade the index for a walk of the sort order.
		return "WITH " + a + " AS MATERIALIZED (SELECT " + a + ".* FROM " + kind + " " + a + " WHERE " + sel.where() +
				" AND " + a + `.search LIKE ? ESCAPE '\') SELECT ` + sel.spec.cols + ", " + sel.key + " FROM " + a +
				" ORDER BY " + sel.order + " LIMIT ?",
			append(append(append([]any{}, sel.args...), "%"+escapeLike(term)+"%"), sel.limit)
	}
	// CROSS JOIN makes the FTS5 index the outer loop.
	match := ftsMatch(sel.account, term)
	return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + kind + "_fts f CROSS JOIN " + kind + " " + a +
			" ON " + a + ".rid = f.rowid WHERE f." + kind + "_fts MATCH ? AND " + sel.where() +
			" ORDER BY " + sel.order + " LIMIT ?",
		append(append([]any{match}, sel.args...), sel.limit)
}

// searchCount returns a query counting the account's rows that may contain term, up to max.
func (d dialect) searchCount(sel selection, term string, max int) (string, []any) {
	a, kind := sel.spec.alias, sel.spec.kind
	switch {
	case utf8.RuneCountInString(term) < minTrigramRunes:
		return "SELECT count(*) FROM (SELECT 1 FROM " + kind + " " + a + " WHERE " + a + ".account_id = ? AND " +
			d.contains(a+".search") + " LIMIT ?) n", []any{sel.account, term, max}
	case d == postgres:
		return "SELECT count(*) FROM (SELECT 1 FROM " + kind + " " + a + " WHERE " + a + ".account_id = ? AND " +
			a + `.search LIKE ? ESCAPE '\' LIMIT ?) n`, []any{sel.account, "%" + escapeLike(term) + "%", max}
	}
	return "SELECT count(*) FROM (SELECT 1 FROM " + kind + "_fts WHERE " + kind + "_fts MATCH ? LIMIT ?) n",
		[]any{ftsMatch(sel.account, term), max}
}

// ftsMatch is the FTS5 query of term (three characters or more) in one account's documents.
func ftsMatch(account, term string) string {
	return `"` + ftsMarker(account) + `" AND "` + strings.ReplaceAll(term, `"`, `""`) + `"`
}

// ftsMarker is the account marker that starts each of the account's FTS5 documents on SQLite
// (migrations/0002_search.sqlite.sql computes the same in SQL): three private-use characters,
// each from three of the last nine hex digits of the account id.
func ftsMarker(accountID string) string {
	hex := func(k int) int {
		i := len(accountID) - k
		if i < 0 {
			return -1
		}
		return strings.IndexByte("0123456789abcdef", accountID[i])
	}
	var b strings.Builder
	for _, base := range []int{1, 4, 7} {
		b.WriteRune(rune(0xE000 + 256*hex(base) + 16*hex(base+1) + hex(base+2)))
	}
	return b.String()
}
