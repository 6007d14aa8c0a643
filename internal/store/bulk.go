package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// BulkLoader writes many rows fast for seeding and demo data: multi-row INSERTs, committed in
// batches. Rows go in as given (ids, times and counts included), with their derived columns
// (sort keys, search text) computed here exactly as the service computes them. Callers run
// Recount afterwards so stored counts match the data.
type BulkLoader struct {
	s       *Store
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

// Bulk runs fn with a loader and commits what it wrote; on error the current batch is rolled back
// (earlier committed batches stay: bulk loads are not all-or-nothing).
func (s *Store) Bulk(ctx context.Context, fn func(*BulkLoader) error) error {
	b := &BulkLoader{s: s, ctx: ctx, batches: map[string]*batch{}, RowsPerCommit: 50000}
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

func (b *BulkLoader) begin() error {
	t, err := b.s.wdb.BeginTx(b.ctx, nil)
	if err != nil {
		return err
	}
	b.sqlTx, b.q, b.inTx = t, q{d: b.s.d, ex: t}, 0
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
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + strings.Join(bt.cols, ", ") + ") VALUES ")
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(bt.cols)), ", ") + ")"
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

// Analyze refreshes the planner's statistics after a bulk load.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.wdb.ExecContext(ctx, "ANALYZE")
	return err
}
