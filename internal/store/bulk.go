package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// BulkLoader writes many rows fast for seeding and demo data: multi-row INSERTs, committed in
// batches. Rows go in as given (ids, times and counts included), with their derived columns
// (sort keys, search text) computed here exactly as the service computes them. Callers run
// Recount afterwards so stored counts match the data.
type BulkLoader struct {
	s       *Store
	stmts   map[string]*sql.Stmt // SQLite: one prepared single-row INSERT per table and transaction
	ctx     context.Context
	sqlTx   *sql.Tx
	q       q
	batches map[string]*batch
	inTx    int
	// RowsPerCommit bounds a transaction; WAL files and locks stay small.
	RowsPerCommit int
}

type batch struct {
	cols []string
	rows [][]any
}

// Tables in the order their rows must reach the database (references point backwards).
var bulkOrder = []string{"customers", "locations", "assets", "contacts", "audit_events"}

const bulkRowsPerStatement = 250

// BulkOptions tune a bulk load.
type BulkOptions struct {
	// RebuildIndexes drops the secondary indexes of the loaded tables for the load and builds
	// them again afterwards: many times faster for millions of rows, but queries on those
	// tables are slow meanwhile. For seeding, never for a live system.
	RebuildIndexes bool
}

// Bulk runs fn with a loader and commits what it wrote; on error the current batch is rolled back
// (earlier committed batches stay: bulk loads are not all-or-nothing).
func (s *Store) Bulk(ctx context.Context, opt BulkOptions, fn func(*BulkLoader) error) (err error) {
	if opt.RebuildIndexes {
		defs, err := s.secondaryIndexes(ctx, []string{"assets", "audit_events", "contacts"})
		if err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := s.wdb.ExecContext(ctx, "DROP INDEX "+d.name); err != nil {
				return fmt.Errorf("bulk: drop index %s: %w", d.name, err)
			}
		}
		defer func() {
			// Put every index back, even after a failed load.
			for _, d := range defs {
				if _, ierr := s.wdb.ExecContext(context.WithoutCancel(ctx), d.sql); ierr != nil && err == nil {
					err = fmt.Errorf("bulk: rebuild index %s: %w", d.name, ierr)
				}
			}
		}()
	}
	b := &BulkLoader{s: s, ctx: ctx, batches: map[string]*batch{}, RowsPerCommit: 50000}
	if s.d == sqlite {
		// Random-order index inserts over millions of rows need the indexes in memory; the
		// single write connection gets a large page cache for the load and its own back after.
		var was int64
		if err := s.wdb.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&was); err != nil {
			return err
		}
		if _, err := s.wdb.ExecContext(ctx, "PRAGMA cache_size = -1048576"); err != nil {
			return err
		}
		defer s.wdb.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+strconv.FormatInt(was, 10))
	}
	if err := b.begin(); err != nil {
		return err
	}
	if err := fn(b); err != nil {
		b.sqlTx.Rollback()
		return err
	}
	if err := b.flushAll(); err != nil {
		b.sqlTx.Rollback()
		return err
	}
	return b.sqlTx.Commit()
}

type indexDef struct{ name, sql string }

// secondaryIndexes returns the definitions of the tables' indexes that are not constraints.
func (s *Store) secondaryIndexes(ctx context.Context, tables []string) ([]indexDef, error) {
	query := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?"
	if s.d == postgres {
		query = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ?
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`
	}
	var out []indexDef
	for _, t := range tables {
		rows, err := s.wdb.QueryContext(ctx, s.d.rebind(query), t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d indexDef
			if err := rows.Scan(&d.name, &d.sql); err != nil {
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

func (b *BulkLoader) begin() error {
	t, err := b.s.wdb.BeginTx(b.ctx, nil)
	if err != nil {
		return err
	}
	b.sqlTx, b.q, b.inTx, b.stmts = t, q{d: b.s.d, ex: t}, 0, map[string]*sql.Stmt{}
	return nil
}

func (b *BulkLoader) add(table string, cols []string, vals ...any) error {
	bt := b.batches[table]
	if bt == nil {
		bt = &batch{cols: cols}
		b.batches[table] = bt
	}
	bt.rows = append(bt.rows, vals)
	b.inTx++
	if len(bt.rows) >= bulkRowsPerStatement {
		if err := b.flushAll(); err != nil {
			return err
		}
	}
	if b.inTx >= b.RowsPerCommit {
		if err := b.flushAll(); err != nil {
			return err
		}
		if err := b.sqlTx.Commit(); err != nil {
			return err
		}
		return b.begin()
	}
	return nil
}

func (b *BulkLoader) flushAll() error {
	for _, table := range bulkOrder {
		bt := b.batches[table]
		if bt == nil || len(bt.rows) == 0 {
			continue
		}
		insert := "INSERT INTO " + table + " (" + strings.Join(bt.cols, ", ") + ") VALUES "
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(bt.cols)), ", ") + ")"
		if b.s.d == sqlite {
			// In-process SQLite gains nothing from multi-row statements and pays for their
			// statement journal; one prepared row at a time is several times faster.
			if err := b.flushRows(table, insert+ph, bt.rows); err != nil {
				return err
			}
			bt.rows = bt.rows[:0]
			continue
		}
		var sb strings.Builder
		sb.WriteString(insert)
		args := make([]any, 0, len(bt.rows)*len(bt.cols))
		for i, r := range bt.rows {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(ph)
			args = append(args, r...)
		}
		if _, err := b.q.exec(b.ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("bulk %s: %w", table, err)
		}
		bt.rows = bt.rows[:0]
	}
	return nil
}

func (b *BulkLoader) flushRows(table, insert string, rows [][]any) error {
	st := b.stmts[table]
	if st == nil {
		var err error
		if st, err = b.sqlTx.PrepareContext(b.ctx, insert); err != nil {
			return err
		}
		b.stmts[table] = st
	}
	for _, r := range rows {
		if _, err := st.ExecContext(b.ctx, r...); err != nil {
			return fmt.Errorf("bulk %s: %w", table, err)
		}
	}
	return nil
}

var bulkCustomerCols = []string{"account_id", "id", "name", "name_key", "search", "type", "external_ref", "email", "phone",
	"website", "street", "postal_code", "city", "region", "country", "notes", "created_at", "updated_at", "archived_at", "version"}

// Customer queues a customer row.
func (b *BulkLoader) Customer(c *steward.Customer) error {
	f := &c.CustomerFields
	nameKey, search := customerKeys(f)
	return b.add("customers", bulkCustomerCols, c.AccountID, c.ID, f.Name, nameKey, search, string(f.Type), f.ExternalRef,
		f.Email, f.Phone, f.Website, f.Address.Street, f.Address.PostalCode, f.Address.City, f.Address.Region,
		f.Address.Country, f.Notes, c.CreatedAt.Micros(), c.UpdatedAt.Micros(), steward.MicrosPtr(c.ArchivedAt), max(c.Version, 1))
}

var bulkLocationCols = []string{"account_id", "id", "customer_id", "name", "name_key", "search", "external_ref", "street",
	"postal_code", "city", "region", "country", "latitude", "longitude", "radius_m", "created_at", "updated_at", "archived_at", "version"}

// Location queues a location row.
func (b *BulkLoader) Location(l *steward.Location) error {
	f := &l.LocationFields
	return b.add("locations", bulkLocationCols, l.AccountID, l.ID, nullStr(f.CustomerID), f.Name, fold(f.Name), locationSearch(f),
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
	return b.add("assets", bulkAssetCols, x.OwnerAccountID, x.ID, f.Name, nameKey, search, f.SerialNumber, serialKey(f.SerialNumber),
		f.ExternalRef, f.Make, f.Model, f.Category, nullInt(f.Year), nullStr(f.OwnerCustomerID), nullStr(f.LocationID),
		nullStr(x.LocationCustomerID), x.CreatedAt.Micros(), x.UpdatedAt.Micros(), steward.MicrosPtr(x.ArchivedAt), max(x.Version, 1))
}

var bulkContactCols = []string{"account_id", "id", "customer_id", "name", "name_key", "search", "kind", "email", "phone",
	"title", "external_ref", "created_at", "updated_at", "archived_at", "version"}

// Contact queues a contact row.
func (b *BulkLoader) Contact(c *steward.Contact) error {
	f := &c.ContactFields
	return b.add("contacts", bulkContactCols, c.AccountID, c.ID, c.CustomerID, f.Name, fold(f.Name),
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
	return b.add("audit_events", bulkAuditCols, e.AccountID, e.ID, e.At.Micros(), string(e.Actor.Type), e.Actor.ID,
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
