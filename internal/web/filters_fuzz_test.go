package web

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
)

// fuzzLists are the lists whose query the fuzz target sends; the fake service records what
// reached it.
var fuzzLists = []string{"/api/v1/customers", "/api/v1/contacts", "/api/v1/locations", "/api/v1/assets",
	"/api/v1/audit", "/api/v1/audit.csv", "/api/v1/assets/a1/movements"}

var fuzzIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// FuzzListQuery sends arbitrary query strings to every list through the real handlers. A query
// is refused (400 malformed, 422 naming only parameters the list documents) or what reaches the
// service is clean: valid UTF-8 without control characters, enums among their values, ids of
// the form ids have, limits within bounds.
// Run briefly in CI: go test -run '^$' -fuzz FuzzListQuery -fuzztime 10s ./internal/web/
func FuzzListQuery(f *testing.F) {
	const customers, contacts, locations, assets, audit, auditCSV, movements = 0, 1, 2, 3, 4, 5, 6
	for _, seed := range []struct {
		list  uint8
		query string
	}{
		{customers, ""}, {customers, "limit=10&cursor=abc"}, {customers, "q=m%C3%BCller&status=all&sort=-name"},
		{customers, "type=oem"}, {customers, "type=bogus"}, {customers, "status=deleted"}, {customers, "sort=-"},
		{customers, "sort=--name"}, {customers, "status=active&status=all"}, {customers, "sort=name%00"},
		{customers, "limit=0"}, {customers, "limit=501"}, {customers, "limit=-1"}, {customers, "limit=1e3"},
		{customers, "q=%zz"}, {customers, "a=1&a=2"},
		{contacts, "customer_id=c1"}, {contacts, "customer_id=%00"}, {contacts, "customer_id=%FF"},
		{contacts, "customer_id=a%20b"},
		{locations, "own=true&customer_id=c1"}, {locations, "own=true"}, {locations, "customer_id=x%27"},
		{assets, "owner_customer_id=c1&location_id=l1&location_customer_id=c2&group_id=g1"},
		{assets, "location_id=%C3%A9"}, {assets, "group_id=" + strings.Repeat("g", 65)},
		{audit, "object_type=api_key&action=revoke&source=api"}, {audit, "object_type=bogus"},
		{audit, "action=bogus"}, {audit, "source=bogus"}, {audit, "object_id=x%27%20OR%20%271%27%3D%271"},
		{audit, "from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00+02:00"}, {audit, "from=9999-12-31T23:59:59-23:59"},
		{auditCSV, "object_type=bogus"}, {auditCSV, "customer_id=%E2%80%8B"},
		{movements, "limit=3&cursor=z"}, {movements, "cursor=%00"},
	} {
		f.Add(seed.list, seed.query)
	}
	// One server for the whole run: a fuzz worker calls the function one input at a time.
	svc := newFakeService()
	srv := New(svc, slog.New(slog.DiscardHandler), Options{})
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		svc.lastQuery = nil
		path := fuzzLists[int(which)%len(fuzzLists)]
		// The raw query goes in as it is, whatever its bytes: no client library stands between
		// an attacker and the server.
		req := httptest.NewRequest("GET", path, nil)
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
		case 400:
			return
		case 422:
			var p struct {
				Errors []steward.FieldError `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || len(p.Errors) == 0 {
				t.Fatalf("%s?%s: 422 without field errors: %s", path, query, rec.Body)
			}
			return
		default:
			t.Fatalf("%s?%s: status %d: %s", path, query, rec.Code, rec.Body)
		}
		checkReached(t, path+"?"+query, svc.lastQuery)
	})
}

// checkReached asserts that a filter the handler passed on holds only values a list can take.
func checkReached(t *testing.T, what string, filter any) {
	t.Helper()
	clean := func(name, s string) {
		if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
			t.Fatalf("%s: %s %q reached the service", what, name, s)
		}
	}
	id := func(name, s string) {
		if s != "" && !fuzzIDRE.MatchString(s) {
			t.Fatalf("%s: %s %q is not an id but reached the service", what, name, s)
		}
	}
	list := func(p steward.ListParams, sorts []string) {
		clean("q", p.Q)
		clean("cursor", p.Cursor)
		if !slices.Contains(p.Status.Values(), p.Status) {
			t.Fatalf("%s: status %q reached the service", what, p.Status)
		}
		if name, _ := strings.CutPrefix(p.Sort, "-"); p.Sort != "" && !slices.Contains(sorts, name) {
			t.Fatalf("%s: sort %q reached the service", what, p.Sort)
		}
		if p.Limit < 1 || p.Limit > steward.MaxLimit {
			t.Fatalf("%s: limit %d reached the service", what, p.Limit)
		}
	}
	switch f := filter.(type) {
	case steward.CustomerFilter:
		list(f.ListParams, steward.CustomerSorts)
		if f.Type != "" && !slices.Contains(f.Type.Values(), f.Type) {
			t.Fatalf("%s: type %q reached the service", what, f.Type)
		}
	case steward.ContactFilter:
		list(f.ListParams, steward.ContactSorts)
		id("customer_id", f.CustomerID)
	case steward.LocationFilter:
		list(f.ListParams, steward.LocationSorts)
		id("customer_id", f.CustomerID)
		if f.Own && f.CustomerID != "" {
			t.Fatalf("%s: own and customer_id reached the service together", what)
		}
	case steward.AssetFilter:
		list(f.ListParams, steward.AssetSorts)
		id("owner_customer_id", f.OwnerCustomerID)
		id("location_id", f.LocationID)
		id("location_customer_id", f.LocationCustomerID)
		id("group_id", f.GroupID)
	case steward.AuditFilter:
		for name, v := range map[string]struct {
			value   string
			allowed []string
		}{"object_type": {f.ObjectType, steward.ObjectTypes()}, "action": {f.Action, steward.AuditActions()},
			"source": {string(f.Source), []string{"web", "api", "import", "system"}}} {
			if v.value != "" && !slices.Contains(v.allowed, v.value) {
				t.Fatalf("%s: %s %q reached the service", what, name, v.value)
			}
		}
		id("object_id", f.ObjectID)
		id("customer_id", f.CustomerID)
		clean("actor_id", f.ActorID)
		clean("cursor", f.Cursor)
		if f.From != nil && f.To != nil && !f.To.After(f.From.Time) {
			t.Fatalf("%s: to %v not after from %v reached the service", what, f.To, f.From)
		}
		if f.Limit < 0 || f.Limit > steward.MaxLimit {
			t.Fatalf("%s: limit %d reached the service", what, f.Limit)
		}
	case steward.ListParams:
		clean("cursor", f.Cursor)
		if f.Limit < 1 || f.Limit > steward.MaxLimit {
			t.Fatalf("%s: limit %d reached the service", what, f.Limit)
		}
	case nil:
		// A route that answered without asking the service (none today).
	default:
		t.Fatalf("%s: unexpected filter %T", what, filter)
	}
}
