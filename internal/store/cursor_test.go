package store_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// forge rewrites a cursor the server issued as an attacker would: its encoding is not secret, so
// the filters' signature stays right and only the values change. raw replaces the whole JSON.
func forge(t *testing.T, issued string, edit func(m map[string]any)) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(issued)
	if err != nil {
		t.Fatalf("issued cursor %q: %v", issued, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("issued cursor %q: %v", b, err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// forgeRaw replaces one JSON member's value with raw bytes (which need not be valid UTF-8).
func forgeRaw(t *testing.T, issued, member, raw string) string {
	t.Helper()
	b, _ := base64.RawURLEncoding.DecodeString(issued)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	parts := []string{}
	for k, v := range m {
		if k == member {
			v = json.RawMessage(raw)
		}
		parts = append(parts, `"`+k+`":`+string(v))
	}
	return base64.RawURLEncoding.EncodeToString([]byte("{" + strings.Join(parts, ",") + "}"))
}

// forgeries are the hostile versions of an issued cursor. Every one must be a 422 on cursor:
// PostgreSQL refuses NUL and invalid UTF-8 outright, so one reaching a query is a 500.
func forgeries(t *testing.T, issued string) map[string]string {
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	return map[string]string{
		"NUL in the key":          forge(t, issued, set("k", "Acme\x00")),
		"NUL in the id":           forge(t, issued, set("i", "0190a5c4-0000-7000-8000-00000000000\x00")),
		"control in the key":      forge(t, issued, set("k", "a\x1bb")),
		"invalid UTF-8 key":       forgeRaw(t, issued, "k", "\"a\xff\xfeb\""),
		"invalid UTF-8 id":        forgeRaw(t, issued, "i", "\"\xc3\x28\""),
		"key of the wrong type":   forge(t, issued, set("k", 12)),
		"key an object":           forge(t, issued, set("k", map[string]any{"a": 1})),
		"id of the wrong type":    forge(t, issued, set("i", true)),
		"id not an id":            forge(t, issued, set("i", "' OR 1=1 --")),
		"id too long":             forge(t, issued, set("i", strings.Repeat("a", 65))),
		"empty id":                forge(t, issued, set("i", "")),
		"oversized":               issued + strings.Repeat("A", 4096),
		"not JSON":                base64.RawURLEncoding.EncodeToString([]byte("\x00\x01")),
		"JSON array":              base64.RawURLEncoding.EncodeToString([]byte(`["a","b"]`)),
		"not base64":              "%%%",
		"padded base64 of a good": base64.URLEncoding.EncodeToString([]byte(`{"s":"x","k":"a","i":"b"}`)) + "==",
	}
}

func TestForgedCursors(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c1 := mkCustomer(t, s, a, "Acme One")
		mkCustomer(t, s, a, "Acme Two")
		mkCustomer(t, s, a, "Acme Three")
		loc := mkLocation(t, s, a, c1.ID, "Yard")
		mkLocation(t, s, a, c1.ID, "Depot")
		x := mkAsset(t, s, a, "Digger", c1.ID, loc.ID)
		for i := 0; i < 2; i++ {
			must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error {
				f.OwnerCustomerID = nil
				if i == 1 {
					f.OwnerCustomerID = &c1.ID
				}
				return nil
			}))
		}

		// One issued cursor per kind of key: a folded name, a count, a time, and the movements'.
		lists := map[string]struct {
			first func() *string
			next  func(cursor string) error
		}{
			"customers by name": {
				first: func() *string {
					return must(s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 1}})).NextCursor
				},
				next: func(c string) error {
					_, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 1, Cursor: c}})
					return err
				},
			},
			"locations by asset_count": {
				first: func() *string {
					return must(s.Locations(ctx, a, steward.LocationFilter{ListParams: steward.ListParams{Limit: 1, Sort: "-asset_count"}})).NextCursor
				},
				next: func(c string) error {
					_, err := s.Locations(ctx, a, steward.LocationFilter{ListParams: steward.ListParams{Limit: 1, Sort: "-asset_count", Cursor: c}})
					return err
				},
			},
			"audit": {
				first: func() *string {
					return must(s.AuditEvents(ctx, a, steward.AuditFilter{CustomerID: c1.ID, Limit: 1})).NextCursor
				},
				next: func(c string) error {
					_, err := s.AuditEvents(ctx, a, steward.AuditFilter{CustomerID: c1.ID, Limit: 1, Cursor: c})
					return err
				},
			},
			"movements": {
				first: func() *string {
					return must(s.AssetMovements(ctx, a, x.ID, steward.ListParams{Limit: 1})).NextCursor
				},
				next: func(c string) error {
					_, err := s.AssetMovements(ctx, a, x.ID, steward.ListParams{Limit: 1, Cursor: c})
					return err
				},
			},
		}
		for name, l := range lists {
			t.Run(name, func(t *testing.T) {
				issued := l.first()
				if issued == nil {
					t.Fatal("no next cursor on a first page of 1")
				}
				ok(t, l.next(*issued)) // the real one still works
				for what, forged := range forgeries(t, *issued) {
					if err := l.next(forged); asError(err) == nil || asError(err).Code != steward.EINVALID {
						t.Errorf("%s: %v, want a 422 on cursor", what, err)
					} else {
						wantField(t, err, steward.EINVALID, "cursor")
					}
				}
			})
		}
		// A numeric list refuses a text key, and the movements' key its own malformed forms.
		num := must(s.AuditEvents(ctx, a, steward.AuditFilter{CustomerID: c1.ID, Limit: 1})).NextCursor
		_, err := s.AuditEvents(ctx, a, steward.AuditFilter{CustomerID: c1.ID, Limit: 1,
			Cursor: forge(t, *num, func(m map[string]any) { m["k"] = "9e99" })})
		wantField(t, err, steward.EINVALID, "cursor")
		mv := must(s.AssetMovements(ctx, a, x.ID, steward.ListParams{Limit: 1})).NextCursor
		for _, k := range []string{"1/-1", "1", "x/1", "1/1/1"} {
			_, err := s.AssetMovements(ctx, a, x.ID, steward.ListParams{Limit: 1,
				Cursor: forge(t, *mv, func(m map[string]any) { m["k"] = k })})
			wantField(t, err, steward.EINVALID, "cursor")
		}
	})
}
