package store

import (
	"context"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/steward-fleet/steward/internal/steward"
)

// OperatorAPIKey is an API key as the installation's operator sees it on the command line: the
// key (never its secret) with the email of the user it acts as and the name of its account.
type OperatorAPIKey struct {
	steward.APIKey
	UserEmail   string
	AccountName string
}

// AllAPIKeys lists API keys across the whole installation, newest first: every key, or with an
// email only that user's keys (ENOTFOUND when no user has the email). It is the command line's
// read, made as the operator of the installation, so it takes no actor.
func (s *Store) AllAPIKeys(ctx context.Context, email string) ([]OperatorAPIKey, error) {
	r := s.reader()
	query := "SELECT " + apiKeys.selectList + `, u.email, a.name
		FROM api_keys k JOIN users u ON u.id = k.user_id JOIN accounts a ON a.id = k.account_id`
	var args []any
	if email = strings.TrimSpace(email); email != "" {
		u, err := getUser(ctx, r, userByEmail(email))
		if err != nil {
			return nil, err
		}
		query += " WHERE k.user_id = ?"
		args = append(args, u.ID)
	}
	rows, err := r.query(ctx, query+" ORDER BY k.created_at DESC, k.id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OperatorAPIKey{}
	for rows.Next() {
		var k OperatorAPIKey
		if err := rows.Scan(append(apiKeys.dests(&k.APIKey, make([]any, 0, apiKeys.nScan+2)), &k.UserEmail, &k.AccountName)...); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// sameOrganizationName reports whether two organization names would read as the same name to a
// person: compared folded (case and accents ignored, ß as ss…), with compatibility forms as
// their plain letters (full-width Ａ as A), invisible format characters (zero-width spaces,
// bidirectional controls) dropped and runs of spaces as one. So "ACME  Rentals", "Acmé Rentals"
// and "Acme\u200b Rentals" are the same organization as "Acme Rentals".
func sameOrganizationName(a, b string) bool {
	return organizationNameKey(a) == organizationNameKey(b)
}

func organizationNameKey(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
	return fold(strings.Join(strings.Fields(s), " "))
}

// organizationNamed returns the id and name of an existing organization (root account) whose
// name is the same as name by sameOrganizationName, or "" when there is none. Organizations are
// few (one per init), so comparing them in Go keeps the folding identical on both engines.
// It serializes the transactions that check organization names first (on SQLite the one writer
// does), so two racing inits with the same name cannot both find none and both insert.
func (t *tx) organizationNamed(ctx context.Context, name string) (id, existing string, err error) {
	if t.d == postgres {
		if _, err := t.exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('steward: organization names'))"); err != nil {
			return "", "", err
		}
	}
	rows, err := t.query(ctx, "SELECT id, name FROM accounts WHERE parent_id IS NULL ORDER BY created_at, id")
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	for rows.Next() {
		var i, n string
		if err := rows.Scan(&i, &n); err != nil {
			return "", "", err
		}
		if sameOrganizationName(n, name) {
			return i, n, rows.Close()
		}
	}
	return "", "", rows.Err()
}
