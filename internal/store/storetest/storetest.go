// Package storetest opens real databases for tests and benchmarks: a fresh SQLite file always,
// and a fresh PostgreSQL database when STEWARD_TEST_POSTGRES holds a server URL. Each database is
// migrated with the real migrations and dropped when the test (or, for a shared one, the test
// binary) ends. It is the one place that creates and drops test databases.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/store"
)

// EnvPostgres names the variable holding a PostgreSQL URL for tests.
const EnvPostgres = "STEWARD_TEST_POSTGRES"

// Engines are the engines every test runs on.
var Engines = []string{"sqlite", "postgres"}

// ErrNoPostgres is NewDatabase's answer for PostgreSQL when STEWARD_TEST_POSTGRES is unset.
var ErrNoPostgres = errors.New("PostgreSQL tests skipped: set " + EnvPostgres +
	" to a server URL (for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run them")

// SkipWithoutPostgres skips tb when engine is PostgreSQL and no server is configured, saying how
// to run it.
func SkipWithoutPostgres(tb testing.TB, engine string) {
	tb.Helper()
	if engine == "postgres" && os.Getenv(EnvPostgres) == "" {
		tb.Skip(ErrNoPostgres.Error())
	}
}

// NewDatabase creates a fresh, empty database on engine and returns its DSN and the function
// that removes it: a SQLite file in a new temporary directory, or a new database on the
// PostgreSQL server of STEWARD_TEST_POSTGRES (ErrNoPostgres when unset). With fast, PostgreSQL
// commits do not wait for the disk (synchronous_commit off; open SQLite with
// SQLiteSynchronous "NORMAL" for the same): for databases a test throws away, where locking and
// visibility are what matter. It takes no testing.TB, so a database can outlive one test.
func NewDatabase(engine string, fast bool) (dsn string, drop func(), err error) {
	if engine == "sqlite" {
		dir, err := os.MkdirTemp("", "steward-test-")
		if err != nil {
			return "", nil, err
		}
		return filepath.Join(dir, "steward.db"), func() { os.RemoveAll(dir) }, nil
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return "", nil, ErrNoPostgres
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", EnvPostgres, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	name := "steward_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop = func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	}
	if fast {
		if _, err := admin.Exec("ALTER DATABASE " + name + " SET synchronous_commit TO off"); err != nil {
			drop()
			return "", nil, err
		}
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// ForEachEngine runs fn as a subtest on every engine, each with its own fresh database. Without
// STEWARD_TEST_POSTGRES the PostgreSQL subtest is skipped with a message saying how to run it.
func ForEachEngine(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// DSN creates a fresh, empty database on engine and returns its DSN; it is removed at cleanup.
func DSN(tb testing.TB, engine string) string {
	tb.Helper()
	SkipWithoutPostgres(tb, engine)
	dsn, drop, err := NewDatabase(engine, false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return dsn
}

// Open returns a migrated store on a fresh database of engine, closed at cleanup.
func Open(tb testing.TB, engine string) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, DSN(tb, engine), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// The shared databases: one migrated, fast database per engine for a whole test binary. Tests
// that share one work in organizations of their own, which the store's tenancy keeps apart (and
// the other tests' data next to theirs only makes the isolation checks stronger); creating and
// dropping a PostgreSQL database per test costs seconds (DROP DATABASE forces a checkpoint).
var (
	sharedMu sync.Mutex
	shared   = map[string]*sharedDB{}
)

type sharedDB struct {
	once  sync.Once
	s     *store.Store
	dsn   string
	err   error
	close func()
}

// Shared returns the engine's shared, migrated store and its DSN, skipping tb when the engine is
// not configured. CloseShared, from the package's TestMain, removes the databases.
func Shared(tb testing.TB, engine string) (*store.Store, string) {
	tb.Helper()
	SkipWithoutPostgres(tb, engine)
	sharedMu.Lock()
	db := shared[engine]
	if db == nil {
		db = &sharedDB{}
		shared[engine] = db
	}
	sharedMu.Unlock()
	db.once.Do(func() {
		dsn, drop, err := NewDatabase(engine, true)
		if err != nil {
			db.err = err
			return
		}
		ctx := context.Background()
		s, err := store.Open(ctx, dsn, store.Options{SQLiteSynchronous: "NORMAL"})
		if err == nil {
			if _, err = s.Migrate(ctx); err != nil {
				s.Close()
			}
		}
		if err != nil {
			drop()
			db.err = err
			return
		}
		db.s, db.dsn, db.close = s, dsn, func() { s.Close(); drop() }
	})
	if db.err != nil {
		tb.Fatalf("shared %s database: %v", engine, db.err)
	}
	return db.s, db.dsn
}

// CloseShared closes and removes the shared databases; call it from TestMain after m.Run.
func CloseShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for engine, db := range shared {
		if db.close != nil {
			db.close()
		}
		delete(shared, engine)
	}
}
