package store

import (
	"context"

	"golang.org/x/text/unicode/norm"

	"github.com/steward-fleet/steward/internal/steward"
)

// References in an import's cells (customer_id, owner_customer_id, location_id): an id, an
// external reference or an exact name, resolved a batch at a time and remembered for the run.

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
