package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

// SetMaxSortedMatches changes the bound of sorted searches for a test and returns the undo.
func SetMaxSortedMatches(n int) (undo func()) {
	old := maxSortedMatches
	maxSortedMatches = n
	return func() { maxSortedMatches = old }
}

// SetMinWalkPage changes the least page size a search's walk is sized for, so that a test can
// reach past the walk with a few hundred rows; it returns the undo.
func SetMinWalkPage(n int) (undo func()) {
	old := minWalkPage
	minWalkPage = n
	return func() { minWalkPage = old }
}

// MigrateTo applies the migrations up to version v only, for tests of upgrades.
func (s *Store) MigrateTo(ctx context.Context, v int64) (int, error) { return s.migrate(ctx, v) }

// AuditPageQuery is the query AuditEvents runs, for checking its plan.
func AuditPageQuery(a *steward.Actor, f steward.AuditFilter, limit int) (string, []any, error) {
	q, args, _, err := auditPageQuery(a, f, limit)
	return q, args, err
}
