package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// namesOrg creates an organization of its own and returns its Admin (through an API key).
func namesOrg(t *testing.T, s *store.Store) *steward.Actor {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	email := "names-" + hex.EncodeToString(b) + "@example.com"
	bg := context.Background()
	if _, _, err := s.CreateOrganization(bg, steward.Organization{Name: "Org " + email, Email: email, Country: "DE",
		AdminName: "Ada Admin", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateAPIKeyForEmail(bg, email, steward.APIKeyFields{Name: "admin key"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate(bg, k.Key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestNames: a page's customers and locations are resolved in one call, archived ones marked,
// and another account's ids, malformed ids and unknown ids are never resolved.
func TestNames(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			s, _ := storetest.Shared(t, engine)
			bg := context.Background()
			a, other := namesOrg(t, s), namesOrg(t, s)
			c1, err := s.CreateCustomer(bg, a, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			c2, err := s.CreateCustomer(bg, a, steward.CustomerFields{Name: "Bagger GmbH"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetCustomerArchived(bg, a, c2.ID, 0, true); err != nil {
				t.Fatal(err)
			}
			l1, err := s.CreateLocation(bg, a, steward.LocationFields{Name: "Yard", CustomerID: &c1.ID})
			if err != nil {
				t.Fatal(err)
			}
			oc, err := s.CreateCustomer(bg, other, steward.CustomerFields{Name: "Secret Customer"})
			if err != nil {
				t.Fatal(err)
			}
			ol, err := s.CreateLocation(bg, other, steward.LocationFields{Name: "Secret Yard"})
			if err != nil {
				t.Fatal(err)
			}

			unknown := "01900000-0000-7000-8000-000000000000"
			cs, ls, err := s.Names(bg, a, []string{c1.ID, c2.ID, c1.ID, "", oc.ID, "not-an-id", unknown, ol.ID, l1.ID},
				[]string{l1.ID, ol.ID, c1.ID, "' OR 1=1 --"})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 2 || cs[c1.ID] != (steward.Ref{ID: c1.ID, Name: "Kran AG"}) ||
				cs[c2.ID] != (steward.Ref{ID: c2.ID, Name: "Bagger GmbH", Archived: true}) {
				t.Errorf("customers = %+v", cs)
			}
			if len(ls) != 1 || ls[l1.ID] != (steward.Ref{ID: l1.ID, Name: "Yard"}) {
				t.Errorf("locations = %+v", ls)
			}
			// The other account sees its own, never ours.
			cs, ls, err = s.Names(bg, other, []string{c1.ID, oc.ID}, []string{l1.ID, ol.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 || cs[oc.ID].Name != "Secret Customer" || len(ls) != 1 || ls[ol.ID].Name != "Secret Yard" {
				t.Errorf("the other account's names: %+v %+v", cs, ls)
			}
			// Nothing asked, nothing read.
			if cs, ls, err = s.Names(bg, a, nil, nil); err != nil || len(cs) != 0 || len(ls) != 0 {
				t.Errorf("no ids: %v %v %v", cs, ls, err)
			}
			// More than a page's worth is a field error.
			many := make([]string, steward.MaxNames+1)
			for i := range many {
				many[i] = strings.Replace(unknown, "0000-0000-7000", "0000-"+hexN(i)+"-7000", 1)
			}
			var e *steward.Error
			if _, _, err := s.Names(bg, a, nil, many); !errors.As(err, &e) || e.Code != steward.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "location_ids" {
				t.Errorf("too many ids: %v", err)
			}
			if _, _, err := s.Names(bg, a, many[:steward.MaxNames], many[:steward.MaxNames]); err != nil {
				t.Errorf("a page's worth of ids: %v", err)
			}
		})
	}
}

func hexN(i int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[i>>12&15], digits[i>>8&15], digits[i>>4&15], digits[i&15]})
}
