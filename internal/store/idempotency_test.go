package store_test

import (
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestIdempotencyClaimCompleteRelease(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		i := steward.Idempotency{Scope: o.admin.ID, Key: "key-1"}
		// A new key is claimed.
		r, err := s.ClaimIdempotencyKey(ctx, i, "hash-a")
		ok(t, err)
		if r != nil {
			t.Fatalf("first claim returned %+v, want nil", r)
		}
		// A second claim sees the pending record, whatever its hash.
		r = must(s.ClaimIdempotencyKey(ctx, i, "hash-a"))
		if r == nil || r.State != "pending" || r.RequestHash != "hash-a" || r.ObjectID != "" {
			t.Fatalf("second claim = %+v", r)
		}
		r = must(s.ClaimIdempotencyKey(ctx, i, "hash-b"))
		if r == nil || r.RequestHash != "hash-a" {
			t.Fatalf("claim with another body = %+v", r)
		}
		// The same key in another scope is independent.
		if r := must(s.ClaimIdempotencyKey(ctx, steward.Idempotency{Scope: "other-caller-" + randHex(4), Key: "key-1"}, "hash-z")); r != nil {
			t.Fatalf("claim in another scope = %+v", r)
		}

		// The create binds its object to the claim in its own transaction.
		cctx := steward.NewContextWithIdempotency(ctx, &i)
		c, err := s.CreateCustomer(cctx, o.admin, steward.CustomerFields{Name: "Once"})
		ok(t, err)
		r = must(s.ClaimIdempotencyKey(ctx, i, "hash-a"))
		if r.ObjectType != steward.ObjectCustomer || r.ObjectID != c.ID || r.State != "pending" {
			t.Fatalf("after create: %+v", r)
		}
		// A second create under the same claim is refused and creates nothing.
		_, err = s.CreateCustomer(cctx, o.admin, steward.CustomerFields{Name: "Twice"})
		wantCode(t, err, steward.ECONFLICT)
		_, err = s.CreateAsset(cctx, o.admin, steward.AssetFields{Name: "Twice"})
		wantCode(t, err, steward.ECONFLICT)
		if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{})); n != 1 {
			t.Errorf("%d customers after the refused second create", n)
		}
		if n := len(allAssets(t, s, o.admin, steward.AssetFilter{})); n != 0 {
			t.Errorf("%d assets after the refused create", n)
		}
		if ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectType: steward.ObjectCustomer}); len(ev) != 1 {
			t.Errorf("%d customer events, want 1", len(ev))
		}
		// Releasing a bound claim keeps it: the object exists.
		ok(t, s.ReleaseIdempotencyKey(ctx, i))
		if r := must(s.ClaimIdempotencyKey(ctx, i, "hash-a")); r == nil || r.ObjectID != c.ID {
			t.Fatalf("bound claim was released: %+v", r)
		}
		// Completing stores the response.
		ok(t, s.CompleteIdempotencyKey(ctx, i, 201, []byte(`{"id":"`+c.ID+`"}`)))
		r = must(s.ClaimIdempotencyKey(ctx, i, "hash-a"))
		if r.State != "done" || r.Status != 201 || string(r.Body) != `{"id":"`+c.ID+`"}` || r.ObjectID != c.ID {
			t.Fatalf("completed = %+v", r)
		}
		if time.Since(r.CreatedAt.Time) > time.Minute || r.CreatedAt.IsZero() {
			t.Errorf("created_at = %v", r.CreatedAt)
		}

		// A claim whose create failed is released and can be claimed afresh.
		j := steward.Idempotency{Scope: o.admin.ID, Key: "key-2"}
		if r := must(s.ClaimIdempotencyKey(ctx, j, "h")); r != nil {
			t.Fatal("fresh claim not nil")
		}
		jctx := steward.NewContextWithIdempotency(ctx, &j)
		_, err = s.CreateCustomer(jctx, o.admin, steward.CustomerFields{Name: ""})
		wantCode(t, err, steward.EINVALID)
		if r := must(s.ClaimIdempotencyKey(ctx, j, "h")); r == nil || r.ObjectID != "" {
			t.Fatalf("failed create bound the claim: %+v", r)
		}
		ok(t, s.ReleaseIdempotencyKey(ctx, j))
		if r := must(s.ClaimIdempotencyKey(ctx, j, "h")); r != nil {
			t.Fatalf("released claim still there: %+v", r)
		}
		// A create whose transaction fails after binding leaves the claim unbound (same transaction).
		must(s.CreateCustomer(ctx, o.admin, steward.CustomerFields{Name: "Taken", ExternalRef: "T"}))
		_, err = s.CreateCustomer(jctx, o.admin, steward.CustomerFields{Name: "Dup", ExternalRef: "T"})
		wantCode(t, err, steward.ECONFLICT)
		if r := must(s.ClaimIdempotencyKey(ctx, j, "h")); r == nil || r.ObjectID != "" {
			t.Fatalf("rolled-back create left the claim bound: %+v", r)
		}
		// Every kind of create binds.
		for _, kind := range []string{steward.ObjectContact, steward.ObjectLocation, steward.ObjectAsset, steward.ObjectAPIKey} {
			k := steward.Idempotency{Scope: o.admin.ID, Key: "bind-" + kind}
			if r := must(s.ClaimIdempotencyKey(ctx, k, "h")); r != nil {
				t.Fatal("fresh claim not nil")
			}
			kctx := steward.NewContextWithIdempotency(ctx, &k)
			var id string
			switch kind {
			case steward.ObjectContact:
				id = must(s.CreateContact(kctx, o.admin, c.ID, steward.ContactFields{Name: "K"})).ID
			case steward.ObjectLocation:
				id = must(s.CreateLocation(kctx, o.admin, steward.LocationFields{Name: "L"})).ID
			case steward.ObjectAsset:
				id = must(s.CreateAsset(kctx, o.admin, steward.AssetFields{Name: "X"})).ID
			case steward.ObjectAPIKey:
				id = must(s.CreateAPIKey(kctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "K"})).ID
			}
			if r := must(s.ClaimIdempotencyKey(ctx, k, "h")); r == nil || r.ObjectType != kind || r.ObjectID != id {
				t.Errorf("%s create: claim %+v", kind, r)
			}
		}
		// A create with a claim nobody made is refused.
		ghost := steward.Idempotency{Scope: o.admin.ID, Key: "never-claimed"}
		_, err = s.CreateLocation(steward.NewContextWithIdempotency(ctx, &ghost), o.admin, steward.LocationFields{Name: "Ghost"})
		wantCode(t, err, steward.ECONFLICT)
	})
}

func TestIdempotencyStaleAndExpired(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		scope := "scope-" + randHex(6)
		old := time.Now().Add(-2 * time.Minute).UnixMicro()
		// A pending, unbound claim older than a minute is taken over by the same request.
		i := steward.Idempotency{Scope: scope, Key: "stale"}
		must(s.ClaimIdempotencyKey(ctx, i, "h"))
		raw.exec(t, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = 'stale'", old, scope)
		if r := must(s.ClaimIdempotencyKey(ctx, i, "h")); r != nil {
			t.Errorf("stale claim not taken over: %+v", r)
		}
		// ... but not by a different request.
		raw.exec(t, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = 'stale'", old, scope)
		if r := must(s.ClaimIdempotencyKey(ctx, i, "other")); r == nil {
			t.Error("stale claim taken over by another request")
		}
		// Records older than 24 hours are gone.
		day := time.Now().Add(-25 * time.Hour).UnixMicro()
		j := steward.Idempotency{Scope: scope, Key: "expired"}
		must(s.ClaimIdempotencyKey(ctx, j, "h"))
		ok(t, s.CompleteIdempotencyKey(ctx, j, 201, []byte("{}")))
		raw.exec(t, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = 'expired'", day, scope)
		if r := must(s.ClaimIdempotencyKey(ctx, j, "h")); r != nil {
			t.Errorf("expired record returned: %+v", r)
		}
		raw.exec(t, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ?", day, scope)
		n := must(s.PruneIdempotencyKeys(ctx))
		if n != 2 {
			t.Errorf("PruneIdempotencyKeys removed %d, want 2", n)
		}
		if left := raw.int(t, "SELECT COUNT(*) FROM idempotency_keys WHERE scope = ?", scope); left != 0 {
			t.Errorf("%d records left", left)
		}
	})
}
