package store_test

import (
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// A key made with a key never outlives or outranks it: a week-long demo key once minted a
// non-expiring admin key.
func TestAPIKeyBoundByMaker(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		week := steward.TimestampOf(time.Now().Add(7 * 24 * time.Hour))
		demo := must(s.CreateAPIKeyForEmail(ctx, o.email, steward.APIKeyFields{Name: "demo", ExpiresAt: &week}))
		maker := must(s.Authenticate(ctx, demo.Key))

		// No expiry asked: the new key expires with its maker, and works until then.
		k := must(s.CreateAPIKey(ctx, maker, o.user.ID, steward.APIKeyFields{Name: "forever", Role: steward.RoleAdmin}))
		if k.ExpiresAt == nil || !k.ExpiresAt.Equal(week.Time) {
			t.Errorf("key made by a week-long key expires %v, want %v", k.ExpiresAt, week)
		}
		if k.Role != steward.RoleAdmin {
			t.Errorf("role %s, want admin (the maker's)", k.Role)
		}
		for _, x := range must(s.APIKeys(ctx, o.admin)) {
			if x.ID == k.ID && (x.ExpiresAt == nil || !x.ExpiresAt.Equal(week.Time)) {
				t.Errorf("stored expiry %v, want %v", x.ExpiresAt, week)
			}
		}
		must(s.Authenticate(ctx, k.Key))

		// A later expiry asked explicitly is refused, not silently shortened.
		later := steward.TimestampOf(week.Add(time.Hour))
		_, err := s.CreateAPIKey(ctx, maker, o.user.ID, steward.APIKeyFields{Name: "later", ExpiresAt: &later})
		if e := wantField(t, err, steward.EINVALID, "expires_at"); e != nil && e.Fields[0].Message == "" {
			t.Errorf("no message")
		}
		// An earlier one, or exactly the maker's, is kept.
		sooner := steward.TimestampOf(time.Now().Add(24 * time.Hour))
		if k := must(s.CreateAPIKey(ctx, maker, o.user.ID, steward.APIKeyFields{Name: "day", ExpiresAt: &sooner})); !k.ExpiresAt.Equal(sooner.Time) {
			t.Errorf("earlier expiry became %v", k.ExpiresAt)
		}
		must(s.CreateAPIKey(ctx, maker, o.user.ID, steward.APIKeyFields{Name: "same", ExpiresAt: &week}))

		// The chain holds: a key made by the made key is bound by the first maker too.
		child := must(s.Authenticate(ctx, k.Key))
		_, err = s.CreateAPIKey(ctx, child, o.user.ID, steward.APIKeyFields{Name: "grandchild", ExpiresAt: &later})
		wantField(t, err, steward.EINVALID, "expires_at")
		if g := must(s.CreateAPIKey(ctx, child, o.user.ID, steward.APIKeyFields{Name: "grandchild"})); g.ExpiresAt == nil || !g.ExpiresAt.Equal(week.Time) {
			t.Errorf("grandchild expires %v, want %v", g.ExpiresAt, week)
		}

		// A key that never expires, the web UI's user and the command line are bound by nothing
		// but the limits every key has.
		if k := must(s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "open"})); k.ExpiresAt != nil {
			t.Errorf("key made by a non-expiring key expires %v", k.ExpiresAt)
		}
		if k := must(s.CreateAPIKey(ctx, o.userActor(), o.user.ID, steward.APIKeyFields{Name: "ui"})); k.ExpiresAt != nil {
			t.Errorf("key made in the UI expires %v", k.ExpiresAt)
		}
		// Role: at most the maker's (a narrowed key cannot administer at all, so cannot mint).
		fleet := o.keyActor(t, s, steward.RoleFleetAdmin, false)
		_, err = s.CreateAPIKey(ctx, fleet, o.user.ID, steward.APIKeyFields{Name: "up", Role: steward.RoleAdmin})
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

// expires_at lies in the future and within ten years, whoever makes the key.
func TestAPIKeyExpiryLimits(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		for name, at := range map[string]time.Time{
			"past":                    time.Now().Add(-time.Minute),
			"now":                     time.Now(),
			"ten years and a day":     time.Now().AddDate(10, 0, 1),
			"the year 10000":          time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -(23*3600+59*60))),
			"the largest Unix micros": time.UnixMicro(1<<63 - 1),
		} {
			ts := steward.TimestampOf(at)
			_, err := s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: name, ExpiresAt: &ts})
			wantField(t, err, steward.EINVALID, "expires_at")
			_, err = s.CreateAPIKeyForEmail(ctx, o.email, steward.APIKeyFields{Name: name, ExpiresAt: &ts})
			wantField(t, err, steward.EINVALID, "expires_at")
		}
		nine := steward.TimestampOf(time.Now().AddDate(9, 11, 0))
		k := must(s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "long", ExpiresAt: &nine}))
		if !k.ExpiresAt.Equal(nine.Time) {
			t.Errorf("expiry %v, want %v", k.ExpiresAt, nine)
		}
	})
}
