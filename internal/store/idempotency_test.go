package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// idemClaim returns an Idempotency-Key for scope and key whose Render encodes the created object
// as JSON, as the web layer does, and counts its calls.
func idemClaim(scope, key, hash string) (*steward.Idempotency, *int) {
	var calls int
	return &steward.Idempotency{Scope: scope, Key: key, RequestHash: hash, Status: 201,
		Render: func(obj any) ([]byte, error) {
			calls++
			return json.Marshal(obj)
		}}, &calls
}

// wantReplay asserts err is a replay of the record whose body is body.
func wantReplay(t *testing.T, err error, hash, objectType, objectID string) *steward.IdempotentResult {
	t.Helper()
	r, ok := errors.AsType[*steward.IdempotentReplay](err)
	if !ok {
		t.Fatalf("err = %v, want a replay", err)
	}
	p := r.Prior
	if p.RequestHash != hash || p.Status != 201 || p.ObjectType != objectType || p.ObjectID != objectID ||
		!strings.Contains(string(p.Body), `"id":"`+objectID+`"`) || time.Since(p.CreatedAt.Time) > time.Minute {
		t.Fatalf("replay %+v (body %s), want %s %s with hash %s", p, p.Body, objectType, objectID, hash)
	}
	return &p
}

func keyRows(t *testing.T, raw *rawDB, scope string) int64 {
	t.Helper()
	return raw.int(t, "SELECT COUNT(*) FROM idempotency_keys WHERE scope = ?", scope)
}

// A create under an Idempotency-Key claims it, creates and records the response in one
// transaction; the key then answers with that response and creates nothing more.
func TestIdempotentCreateRecordsItsResponse(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		scope := o.admin.ID
		claim, renders := idemClaim(scope, "key-1", "hash-a")
		cctx := steward.NewContextWithIdempotency(ctx, claim)
		c, err := s.CreateCustomer(cctx, o.admin, steward.CustomerFields{Name: "Once", ExternalRef: "ONCE-1"})
		ok(t, err)
		if *renders != 1 {
			t.Errorf("Render ran %d times, want 1", *renders)
		}
		first, _ := json.Marshal(c)
		var state, body, objectType, objectID string
		var status int64
		ok(t, raw.db.QueryRowContext(ctx, raw.rebind(`SELECT state, status, body, object_type, object_id FROM idempotency_keys
			WHERE scope = ? AND key = 'key-1'`), scope).Scan(&state, &status, &body, &objectType, &objectID))
		if state != "done" || status != 201 || body != string(first) || objectType != steward.ObjectCustomer || objectID != c.ID {
			t.Fatalf("record: %s %d %s %s %s, want done 201 %s customer %s", state, status, body, objectType, objectID, first, c.ID)
		}

		// The same key again: the record, nothing created, not even a conflict on the
		// external reference the first create took.
		again, _ := idemClaim(scope, "key-1", "hash-a")
		_, err = s.CreateCustomer(steward.NewContextWithIdempotency(ctx, again), o.admin, steward.CustomerFields{Name: "Once", ExternalRef: "ONCE-1"})
		p := wantReplay(t, err, "hash-a", steward.ObjectCustomer, c.ID)
		if string(p.Body) != string(first) {
			t.Errorf("replayed body %s, want %s", p.Body, first)
		}
		// Another request under the key, or another kind of create, is told the key's record
		// too (the caller refuses it by its hash).
		other, _ := idemClaim(scope, "key-1", "hash-b")
		_, err = s.CreateAsset(steward.NewContextWithIdempotency(ctx, other), o.admin, steward.AssetFields{Name: "Twice"})
		wantReplay(t, err, "hash-a", steward.ObjectCustomer, c.ID)
		if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{})); n != 1 {
			t.Errorf("%d customers, want 1", n)
		}
		if n := len(allAssets(t, s, o.admin, steward.AssetFilter{})); n != 0 {
			t.Errorf("%d assets, want 0", n)
		}
		if ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectType: steward.ObjectCustomer}); len(ev) != 1 {
			t.Errorf("%d customer events, want 1", len(ev))
		}
		// The same key in another scope is another key.
		elsewhere, _ := idemClaim("other-caller-"+randHex(4), "key-1", "hash-a")
		must(s.CreateCustomer(steward.NewContextWithIdempotency(ctx, elsewhere), o.admin, steward.CustomerFields{Name: "Elsewhere"}))

		// Every kind of create records its object.
		for _, kind := range []string{steward.ObjectContact, steward.ObjectLocation, steward.ObjectAsset, steward.ObjectAPIKey} {
			k, renders := idemClaim(scope, "every-"+kind, "h")
			kctx := steward.NewContextWithIdempotency(ctx, k)
			var id string
			var create func() error
			switch kind {
			case steward.ObjectContact:
				id = must(s.CreateContact(kctx, o.admin, c.ID, steward.ContactFields{Name: "K"})).ID
				create = func() error {
					_, err := s.CreateContact(kctx, o.admin, c.ID, steward.ContactFields{Name: "K"})
					return err
				}
			case steward.ObjectLocation:
				id = must(s.CreateLocation(kctx, o.admin, steward.LocationFields{Name: "L", CustomerID: &c.ID})).ID
				create = func() error { _, err := s.CreateLocation(kctx, o.admin, steward.LocationFields{Name: "L"}); return err }
			case steward.ObjectAsset:
				id = must(s.CreateAsset(kctx, o.admin, steward.AssetFields{Name: "X", OwnerCustomerID: &c.ID})).ID
				create = func() error { _, err := s.CreateAsset(kctx, o.admin, steward.AssetFields{Name: "X"}); return err }
			case steward.ObjectAPIKey:
				id = must(s.CreateAPIKey(kctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "K"})).ID
				create = func() error {
					_, err := s.CreateAPIKey(kctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "K"})
					return err
				}
			}
			if *renders != 1 {
				t.Errorf("%s: Render ran %d times", kind, *renders)
			}
			wantReplay(t, create(), "h", kind, id)
		}
		// The counts the creates moved are exact, and the replays moved none.
		assertNoMismatch(t, s, o.acc.ID)
		got := must(s.Customer(ctx, o.admin, c.ID))
		if got.LocationCount != 1 || got.AssetsOwnedCount != 1 {
			t.Errorf("counts after replays: %d locations, %d assets owned, want 1 and 1", got.LocationCount, got.AssetsOwnedCount)
		}
		if n := keyRows(t, raw, scope); n != 5 {
			t.Errorf("%d key records, want 5", n)
		}
	})
}

// A create that fails, at any point after its claim, leaves no record: the key is free for the
// corrected request at once.
func TestFailedIdempotentCreateLeavesTheKeyFree(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		scope := o.admin.ID
		must(s.CreateCustomer(ctx, o.admin, steward.CustomerFields{Name: "Taken", ExternalRef: "T"}))
		customers := func() int { return len(allCustomers(t, s, o.admin, steward.CustomerFilter{})) }
		events := func() int {
			return len(allAudit(t, s, o.admin, steward.AuditFilter{ObjectType: steward.ObjectCustomer}))
		}
		n, e := customers(), events()

		k, _ := idemClaim(scope, "k", "h")
		kctx := steward.NewContextWithIdempotency(ctx, k)
		// Invalid fields, refused before the transaction.
		_, err := s.CreateCustomer(kctx, o.admin, steward.CustomerFields{Name: ""})
		wantField(t, err, steward.EINVALID, "name")
		// A conflict inside the transaction, after the claim.
		_, err = s.CreateCustomer(kctx, o.admin, steward.CustomerFields{Name: "Dup", ExternalRef: "T"})
		wantCode(t, err, steward.ECONFLICT)
		// A 404 inside the transaction (the contact's customer), after the claim.
		_, err = s.CreateContact(kctx, o.admin, "no-such-customer", steward.ContactFields{Name: "C"})
		wantCode(t, err, steward.ENOTFOUND)
		if r := keyRows(t, raw, scope); r != 0 {
			t.Fatalf("%d key records after failed creates", r)
		}

		// Rendering the response fails after the object and its audit row were written: all of
		// it rolls back.
		bad := &steward.Idempotency{Scope: scope, Key: "k", RequestHash: "h", Status: 201,
			Render: func(any) ([]byte, error) { return nil, errors.New("cannot render") }}
		_, err = s.CreateCustomer(steward.NewContextWithIdempotency(ctx, bad), o.admin, steward.CustomerFields{Name: "Unrendered"})
		if err == nil || !strings.Contains(err.Error(), "cannot render") {
			t.Fatalf("render failure: %v", err)
		}
		// A crash in the middle (a panic while rendering, the object and audit row written):
		// the transaction rolls back at once, and the store goes on writing.
		crash := &steward.Idempotency{Scope: scope, Key: "k", RequestHash: "h", Status: 201,
			Render: func(any) ([]byte, error) { panic("crash while rendering") }}
		func() {
			defer func() {
				if p := recover(); p != "crash while rendering" {
					t.Errorf("recovered %v, want the panic", p)
				}
			}()
			_, _ = s.CreateCustomer(steward.NewContextWithIdempotency(ctx, crash), o.admin, steward.CustomerFields{Name: "Crashed"})
		}()
		if customers() != n || events() != e || keyRows(t, raw, scope) != 0 {
			t.Fatalf("after failed creates: %d customers (was %d), %d events (was %d), %d key records",
				customers(), n, events(), e, keyRows(t, raw, scope))
		}
		// The retry creates, once.
		wctx, cancel := context.WithTimeout(kctx, 5*time.Second) // a write lock left behind would block
		defer cancel()
		c := must(s.CreateCustomer(wctx, o.admin, steward.CustomerFields{Name: "Fixed"}))
		wantReplay(t, func() error {
			_, err := s.CreateCustomer(kctx, o.admin, steward.CustomerFields{Name: "Fixed"})
			return err
		}(),
			"h", steward.ObjectCustomer, c.ID)
		if customers() != n+1 || events() != e+1 {
			t.Errorf("%d customers, %d events, want %d and %d", customers(), events(), n+1, e+1)
		}
		// A claim without a Render function or a status is a programming error, refused without
		// creating.
		noStatus, _ := idemClaim(scope, "no-status", "h")
		noStatus.Status = 0
		for _, bare := range []*steward.Idempotency{{Scope: scope, Key: "bare", RequestHash: "h", Status: 201}, noStatus} {
			if _, err := s.CreateCustomer(steward.NewContextWithIdempotency(ctx, bare), o.admin, steward.CustomerFields{Name: "Bare"}); err == nil {
				t.Errorf("claim %+v was accepted", bare)
			}
		}
		if customers() != n+1 || keyRows(t, raw, scope) != 1 {
			t.Error("an incomplete claim created")
		}
	})
}

func TestIdempotencyRecordsExpire(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		scope := o.admin.ID
		k, _ := idemClaim(scope, "expiring", "h")
		kctx := steward.NewContextWithIdempotency(ctx, k)
		first := must(s.CreateCustomer(kctx, o.admin, steward.CustomerFields{Name: "Day one"}))
		// 24 hours later the key is new again.
		day := time.Now().Add(-25 * time.Hour).UnixMicro()
		raw.exec(t, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ?", day, scope)
		second := must(s.CreateCustomer(kctx, o.admin, steward.CustomerFields{Name: "Day two"}))
		_, err := s.CreateCustomer(kctx, o.admin, steward.CustomerFields{Name: "Day two"})
		wantReplay(t, err, "h", steward.ObjectCustomer, second.ID)
		if first.ID == second.ID {
			t.Fatal("same object twice")
		}
		// A 'pending' record (only versions that committed a claim before its create left them)
		// answers nothing: it is replaced.
		raw.exec(t, `INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at) VALUES (?, 'leftover', 'h', 'pending', ?)`,
			scope, time.Now().UnixMicro())
		l, _ := idemClaim(scope, "leftover", "h")
		must(s.CreateCustomer(steward.NewContextWithIdempotency(ctx, l), o.admin, steward.CustomerFields{Name: "After a leftover"}))
		if st := raw.int(t, "SELECT COUNT(*) FROM idempotency_keys WHERE scope = ? AND key = 'leftover' AND state = 'done'", scope); st != 1 {
			t.Error("the leftover was not replaced by a done record")
		}
		// Pruning removes what is older than 24 hours, and only that.
		raw.exec(t, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = 'leftover'", day, scope)
		if n := must(s.PruneIdempotencyKeys(ctx)); n < 1 {
			t.Errorf("PruneIdempotencyKeys removed %d", n)
		}
		if left := keyRows(t, raw, scope); left != 1 {
			t.Errorf("%d records left, want the live one", left)
		}
	})
}
