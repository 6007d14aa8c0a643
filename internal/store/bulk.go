package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/steward-fleet/steward/internal/steward"
)

// BulkLoader writes many rows fast for seeding and demo data. Rows go in as given (ids, times
// and counts included), with their derived columns (sort keys, search text) computed here exactly
// as the service computes them. The caller's goroutine builds rows into chunks while a writer
// goroutine stores the previous chunk (prepared single-row INSERTs on SQLite, COPY on
// PostgreSQL), so generation and the database's work overlap on two cores. Callers run Recount
// afterwards so stored counts match the data.
type BulkLoader struct {
	cur         *bulkChunk
	pending     int // rows in cur
	sinceCommit int
	work        chan *bulkChunk
	free        chan *bulkChunk
	done        chan error // the writer's result, once
	failed      error      // the writer's error, once received
	waited      time.Duration
	// RowsPerCommit bounds a transaction; WAL files and locks stay small. Zero means one
	// transaction for the whole load.
	RowsPerCommit int
}

// bulkTable is a table the loader fills, in the order rows must reach the database
// (references point backwards).
type bulkTable int

const (
	bulkCustomers bulkTable = iota
	bulkLocations
	bulkAssets
	bulkContacts
	bulkAudit
	bulkTables
)

var bulkTableNames = [bulkTables]string{"customers", "locations", "assets", "contacts", "audit_events"}

// bulkChunk is the unit handed from the generating goroutine to the writer.
type bulkChunk struct {
	rows   [bulkTables][][]any
	commit bool // commit after writing this chunk
}

// bulkChunkRows is how many rows the generator queues before handing them over: large enough
// that the hand-over costs nothing, small enough that both goroutines stay busy.
const bulkChunkRows = 20000

// BulkOptions tune a bulk load.
type BulkOptions struct {
	// RebuildIndexes drops the secondary indexes of the loaded tables (and, on SQLite, the
	// triggers feeding their full-text indexes) for the load and builds them again afterwards:
	// many times faster for millions of rows, but queries on those tables are slow (and miss the
	// new rows in searches) meanwhile. For seeding, never for a live system.
	RebuildIndexes bool
	// NewDatabase says the database was created for this load (it held no account before the
	// caller's own). The load then trades crash safety for speed on its own connection: few
	// commits; with RebuildIndexes also, on SQLite, rows written without fsync (synchronous=OFF,
	// the connection's setting is back before the indexes are rebuilt, and their commits make
	// everything durable) into a larger page cache, and on PostgreSQL foreign keys and
	// unreferenced primary keys dropped and added back within each transaction. A crash during
	// such a load can leave the database damaged: delete it and seed again. Bulk refuses the
	// option when the database holds another account or any customer, location, asset or
	// contact.
	NewDatabase bool
	// Progress, when set, receives a line per phase with its duration.
	Progress func(format string, args ...any)
}

// Bulk runs fn with a loader and commits what it wrote; on error the current transaction is
// rolled back (earlier committed ones stay: bulk loads are not all-or-nothing).
func (s *Store) Bulk(ctx context.Context, opt BulkOptions, fn func(*BulkLoader) error) (err error) {
	progress := opt.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	if opt.NewDatabase {
		if err := s.checkNewDatabase(ctx); err != nil {
			return err
		}
	}
	synced := func() {}
	if s.d == sqlite {
		// Tuned for the index rebuild too, so it is restored last.
		restore, syncedFn, err := s.sqliteBulkSession(ctx, opt.NewDatabase && opt.RebuildIndexes)
		if err != nil {
			return err
		}
		defer restore()
		synced = syncedFn
	}
	if opt.RebuildIndexes {
		start := time.Now()
		defs, err := s.bulkDropIndexes(ctx)
		if err != nil {
			return err
		}
		progress("dropped %d indexes and %d triggers in %s", len(defs.indexes), len(defs.triggers), since(start))
		defer func() {
			// Put everything back, even after a failed load.
			if rerr := s.bulkRestoreIndexes(context.WithoutCancel(ctx), defs, progress); rerr != nil && err == nil {
				err = rerr
			}
		}()
	}
	b := &BulkLoader{cur: &bulkChunk{}, work: make(chan *bulkChunk, 1), free: make(chan *bulkChunk, 2),
		done: make(chan error, 1), RowsPerCommit: 50000}
	if opt.NewDatabase {
		// Few commits: each one writes every page the random-order unique indexes dirtied.
		b.RowsPerCommit = 0
		if s.d == sqlite {
			// Bounded all the same, so the WAL (and its lookups) stay a fraction of the file.
			b.RowsPerCommit = 1000000
		}
	}
	start := time.Now()
	var stats bulkStats
	switch s.d {
	case sqlite:
		go func() { b.done <- b.writeSQLite(ctx, s.wdb, &stats) }()
	default:
		var constraints []schemaObject
		if opt.NewDatabase && opt.RebuildIndexes {
			if constraints, err = s.bulkConstraints(ctx); err != nil {
				return err
			}
		}
		conn, err := s.wdb.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		go func() {
			b.done <- conn.Raw(func(dc any) error {
				sc, ok := dc.(*stdlib.Conn)
				if !ok {
					return fmt.Errorf("bulk: unexpected PostgreSQL driver connection %T", dc)
				}
				return b.writePostgres(ctx, sc.Conn(), constraints, &stats)
			})
		}()
	}
	if err := fn(b); err != nil {
		close(b.work) // without a final chunk: the writer rolls back
		if b.failed == nil {
			<-b.done
		}
		synced()
		return err
	}
	err = b.finish()
	synced() // before the deferred rebuilds, which then make everything durable
	if err != nil {
		return err
	}
	progress("loaded %s in %s (writer busy %s, generator waited %s on the writer)", stats.describe(), since(start),
		stats.busy.Round(time.Millisecond), b.waited.Round(time.Millisecond))
	return nil
}

// checkNewDatabase refuses NewDatabase for a database that holds anything but the one
// organization its caller just made: fsync is skipped only where nothing else can be lost.
func (s *Store) checkNewDatabase(ctx context.Context) error {
	var n int
	if err := s.wdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
		return err
	}
	if n > 1 {
		return fmt.Errorf("bulk: NewDatabase, but the database holds %d accounts", n)
	}
	for _, t := range bulkTableNames[:bulkAudit] {
		if err := s.wdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+t+" LIMIT 1) x").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("bulk: NewDatabase, but table %s already holds rows", t)
		}
	}
	return nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// bulkStats is what the writer measured, read after it finished.
type bulkStats struct {
	rows  [bulkTables]int
	took  [bulkTables]time.Duration
	busy  time.Duration
	other time.Duration // primary keys and commits
}

func (st *bulkStats) describe() string {
	var parts []string
	for t, n := range st.rows {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (%s)", n, bulkTableNames[t], st.took[t].Round(time.Millisecond)))
		}
	}
	if st.other > 0 {
		parts = append(parts, fmt.Sprintf("commits and primary keys %s", st.other.Round(time.Millisecond)))
	}
	if len(parts) == 0 {
		return "no rows"
	}
	return strings.Join(parts, ", ")
}

// add queues one row; vals are in the order of the table's column list.
func (b *BulkLoader) add(t bulkTable, vals ...any) error {
	if b.failed != nil {
		return b.failed
	}
	b.cur.rows[t] = append(b.cur.rows[t], vals)
	b.pending++
	b.sinceCommit++
	commit := b.RowsPerCommit > 0 && b.sinceCommit >= b.RowsPerCommit
	if b.pending >= bulkChunkRows || commit {
		return b.send(commit)
	}
	return nil
}

// send hands the current chunk to the writer and starts a new one.
func (b *BulkLoader) send(commit bool) error {
	b.cur.commit = commit
	start := time.Now()
	select {
	case b.work <- b.cur:
	case err := <-b.done:
		// The writer stopped early: it failed.
		if err == nil {
			err = fmt.Errorf("bulk: writer stopped")
		}
		b.failed = err
		return err
	}
	b.waited += time.Since(start)
	if commit {
		b.sinceCommit = 0
	}
	b.pending = 0
	select {
	case b.cur = <-b.free:
	default:
		b.cur = &bulkChunk{}
	}
	return nil
}

// finish sends the last chunk, marked to commit, and waits for the writer.
func (b *BulkLoader) finish() error {
	if b.failed != nil {
		return b.failed
	}
	if err := b.send(true); err != nil {
		return err
	}
	close(b.work)
	return <-b.done
}

// recycle empties a written chunk and offers it back to the generator.
func (b *BulkLoader) recycle(c *bulkChunk) {
	for t := range c.rows {
		clear(c.rows[t])
		c.rows[t] = c.rows[t][:0]
	}
	c.commit = false
	select {
	case b.free <- c:
	default:
	}
}

// writeSQLite stores chunks through one prepared single-row INSERT per table and transaction:
// in-process SQLite gains nothing from multi-row statements and pays for their statement
// journal.
func (b *BulkLoader) writeSQLite(ctx context.Context, db *sql.DB, st *bulkStats) (err error) {
	var t *sql.Tx
	var stmts [bulkTables]*sql.Stmt
	defer func() {
		if t != nil {
			t.Rollback()
		}
	}()
	for c := range b.work {
		start := time.Now()
		if t == nil {
			if t, err = db.BeginTx(ctx, nil); err != nil {
				return err
			}
			stmts = [bulkTables]*sql.Stmt{}
		}
		for tb, rows := range c.rows {
			if len(rows) == 0 {
				continue
			}
			if stmts[tb] == nil {
				cols := bulkColumns[tb]
				insert := "INSERT INTO " + bulkTableNames[tb] + " (" + strings.Join(cols, ", ") + ") VALUES (" +
					strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
				if stmts[tb], err = t.PrepareContext(ctx, insert); err != nil {
					return err
				}
			}
			t0 := time.Now()
			for _, r := range rows {
				if _, err := stmts[tb].ExecContext(ctx, r...); err != nil {
					return fmt.Errorf("bulk %s: %w", bulkTableNames[tb], err)
				}
			}
			st.rows[tb] += len(rows)
			st.took[tb] += time.Since(t0)
		}
		if c.commit {
			t0 := time.Now()
			err = t.Commit()
			t = nil
			if err != nil {
				return err
			}
			st.other += time.Since(t0)
		}
		b.recycle(c)
		st.busy += time.Since(start)
	}
	return nil
}

// writePostgres stores chunks with COPY, one per table and chunk. With constraints (a new
// database, see bulkConstraints) each transaction drops them and adds them back, in reverse
// order, just before it commits: one sorted index build instead of millions of random inserts
// into an index far larger than shared_buffers, and one join instead of a trigger per row, while
// every committed state keeps its keys (a duplicate or dangling reference fails the ADD and rolls
// the whole transaction back).
func (b *BulkLoader) writePostgres(ctx context.Context, conn *pgx.Conn, constraints []schemaObject, st *bulkStats) (err error) {
	var t pgx.Tx
	defer func() {
		if t != nil {
			t.Rollback(context.WithoutCancel(ctx))
		}
	}()
	for c := range b.work {
		start := time.Now()
		if t == nil {
			if t, err = conn.Begin(ctx); err != nil {
				return err
			}
			// Losing the last commits of a crashed load is harmless (it is not all-or-nothing
			// anyway) and does not touch other sessions' durability; not waiting for the WAL
			// flush at each commit is.
			if _, err = t.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
				return err
			}
			for _, c := range constraints {
				if _, err = t.Exec(ctx, "ALTER TABLE "+c.table+" DROP CONSTRAINT "+c.name); err != nil {
					return fmt.Errorf("bulk: drop %s: %w", c.name, err)
				}
			}
		}
		for tb, rows := range c.rows {
			if len(rows) == 0 {
				continue
			}
			t0 := time.Now()
			if _, err := t.CopyFrom(ctx, pgx.Identifier{bulkTableNames[tb]}, bulkColumns[tb], pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("bulk %s: %w", bulkTableNames[tb], err)
			}
			st.rows[tb] += len(rows)
			st.took[tb] += time.Since(t0)
		}
		if c.commit {
			t0 := time.Now()
			if len(constraints) > 0 {
				if _, err = t.Exec(ctx, "SET LOCAL maintenance_work_mem = '512MB'"); err != nil {
					return err
				}
			}
			for i := len(constraints) - 1; i >= 0; i-- {
				c := constraints[i]
				if _, err = t.Exec(ctx, "ALTER TABLE "+c.table+" ADD CONSTRAINT "+c.name+" "+c.sql); err != nil {
					return fmt.Errorf("bulk: restore %s: %w", c.name, err)
				}
			}
			err = t.Commit(ctx)
			t = nil
			if err != nil {
				return err
			}
			st.other += time.Since(t0)
		}
		b.recycle(c)
		st.busy += time.Since(start)
	}
	return nil
}

// bulkConstraints returns what a load into a new PostgreSQL database drops for its transaction:
// the foreign keys of the loaded tables (checked row by row through triggers, they cost more than
// the rows; added back, they are checked by one join), then the primary keys of loaded tables
// that no foreign key references. Adding them back in this order restores the schema.
func (s *Store) bulkConstraints(ctx context.Context) ([]schemaObject, error) {
	var fks, pks []schemaObject
	for _, t := range bulkTableNames {
		rows, err := s.wdb.QueryContext(ctx, `SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c
			WHERE c.conrelid = $1::regclass AND (c.contype = 'f' OR c.contype = 'p'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid))
			ORDER BY c.conname`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var typ string
			d := schemaObject{table: t}
			if err := rows.Scan(&d.name, &typ, &d.sql); err != nil {
				rows.Close()
				return nil, err
			}
			if typ == "f" {
				fks = append(fks, d)
			} else {
				pks = append(pks, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return append(fks, pks...), nil
}

// sqliteBulkSession tunes the single write connection for the load and returns what puts it
// back. Random-order index inserts over millions of rows need the indexes in memory, so the page
// cache grows. With unsynced (a new database whose indexes are rebuilt afterwards) the rows go in
// without fsync; synced puts the durable setting back once the rows are in, before the FTS and
// index rebuilds: their large commits checkpoint with fsync of the database file, which makes
// the unsynced pages written before durable too.
func (s *Store) sqliteBulkSession(ctx context.Context, unsynced bool) (restore, synced func(), err error) {
	var cache, syncMode, threads int64
	for p, v := range map[string]*int64{"cache_size": &cache, "synchronous": &syncMode, "threads": &threads} {
		if err := s.wdb.QueryRowContext(ctx, "PRAGMA "+p).Scan(v); err != nil {
			return nil, nil, err
		}
	}
	// Helper threads sort for CREATE INDEX in parallel.
	set := []string{"PRAGMA cache_size = -1048576", fmt.Sprintf("PRAGMA threads = %d", min(runtime.GOMAXPROCS(0), 4))}
	if unsynced {
		set = append(set, "PRAGMA cache_size = -2097152", "PRAGMA synchronous = OFF")
	}
	var once sync.Once
	synced = func() {
		once.Do(func() {
			s.wdb.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = "+strconv.FormatInt(syncMode, 10))
		})
	}
	restore = func() {
		c := context.WithoutCancel(ctx)
		synced()
		s.wdb.ExecContext(c, "PRAGMA cache_size = "+strconv.FormatInt(cache, 10))
		s.wdb.ExecContext(c, "PRAGMA threads = "+strconv.FormatInt(threads, 10))
	}
	for _, p := range set {
		if _, err := s.wdb.ExecContext(ctx, p); err != nil {
			restore()
			return nil, nil, err
		}
	}
	return restore, synced, nil
}

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

// bulkColumns lists each loaded table's columns in the order its loader method passes values.
var bulkColumns = [bulkTables][]string{bulkCustomerCols, bulkLocationCols, bulkAssetCols, bulkContactCols, bulkAuditCols}

var bulkCustomerCols = []string{"account_id", "id", "name", "name_key", "search", "type", "external_ref", "email", "phone",
	"website", "street", "postal_code", "city", "region", "country", "notes", "created_at", "updated_at", "archived_at", "version"}

// Customer queues a customer row.
func (b *BulkLoader) Customer(c *steward.Customer) error {
	f := &c.CustomerFields
	nameKey, search := customerKeys(f)
	return b.add(bulkCustomers, c.AccountID, c.ID, f.Name, nameKey, search, string(f.Type), f.ExternalRef,
		f.Email, f.Phone, f.Website, f.Address.Street, f.Address.PostalCode, f.Address.City, f.Address.Region,
		f.Address.Country, f.Notes, c.CreatedAt.Micros(), c.UpdatedAt.Micros(), steward.MicrosPtr(c.ArchivedAt), max(c.Version, 1))
}

var bulkLocationCols = []string{"account_id", "id", "customer_id", "name", "name_key", "search", "external_ref", "street",
	"postal_code", "city", "region", "country", "latitude", "longitude", "radius_m", "created_at", "updated_at", "archived_at", "version"}

// Location queues a location row.
func (b *BulkLoader) Location(l *steward.Location) error {
	f := &l.LocationFields
	return b.add(bulkLocations, l.AccountID, l.ID, nullStr(f.CustomerID), f.Name, fold(f.Name), locationSearch(f),
		f.ExternalRef, f.Address.Street, f.Address.PostalCode, f.Address.City, f.Address.Region, f.Address.Country,
		nullFloat(f.Latitude), nullFloat(f.Longitude), nullInt(f.RadiusM), l.CreatedAt.Micros(), l.UpdatedAt.Micros(),
		steward.MicrosPtr(l.ArchivedAt), max(l.Version, 1))
}

var bulkAssetCols = []string{"account_id", "id", "name", "name_key", "search", "serial_number", "serial_key", "external_ref",
	"make", "model", "category", "year", "owner_customer_id", "location_id", "location_customer_id", "created_at",
	"updated_at", "archived_at", "version"}

// Asset queues an asset row; LocationCustomerID must be the customer of its location.
func (b *BulkLoader) Asset(x *steward.Asset) error {
	f := &x.AssetFields
	nameKey, search := assetKeys(f)
	return b.add(bulkAssets, x.OwnerAccountID, x.ID, f.Name, nameKey, search, f.SerialNumber, serialKey(f.SerialNumber),
		f.ExternalRef, f.Make, f.Model, f.Category, nullInt(f.Year), nullStr(f.OwnerCustomerID), nullStr(f.LocationID),
		nullStr(x.LocationCustomerID), x.CreatedAt.Micros(), x.UpdatedAt.Micros(), steward.MicrosPtr(x.ArchivedAt), max(x.Version, 1))
}

var bulkContactCols = []string{"account_id", "id", "customer_id", "name", "name_key", "search", "kind", "email", "phone",
	"title", "external_ref", "created_at", "updated_at", "archived_at", "version"}

// Contact queues a contact row.
func (b *BulkLoader) Contact(c *steward.Contact) error {
	f := &c.ContactFields
	return b.add(bulkContacts, c.AccountID, c.ID, c.CustomerID, f.Name, fold(f.Name),
		searchText(f.Name, f.Email, f.ExternalRef), string(f.Kind), f.Email, f.Phone, f.Title, f.ExternalRef,
		c.CreatedAt.Micros(), c.UpdatedAt.Micros(), steward.MicrosPtr(c.ArchivedAt), max(c.Version, 1))
}

var bulkAuditCols = []string{"account_id", "id", "at", "actor_type", "actor_id", "actor_name", "actor_account_id",
	"request_id", "source", "action", "object_type", "object_id", "object_name", "customer_id", "changes"}

// Audit queues an audit event as given (labels included).
func (b *BulkLoader) Audit(e *steward.AuditEvent) error {
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return err
	}
	return b.add(bulkAudit, e.AccountID, e.ID, e.At.Micros(), string(e.Actor.Type), e.Actor.ID,
		e.Actor.Name, e.ActorAccountID, e.RequestID, string(e.Source), e.Action, e.ObjectType, e.ObjectID, e.ObjectName,
		nullStr(e.CustomerID), string(changes))
}

// Diff lists the changes between two fields structs as the audit log records them (nil old: a
// create; nil new: a delete). Seeders use it so seeded history reads like real history.
func Diff(old, new any) []steward.Change { return diff(old, new) }

// Analyze refreshes the planner's statistics after a bulk load. On SQLite it samples (as
// PRAGMA optimize does) instead of reading every index of a many-gigabyte file.
func (s *Store) Analyze(ctx context.Context) error {
	if s.d == sqlite {
		if _, err := s.wdb.ExecContext(ctx, "PRAGMA analysis_limit = 1000"); err != nil {
			return err
		}
	}
	_, err := s.wdb.ExecContext(ctx, "ANALYZE")
	return err
}
