package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// TestBulkSessionRestored: a load into a new SQLite database writes without fsync on the write
// connection, and the connection has its durable settings back afterwards, whether the load
// succeeded or failed.
func TestBulkSessionRestored(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "bulk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	acc, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Bulk", Email: "bulk@example.com",
		Password: "correct horse", Country: "DE", AdminName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	pragmas := func() (sync, cache, threads int64) {
		t.Helper()
		for p, v := range map[string]*int64{"synchronous": &sync, "cache_size": &cache, "threads": &threads} {
			if err := s.wdb.QueryRowContext(ctx, "PRAGMA "+p).Scan(v); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	sync0, cache0, threads0 := pragmas()
	if sync0 != 2 {
		t.Fatalf("synchronous = %d before the load, want 2 (FULL)", sync0)
	}
	var during int64 = -1
	opt := BulkOptions{NewDatabase: true, RebuildIndexes: true}
	opt.Progress = func(format string, args ...any) {
		// The FTS rebuild runs after the rows are in: the durable setting must be back.
		if during < 0 && strings.HasPrefix(format, "rebuilt") {
			s.wdb.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&during)
		}
	}
	err = s.Bulk(ctx, opt, func(b *BulkLoader) error {
		at := steward.TimestampOf(steward.Now().Time)
		return b.Customer(&steward.Customer{ID: "c1", AccountID: acc.ID, Meta: steward.Meta{CreatedAt: at, UpdatedAt: at},
			CustomerFields: steward.CustomerFields{Name: "C", Type: steward.CustomerOther}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if during != 2 {
		t.Errorf("synchronous = %d while the FTS tables were rebuilt, want 2", during)
	}
	if sync, cache, threads := pragmas(); sync != sync0 || cache != cache0 || threads != threads0 {
		t.Errorf("after the load: synchronous %d, cache_size %d, threads %d; before: %d, %d, %d", sync, cache, threads, sync0, cache0, threads0)
	}
}

// TestBulkIndexesRestoredAfterCancel: a load whose context ends (an interrupted `dev seed`)
// still puts back every index and trigger it dropped, also when the drop itself was cut short.
func TestBulkIndexesRestoredAfterCancel(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "bulk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	schema := func() string {
		var out string
		err := s.wdb.QueryRowContext(ctx, "SELECT group_concat(type || ' ' || name, ', ') FROM (SELECT type, name FROM sqlite_master "+
			"WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name)").Scan(&out)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := schema()
	defs, err := s.bulkDropIndexes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(defs.indexes) == 0 || len(defs.triggers) == 0 {
		t.Fatalf("dropped %d indexes and %d triggers", len(defs.indexes), len(defs.triggers))
	}
	if schema() == before {
		t.Fatal("nothing was dropped")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.bulkRestoreIndexes(canceled, defs, func(string, ...any) {}); err != nil {
		t.Fatalf("restore after the load's context ended: %v", err)
	}
	if after := schema(); after != before {
		t.Errorf("indexes and triggers after the restore:\n%s\nwant\n%s", after, before)
	}
}
