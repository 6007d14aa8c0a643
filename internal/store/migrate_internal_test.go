package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

// Two migrations of one number (as two branches merged together may bring) are refused, not
// one silently dropped.
func TestMigrationNumbersAreUnique(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for name, files := range map[string]fstest.MapFS{
		"two names": {"migrations/0002_search.sql": file("SELECT 1;"), "migrations/0002_audit.sql": file("SELECT 2;")},
		"an engine file of another name": {"migrations/0002_search.sql": file("SELECT 1;"),
			"migrations/0002_audit.sqlite.sql": file("SELECT 2;")},
	} {
		if _, err := loadMigrationsFrom(files); err == nil || !strings.Contains(err.Error(), "0002") {
			t.Errorf("%s: %v, want an error naming 0002", name, err)
		}
	}
	ms, err := loadMigrationsFrom(fstest.MapFS{"migrations/0001_core.sql": file("A"), "migrations/0001_core.postgres.sql": file("B"),
		"migrations/0002_next.sql": file("C")})
	if err != nil || len(ms) != 2 || ms[0].engine["postgres"] != "B" || ms[1].shared != "C" {
		t.Errorf("loadMigrationsFrom = %+v, %v", ms, err)
	}
	if _, err := loadMigrations(); err != nil {
		t.Errorf("the embedded migrations: %v", err)
	}
}
