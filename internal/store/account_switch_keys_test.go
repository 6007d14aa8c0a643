package store_test

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestSwitchedAdminCreatesNoKeyForThemself: an API key acts as a user of its account, so an
// Admin working in a sub-account is told to switch back (409), instead of "user not found"; the
// sub-account's keys stay listed and revocable there.
func TestSwitchedAdminCreatesNoKeyForThemself(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		root := o.userActor()
		b := mkSub(t, s, o.admin, "B")
		inB := must(s.SwitchAccount(ctx, root, b.ID))
		_, err := s.CreateAPIKey(ctx, inB, inB.UserID, steward.APIKeyFields{Name: "mine"})
		e := wantCode(t, err, steward.ECONFLICT)
		if e.Message == "" {
			t.Errorf("no message: %+v", e)
		}
		if keys := must(s.APIKeys(ctx, inB)); len(keys) != 0 {
			t.Errorf("B lists %d keys", len(keys))
		}
		// At home it works as before.
		must(s.CreateAPIKey(ctx, root, root.UserID, steward.APIKeyFields{Name: "mine"}))
	})
}
