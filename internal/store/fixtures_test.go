package store_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// --- object helpers ---

func mkCustomer(t *testing.T, s *store.Store, a *steward.Actor, name string) *steward.Customer {
	t.Helper()
	return must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: name}))
}

func mkContact(t *testing.T, s *store.Store, a *steward.Actor, customerID, name string) *steward.Contact {
	t.Helper()
	return must(s.CreateContact(ctx, a, customerID, steward.ContactFields{Name: name}))
}

// mkLocation creates a location of customerID, or one of the account's own when customerID is "".
func mkLocation(t *testing.T, s *store.Store, a *steward.Actor, customerID, name string) *steward.Location {
	t.Helper()
	f := steward.LocationFields{Name: name}
	if customerID != "" {
		f.CustomerID = &customerID
	}
	return must(s.CreateLocation(ctx, a, f))
}

// mkAsset creates an asset owned by owner ("" for none) at location loc ("" for none).
func mkAsset(t *testing.T, s *store.Store, a *steward.Actor, name, owner, loc string) *steward.Asset {
	t.Helper()
	f := steward.AssetFields{Name: name}
	if owner != "" {
		f.OwnerCustomerID = &owner
	}
	if loc != "" {
		f.LocationID = &loc
	}
	return must(s.CreateAsset(ctx, a, f))
}

// --- list helpers: fetch every page ---

// pageAll follows cursors until the end, failing on a page over limit or a repeated id.
func pageAll[T any](t *testing.T, limit int, id func(T) string, get func(cursor string) (*steward.Page[T], error)) []T {
	t.Helper()
	var out []T
	seen := map[string]bool{}
	cursor := ""
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("paging does not end")
		}
		p, err := get(cursor)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if limit > 0 && len(p.Data) > limit {
			t.Fatalf("page %d has %d rows, limit %d", i, len(p.Data), limit)
		}
		for _, v := range p.Data {
			if seen[id(v)] {
				t.Fatalf("page %d repeats %s", i, id(v))
			}
			seen[id(v)] = true
			out = append(out, v)
		}
		if p.NextCursor == nil {
			return out
		}
		if len(p.Data) == 0 {
			t.Fatalf("page %d is empty but has a next cursor", i)
		}
		cursor = *p.NextCursor
	}
}

func allCustomers(t *testing.T, s *store.Store, a *steward.Actor, f steward.CustomerFilter) []steward.Customer {
	t.Helper()
	return pageAll(t, f.Limit, func(c steward.Customer) string { return c.ID }, func(cur string) (*steward.Page[steward.Customer], error) {
		f.Cursor = cur
		return s.Customers(ctx, a, f)
	})
}

func allContacts(t *testing.T, s *store.Store, a *steward.Actor, f steward.ContactFilter) []steward.Contact {
	t.Helper()
	return pageAll(t, f.Limit, func(c steward.Contact) string { return c.ID }, func(cur string) (*steward.Page[steward.Contact], error) {
		f.Cursor = cur
		return s.Contacts(ctx, a, f)
	})
}

func allLocations(t *testing.T, s *store.Store, a *steward.Actor, f steward.LocationFilter) []steward.Location {
	t.Helper()
	return pageAll(t, f.Limit, func(l steward.Location) string { return l.ID }, func(cur string) (*steward.Page[steward.Location], error) {
		f.Cursor = cur
		return s.Locations(ctx, a, f)
	})
}

func allAssets(t *testing.T, s *store.Store, a *steward.Actor, f steward.AssetFilter) []steward.Asset {
	t.Helper()
	return pageAll(t, f.Limit, func(x steward.Asset) string { return x.ID }, func(cur string) (*steward.Page[steward.Asset], error) {
		f.Cursor = cur
		return s.Assets(ctx, a, f)
	})
}

func allAudit(t *testing.T, s *store.Store, a *steward.Actor, f steward.AuditFilter) []steward.AuditEvent {
	t.Helper()
	return pageAll(t, f.Limit, func(e steward.AuditEvent) string { return e.ID }, func(cur string) (*steward.Page[steward.AuditEvent], error) {
		f.Cursor = cur
		return s.AuditEvents(ctx, a, f)
	})
}

// names returns the Name of each element, for readable comparisons.
func customerNames(cs []steward.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func contactNames(cs []steward.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func locationNames(ls []steward.Location) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

func assetNames(xs []steward.Asset) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.Name
	}
	return out
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func sameSet(a, b []string) bool {
	return fmt.Sprint(sortedCopy(a)) == fmt.Sprint(sortedCopy(b))
}

func equalStrings(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// testFold is the test's own idea of "folded text": lower case, accents removed. Used only to
// compute expected orders of plain Latin text.
func testFold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		return strings.ToLower(s)
	}
	return strings.ToLower(out)
}

// auditFor returns every audit event of one object, newest first.
func auditFor(t *testing.T, s *store.Store, a *steward.Actor, objectID string) []steward.AuditEvent {
	t.Helper()
	return allAudit(t, s, a, steward.AuditFilter{ObjectID: objectID})
}

// changeOf returns the change of field in e, or nil.
func changeOf(e steward.AuditEvent, field string) *steward.Change {
	for i := range e.Changes {
		if e.Changes[i].Field == field {
			return &e.Changes[i]
		}
	}
	return nil
}

func changeFields(e steward.AuditEvent) []string {
	out := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		out[i] = c.Field
	}
	return out
}

func label(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// assertNoMismatch fails when the stored counts of the org's account differ from a recount.
func assertNoMismatch(t *testing.T, s *store.Store, accountID string) {
	t.Helper()
	m, err := s.CountMismatches(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	if m != (store.Mismatches{}) {
		t.Fatalf("CountMismatches = %+v; want none", m)
	}
}
