package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
)

// Search is a case- and accent-insensitive substring match over a table's folded search column
// (docs/ARCHITECTURE.md, "Search"). Its cost is bounded however broad the term and whatever
// other organizations hold:
//
//   - Without an explicit sort (searchRanked), the names that start with the term come first,
//     from the name index in order; then the other matches newest first: on SQLite streamed
//     from the FTS5 index in row-number order, on PostgreSQL through the two plans below; in a
//     filtered list (a customer's assets), by name through the two plans below.
//   - With an explicit sort (search), two plans in turn. The walk reads the list's own index
//     from the cursor on, a bounded number of rows, and keeps those that contain the term: a
//     broad term fills its page within a few hundred rows. When the walk does not fill the page,
//     the term is rare there: the index finds its rows, which are few, and they are sorted (at
//     most maxSorted of them, else 422 on q).
//
// The indexes lead with the account (a GIN over (account_id, search) on PostgreSQL, an account
// marker inside each FTS5 document on SQLite), so another organization's matches cost nothing.
// Terms of one or two characters have no trigram of their own: on SQLite they are found through
// the trigrams they start (from the index's vocabulary), on PostgreSQL through a second index
// over the text's character pairs.

// walkFactor sets the walk's length: walkFactor rows per row of the page. A first, short walk
// of shortWalkFactor rows per row tells a rare term (too few found to fill the page over the
// long walk) from a common one. A covered walk (PostgreSQL's newest-first walk, an index-only
// scan of the *_newest index, 1–2 µs a row) costs about a twentieth of reading a match from
// the heap through the trigram index, so it goes further before the term is left to that
// index, whose cost grows with the term's matches. The long covered walk (51,000 rows) fills a
// page of any term found in more than one row in 1,000, so the index is left about 1,000
// matches per million rows at most. (Measured at rental-1M against 300 and 600 rows a row of
// the page: no worse for the rare terms, better for the ones of a few thousand matches.)
const (
	walkFactor             = 100
	shortWalkFactor        = 10
	coveredWalkFactor      = 1000
	coveredShortWalkFactor = 40
)

// searchTerm validates a q parameter and returns it folded, or "" when there is none.
func searchTerm(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", nil
	}
	if utf8.RuneCountInString(q) > steward.MaxQuery {
		return "", steward.Invalid("q", "must be at most %d characters", steward.MaxQuery)
	}
	if !steward.IsCleanText(q) {
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
	// covered is set when an index holds every column the walk's conditions and order read
	// and the search column (PostgreSQL's *_newest indexes, for the newest-first walk): the walk
	// then reads ids alone, index-only, and only the page's rows are fetched whole.
	covered bool
}

func (sel selection) where() string { return strings.Join(sel.conds, " AND ") }

// plain is the list's query without a search.
func (sel selection) plain() string {
	return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + sel.spec.kind + " " + sel.spec.alias +
		" WHERE " + sel.where() + " ORDER BY " + sel.order + " LIMIT ?"
}

func (sel selection) queryArgs() []any { return append(append([]any{}, sel.args...), sel.limit) }

// walk is the query of plan 1: the first walkRows rows of the list that contain the term. Its
// arguments are the selection's, walkRows, the term and the limit. The outer query keeps the
// walk's order without sorting again, so it stops as soon as the page is full: SQLite's
// co-routine yields the subquery's rows in order, and PostgreSQL knows the subquery is sorted.
func (sel selection) walk(d dialect) string {
	a := sel.spec.alias
	if sel.covered && d == postgres {
		// Its arguments: the account, then as above.
		return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + sel.spec.kind + " " + a +
			" WHERE " + a + ".account_id = ? AND " + a + ".id IN (SELECT " + a + ".id FROM (SELECT " + a + ".id, " + a + ".search FROM " +
			sel.spec.kind + " " + a + " WHERE " + sel.where() + " ORDER BY " + sel.order + " LIMIT ?) " + a +
			" WHERE " + d.contains(a+".search") + " ORDER BY " + sel.order + " LIMIT ?) ORDER BY " + sel.order + " LIMIT ?"
	}
	order := ""
	if d == postgres {
		order = " ORDER BY " + sel.order
	}
	return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM (SELECT " + a + ".* FROM " + sel.spec.kind + " " + a +
		" WHERE " + sel.where() + " ORDER BY " + sel.order + " LIMIT ?) " + a +
		" WHERE " + d.contains(a+".search") + order + " LIMIT ?"
}

// searchLimits bound a search's work. The zero value means the defaults; tests lower them to
// reach past the walk with a few hundred rows.
type searchLimits struct {
	// minWalkPage is the least page size a walk is sized for, so a search that needs only the
	// last few rows of a page still walks far enough to see a small filtered list whole.
	minWalkPage int
	// maxSortedMatches bounds the matches a search sorted by an explicit sort key may have to
	// sort: beyond it the request is refused (422 on q) rather than sorting without bound.
	maxSortedMatches int
}

func (l searchLimits) walkPage() int {
	if l.minWalkPage > 0 {
		return l.minWalkPage
	}
	return steward.DefaultLimit + 1
}

// walkFactors returns the short and the long walk's rows per row of the page. Tests that lower
// the walk's page get the uncovered factors, so that a few hundred rows reach past any walk.
func (l searchLimits) walkFactors(covered bool) (short, long int) {
	if covered && l.minWalkPage == 0 {
		return coveredShortWalkFactor, coveredWalkFactor
	}
	return shortWalkFactor, walkFactor
}

func (l searchLimits) maxSorted() int {
	if l.maxSortedMatches > 0 {
		return l.maxSortedMatches
	}
	return 10000
}

// search reads the rows of sel that contain term (folded, non-empty), through plan 1 and, when
// that does not fill the page, plan 2. With capped, a term whose matches lie beyond the walk
// and exceed the store's bound (10,000 by default) is refused.
func search[T any](ctx context.Context, s *Store, sel selection, term string, capped, filtered bool,
	scan func(rows *sql.Rows, key *any) (T, string, error), keyOf func(any) any, out []listed[T]) ([]listed[T], error) {
	r := s.reader()
	want := len(out) + sel.limit
	// A short walk first. When what it found, extrapolated to the long walk, would not fill the
	// page, the term is rare here and goes to the index at once, unless the list is filtered:
	// the index finds the term's matches in the whole account, so a filtered list (a customer's
	// assets) is walked in full when it is small enough.
	var walked []listed[T]
	var walkRows int
	short, long := s.limits.walkFactors(sel.covered && s.d == postgres)
	factors := []int{short, long}
	if filtered {
		factors = factors[1:] // the short walk only tells a rare term for the unfiltered plan
	}
	for _, factor := range factors {
		walkRows = factor * max(sel.limit, s.limits.walkPage())
		args := append(append([]any{}, sel.args...), walkRows, term, sel.limit)
		if sel.covered && s.d == postgres {
			args = append(append([]any{sel.account}, args...), sel.limit)
		}
		rows, err := r.query(ctx, sel.walk(s.d), args...)
		if err != nil {
			return nil, err
		}
		if walked, err = collect(rows, scan, keyOf, out, want); err != nil || len(walked) == want {
			return walked, err
		}
		if !filtered && (len(walked)-len(out))*long/short < sel.limit {
			break
		}
	}
	// A walk that saw the whole of a filtered list (a customer's assets) found every match. (An
	// account's whole list small enough for that costs the index little anyway.)
	if filtered {
		if exhausted, err := s.fewerRows(ctx, sel, walkRows); err != nil || exhausted {
			return walked, err
		}
	}
	// Plan 2: the term is rare in this account, or its matches lie beyond the walk.
	m, none, err := s.indexedMatch(ctx, sel.spec.kind, sel.spec.alias, sel.account, term)
	if err != nil || none {
		return out, err
	}
	if capped {
		maxSorted := s.limits.maxSorted()
		query, args := s.searchCount(sel, term, m, maxSorted+1)
		var n int
		if err := r.row(ctx, query, args...).Scan(&n); err != nil {
			return nil, err
		}
		if n > maxSorted {
			return nil, steward.Invalid("q", "matches more than %d rows, too many to sort by %s: narrow the term, or leave sort out to get the best matches first",
				maxSorted, strings.TrimPrefix(sel.key, sel.spec.alias+"."))
		}
	}
	query, args := s.searchIndexed(sel, term, m)
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan, keyOf, out, want)
}

// fewerRows reports whether sel's list has fewer than n rows, reading at most n.
func (s *Store) fewerRows(ctx context.Context, sel selection, n int) (bool, error) {
	var got int
	err := s.reader().row(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+sel.spec.kind+" "+sel.spec.alias+" WHERE "+sel.where()+" LIMIT ?) n",
		append(append([]any{}, sel.args...), n)...).Scan(&got)
	return got < n, err
}

// searchRanked reads one page of a search without an explicit sort, best matches first: the
// rows whose name starts with the term, by name; then the others, newest first (by name in a
// filtered list). Each part is served in its own order from an index, so a page costs the same
// however many rows match. The cursor's key says which part it stopped in: "p" and the name key;
// "n" and the name key (filtered); "i" (by id) or, on SQLite, "r" and the row number.
func searchRanked[T any](ctx context.Context, s *Store, spec listSpec, account string, conds []string, args []any,
	c *cursor, term string, filtered bool, want int, scan func(rows *sql.Rows, key *any) (T, string, error)) ([]listed[T], error) {
	a := spec.alias
	lo, hi := term, term+"\U0010FFFF"
	var out []listed[T]
	named := c == nil || strings.HasPrefix(c.Key, "p")
	var afterRid int64
	var after string // the name key of a filtered list's cursor in its other matches
	switch {
	case named:
	case strings.HasPrefix(c.Key, "n") && filtered:
		after = c.Key[1:]
	case c.Key == "i" && s.d == postgres && !filtered:
	case strings.HasPrefix(c.Key, "r") && s.d == sqlite && !filtered:
		n, err := strconv.ParseInt(c.Key[1:], 10, 64)
		if err != nil || n <= 0 {
			return nil, notIssued()
		}
		afterRid = n
	default:
		return nil, notIssued()
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
	if filtered {
		// A filtered list (a customer's assets, say) is small next to the account, and each of
		// its filters has an index in name order: its other matches come by name.
		if after != "" {
			conds2 = append(conds2, "("+a+".name_key, "+a+".id) > (?, ?)")
			args2 = append(args2, after, c.ID)
		}
		sel := selection{spec: spec, account: account, conds: conds2, args: args2,
			order: a + ".name_key, " + a + ".id", key: a + ".name_key", limit: want - len(out)}
		return search(ctx, s, sel, term, false, true, scan, func(k any) any { return "n" + keyString(k) }, out)
	}
	if s.d == sqlite {
		return searchNewestSQLite(ctx, s, spec, account, conds2, args2, afterRid, term, out, want, scan)
	}
	if c != nil && !named {
		conds2 = append(conds2, a+".id < ?")
		args2 = append(args2, c.ID)
	}
	sel := selection{spec: spec, account: account, conds: conds2, args: args2,
		order: a + ".id DESC", key: a + ".id", limit: want - len(out), covered: true}
	return search(ctx, s, sel, term, false, false, scan, func(any) any { return "i" }, out)
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
