package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The index side of search (search.go): plan 2's queries through the account-led indexes, and
// SQLite's newest-first stream from the FTS5 index.

// searchNewestSQLite reads the other matches of a ranked search on SQLite, newest first, which
// there is the order of the row number: the FTS5 index yields its matches in that order, so the
// query streams and stops when the page is full, however many rows match. A short term, whose
// index query lists the trigrams it starts, first walks the account's newest rows, where a
// common one fills its page at once.
func searchNewestSQLite[T any](ctx context.Context, s *Store, spec listSpec, account string, conds []string, args []any,
	afterRid int64, term string, out []listed[T], want int, scan func(rows *sql.Rows, key *any) (T, string, error)) ([]listed[T], error) {
	a, kind := spec.alias, spec.kind
	keyOf := func(k any) any { return "r" + keyString(k) }
	if afterRid > 0 {
		conds = append(conds[:len(conds):len(conds)], a+".rid < ?")
		args = append(args[:len(args):len(args)], afterRid)
	}
	r := s.reader()
	if utf8.RuneCountInString(term) < minTrigramRunes {
		sel := selection{spec: spec, account: account, conds: conds, args: args, order: a + ".rid DESC", key: a + ".rid",
			limit: want - len(out)}
		rows, err := r.query(ctx, sel.walk(s.d), append(append([]any{}, args...), walkFactor*sel.limit, term, sel.limit)...)
		if err != nil {
			return nil, err
		}
		walked, err := collect(rows, scan, keyOf, out, want)
		if err != nil || len(walked) == want {
			return walked, err
		}
	}
	m, none, err := s.indexedMatch(ctx, kind, a, account, term)
	if err != nil || none {
		return out, err
	}
	if afterRid > 0 {
		conds = append(conds, "f.rowid < ?")
		args = append(args, afterRid)
	}
	rows, err := r.query(ctx, "SELECT "+spec.cols+", "+a+".rid FROM "+s.ftsJoin(kind, a, strings.Join(conds, " AND "))+
		" ORDER BY f.rowid DESC LIMIT ?", append(append(append([]any{m.cond}, args...), term), want-len(out))...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan, keyOf, out, want)
}

// contains is the condition that column (folded text) holds the bound term as a substring.
func (d dialect) contains(column string) string {
	if d == postgres {
		return "strpos(" + column + ", ?) > 0"
	}
	return "instr(" + column + ", ?) > 0"
}

// hasTrigram reports whether pg_trgm finds a trigram in term: whether it holds a letter or a
// digit (pg_trgm's word characters; the rest only separate words).
func hasTrigram(term string) bool {
	return strings.IndexFunc(term, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// minTrigramRunes is the shortest term with a trigram of its own.
const minTrigramRunes = 3

// maxShortTermTrigrams bounds the trigrams a one- or two-character term expands to on SQLite.
const maxShortTermTrigrams = 4000

// indexedMatch returns how plan 2 finds the account's rows containing term through the index:
// on PostgreSQL a condition on the row (alias a), on SQLite an FTS5 query. The FTS5 query may
// match more rows than hold the term (a term's private-use characters can match the account
// markers; a very common short term falls back to all the account's documents), so every query
// built on it keeps only the rows whose search column contains the term. none means no row
// can match.
func (s *Store) indexedMatch(ctx context.Context, kind, a, account, term string) (m indexMatch, none bool, err error) {
	short := utf8.RuneCountInString(term) < minTrigramRunes
	if s.d == postgres {
		if !hasTrigram(term) {
			// pg_trgm makes trigrams of letters and digits only: a term of symbols alone ("&",
			// "-/-") would make the trigram indexes read every organization's entries. The
			// account's own rows are read instead, in the account-led index.
			return indexMatch{s.d.contains(a + ".search"), []any{term}}, false, nil
		}
		if short {
			// "ab" is the pair word "#ab#"; "x" starts one ("#x"). The pairs' trigrams narrow
			// the rows, strpos keeps the exact ones.
			pattern := "%#" + escapeLike(term) + "%"
			if utf8.RuneCountInString(term) == 2 {
				pattern = "%#" + escapeLike(term) + "#%"
			}
			return indexMatch{"search_pairs(" + a + `.search) LIKE ? ESCAPE '\' AND ` + s.d.contains(a+".search"), []any{pattern, term}}, false, nil
		}
		return indexMatch{a + `.search LIKE ? ESCAPE '\'`, []any{"%" + escapeLike(term) + "%"}}, false, nil
	}
	if !short {
		return indexMatch{cond: ftsMatch(account, term)}, false, nil
	}
	// A short term is found through the trigrams it starts: every character of a document is
	// followed by at least two more (see the migration), so "ab" occurs exactly where one of the
	// trigrams "ab?" does.
	rows, err := s.reader().query(ctx, "SELECT term FROM "+kind+"_fts_terms WHERE term >= ? AND term < ? LIMIT ?",
		term, term+"\U0010FFFF", maxShortTermTrigrams+1)
	if err != nil {
		return indexMatch{}, false, err
	}
	defer rows.Close()
	var or []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return indexMatch{}, false, err
		}
		or = append(or, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	if err := rows.Err(); err != nil {
		return indexMatch{}, false, err
	}
	if len(or) == 0 {
		return indexMatch{}, true, nil
	}
	if len(or) > maxShortTermTrigrams {
		// Too many to list (whatever other organizations hold): the account's documents, each
		// checked by the caller's exact match.
		return indexMatch{cond: `"` + ftsMarker(account) + `"`}, false, nil
	}
	return indexMatch{cond: `"` + ftsMarker(account) + `" AND (` + strings.Join(or, " OR ") + ")"}, false, nil
}

// indexMatch is how plan 2 finds the rows containing a term (indexedMatch): on PostgreSQL a
// condition with its arguments, on SQLite an FTS5 query (cond, no arguments).
type indexMatch struct {
	cond string
	args []any
}

// searchIndexed returns plan 2 of a search: the selection's rows containing term, found through
// the account-led index by m, sorted.
func (s *Store) searchIndexed(sel selection, term string, m indexMatch) (string, []any) {
	a, kind := sel.spec.alias, sel.spec.kind
	if s.d == postgres {
		// Materialized, so the planner cannot trade the index for a walk of the sort order.
		return "WITH " + a + " AS MATERIALIZED (SELECT " + a + ".* FROM " + kind + " " + a + " WHERE " + sel.where() +
				" AND " + m.cond + ") SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + a +
				" ORDER BY " + sel.order + " LIMIT ?",
			append(append(append([]any{}, sel.args...), m.args...), sel.limit)
	}
	return "SELECT " + sel.spec.cols + ", " + sel.key + " FROM " + s.ftsJoin(kind, a, sel.where()) +
			" ORDER BY " + sel.order + " LIMIT ?",
		append(append(append([]any{m.cond}, sel.args...), term), sel.limit)
}

// searchCount returns a query counting the rows of sel that may contain term (found by m), up
// to max.
func (s *Store) searchCount(sel selection, term string, m indexMatch, max int) (string, []any) {
	a, kind := sel.spec.alias, sel.spec.kind
	if s.d == postgres {
		return "SELECT count(*) FROM (SELECT 1 FROM " + kind + " " + a + " WHERE " + sel.where() + " AND " + m.cond + " LIMIT ?) n",
			append(append(append([]any{}, sel.args...), m.args...), max)
	}
	return "SELECT count(*) FROM (SELECT 1 FROM " + s.ftsJoin(kind, a, sel.where()) + " LIMIT ?) n",
		append(append(append([]any{m.cond}, sel.args...), term), max)
}

// ftsJoin is the FROM and WHERE of plan 2 on SQLite: the rows of kind (alias a) that the FTS5
// query (the first argument) matches, meet where, and hold the term (the last argument). CROSS
// JOIN makes the FTS5 index the outer loop.
func (s *Store) ftsJoin(kind, a, where string) string {
	return kind + "_fts f CROSS JOIN " + kind + " " + a + " ON " + a + ".rid = f.rowid WHERE f." + kind + "_fts MATCH ? AND " +
		where + " AND " + s.d.contains(a+".search")
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

// Vacuum sets PostgreSQL's visibility map of the searchable tables, which the index-only walks
// of search rely on (without it every walked row is read from the heap after all). Autovacuum
// keeps it up to date; a bulk load calls this once, since autovacuum may come much later or, on
// a server where it is off, never. On SQLite it does nothing.
func (s *Store) Vacuum(ctx context.Context) error {
	if s.d != postgres {
		return nil
	}
	for _, table := range []string{customers.name, contacts.name, locations.name, assets.name} {
		if _, err := s.wdb.ExecContext(ctx, "VACUUM "+table); err != nil {
			return fmt.Errorf("vacuum %s: %w", table, err)
		}
	}
	return nil
}
