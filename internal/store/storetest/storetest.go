// Package storetest opens real databases for tests: a fresh SQLite file always, and a fresh
// PostgreSQL database when STEWARD_TEST_POSTGRES holds a server URL. Each database is migrated
// with the real migrations and dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/steward-fleet/steward/internal/store"
)

// EnvPostgres names the variable holding a PostgreSQL URL for tests.
const EnvPostgres = "STEWARD_TEST_POSTGRES"

// ForEachEngine runs fn as a subtest on every engine, each with its own fresh database. Without
// STEWARD_TEST_POSTGRES the PostgreSQL subtest is skipped with a message saying how to run it.
func ForEachEngine(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// DSN creates a fresh, empty database on engine and returns its DSN; it is removed at cleanup.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return filepath.Join(t.TempDir(), "steward.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a server URL (for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run them", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "steward_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated store on a fresh database of engine, closed at cleanup.
func Open(t testing.TB, engine string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, DSN(t, engine), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}
