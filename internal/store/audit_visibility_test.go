package store_test

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// The audit log answers only events of objects the caller may see: events of users, API keys
// and the account itself are for Admins. A user key once read a key's prefix, role and user,
// and the Admin's email, by filtering on their ids.
func TestAuditVisibility(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		k := must(s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "secret-ish", Role: steward.RoleFleetAdmin}))
		ok(t, s.RevokeAPIKey(ctx, o.admin, k.ID))
		must(s.UpdateAccount(ctx, o.admin, 0, func(f *steward.AccountFields) error { f.Phone = "+49 1"; return nil }))
		c := mkCustomer(t, s, o.admin, "Visible Co")

		// The Admin sees every kind.
		for _, id := range []string{k.ID, o.user.ID, o.acc.ID, c.ID} {
			if len(auditFor(t, s, o.admin, id)) == 0 {
				t.Errorf("admin sees no events of %s", id)
			}
		}
		if n := len(allAudit(t, s, o.admin, steward.AuditFilter{ObjectType: steward.ObjectAPIKey})); n < 2 {
			t.Errorf("admin sees %d api_key events", n)
		}

		for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician} {
			a := o.keyActor(t, s, role, false)
			t.Run(string(role), func(t *testing.T) {
				// One object's history: empty for users, keys and the account, as if none existed.
				for what, id := range map[string]string{"api key": k.ID, "user": o.user.ID, "account": o.acc.ID, "own key": a.ID} {
					f := steward.AuditFilter{ObjectID: id}
					if got := allAudit(t, s, a, f); len(got) != 0 {
						t.Errorf("%s reads %d events of the %s: %+v", role, len(got), what, got[0])
					}
					var n int
					ok(t, s.EachAuditEvent(ctx, a, f, func(*steward.AuditEvent) error { n++; return nil }))
					if n != 0 {
						t.Errorf("%s exports %d events of the %s", role, n, what)
					}
					// Naming the type does not help.
					for _, typ := range []string{steward.ObjectAPIKey, steward.ObjectUser, steward.ObjectAccount} {
						f.ObjectType = typ
						if got := allAudit(t, s, a, f); len(got) != 0 {
							t.Errorf("%s reads %d events of the %s with object_type %s", role, len(got), what, typ)
						}
					}
				}
				// A customer's history stays readable, in full.
				if got, want := len(auditFor(t, s, a, c.ID)), len(auditFor(t, s, o.admin, c.ID)); got != want || got == 0 {
					t.Errorf("%s reads %d events of a customer, admin %d", role, got, want)
				}
				cust := allAudit(t, s, a, steward.AuditFilter{CustomerID: c.ID, ObjectType: steward.ObjectCustomer})
				if len(cust) != 1 {
					t.Errorf("%s reads %d events of the customer by customer_id and object_type", role, len(cust))
				}
				// The account-wide log stays the Admin's.
				_, err := s.AuditEvents(ctx, a, steward.AuditFilter{ObjectType: steward.ObjectAPIKey})
				wantCode(t, err, steward.EFORBIDDEN)
			})
		}
	})
}
