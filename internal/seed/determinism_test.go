package seed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestSameSeedSameFleet builds the same fleet twice, into two databases, at two different
// moments (days and a fraction of a second apart), and compares a canonical dump of everything
// it holds: every customer, location, contact and asset with all their fields (names, serial
// numbers, coordinates, who owns what and where it stands), and every audit event (the history
// of every asset). Ids are compared by their order and times by their distance from the
// moment of the build, so the two must be equal line for line: a newcomer who starts the demo
// twice sees the same fleet.
func TestSameSeedSameFleet(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s1 *store.Store) {
		s2 := storetest.Open(t, s1.Engine())
		opts := seed.Options{Org: "Same Fleet", Assets: 300, History: 2, Seed: 42}
		o1, o2 := opts, opts
		o1.Now = time.Date(2026, 6, 1, 12, 0, 0, 123456789, time.UTC)
		o2.Now = o1.Now.Add(49*time.Hour + 987654321*time.Nanosecond)
		d1, d2 := dumpFleet(t, s1, o1), dumpFleet(t, s2, o2)
		if len(d1) < 1000 {
			t.Fatalf("the dump has only %d lines", len(d1))
		}
		for i := range min(len(d1), len(d2)) {
			if d1[i] != d2[i] {
				t.Fatalf("the two builds differ at line %d of %d:\n first: %s\nsecond: %s", i, len(d1), d1[i], d2[i])
			}
		}
		if len(d1) != len(d2) {
			t.Fatalf("the two builds have %d and %d lines", len(d1), len(d2))
		}
		// Another seed is another fleet.
		o3 := o1
		o3.Seed, o3.Org = 43, "Other Fleet"
		o3.Email = "admin@other.example"
		s3 := storetest.Open(t, s1.Engine())
		d3 := dumpFleet(t, s3, o3)
		same := 0
		for i := range min(len(d1), len(d3)) {
			if d1[i] == d3[i] {
				same++
			}
		}
		if same > len(d1)/2 {
			t.Errorf("seed 43 built %d of %d lines as seed 42 did", same, len(d1))
		}
	})
}

// dumpFleet builds a fleet and returns its canonical dump, one line per object and event.
func dumpFleet(t *testing.T, s *store.Store, o seed.Options) []string {
	t.Helper()
	ctx := context.Background()
	res, err := seed.Build(ctx, s, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Now.Equal(o.Now.Truncate(time.Second)) {
		t.Fatalf("the build ends its history at %v, want %v cut to the second", res.Now, o.Now)
	}
	return dumpAccount(t, s, res.Account.ID, res.Admin.Email, res.Now)
}

// dumpAccount returns the canonical dump of an organization's fleet, read as its Admin.
func dumpAccount(t *testing.T, s *store.Store, accountID, adminEmail string, now time.Time) []string {
	t.Helper()
	ctx := context.Background()
	a := actorFor(t, s, adminEmail)
	var objects []any
	var ids []string
	kinds := map[string]string{}
	add := func(kind, id string, v any) {
		ids = append(ids, id)
		kinds[id] = kind
		objects = append(objects, v)
	}
	all := steward.ListParams{Status: steward.StatusAll, Limit: steward.MaxLimit}
	for p := all; ; {
		page, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Data {
			add("customer", c.ID, c)
		}
		if page.NextCursor == nil {
			break
		}
		p.Cursor = *page.NextCursor
	}
	for p := all; ; {
		page, err := s.Locations(ctx, a, steward.LocationFilter{ListParams: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page.Data {
			add("location", l.ID, l)
		}
		if page.NextCursor == nil {
			break
		}
		p.Cursor = *page.NextCursor
	}
	for p := all; ; {
		page, err := s.Contacts(ctx, a, steward.ContactFilter{ListParams: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Data {
			add("contact", c.ID, c)
		}
		if page.NextCursor == nil {
			break
		}
		p.Cursor = *page.NextCursor
	}
	for p := all; ; {
		page, err := s.Assets(ctx, a, steward.AssetFilter{ListParams: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Data {
			add("asset", x.ID, x)
		}
		if page.NextCursor == nil {
			break
		}
		p.Cursor = *page.NextCursor
	}
	for f := (steward.AuditFilter{Limit: steward.MaxLimit}); ; {
		page, err := s.AuditEvents(ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Data {
			// The organization and its Admin are made at the wall clock's time, with random ids,
			// by the same call init makes; the fleet is what the seed generates.
			if e.ObjectType == steward.ObjectAccount || e.ObjectType == steward.ObjectUser || e.ObjectType == steward.ObjectAPIKey {
				continue
			}
			add("event", e.ID, e)
		}
		if page.NextCursor == nil {
			break
		}
		f.Cursor = *page.NextCursor
	}
	// Ids become their kind and rank in id order: generated ids are time-ordered, so the rank
	// is what must not change between builds.
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	alias := map[string]string{accountID: "account"}
	for i, id := range sorted {
		if _, dup := alias[id]; dup {
			t.Fatalf("id %s appears twice", id)
		}
		alias[id] = fmt.Sprintf("%s#%d", kinds[id], i)
	}
	lines := make([]string, 0, len(objects))
	for i, v := range objects {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		line, err := json.Marshal(canonical(m, alias, now))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, alias[ids[i]]+" "+string(line))
	}
	sort.Strings(lines)
	return lines
}

// canonical replaces ids by their alias and times by their distance from now.
func canonical(v any, alias map[string]string, now time.Time) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = canonical(x, alias, now)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = canonical(x, alias, now)
		}
		return v
	case string:
		if a, ok := alias[v]; ok {
			return a
		}
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
			return fmt.Sprintf("now-%dus", now.Sub(at).Microseconds())
		}
	}
	return v
}

// adminActor authenticates as the Admin of a built fleet.
func adminActor(t *testing.T, s *store.Store, res *seed.Result) *steward.Actor {
	t.Helper()
	return actorFor(t, s, res.Admin.Email)
}

// actorFor authenticates as the user with this email, through a new API key.
func actorFor(t *testing.T, s *store.Store, email string) *steward.Actor {
	t.Helper()
	ctx := context.Background()
	k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "dump"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate(ctx, k.Key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestFleetReadsTrue checks what a newcomer reads in the demo: sites lie in the city of their
// address, every generated event is the one initial import (one actor, one source), and the
// Admin has a person's name, not a role's.
func TestFleetReadsTrue(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		res, err := seed.Build(ctx, s, seed.Options{Org: "True Fleet", Assets: 600, History: 2, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Admin.Name != seed.DefaultAdminName || strings.Contains(strings.ToLower(res.Admin.Name), "admin") {
			t.Errorf("the Admin is named %q, want a person's name (%q)", res.Admin.Name, seed.DefaultAdminName)
		}
		a := adminActor(t, s, res)

		// Each city's centre, from an atlas (not from the generator's table).
		centres := map[string][2]float64{"Köln": {50.94, 6.96}, "München": {48.14, 11.58}, "Berlin": {52.52, 13.40},
			"Wien": {48.21, 16.37}, "Kraków": {50.06, 19.94}, "São Paulo": {-23.55, -46.63}, "Tōkyō": {35.68, 139.65},
			"Reykjavík": {64.15, -21.94}, "Chicago": {41.88, -87.63}, "Lyon": {45.76, 4.84}}
		byCity := map[string][][2]float64{}
		checked := 0
		for p := (steward.ListParams{Status: steward.StatusAll, Limit: steward.MaxLimit}); ; {
			page, err := s.Locations(ctx, a, steward.LocationFilter{ListParams: p})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range page.Data {
				if l.Latitude == nil || l.Longitude == nil {
					t.Fatalf("location %q has no coordinates", l.Name)
				}
				at := [2]float64{*l.Latitude, *l.Longitude}
				byCity[l.Address.City] = append(byCity[l.Address.City], at)
				if c, ok := centres[l.Address.City]; ok {
					checked++
					if math.Abs(at[0]-c[0]) > 0.1 || math.Abs(at[1]-c[1]) > 0.1 {
						t.Errorf("%q in %s is at %v, %s is at %v", l.Name, l.Address.City, at, l.Address.City, c)
					}
				}
			}
			if page.NextCursor == nil {
				break
			}
			p.Cursor = *page.NextCursor
		}
		if checked < 20 {
			t.Fatalf("only %d locations in the cities checked", checked)
		}
		// Every city's sites lie together (within about 10 km of each other).
		for city, pts := range byCity {
			for _, p := range pts {
				if math.Abs(p[0]-pts[0][0]) > 0.1 || math.Abs(p[1]-pts[0][1]) > 0.15 {
					t.Errorf("two sites in %s are at %v and %v", city, pts[0], p)
					break
				}
			}
		}

		sources := map[string]int{}
		for f := (steward.AuditFilter{Limit: steward.MaxLimit}); ; {
			page, err := s.AuditEvents(ctx, a, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Data {
				if e.ObjectType == steward.ObjectAccount || e.ObjectType == steward.ObjectUser || e.ObjectType == steward.ObjectAPIKey {
					continue
				}
				sources[fmt.Sprintf("%s %s %q %s", e.Actor.Type, e.Actor.ID, e.Actor.Name, e.Source)]++
			}
			if page.NextCursor == nil {
				break
			}
			f.Cursor = *page.NextCursor
		}
		want := fmt.Sprintf("%s seed %q %s", steward.ActorImport, seed.ImportActorName, steward.SourceImport)
		if len(sources) != 1 || sources[want] != res.Audit {
			t.Errorf("the generated events' actors and sources: %v, want all %d as %s", sources, res.Audit, want)
		}

		named, err := seed.Build(ctx, storetest.Open(t, s.Engine()), seed.Options{Org: "Named", AdminName: "Ana Ibáñez", Assets: 10, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if named.Admin.Name != "Ana Ibáñez" {
			t.Errorf("AdminName gave an Admin named %q", named.Admin.Name)
		}
	})
}
