package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered step: the shared SQL plus, where unavoidable, an engine's own file
// (NNNN_name.sqlite.sql, NNNN_name.postgres.sql) run after it.
type migration struct {
	version int64
	name    string
	shared  string
	engine  map[string]string
}

func loadMigrations() ([]migration, error) { return loadMigrationsFrom(migrationFiles) }

// loadMigrationsFrom reads the migrations in fsys's migrations directory.
func loadMigrationsFrom(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int64]*migration{}
	for _, e := range entries {
		file := e.Name()
		base := strings.TrimSuffix(file, ".sql")
		engine := ""
		for _, en := range []string{"sqlite", "postgres"} {
			if strings.HasSuffix(base, "."+en) {
				engine, base = en, strings.TrimSuffix(base, "."+en)
			}
		}
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", file)
		}
		body, err := fs.ReadFile(fsys, "migrations/"+file)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &migration{version: v, name: name, engine: map[string]string{}}
			byVersion[v] = m
		}
		// Two files of one number and kind (say, from branches merged together) would silently
		// replace each other; refuse them.
		if m.name != name {
			return nil, fmt.Errorf("migration %s: %04d is also %04d_%s", file, v, v, m.name)
		}
		if engine == "" {
			if m.shared != "" {
				return nil, fmt.Errorf("migration %s: two shared files numbered %04d", file, v)
			}
			m.shared = string(body)
		} else {
			if _, dup := m.engine[engine]; dup {
				return nil, fmt.Errorf("migration %s: two %s files numbered %04d", file, engine, v)
			}
			m.engine[engine] = string(body)
		}
	}
	var out []migration
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the newest migration this binary knows.
func SchemaVersion() int64 {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate brings the database to the newest schema this binary knows. It runs under a lock row,
// so two processes starting together apply each migration once, and refuses a database whose
// schema is newer than the binary.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	return s.migrate(ctx, 0)
}

// migrate applies the migrations up to version upTo (0: all); tests stop early to build an older
// schema and check that upgrading it keeps its data.
func (s *Store) migrate(ctx context.Context, upTo int64) (applied int, err error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	// The bookkeeping tables may be created by two processes at once; PostgreSQL can then fail
	// one CREATE ... IF NOT EXISTS, so try again.
	for attempt := 0; ; attempt++ {
		err = s.write(ctx, func(t *tx) error {
			for _, stmt := range []string{
				"CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
				"CREATE TABLE IF NOT EXISTS schema_lock (id INTEGER PRIMARY KEY, locked_at BIGINT NOT NULL)",
				"INSERT INTO schema_lock (id, locked_at) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
			} {
				if _, err := t.exec(ctx, stmt); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil || attempt == 3 {
			break
		}
	}
	if err != nil {
		return 0, fmt.Errorf("migrate: prepare: %w", err)
	}
	err = s.write(ctx, func(t *tx) error {
		applied = 0 // write may run this again after a deadlock
		// Taking the lock row serializes migrators until this transaction ends.
		if _, err := t.exec(ctx, "UPDATE schema_lock SET locked_at = ? WHERE id = 1", t.now.Micros()); err != nil {
			return err
		}
		done := map[int64]bool{}
		var newest int64
		rows, err := t.query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			done[v] = true
			newest = max(newest, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if known := ms[len(ms)-1].version; newest > known {
			return fmt.Errorf("the database schema is at version %d, newer than this binary knows (%d): run a newer steward", newest, known)
		}
		for _, m := range ms {
			if done[m.version] {
				continue
			}
			if upTo > 0 && m.version > upTo {
				break
			}
			for _, body := range []string{m.shared, m.engine[s.d.name()]} {
				if strings.TrimSpace(body) == "" {
					continue
				}
				if _, err := t.ex.ExecContext(ctx, s.d.schema(body)); err != nil {
					return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
				}
			}
			if _, err := t.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, t.now.Micros()); err != nil {
				return err
			}
			applied++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}
