package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

// MigrateTo applies the migrations up to version v only, for tests of upgrades.
func (s *Store) MigrateTo(ctx context.Context, v int64) (int, error) { return s.migrate(ctx, v) }

// AuditPageQuery is the query AuditEvents runs, for checking its plan.
func AuditPageQuery(a *steward.Actor, f steward.AuditFilter, limit int) (string, []any, error) {
	q, args, _, err := auditPageQuery(a, f, limit)
	return q, args, err
}
