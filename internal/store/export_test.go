package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

// WithSearchLimits returns a Store on the same database whose searches walk for pages of at
// least minWalkPage rows and sort at most maxSorted matches, so that a test can reach past the
// walk with a few hundred rows without changing anything other tests share.
func WithSearchLimits(s *Store, minWalkPage, maxSorted int) *Store {
	c := *s
	c.limits = searchLimits{minWalkPage: minWalkPage, maxSortedMatches: maxSorted}
	return &c
}

// MigrateTo applies the migrations up to version v only, for tests of upgrades.
func (s *Store) MigrateTo(ctx context.Context, v int64) (int, error) { return s.migrate(ctx, v) }

// AuditPageQuery is the query AuditEvents runs, for checking its plan.
func AuditPageQuery(a *steward.Actor, f steward.AuditFilter, limit int) (string, []any, error) {
	q, args, _, err := auditPageQuery(a, f, limit)
	return q, args, err
}

// FTSMarker is the account marker that starts the account's FTS5 documents on SQLite.
var FTSMarker = ftsMarker

// ResetSessionClean makes the next session commit delete expired sessions.
func (s *Store) ResetSessionClean() { s.sessionClean.Store(0) }

// SetUserGroups runs setUserGroups in its own transaction, as a user's create or update will.
func (s *Store) SetUserGroups(ctx context.Context, a *steward.Actor, userID, userName string, groupIDs []string) (joined, left []string, err error) {
	err = s.write(ctx, func(t *tx) error {
		joined, left, err = t.setUserGroups(ctx, a, userID, userName, groupIDs)
		return err
	})
	return joined, left, err
}
