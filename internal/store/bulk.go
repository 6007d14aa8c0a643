package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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

var bulkTableNames = [bulkTables]string{customers.name, locations.name, assets.name, contacts.name, audits.name}

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
	// Organizations is how many organizations the caller made for a NewDatabase load (zero
	// means one): the database may hold that many accounts and nothing else.
	Organizations int
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
		if err := s.checkNewDatabase(ctx, max(1, opt.Organizations)); err != nil {
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
			if rerr := s.bulkRestoreIndexes(ctx, defs, progress); rerr != nil && err == nil {
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

// checkNewDatabase refuses NewDatabase for a database that holds anything but the orgs
// organizations its caller just made: fsync is skipped only where nothing else can be lost.
func (s *Store) checkNewDatabase(ctx context.Context, orgs int) error {
	var n int
	if err := s.wdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
		return err
	}
	if n > orgs {
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
func (b *BulkLoader) add(t bulkTable, vals []any) error {
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

// bulkColumns lists each loaded table's columns in the order its rows hold values: the
// entities' INSERT columns.
var bulkColumns = [bulkTables][]string{customers.written, locations.written, assets.written, contacts.written, audits.written}

// bulkInserts are the entities' INSERT statements, in the same order.
var bulkInserts = [bulkTables]string{customers.insertSQL, locations.insertSQL, assets.insertSQL, contacts.insertSQL, audits.insertSQL}

// bulkRow queues v as a row of table t, written by its entity's mapping with the derived columns
// computed as the service computes them.
// Values that are their own driver.Valuer (times, sql.Null) are turned into their stored form
// here, on the generating goroutine, so the writer (COPY on PostgreSQL) handles plain values.
func bulkRow[T any](b *BulkLoader, t bulkTable, e *entity[T], v *T) error {
	row := e.row(v, make([]any, 0, len(e.written)))
	for i, x := range row {
		if dv, ok := x.(driver.Valuer); ok {
			var err error
			if row[i], err = dv.Value(); err != nil {
				return fmt.Errorf("bulk %s.%s: %w", e.name, e.written[i], err)
			}
		}
	}
	return b.add(t, row)
}

// Customer queues a customer row.
func (b *BulkLoader) Customer(c *steward.Customer) error {
	return bulkRow(b, bulkCustomers, customers, c)
}

// Location queues a location row.
func (b *BulkLoader) Location(l *steward.Location) error {
	return bulkRow(b, bulkLocations, locations, l)
}

// Asset queues an asset row; LocationCustomerID must be the customer of its location.
func (b *BulkLoader) Asset(x *steward.Asset) error { return bulkRow(b, bulkAssets, assets, x) }

// Contact queues a contact row.
func (b *BulkLoader) Contact(c *steward.Contact) error { return bulkRow(b, bulkContacts, contacts, c) }

// Audit queues an audit event as given (labels included). A location's move from one customer to
// another also names the customer it left, as the service records it.
func (b *BulkLoader) Audit(e *steward.AuditEvent) error {
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return err
	}
	return bulkRow(b, bulkAudit, audits, &auditRow{AuditEvent: *e, previousCustomerID: previousCustomer(e), changes: string(changes)})
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
