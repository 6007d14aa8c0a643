package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

const workers = 8

// parallel runs fn(i) for i in [0, workers) at once and returns their errors.
func parallel(fn func(i int) error) []error {
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Contended")
		const rounds = 3
		errs := parallel(func(i int) error {
			for r := 0; r < rounds; r++ {
				// A read-modify-write of one field: each writer appends its token.
				if _, err := s.UpdateCustomer(ctx, o.admin, c.ID, 0, func(f *steward.CustomerFields) error {
					f.Notes += fmt.Sprintf("w%d.%d;", i, r)
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		}
		got := must(s.Customer(ctx, o.admin, c.ID))
		for i := 0; i < workers; i++ {
			for r := 0; r < rounds; r++ {
				if tok := fmt.Sprintf("w%d.%d;", i, r); strings.Count(got.Notes, tok) != 1 {
					t.Errorf("notes %q: token %s appears %d times", got.Notes, tok, strings.Count(got.Notes, tok))
				}
			}
		}
		if got.Version != 1+workers*rounds {
			t.Errorf("version %d, want %d", got.Version, 1+workers*rounds)
		}
		if ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: c.ID, Action: steward.ActionUpdate}); len(ev) != workers*rounds {
			t.Errorf("%d update events, want %d", len(ev), workers*rounds)
		}

		// Writers each setting a different field all land too.
		d := mkCustomer(t, s, o.admin, "Fields")
		setters := []func(*steward.CustomerFields){
			func(f *steward.CustomerFields) { f.Email = "e@example.com" },
			func(f *steward.CustomerFields) { f.Phone = "123 456" },
			func(f *steward.CustomerFields) { f.Website = "https://w.example" },
			func(f *steward.CustomerFields) { f.Address.Street = "Street 1" },
			func(f *steward.CustomerFields) { f.Address.City = "City" },
			func(f *steward.CustomerFields) { f.Address.Country = "FR" },
			func(f *steward.CustomerFields) { f.ExternalRef = "EXT" },
			func(f *steward.CustomerFields) { f.Type = steward.CustomerRental },
		}
		errs = parallel(func(i int) error {
			_, err := s.UpdateCustomer(ctx, o.admin, d.ID, 0, func(f *steward.CustomerFields) error { setters[i](f); return nil })
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("setter %d: %v", i, err)
			}
		}
		got = must(s.Customer(ctx, o.admin, d.ID))
		want := d.CustomerFields
		for _, set := range setters {
			set(&want)
		}
		if got.CustomerFields != want {
			t.Errorf("after concurrent field updates:\n%+v\nwant\n%+v", got.CustomerFields, want)
		}

		// With If-Match, exactly one of several writers holding the same version wins.
		errs = parallel(func(i int) error {
			_, err := s.UpdateCustomer(ctx, o.admin, d.ID, got.Version, func(f *steward.CustomerFields) error {
				f.Notes = fmt.Sprint("winner ", i)
				return nil
			})
			return err
		})
		wins := 0
		for i, err := range errs {
			switch steward.ErrorCode(err) {
			case "":
				wins++
			case steward.EPRECONDITION:
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		}
		if wins != 1 {
			t.Errorf("%d writers with the same If-Match won, want 1", wins)
		}
	})
}

func TestConcurrentAssetWritesKeepCountsExact(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		A := mkCustomer(t, s, a, "A")
		B := mkCustomer(t, s, a, "B")
		LA := mkLocation(t, s, a, A.ID, "LA")
		LB := mkLocation(t, s, a, B.ID, "LB")
		const each = 5
		ids := make([][]string, workers)
		// Half the workers create assets owned by A at B's site, half owned by B at A's site: every
		// create touches both customers' counts.
		errs := parallel(func(i int) error {
			owner, loc := A.ID, LB.ID
			if i%2 == 1 {
				owner, loc = B.ID, LA.ID
			}
			for j := 0; j < each; j++ {
				x, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: fmt.Sprintf("w%d-%d", i, j), SerialNumber: fmt.Sprintf("SN-%d-%d", i, j),
					OwnerCustomerID: &owner, LocationID: &loc})
				if err != nil {
					return err
				}
				ids[i] = append(ids[i], x.ID)
			}
			return nil
		})
		failed := false
		for i, err := range errs {
			if err != nil {
				t.Errorf("creator %d: %v", i, err)
				failed = true
			}
		}
		if failed {
			assertNoMismatch(t, s, o.acc.ID)
			t.Fatal("concurrent creates failed; the by-hand counts below assume they all succeed")
		}
		seen := map[string]bool{}
		for _, list := range ids {
			for _, id := range list {
				if seen[id] {
					t.Errorf("id %s handed out twice", id)
				}
				seen[id] = true
			}
		}
		half := int64(workers / 2 * each)
		expectCounts(t, s, a, "after concurrent creates", map[string]cnt{A.ID: {1, half, half, half}, B.ID: {1, half, half, half}},
			map[string]int64{LA.ID: half, LB.ID: half})
		if n := len(allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Limit: 500}})); n != workers*each {
			t.Errorf("%d assets listed, want %d", n, workers*each)
		}

		// Concurrent moves and re-owns across the two customers.
		errs = parallel(func(i int) error {
			for j, id := range ids[i] {
				if _, err := s.UpdateAsset(ctx, a, id, 0, func(f *steward.AssetFields) error {
					// Even ones go home to their owner's site, odd ones go in transit.
					if j%2 == 0 {
						f.LocationID = ptrFor(f.OwnerCustomerID, A.ID, LA.ID, LB.ID)
					} else {
						f.LocationID = nil
					}
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("mover %d: %v", i, err)
			}
		}
		// Per worker: assets 0, 2, 4 now stand at their owner's site; 1, 3 are in transit.
		home := int64(workers / 2 * 3)
		expectCounts(t, s, a, "after concurrent moves", map[string]cnt{A.ID: {1, home, half, half - home}, B.ID: {1, home, half, half - home}},
			map[string]int64{LA.ID: home, LB.ID: home})
	})
}

// ptrFor returns the site of the owner: la for customer a, else lb.
func ptrFor(owner *string, a, la, lb string) *string {
	if owner != nil && *owner == a {
		return &la
	}
	return &lb
}

func TestConcurrentDuplicateCreates(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Owner")
		cases := []struct {
			what  string
			field string
			fn    func(i int) error
		}{
			{"customer external_ref", "external_ref", func(i int) error {
				_, err := s.CreateCustomer(ctx, a, steward.CustomerFields{Name: fmt.Sprint("C", i), ExternalRef: "DUP"})
				return err
			}},
			{"contact external_ref", "external_ref", func(i int) error {
				_, err := s.CreateContact(ctx, a, c.ID, steward.ContactFields{Name: fmt.Sprint("K", i), ExternalRef: "DUP"})
				return err
			}},
			{"location external_ref", "external_ref", func(i int) error {
				_, err := s.CreateLocation(ctx, a, steward.LocationFields{Name: fmt.Sprint("L", i), ExternalRef: "DUP"})
				return err
			}},
			{"asset external_ref", "external_ref", func(i int) error {
				_, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: fmt.Sprint("X", i), ExternalRef: "DUP"})
				return err
			}},
			{"asset serial_number", "serial_number", func(i int) error {
				serial := "sn-dup"
				if i%2 == 0 {
					serial = "SN-DUP"
				}
				_, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: fmt.Sprint("S", i), SerialNumber: serial})
				return err
			}},
		}
		for _, tc := range cases {
			errs := parallel(tc.fn)
			wins, unnamed := 0, 0
			var example error
			for i, err := range errs {
				if err == nil {
					wins++
					continue
				}
				e := asError(err)
				if e == nil || e.Code != steward.ECONFLICT {
					t.Errorf("%s: writer %d: %v, want ECONFLICT", tc.what, i, err)
					continue
				}
				named := false
				for _, f := range e.Fields {
					named = named || f.Field == tc.field
				}
				if !named {
					unnamed++
					example = err
				}
			}
			if unnamed > 0 {
				t.Errorf("%s: %d of %d conflicts do not name the field %s (for example %v)", tc.what, unnamed, workers-wins, tc.field, example)
			}
			if wins != 1 {
				t.Errorf("%s: %d concurrent creates succeeded, want exactly 1", tc.what, wins)
			}
		}
		assertNoMismatch(t, s, o.acc.ID)
	})
}

// TestConcurrentLocationMoves: locations changing customer while their assets move, all at once;
// every write succeeds and the counts stay exact.
func TestConcurrentLocationMoves(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		A := mkCustomer(t, s, a, "A")
		B := mkCustomer(t, s, a, "B")
		var locs []*steward.Location
		var assets []*steward.Asset
		for i := 0; i < workers; i++ {
			owner := A.ID
			if i%2 == 1 {
				owner = B.ID
			}
			l := mkLocation(t, s, a, owner, fmt.Sprint("L", i))
			locs = append(locs, l)
			assets = append(assets, mkAsset(t, s, a, fmt.Sprint("X", i), owner, l.ID))
		}
		errs := parallel(func(i int) error {
			for r := 0; r < 4; r++ {
				to := A.ID
				if (i+r)%2 == 0 {
					to = B.ID
				}
				if _, err := s.UpdateLocation(ctx, a, locs[i].ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &to; return nil }); err != nil {
					return fmt.Errorf("move location: %w", err)
				}
				next := locs[(i+r+1)%workers].ID
				if _, err := s.UpdateAsset(ctx, a, assets[i].ID, 0, func(f *steward.AssetFields) error { f.LocationID = &next; return nil }); err != nil {
					return fmt.Errorf("move asset: %w", err)
				}
			}
			return nil
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}
		assertNoMismatch(t, s, o.acc.ID)
		total := int64(0)
		for _, id := range []string{A.ID, B.ID} {
			c := must(s.Customer(ctx, a, id))
			total += c.AssetsOnLocationCount
			if c.LocationCount+must(s.Customer(ctx, a, otherOf(id, A.ID, B.ID))).LocationCount != workers {
				t.Errorf("location counts do not add up to %d", workers)
			}
		}
		if total != workers {
			t.Errorf("assets on location add up to %d, want %d", total, workers)
		}
	})
}

func otherOf(id, a, b string) string {
	if id == a {
		return b
	}
	return a
}
