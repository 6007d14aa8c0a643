package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestUniqueOrganizationNameRacing: inits racing with one organization name (as folded) leave
// exactly one organization; the others are conflicts naming org.
func TestUniqueOrganizationNameRacing(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s *store.Store) {
		names := []string{"Racing Rentals", "RACING RENTALS", "Racing  Réntals", "Ｒacing Rentals", "racing rentals", "Racing Rentals "}
		var wg sync.WaitGroup
		errs := make([]error, len(names))
		for i, n := range names {
			wg.Go(func() {
				_, _, errs[i] = s.CreateOrganization(ctx, steward.Organization{Name: n, Country: "DE", UniqueName: true,
					Email: fmt.Sprintf("admin-%d@racing.example", i), Password: "correct horse battery"})
			})
		}
		wg.Wait()
		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case steward.ErrorCode(err) == steward.ECONFLICT:
			default:
				t.Errorf("%q: %v", names[i], err)
			}
		}
		if created != 1 {
			t.Errorf("%d organizations created, want 1", created)
		}
	})
}
