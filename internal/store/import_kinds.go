package store

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"reflect"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The kinds an import takes, each described once (importSpec), and the batch step they share:
// existing objects read by their keys, references resolved, each row create / update /
// unchanged / error, and (in the apply) written through the transaction-level methods.

// importer is one kind's import, behind an interface so the run is one code path.
type importer interface {
	batch(ctx context.Context, r *importRun, recs []*steward.ImportRecord) error
}

// importSpec describes one kind: F is what a row sets (the kind's fields and, for a contact, its
// customer), T the stored object.
type importSpec[F any, T any] struct {
	e      *entity[T]
	fields func(*T) F
	apply  func(*steward.ImportRecord, *F) []steward.ImportRowError
	norm   func(*F) error
	extRef func(*F) string
	serial func(*F) string // nil: the kind has none
	refs   []importRef[F]
	// check refuses a change the kind does not allow (a contact changing customer).
	check  func(cur *T, f *F) *steward.ImportRowError
	create func(ctx context.Context, t *tx, a *steward.Actor, f F) error
	update func(ctx context.Context, t *tx, a *steward.Actor, id string, f F) error
}

type importRef[F any] struct {
	column string
	tb     *table
	set    func(*F, *string)
}

var importers = map[steward.ImportKind]importer{
	steward.ImportCustomers: &importSpec[steward.CustomerFields, steward.Customer]{
		e:      customers,
		fields: func(c *steward.Customer) steward.CustomerFields { return c.CustomerFields },
		apply:  (*steward.ImportRecord).ApplyCustomer,
		norm:   (*steward.CustomerFields).Normalize,
		extRef: func(f *steward.CustomerFields) string { return f.ExternalRef },
		create: func(ctx context.Context, t *tx, a *steward.Actor, f steward.CustomerFields) error {
			return t.createCustomer(ctx, a, &steward.Customer{ID: newID(), CustomerFields: f})
		},
		update: func(ctx context.Context, t *tx, a *steward.Actor, id string, f steward.CustomerFields) error {
			_, err := t.updateCustomer(ctx, a, id, 0, func(cf *steward.CustomerFields) error { *cf = f; return nil })
			return err
		},
	},
	steward.ImportContacts: &importSpec[contactImport, steward.Contact]{
		e: contacts,
		fields: func(c *steward.Contact) contactImport {
			id := c.CustomerID
			return contactImport{ContactFields: c.ContactFields, CustomerID: &id}
		},
		apply: func(r *steward.ImportRecord, f *contactImport) []steward.ImportRowError {
			return r.ApplyContact(&f.ContactFields)
		},
		norm: func(f *contactImport) error {
			err := f.ContactFields.Normalize()
			if f.CustomerID == nil {
				v := steward.Violations{{Field: "customer_id", Message: "is required: a contact belongs to a customer"}}
				var e *steward.Error
				if errors.As(err, &e) {
					v = append(v, e.Fields...)
				}
				return v.Err()
			}
			return err
		},
		extRef: func(f *contactImport) string { return f.ExternalRef },
		refs: []importRef[contactImport]{{column: "customer_id", tb: customers.table,
			set: func(f *contactImport, id *string) { f.CustomerID = id }}},
		check: func(cur *steward.Contact, f *contactImport) *steward.ImportRowError {
			if f.CustomerID != nil && *f.CustomerID != cur.CustomerID {
				return &steward.ImportRowError{Column: "customer_id",
					Message: "a contact stays with its customer; add a new contact to the other customer instead"}
			}
			return nil
		},
		create: func(ctx context.Context, t *tx, a *steward.Actor, f contactImport) error {
			return t.createContact(ctx, a, &steward.Contact{ID: newID(), CustomerID: *f.CustomerID, ContactFields: f.ContactFields})
		},
		update: func(ctx context.Context, t *tx, a *steward.Actor, id string, f contactImport) error {
			_, err := t.updateContact(ctx, a, id, 0, func(cf *steward.ContactFields) error { *cf = f.ContactFields; return nil })
			return err
		},
	},
	steward.ImportLocations: &importSpec[steward.LocationFields, steward.Location]{
		e:      locations,
		fields: func(l *steward.Location) steward.LocationFields { return l.LocationFields },
		apply:  (*steward.ImportRecord).ApplyLocation,
		norm:   (*steward.LocationFields).Normalize,
		extRef: func(f *steward.LocationFields) string { return f.ExternalRef },
		refs: []importRef[steward.LocationFields]{{column: "customer_id", tb: customers.table,
			set: func(f *steward.LocationFields, id *string) { f.CustomerID = id }}},
		create: func(ctx context.Context, t *tx, a *steward.Actor, f steward.LocationFields) error {
			return t.createLocation(ctx, a, &steward.Location{ID: newID(), LocationFields: f})
		},
		update: func(ctx context.Context, t *tx, a *steward.Actor, id string, f steward.LocationFields) error {
			_, err := t.updateLocation(ctx, a, id, 0, func(lf *steward.LocationFields) error { *lf = f; return nil })
			return err
		},
	},
	steward.ImportAssets: &importSpec[steward.AssetFields, steward.Asset]{
		e:      assets,
		fields: func(x *steward.Asset) steward.AssetFields { return x.AssetFields },
		apply:  (*steward.ImportRecord).ApplyAsset,
		norm:   (*steward.AssetFields).Normalize,
		extRef: func(f *steward.AssetFields) string { return f.ExternalRef },
		serial: func(f *steward.AssetFields) string { return f.SerialNumber },
		refs: []importRef[steward.AssetFields]{
			{column: "owner_customer_id", tb: customers.table, set: func(f *steward.AssetFields, id *string) { f.OwnerCustomerID = id }},
			{column: "location_id", tb: locations.table, set: func(f *steward.AssetFields, id *string) { f.LocationID = id }},
		},
		create: func(ctx context.Context, t *tx, a *steward.Actor, f steward.AssetFields) error {
			return t.createAsset(ctx, a, &steward.Asset{ID: newID(), OwnerAccountID: a.AccountID, AssetFields: f})
		},
		update: func(ctx context.Context, t *tx, a *steward.Actor, id string, f steward.AssetFields) error {
			_, err := t.updateAsset(ctx, a, id, 0, func(af *steward.AssetFields) error { *af = f; return nil })
			return err
		},
	},
}

// contactImport is a contact's row: its fields and its customer.
type contactImport struct {
	steward.ContactFields
	CustomerID *string
}

// lookup reads the account's rows whose column is one of values, keyed by key.
func (sp *importSpec[F, T]) lookup(ctx context.Context, r *importRun, column string, values []string, key func(*T) string) (map[string]*T, error) {
	out := map[string]*T{}
	if len(values) == 0 {
		return out, nil
	}
	// Padded to the batch's size with its first value, so the text is one of few (statement cache).
	args := make([]any, 0, importBatch+1)
	args = append(args, r.a.AccountID)
	for _, v := range values {
		args = append(args, v)
	}
	for len(args) < importBatch+1 {
		args = append(args, values[0])
	}
	cond := ""
	if column != "id" {
		cond = " AND " + sp.e.alias + "." + column + " <> ''" // the partial unique index (see requireUniqueIn)
	}
	rows, err := r.r.query(ctx, sp.e.selectFrom+" WHERE "+sp.e.alias+".account_id = ? AND "+sp.e.alias+"."+column+
		" IN ("+placeholders(importBatch)+")"+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := sp.e.scan(rows)
		if err != nil {
			return nil, err
		}
		out[key(v)] = v
	}
	return out, rows.Err()
}

// row is one record on its way: its cells applied to empty fields (for its keys).
type importCand[F any] struct {
	rec               *steward.ImportRecord
	errs              []steward.ImportRowError
	id, ext, serial   string
	hasExt, hasSerial bool
}

func (sp *importSpec[F, T]) batch(ctx context.Context, r *importRun, recs []*steward.ImportRecord) error {
	cands := make([]importCand[F], len(recs))
	var ids, exts, serials []string
	for i, rec := range recs {
		c := &cands[i]
		c.rec = rec
		var f F
		sp.apply(rec, &f)
		_ = sp.norm(&f) // only for the keys, trimmed and NFC as stored
		if v, ok := rec.Cell("id"); ok && strings.TrimSpace(v) != "" {
			c.id = strings.TrimSpace(v)
			if steward.IsID(c.id) {
				ids = append(ids, c.id)
			} else {
				c.errs = append(c.errs, steward.ImportRowError{Row: rec.Row, Column: "id", Message: "is not a valid id"})
			}
		}
		if _, ok := rec.Cell("external_ref"); ok {
			c.hasExt, c.ext = true, sp.extRef(&f)
			if c.ext != "" {
				exts = append(exts, c.ext)
			}
		}
		if sp.serial != nil {
			if _, ok := rec.Cell("serial_number"); ok {
				c.hasSerial, c.serial = true, serialKey(sp.serial(&f))
				if c.serial != "" {
					serials = append(serials, c.serial)
				}
			}
		}
	}
	idOf := func(v *T) string { return sp.e.id(v) }
	byID, err := sp.lookup(ctx, r, "id", ids, idOf)
	if err != nil {
		return err
	}
	byExt, err := sp.lookup(ctx, r, "external_ref", exts, func(v *T) string { f := sp.fields(v); return sp.extRef(&f) })
	if err != nil {
		return err
	}
	bySerial := map[string]*T{}
	if sp.serial != nil {
		if bySerial, err = sp.lookup(ctx, r, "serial_key", serials, func(v *T) string { f := sp.fields(v); return serialKey(sp.serial(&f)) }); err != nil {
			return err
		}
	}
	// The batch's references, resolved in a few queries per table (then from the cache).
	for _, ref := range sp.refs {
		var vals []string
		seen := map[string]bool{}
		for i := range cands {
			v, ok := cands[i].rec.Cell(ref.column)
			if v = strings.TrimSpace(v); !ok || v == "" || seen[v] {
				continue
			}
			if _, hit := r.refs[ref.tb.name+"\x00"+v]; !hit {
				seen[v] = true
				vals = append(vals, v)
			}
		}
		if err := r.resolveBatch(ctx, ref.tb, vals); err != nil {
			return err
		}
	}
	noun := sp.e.noun
	for i := range cands {
		c := &cands[i]
		row := c.rec.Row
		errs := c.errs
		var match *T
		if c.id != "" && len(errs) == 0 {
			if match = byID[c.id]; match == nil {
				errs = append(errs, steward.ImportRowError{Row: row, Column: "id", Message: "names no " + noun + " of this account"})
			}
		}
		pick := func(column, key string, found map[string]*T) {
			if key == "" {
				return
			}
			m := found[key]
			switch {
			case m == nil:
			case match == nil && c.id == "":
				match = m
			case match != nil && idOf(m) != idOf(match):
				errs = append(errs, steward.ImportRowError{Row: row, Column: column,
					Message: "is already used by " + r.name(sp.e.table, idOf(m))})
			}
		}
		pick("external_ref", c.ext, byExt)
		pick("serial_number", c.serial, bySerial)
		var f F
		if match != nil {
			f = sp.fields(match)
		}
		errs = append(errs, sp.apply(c.rec, &f)...)
		for _, ref := range sp.refs {
			v, ok := c.rec.Cell(ref.column)
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			if v == "" {
				ref.set(&f, nil)
				continue
			}
			hit, err := r.resolve(ctx, ref.tb, v)
			if err != nil {
				return err
			}
			if hit.msg != "" {
				errs = append(errs, steward.ImportRowError{Row: row, Column: ref.column, Message: hit.msg})
				continue
			}
			id := hit.id
			ref.set(&f, &id)
		}
		if len(errs) == 0 {
			if err := sp.norm(&f); err != nil {
				errs = append(errs, steward.ImportRowErrors(row, err)...)
			}
		}
		if match != nil && sp.check != nil && len(errs) == 0 {
			if e := sp.check(match, &f); e != nil {
				e.Row = row
				errs = append(errs, *e)
			}
		}
		// The same object twice in one file: the second row names the first.
		if len(errs) == 0 {
			if match != nil {
				errs = r.once(errs, row, "id", "i"+idOf(match))
			}
			if c.hasExt {
				errs = r.once(errs, row, "external_ref", "e"+sp.extRef(&f))
			}
			if sp.serial != nil && c.hasSerial {
				errs = r.once(errs, row, "serial_number", "s"+serialKey(sp.serial(&f)))
			}
		}
		r.job.ProcessedRows++
		if len(errs) > 0 {
			r.job.FailedRows++
			r.errs = append(r.errs, errs...)
			if r.t != nil {
				return errImportRow
			}
			continue
		}
		switch {
		case match == nil:
			r.job.Created++
			if r.t != nil {
				err = sp.create(ctx, r.t, r.a, f)
			}
		case reflect.DeepEqual(f, sp.fields(match)):
			r.job.Unchanged++
		default:
			r.job.Updated++
			if r.t != nil {
				err = sp.update(ctx, r.t, r.a, idOf(match), f)
			}
		}
		if err != nil {
			var se *steward.Error
			if !errors.As(err, &se) {
				return err
			}
			r.job.FailedRows++
			r.errs = append(r.errs, steward.ImportRowErrors(row, err)...)
			return errImportRow
		}
	}
	return nil
}

// once records that key appears on row, or adds an error naming the row it appeared on first.
func (r *importRun) once(errs []steward.ImportRowError, row int64, column, key string) []steward.ImportRowError {
	if len(key) == 1 {
		return errs // empty value
	}
	h := maphash.String(r.seed, key)
	if first, ok := r.seen[h]; ok && first != row {
		return append(errs, steward.ImportRowError{Row: row, Column: column,
			Message: fmt.Sprintf("names the same object as row %d; each object may appear once in a file", first)})
	}
	r.seen[h] = row
	return errs
}

// name says which object of tb holds a value, as requireUnique does.
func (r *importRun) name(tb *table, id string) string {
	if mayName(r.a, tb, r.a.AccountID) {
		return tb.noun + " " + id
	}
	return "another " + tb.noun
}
