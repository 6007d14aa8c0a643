package store_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// eachEngineEmpty hands fn the DSN of a fresh, empty (unmigrated) database of every engine.
func eachEngineEmpty(t *testing.T, fn func(t *testing.T, engine, dsn string)) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, engine)
			defer catchMust(t)
			fn(t, engine, dsn)
		})
	}
}

// eachEngineFresh hands fn a store on a fresh, migrated database of every engine of its own
// (for tests that read or claim across accounts: the outbox, pruning) and a raw connection to it.
func eachEngineFresh(t *testing.T, fn func(t *testing.T, s *store.Store, raw *rawDB)) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, dsn)
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		fn(t, s, openRaw(t, engine, dsn))
	})
}

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrateTwice: a second run applies nothing and keeps the data; a newer schema is refused.
func TestMigrateTwice(t *testing.T) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, dsn)
		want := store.SchemaVersion()
		if want < 1 {
			t.Fatalf("SchemaVersion = %d", want)
		}
		n, err := s.Migrate(ctx)
		ok(t, err)
		if n < 1 {
			t.Fatalf("first Migrate applied %d migrations", n)
		}
		n, err = s.Migrate(ctx)
		ok(t, err)
		if n != 0 {
			t.Errorf("second Migrate applied %d migrations, want 0", n)
		}
		raw := openRaw(t, engine, dsn)
		if v := raw.int(t, "SELECT MAX(version) FROM schema_migrations"); v != want {
			t.Errorf("schema at %d, binary knows %d", v, want)
		}
		// Migrating a store that is in use keeps its data.
		o := newOrg(t, s)
		mkCustomer(t, s, o.admin, "Kept")
		must(s.Migrate(ctx))
		if got := allCustomers(t, s, o.admin, steward.CustomerFilter{}); len(got) != 1 {
			t.Errorf("%d customers after a re-migrate", len(got))
		}
		// A database whose schema is newer than the binary is refused.
		raw.exec(t, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', 0)", want+1)
		_, err = s.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("Migrate on a newer schema: %v, want a refusal naming the newer schema", err)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		// Separate stores, as separate processes starting together would have.
		const n = 4
		stores := make([]*store.Store, n)
		for i := range stores {
			stores[i] = openStore(t, dsn)
		}
		applied := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				applied[i], errs[i] = stores[i].Migrate(ctx)
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range stores {
			if errs[i] != nil {
				t.Errorf("migrator %d: %v", i, errs[i])
			}
			total += applied[i]
		}
		raw := openRaw(t, engine, dsn)
		rows := raw.int(t, "SELECT COUNT(*) FROM schema_migrations")
		if int64(total) != rows || rows < 1 {
			t.Errorf("migrators applied %d migrations in total, schema_migrations has %d rows", total, rows)
		}
		if dup := raw.int(t, "SELECT COUNT(*) - COUNT(DISTINCT version) FROM schema_migrations"); dup != 0 {
			t.Errorf("%d migrations recorded twice", dup)
		}
		// Every store works on the migrated schema.
		for _, s := range stores {
			o := newOrg(t, s)
			mkCustomer(t, s, o.admin, "Works")
		}
	})
}
