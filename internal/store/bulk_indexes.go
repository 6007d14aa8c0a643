package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// bulkDefs is what a load with RebuildIndexes dropped and must put back.
type bulkDefs struct {
	indexes  []schemaObject
	triggers []schemaObject // SQLite: triggers feeding full-text tables
	fts      []string       // SQLite: full-text tables over the loaded tables, rebuilt afterwards
}

type schemaObject struct{ name, table, sql string }

// bulkDropIndexes drops the non-unique indexes of every loaded table, whatever the migrations
// made them (unique ones guard the data being loaded and stay). On SQLite it also drops the
// insert triggers that feed a full-text table over a loaded table: FTS5 flushes its pending terms
// at every statement's savepoint, so a row-by-row trigger costs more than one rebuild at the end.
func (s *Store) bulkDropIndexes(ctx context.Context) (*bulkDefs, error) {
	defs := &bulkDefs{}
	var err error
	if defs.indexes, err = s.secondaryIndexes(ctx, bulkTableNames[:]); err != nil {
		return nil, err
	}
	if s.d == sqlite {
		if err := s.ftsFeeds(ctx, defs); err != nil {
			return nil, err
		}
	}
	for i, d := range defs.triggers {
		if _, err := s.wdb.ExecContext(ctx, "DROP TRIGGER "+d.name); err != nil {
			// Put back the triggers already dropped (and nothing else), as for indexes below.
			defs.triggers, defs.indexes, defs.fts = defs.triggers[:i], nil, nil
			return nil, errors.Join(fmt.Errorf("bulk: drop trigger %s: %w", d.name, err),
				s.bulkRestoreIndexes(ctx, defs, func(string, ...any) {}))
		}
	}
	for i, d := range defs.indexes {
		if _, err := s.wdb.ExecContext(ctx, "DROP INDEX "+d.name); err != nil {
			// Put back what was already dropped.
			defs.indexes = defs.indexes[:i]
			return nil, errors.Join(fmt.Errorf("bulk: drop index %s: %w", d.name, err),
				s.bulkRestoreIndexes(ctx, defs, func(string, ...any) {}))
		}
	}
	return defs, nil
}

// ftsFeeds finds the FTS5 tables whose content is a loaded table and the insert triggers that
// feed them.
func (s *Store) ftsFeeds(ctx context.Context, defs *bulkDefs) error {
	loaded := map[string]bool{}
	for _, t := range bulkTableNames {
		loaded[t] = true
	}
	// An FTS5 table's content is a loaded table, or a view over one (the search documents).
	rows, err := s.wdb.QueryContext(ctx, "SELECT type, name, sql FROM sqlite_master WHERE type = 'view' OR (type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%') ORDER BY type DESC")
	if err != nil {
		return err
	}
	viewOf := map[string]string{}  // view → the table it selects from
	ftsOf := map[string][]string{} // content table → its fts tables
	for rows.Next() {
		var typ, name, q string
		if err := rows.Scan(&typ, &name, &q); err != nil {
			rows.Close()
			return err
		}
		if typ == "view" { // listed first
			if m := viewFrom.FindStringSubmatch(q); m != nil {
				viewOf[name] = m[1]
			}
			continue
		}
		m := ftsContent.FindStringSubmatch(q)
		if m == nil {
			continue
		}
		content := m[1]
		if t, ok := viewOf[content]; ok {
			content = t
		}
		if loaded[content] {
			ftsOf[content] = append(ftsOf[content], name)
			defs.fts = append(defs.fts, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.wdb.QueryContext(ctx, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d schemaObject
		if err := rows.Scan(&d.name, &d.table, &d.sql); err != nil {
			return err
		}
		if !strings.Contains(strings.ToUpper(d.sql), "AFTER INSERT ON") {
			continue
		}
		for _, f := range ftsOf[d.table] {
			if strings.Contains(d.sql, "INSERT INTO "+f+" ") {
				defs.triggers = append(defs.triggers, d)
				break
			}
		}
	}
	return rows.Err()
}

// ftsContent reads the content table of an FTS5 declaration; viewFrom the table a simple view
// selects from.
var (
	ftsContent = regexp.MustCompile(`(?i)USING\s+fts5\s*\(.*content\s*=\s*'([a-z_0-9]+)'`)
	viewFrom   = regexp.MustCompile(`(?is)\bFROM\s+([a-z_0-9]+)\s*$`)
)

// bulkRestoreIndexes rebuilds the full-text tables, puts their triggers back and builds the
// indexes again. PostgreSQL builds two indexes at a time (each with a larger sort memory), the
// largest tables first; SQLite has one writer.
func (s *Store) bulkRestoreIndexes(ctx context.Context, defs *bulkDefs, progress func(string, ...any)) error {
	// Whatever ended the load (an interrupted command cancels its context) must not stop the
	// indexes coming back half-way: the database would answer every query by full scans.
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, f := range defs.fts {
		start := time.Now()
		if _, err := s.wdb.ExecContext(ctx, "INSERT INTO "+f+" ("+f+") VALUES ('rebuild')"); err != nil {
			errs = append(errs, fmt.Errorf("bulk: rebuild %s: %w", f, err))
			continue
		}
		progress("rebuilt %s in %s", f, since(start))
	}
	for _, d := range defs.triggers {
		if _, err := s.wdb.ExecContext(ctx, d.sql); err != nil {
			errs = append(errs, fmt.Errorf("bulk: restore trigger %s: %w", d.name, err))
		}
	}
	start := time.Now()
	workers := 1
	if s.d == postgres {
		workers = 2
	}
	queue := make(chan schemaObject)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range queue {
				t0 := time.Now()
				err := s.createIndex(ctx, d)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("bulk: rebuild index %s: %w", d.name, err))
				} else {
					progress("built index %s in %s", d.name, since(t0))
				}
				mu.Unlock()
			}
		}()
	}
	// Largest tables first, so the last index built is a small one.
	for _, t := range []string{"audit_events", "assets", "locations", "contacts", "customers"} {
		for _, d := range defs.indexes {
			if d.table == t {
				queue <- d
			}
		}
	}
	close(queue)
	wg.Wait()
	if len(defs.indexes) > 0 {
		progress("built %d indexes in %s", len(defs.indexes), since(start))
	}
	if s.d == sqlite {
		// With the connection's durable setting back, a checkpoint copies what is left in the
		// WAL and fsyncs the database file (see sqliteBulkSession).
		if _, err := s.wdb.ExecContext(ctx, "PRAGMA wal_checkpoint(FULL)"); err != nil {
			errs = append(errs, fmt.Errorf("bulk: checkpoint: %w", err))
		}
	}
	return errors.Join(errs...)
}

// createIndex runs one index definition; on PostgreSQL with a larger sort memory than a
// session's default, set for its transaction only.
func (s *Store) createIndex(ctx context.Context, d schemaObject) error {
	if s.d != postgres {
		_, err := s.wdb.ExecContext(ctx, d.sql)
		return err
	}
	t, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '512MB'"); err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, d.sql); err != nil {
		return err
	}
	return t.Commit()
}

// secondaryIndexes returns the definitions of the tables' indexes that are not constraints.
func (s *Store) secondaryIndexes(ctx context.Context, tables []string) ([]schemaObject, error) {
	query := "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ? ORDER BY name"
	if s.d == postgres {
		query = `SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ?
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname`
	}
	var out []schemaObject
	for _, t := range tables {
		rows, err := s.wdb.QueryContext(ctx, s.d.rebind(query), t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d schemaObject
			if err := rows.Scan(&d.name, &d.table, &d.sql); err != nil {
				rows.Close()
				return nil, err
			}
			// Unique indexes guard the data being loaded; they stay.
			if !strings.Contains(strings.ToUpper(d.sql), "UNIQUE") {
				out = append(out, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
