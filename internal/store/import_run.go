package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/steward-fleet/steward/internal/steward"
)

// importBatch is how many rows one lookup of existing objects covers.
const importBatch = 500

// importRefCache bounds the references a run remembers (value → id).
const importRefCache = 200_000

// importRun is one pass over a job's file: the check (t nil: reads on the read pool, writes
// nothing) or the apply (inside t, writing through the transaction-level methods).
type importRun struct {
	s      *Store
	a      *steward.Actor // the import's actor: type import, the job's id, its user's role
	job    *steward.ImportJob
	worker string
	t      *tx // nil in the check pass
	r      q
	h      *steward.ImportHeader
	in     *steward.ImportReader
	seen   map[uint64]int64
	seed   maphash.Seed
	refs   map[string]refHit
	// errs waits to be stored (the check pass stores them as it goes).
	errs     []steward.ImportRowError
	stored   int64
	progress steward.ImportProgress
	lastBeat time.Time
	// fatal is an error about the whole file (it could not be read): the job fails.
	fatal bool
	// warmUp stops the pass after its first batch (see RunImport).
	warmUp bool
}

type refHit struct {
	id  string
	msg string // why the value names nothing ("" when id is set)
}

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

// errWarmUp ends the warm-up's transaction (rolled back).
var errWarmUp = errors.New("import: warm-up done")

// errImportRow stops an apply at its first bad row (the transaction rolls back).
var errImportRow = errors.New("import: a row failed")

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

// resolveBatch resolves values (at most importBatch, none cached) as resolve would, with one
// query per way of naming: ids, external references, then exact names.
func (r *importRun) resolveBatch(ctx context.Context, tb *table, values []string) error {
	if len(values) == 0 {
		return nil
	}
	acc := r.a.AccountID
	found := map[string]refHit{}
	// in runs "SELECT id, <col> FROM tb WHERE account_id = ? AND <col> IN (…)<extra>" over keys,
	// padded to importBatch with the first key (one statement text), calling fn per row.
	in := func(col, extra string, keys []string, fn func(id, key string)) error {
		if len(keys) == 0 {
			return nil
		}
		args := make([]any, 0, importBatch+1)
		args = append(args, acc)
		for _, k := range keys {
			args = append(args, k)
		}
		for len(args) < importBatch+1 {
			args = append(args, keys[0])
		}
		rows, err := r.r.query(ctx, "SELECT id, "+col+" FROM "+tb.name+" WHERE account_id = ? AND "+col+" IN ("+
			placeholders(importBatch)+")"+extra, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, key string
			if err := rows.Scan(&id, &key); err != nil {
				return err
			}
			fn(id, key)
		}
		return rows.Err()
	}
	var ids []string
	for _, v := range values {
		if steward.IsID(v) {
			ids = append(ids, v)
		}
	}
	if err := in("id", "", ids, func(id, _ string) { found[id] = refHit{id: id} }); err != nil {
		return err
	}
	rest := func() []string {
		var out []string
		for _, v := range values {
			if _, ok := found[v]; !ok {
				out = append(out, v)
			}
		}
		return out
	}
	byNFC := map[string][]string{} // a stored form and the cells that name it
	var exts []string
	for _, v := range rest() {
		nv := norm.NFC.String(v)
		if byNFC[nv] == nil {
			exts = append(exts, nv)
		}
		byNFC[nv] = append(byNFC[nv], v)
	}
	if err := in("external_ref", " AND external_ref <> ''", exts, func(id, ext string) {
		for _, v := range byNFC[ext] {
			found[v] = refHit{id: id}
		}
	}); err != nil {
		return err
	}
	names := map[string][]string{} // exact name → ids
	var keys []string
	seenKey := map[string]bool{}
	left := rest()
	for _, v := range left {
		if k := fold(norm.NFC.String(v)); !seenKey[k] {
			seenKey[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		args := make([]any, 0, importBatch+1)
		args = append(args, acc)
		for _, k := range keys {
			args = append(args, k)
		}
		for len(args) < importBatch+1 {
			args = append(args, keys[0])
		}
		rows, err := r.r.query(ctx, "SELECT id, name FROM "+tb.name+" WHERE account_id = ? AND name_key IN ("+placeholders(importBatch)+")", args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			names[name] = append(names[name], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, v := range left {
		switch got := names[norm.NFC.String(v)]; len(got) {
		case 0:
			found[v] = refHit{msg: "names no " + tb.noun + " of this account (by id, external reference or exact name)"}
		case 1:
			found[v] = refHit{id: got[0]}
		default:
			found[v] = refHit{msg: "names more than one " + tb.noun + " by that name; use its id or external reference"}
		}
	}
	if len(r.refs)+len(found) > importRefCache {
		clear(r.refs)
	}
	for _, v := range values {
		r.refs[tb.name+"\x00"+v] = found[v]
	}
	return nil
}

// resolve finds the object of tb a reference cell names: by id, by external reference, or by
// exact name (one object only).
func (r *importRun) resolve(ctx context.Context, tb *table, v string) (refHit, error) {
	key := tb.name + "\x00" + v
	if hit, ok := r.refs[key]; ok {
		return hit, nil
	}
	hit, err := r.lookupRef(ctx, tb, v)
	if err != nil {
		return hit, err
	}
	if len(r.refs) >= importRefCache {
		clear(r.refs)
	}
	r.refs[key] = hit
	return hit, nil
}

func (r *importRun) lookupRef(ctx context.Context, tb *table, v string) (refHit, error) {
	acc := r.a.AccountID
	var id string
	if steward.IsID(v) {
		err := r.r.row(ctx, "SELECT id FROM "+tb.name+" WHERE account_id = ? AND id = ?", acc, v).Scan(&id)
		if err == nil {
			return refHit{id: id}, nil
		}
		if !isNoRows(err) {
			return refHit{}, err
		}
	}
	nv := norm.NFC.String(v)
	err := r.r.row(ctx, "SELECT id FROM "+tb.name+" WHERE account_id = ? AND external_ref = ? AND external_ref <> ''", acc, nv).Scan(&id)
	if err == nil {
		return refHit{id: id}, nil
	}
	if !isNoRows(err) {
		return refHit{}, err
	}
	rows, err := r.r.query(ctx, "SELECT id FROM "+tb.name+" WHERE account_id = ? AND name_key = ? AND name = ? LIMIT 2", acc, fold(nv), nv)
	if err != nil {
		return refHit{}, err
	}
	var found []string
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return refHit{}, err
		}
		found = append(found, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return refHit{}, err
	}
	switch len(found) {
	case 1:
		return refHit{id: found[0]}, nil
	case 0:
		return refHit{msg: "names no " + tb.noun + " of this account (by id, external reference or exact name)"}, nil
	}
	return refHit{msg: "names more than one " + tb.noun + " by that name; use its id or external reference"}, nil
}

// pass reads the file from its start and runs every row through the kind's importer.
func (r *importRun) pass(ctx context.Context) error {
	in, err := steward.NewImportReader(&chunkReader{ctx: ctx, s: r.s, acc: r.job.AccountID, id: r.job.ID})
	if err != nil {
		r.fatal = true
		r.errs = append(r.errs, steward.ImportRowError{Row: 0, Message: err.Error()})
		return nil
	}
	r.in = in
	_, rec, err := in.Read()
	if err == io.EOF {
		r.fatal = true
		r.errs = append(r.errs, steward.ImportRowError{Row: 1, Message: "the file has no header row"})
		return nil
	}
	if err != nil {
		var re *steward.ImportRowError
		if errors.As(err, &re) {
			r.fatal = true
			r.errs = append(r.errs, *re)
			return nil
		}
		return err
	}
	h, herrs := steward.ParseImportHeader(r.job.Kind, rec)
	if len(herrs) > 0 {
		r.fatal = true
		r.errs = append(r.errs, herrs...)
		return nil
	}
	r.h = h
	imp := importers[r.job.Kind]
	batch := make([]*steward.ImportRecord, 0, importBatch)
	for {
		row, rec, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *steward.ImportRowError
			if !errors.As(err, &re) {
				return err
			}
			r.job.ProcessedRows++
			r.job.FailedRows++
			r.errs = append(r.errs, *re)
			if r.t != nil {
				return errImportRow
			}
			continue
		}
		ir, errs := h.Record(row, rec)
		if len(errs) > 0 {
			r.job.ProcessedRows++
			r.job.FailedRows++
			r.errs = append(r.errs, errs...)
			if r.t != nil {
				return errImportRow
			}
			continue
		}
		if ir.Blank() {
			continue
		}
		batch = append(batch, ir)
		if len(batch) == importBatch {
			if err := imp.batch(ctx, r, batch); err != nil {
				return err
			}
			batch = batch[:0]
			if r.warmUp {
				return errWarmUp
			}
			if err := r.beat(ctx, false); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := imp.batch(ctx, r, batch); err != nil {
			return err
		}
	}
	return r.beat(ctx, true)
}

// beat tells the world how far the run is: the live counts, the command line's progress, and
// (at most every second) the job's row with its heartbeat, where the database can take it.
func (r *importRun) beat(ctx context.Context, force bool) error {
	r.job.UpdatedAt = steward.Now()
	live.set(r.job)
	if r.progress != nil {
		r.progress(r.job)
	}
	if !force && time.Since(r.lastBeat) < time.Second {
		return nil
	}
	r.lastBeat = time.Now()
	if r.t != nil && r.s.d != postgres {
		return nil // SQLite: the one write connection is the apply's transaction
	}
	if r.t == nil {
		if err := r.flushErrors(ctx); err != nil {
			return err
		}
	}
	_, err := r.s.writer().exec(ctx, `UPDATE import_jobs SET total_rows = ?, processed_rows = ?, created = ?, updated = ?, unchanged = ?,
		failed_rows = ?, error_count = ?, heartbeat = ?, updated_at = ? WHERE account_id = ? AND id = ? AND claimed_by = ?`,
		r.job.TotalRows, r.job.ProcessedRows, r.job.Created, r.job.Updated, r.job.Unchanged, r.job.FailedRows, r.stored,
		r.job.UpdatedAt, r.job.UpdatedAt, r.job.AccountID, r.job.ID, r.worker)
	return err
}

// flushErrors stores the errors found so far (outside any transaction).
func (r *importRun) flushErrors(ctx context.Context) error {
	if len(r.errs) == 0 {
		return nil
	}
	// In row order: a row the reader refused is found before the rows of its batch before it.
	slices.SortStableFunc(r.errs, func(a, b steward.ImportRowError) int { return cmp.Compare(a.Row, b.Row) })
	errs := r.errs
	err := r.s.write(ctx, func(t *tx) error { return t.storeImportErrors(ctx, r.job, r.stored, errs) })
	if err != nil {
		return err
	}
	r.stored += int64(len(errs))
	r.errs = r.errs[:0]
	return nil
}

func (t *tx) storeImportErrors(ctx context.Context, j *steward.ImportJob, from int64, errs []steward.ImportRowError) error {
	for i, e := range errs {
		if _, err := t.exec(ctx, "INSERT INTO import_errors (account_id, job_id, seq, row_no, col, message) VALUES (?, ?, ?, ?, ?, ?)",
			j.AccountID, j.ID, from+int64(i), e.Row, e.Column, e.Message); err != nil {
			return err
		}
	}
	return nil
}

// RunImport runs one job to its end in this goroutine: a queued job is claimed for worker first;
// a job another worker holds is ECONFLICT; an ended job is returned as it is.
func (s *Store) RunImport(ctx context.Context, id, worker string, progress steward.ImportProgress) (*steward.ImportJob, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("import")
	}
	var acc, status, claimedBy, role string
	err := s.reader().row(ctx, "SELECT account_id, status, claimed_by, role FROM import_jobs WHERE id = ?", id).
		Scan(&acc, &status, &claimedBy, &role)
	if isNoRows(err) {
		return nil, steward.NotFound("import")
	}
	if err != nil {
		return nil, err
	}
	switch steward.ImportStatus(status) {
	case steward.ImportQueued:
		won, err := s.claimImport(ctx, acc, id, worker)
		if err != nil {
			return nil, err
		}
		if !won {
			return nil, steward.Errorf(steward.ECONFLICT, "another worker took the import")
		}
	case steward.ImportRunning:
		if claimedBy != worker {
			return nil, steward.Errorf(steward.ECONFLICT, "another worker runs the import")
		}
	}
	sys := steward.SystemActor(acc)
	job, err := s.importJob(ctx, s.reader(), sys, id)
	if err != nil {
		return nil, err
	}
	if job.Status.Done() {
		return job, nil
	}
	defer live.drop(id)
	// A job run again (its worker stopped) starts from nothing: what it stored is gone.
	if err := s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM import_errors WHERE account_id = ? AND job_id = ?", acc, id)
		return err
	}); err != nil {
		return nil, err
	}
	a, msg, err := s.importActor(ctx, job, steward.Role(role))
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return s.endImport(ctx, job, worker, msg)
	}
	job.Status = steward.ImportRunning
	if job.TotalRows, err = s.countImportRows(ctx, job); err != nil {
		return nil, err
	}
	check := &importRun{s: s, a: a, job: job, worker: worker, r: s.reader(), seen: map[uint64]int64{}, seed: maphash.MakeSeed(),
		refs: map[string]refHit{}, progress: progress}
	job.ProcessedRows, job.Created, job.Updated, job.Unchanged, job.FailedRows = 0, 0, 0, 0, 0
	if err := check.pass(ctx); err != nil {
		return nil, err
	}
	check.seen = nil
	if err := check.flushErrors(ctx); err != nil {
		return nil, err
	}
	switch {
	case check.fatal:
		job.Status = steward.ImportFailed
	case job.DryRun:
		job.Status = steward.ImportSucceeded
	case job.FailedRows > 0:
		// Applying a file with a bad row writes nothing: the counts say so.
		job.Status = steward.ImportFailed
		job.Created, job.Updated, job.Unchanged = 0, 0, 0
	}
	if job.Status.Done() {
		return s.finishImport(ctx, job, worker, check.stored)
	}
	// Apply: from the start again, in one transaction, which ends by marking the job done.
	plan := *job
	if s.d == sqlite {
		// SQLite prepares a statement a transaction meets for the first time only after the
		// transaction (stmtcache.go): a first batch applied and rolled back has the apply's
		// statements prepared for the transaction that counts, which would otherwise parse and
		// plan every statement of every row again.
		warm := plan
		_ = s.write(ctx, func(t *tx) error {
			w := &importRun{s: s, a: a, job: &warm, worker: worker, t: t, r: t.q, seen: map[uint64]int64{},
				seed: maphash.MakeSeed(), refs: map[string]refHit{}, warmUp: true}
			if err := w.pass(ctx); err != nil {
				return err
			}
			return errWarmUp
		})
	}
	var apply *importRun
	err = s.write(ctx, func(t *tx) error {
		*job = plan
		job.ProcessedRows, job.Created, job.Updated, job.Unchanged, job.FailedRows = 0, 0, 0, 0, 0
		apply = &importRun{s: s, a: a, job: job, worker: worker, t: t, r: t.q, seen: map[uint64]int64{}, seed: maphash.MakeSeed(),
			refs: map[string]refHit{}, progress: progress}
		if err := apply.pass(ctx); err != nil {
			return err
		}
		job.Status = steward.ImportSucceeded
		return t.markImport(ctx, job, worker, 0)
	})
	if errors.Is(err, errImportRow) || (err == nil && apply.fatal) {
		// Something changed between the check and the apply: nothing was written.
		job.Status = steward.ImportFailed
		job.Created, job.Updated, job.Unchanged = 0, 0, 0
		if err := apply.flushErrors(ctx); err != nil {
			return nil, err
		}
		return s.finishImport(ctx, job, worker, apply.stored)
	}
	if err != nil {
		return nil, err
	}
	return job, nil
}

// countImportRows counts the file's records for total_rows (the header left out).
func (s *Store) countImportRows(ctx context.Context, j *steward.ImportJob) (int64, error) {
	in, err := steward.NewImportReader(&chunkReader{ctx: ctx, s: s, acc: j.AccountID, id: j.ID})
	if err != nil {
		return 0, nil
	}
	var n int64
	for {
		_, _, err := in.Read()
		if err == io.EOF {
			break
		}
		var re *steward.ImportRowError
		if err != nil && !errors.As(err, &re) {
			return 0, err
		}
		n++
	}
	return max(n-1, 0), nil
}

// importActor is the actor a job writes as: type import, the job's id, named after its user,
// with the user's fleet and the role the job was started with (no more than the user's now).
// A message instead when the user may no longer import.
func (s *Store) importActor(ctx context.Context, j *steward.ImportJob, role steward.Role) (*steward.Actor, string, error) {
	ua, err := s.UserActor(ctx, j.UserID)
	if steward.ErrorCode(err) == steward.EUNAUTHORIZED {
		return nil, "the user who started the import is no longer active; nothing was written", nil
	}
	if err != nil {
		return nil, "", err
	}
	if !role.AtMost(ua.Role) {
		role = ua.Role
	}
	a := &steward.Actor{Type: steward.ActorImport, ID: j.ID, Name: "Import by " + ua.Name, UserID: ua.UserID,
		AccountID: j.AccountID, HomeAccount: ua.HomeAccount, Role: role, Fleet: ua.Fleet, Source: steward.SourceImport}
	check := *a
	check.Type = steward.ActorUser
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, "the user who started the import may no longer write the fleet; nothing was written", nil
	}
	if j.Kind == steward.ImportAssets && scoped(&check) {
		return nil, "the user who started the import no longer sees the entire fleet; nothing was written", nil
	}
	return a, "", nil
}

// endImport fails a job with one message about the whole file.
func (s *Store) endImport(ctx context.Context, j *steward.ImportJob, worker, msg string) (*steward.ImportJob, error) {
	j.Status = steward.ImportFailed
	j.Errors = []steward.ImportRowError{{Row: 0, Message: msg}}
	if err := s.write(ctx, func(t *tx) error {
		if err := t.storeImportErrors(ctx, j, 0, j.Errors); err != nil {
			return err
		}
		return t.markImport(ctx, j, worker, 1)
	}); err != nil {
		return nil, err
	}
	return s.Import(ctx, steward.SystemActor(j.AccountID), j.ID)
}

// finishImport records a job's end outside the apply's transaction (a dry run, a failure).
func (s *Store) finishImport(ctx context.Context, j *steward.ImportJob, worker string, stored int64) (*steward.ImportJob, error) {
	if err := s.write(ctx, func(t *tx) error { return t.markImport(ctx, j, worker, stored) }); err != nil {
		return nil, err
	}
	return s.Import(ctx, steward.SystemActor(j.AccountID), j.ID)
}

// markImport stores the job's end (or, stored < 0 leaving error_count, its counts) and deletes
// its file; a job no longer held by worker is not ours to end (another took it back): ECONFLICT,
// which rolls the apply back.
func (t *tx) markImport(ctx context.Context, j *steward.ImportJob, worker string, stored int64) error {
	j.UpdatedAt = t.now
	res, err := t.exec(ctx, `UPDATE import_jobs SET status = ?, total_rows = ?, processed_rows = ?, created = ?, updated = ?,
		unchanged = ?, failed_rows = ?, error_count = ?, claimed_by = '', updated_at = ?
		WHERE account_id = ? AND id = ? AND claimed_by = ? AND status = ?`,
		string(j.Status), j.TotalRows, j.ProcessedRows, j.Created, j.Updated, j.Unchanged, j.FailedRows, stored, t.now,
		j.AccountID, j.ID, worker, string(steward.ImportRunning))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = steward.Errorf(steward.ECONFLICT, "the import was taken back from this worker")
		}
		return err
	}
	_, err = t.exec(ctx, "DELETE FROM import_chunks WHERE account_id = ? AND job_id = ?", j.AccountID, j.ID)
	return err
}
