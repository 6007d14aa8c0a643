package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSQLitePathSpecialCharacters: a directory or file name holding '#', '?' or '%' is part of
// the name, not the start of a URI fragment or query, and the database lands in that file.
func TestSQLitePathSpecialCharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "fleet #1?x=y %41")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dsn := range []string{
		filepath.Join(dir, "plain#a?b.db"),
		"sqlite:" + filepath.Join(dir, "prefixed#.db"),
	} {
		s, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate(%q): %v", dsn, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		want, _ := sqlitePath(dsn)
		if fi, err := os.Stat(want); err != nil || fi.Size() == 0 {
			t.Errorf("%q: no database at %q: %v", dsn, want, err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("files outside the named directory: %v", entries)
	}
}

func TestSQLitePath(t *testing.T) {
	for dsn, want := range map[string]string{
		"steward.db":                    "steward.db",
		"sqlite:/srv/a#b.db":            "/srv/a#b.db",
		"/srv/what?.db":                 "/srv/what?.db",
		"file:/srv/x.db?mode=ro":        "/srv/x.db",
		"file:/srv/a%23b%3F.db#frag":    "/srv/a#b?.db",
		"file:relative/dir%20name/x.db": "relative/dir name/x.db",
	} {
		got, err := sqlitePath(dsn)
		if err != nil || got != want {
			t.Errorf("sqlitePath(%q) = %q, %v; want %q", dsn, got, err, want)
		}
	}
	if _, err := sqlitePath("file:/srv/%zz.db"); err == nil {
		t.Error("a malformed escape was accepted")
	}
	if _, err := Open(context.Background(), "file:/srv/%zz.db", Options{}); err == nil {
		t.Error("Open accepted a malformed file: URI")
	}
}
