package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

const exportsPath = "/api/v1/exports/"

// readExport gets an export as c and returns its records, checking the response's headers.
func readExport(t *testing.T, c *apiClient, file, query string) [][]string {
	t.Helper()
	r := c.get(t, exportsPath+file+query).want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", file, ct)
	}
	kind := strings.TrimSuffix(file, ".csv")
	today, yesterday := time.Now().UTC(), time.Now().UTC().Add(-time.Minute) // a run across midnight
	cd := r.Header.Get("Content-Disposition")
	if cd != `attachment; filename="`+kind+"-"+today.Format("20060102")+`.csv"` &&
		cd != `attachment; filename="`+kind+"-"+yesterday.Format("20060102")+`.csv"` {
		t.Errorf("%s: Content-Disposition %q", file, cd)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v\n%s", file, err, r.Raw)
	}
	if len(recs) == 0 {
		t.Fatalf("%s has no header row", file)
	}
	return recs
}

// csvLine is one line of the expected file, quoted as encoding/csv (RFC 4180) quotes.
func csvLine(cells ...string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(cells)
	w.Flush()
	return b.String()
}

func TestAPIExports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		// A small fleet with what a spreadsheet would misread: a formula, phone numbers starting
		// with "+", a negative latitude, quotes and line breaks in notes, a nested address.
		notes := "Gate code \"4711\", ring twice\nthen wait"
		c := e.admin.create(t, customersPath, obj{"name": "=SUM(A1)", "type": "dealer", "external_ref": "C-1",
			"email": "office@sum.example", "phone": "+49 30 1234567", "website": "https://sum.example",
			"address": obj{"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin", "country": "DE"}, "notes": notes})
		cID := str(c, "id")
		b := e.admin.create(t, customersPath, obj{"name": "Beta GmbH"})
		ct := e.admin.create(t, customersPath+"/"+cID+"/contacts", obj{"name": "@mention", "kind": "department", "phone": "+1 555 0100"})
		loc := e.admin.create(t, locationsPath, obj{"name": "Sydney Yard", "customer_id": cID, "latitude": -33.8688, "longitude": 151.2093, "radius_m": 250})
		locID := str(loc, "id")
		a1 := e.admin.create(t, assetsPath, obj{"name": "Pump", "serial_number": "-SN-1", "make": "Acme", "year": 2020,
			"owner_customer_id": cID, "location_id": locID})
		a2 := e.admin.create(t, assetsPath, obj{"name": "Crane"})
		g := e.admin.create(t, groupsPath, obj{"name": "North", "description": "Tab\tseparated"})
		e.admin.post(t, groupsPath+"/"+str(g, "id")+"/assets", obj{"asset_ids": []string{str(a1, "id")}}).want(t, 204)
		// Re-read: counts and updated_at moved with the later writes.
		c = e.admin.get(t, customersPath+"/"+cID).want(t, 200).obj()
		loc = e.admin.get(t, locationsPath+"/"+locID).want(t, 200).obj()
		g = e.admin.get(t, groupsPath+"/"+str(g, "id")).want(t, 200).obj()
		meta := func(o obj) []string { return []string{str(o, "created_at"), str(o, "updated_at"), ""} }

		exact := func(file, query, want string) {
			t.Helper()
			r := e.user.get(t, exportsPath+file+query).want(t, http.StatusOK)
			if string(r.Raw) != want {
				t.Errorf("%s%s:\n got %q\nwant %q", file, query, r.Raw, want)
			}
		}
		exact("customers.csv", "?sort=name",
			csvLine("id", "name", "type", "external_ref", "email", "phone", "website", "address.street", "address.postal_code",
				"address.city", "address.region", "address.country", "notes", "location_count", "assets_on_location_count",
				"assets_owned_count", "assets_owned_elsewhere_count", "created_at", "updated_at", "archived_at")+
				csvLine(append([]string{cID, "'=SUM(A1)", "dealer", "C-1", "office@sum.example", "'+49 30 1234567", "https://sum.example",
					"Hauptstraße 1", "10115", "Berlin", "", "DE", notes, "1", "1", "1", "0"}, meta(c)...)...)+
				csvLine(append([]string{str(b, "id"), "Beta GmbH", "other", "", "", "", "", "", "", "", "", "", "", "0", "0", "0", "0"}, meta(b)...)...))
		exact("contacts.csv", "",
			csvLine("id", "customer_id", "name", "kind", "email", "phone", "title", "external_ref", "created_at", "updated_at", "archived_at")+
				csvLine(append([]string{str(ct, "id"), cID, "'@mention", "department", "", "'+1 555 0100", "", ""}, meta(ct)...)...))
		exact("locations.csv", "",
			csvLine("id", "name", "customer_id", "external_ref", "address.street", "address.postal_code", "address.city", "address.region",
				"address.country", "latitude", "longitude", "radius_m", "asset_count", "created_at", "updated_at", "archived_at")+
				csvLine(append([]string{locID, "Sydney Yard", cID, "", "", "", "", "", "", "'-33.8688", "151.2093", "250", "1"}, meta(loc)...)...))
		exact("assets.csv", "?sort=name",
			csvLine("id", "name", "serial_number", "external_ref", "make", "model", "category", "year", "owner_customer_id", "location_id",
				"owner_account_id", "location_customer_id", "created_at", "updated_at", "archived_at")+
				csvLine(append([]string{str(a2, "id"), "Crane", "", "", "", "", "", "", "", "", e.accountID, ""}, meta(a2)...)...)+
				csvLine(append([]string{str(a1, "id"), "Pump", "'-SN-1", "", "Acme", "", "", "2020", cID, locID, e.accountID, cID}, meta(a1)...)...))
		exact("groups.csv", "",
			csvLine("id", "name", "description", "asset_count", "user_count", "created_at", "updated_at", "archived_at")+
				csvLine(append([]string{str(g, "id"), "North", "Tab\tseparated", "1", "0"}, meta(g)...)...))

		// The list's filters apply, archive state included; an archived row says since when.
		ids := func(recs [][]string) []string {
			var out []string
			for _, r := range recs[1:] {
				out = append(out, r[0])
			}
			return out
		}
		if got := ids(readExport(t, e.user, "customers.csv", "?type=dealer")); !slices.Equal(got, []string{cID}) {
			t.Errorf("customers.csv?type=dealer: %v", got)
		}
		if got := ids(readExport(t, e.user, "customers.csv", "?q=beta")); !slices.Equal(got, []string{str(b, "id")}) {
			t.Errorf("customers.csv?q=beta: %v", got)
		}
		if got := ids(readExport(t, e.user, "assets.csv", "?owner_customer_id="+cID)); !slices.Equal(got, []string{str(a1, "id")}) {
			t.Errorf("assets.csv?owner_customer_id: %v", got)
		}
		if got := ids(readExport(t, e.user, "assets.csv", "?group_id="+str(g, "id"))); !slices.Equal(got, []string{str(a1, "id")}) {
			t.Errorf("assets.csv?group_id: %v", got)
		}
		if got := ids(readExport(t, e.user, "locations.csv", "?own=true")); len(got) != 0 {
			t.Errorf("locations.csv?own=true: %v", got)
		}
		archived := e.admin.post(t, assetsPath+"/"+str(a2, "id")+"/archive", nil).want(t, 200).obj()
		if got := ids(readExport(t, e.user, "assets.csv", "")); !slices.Equal(got, []string{str(a1, "id")}) {
			t.Errorf("assets.csv (active): %v", got)
		}
		recs := readExport(t, e.user, "assets.csv", "?status=archived")
		if got := ids(recs); !slices.Equal(got, []string{str(a2, "id")}) || recs[1][len(recs[1])-1] != str(archived, "archived_at") {
			t.Errorf("assets.csv?status=archived: %v", recs)
		}
		if got := readExport(t, e.user, "customers.csv", "?q=nothing-matches"); len(got) != 1 {
			t.Errorf("an empty export: %d records, want the header alone", len(got))
		}

		// A user scoped to the group exports the group's assets only, whatever the filters.
		scoped := e.scopedKey(t, str(g, "id"))
		if got := ids(readExport(t, scoped, "assets.csv", "?status=all")); !slices.Equal(got, []string{str(a1, "id")}) {
			t.Errorf("scoped assets.csv: %v", got)
		}
		if got := ids(readExport(t, scoped, "groups.csv", "")); !slices.Equal(got, []string{str(g, "id")}) {
			t.Errorf("scoped groups.csv: %v", got)
		}

		// HEAD runs the checks and builds no body.
		r := e.user.do(t, http.MethodHead, exportsPath+"assets.csv", nil).want(t, http.StatusOK)
		if len(r.Raw) != 0 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("HEAD: %q %q", r.Header.Get("Content-Type"), r.Raw)
		}
		e.user.do(t, http.MethodHead, exportsPath+"assets.csv?location_id="+str(b, "id"), nil).want(t, http.StatusUnprocessableEntity)

		foreign := e.other.create(t, customersPath, obj{"name": "Elsewhere"})
		runScenarios(t, []scenario{
			{name: "no limit", as: e.user, method: "GET", path: exportsPath + "assets.csv?limit=10", want: 422, field: "limit"},
			{name: "no cursor", as: e.user, method: "GET", path: exportsPath + "customers.csv?cursor=abc", want: 422, field: "cursor"},
			{name: "bad type", as: e.user, method: "GET", path: exportsPath + "customers.csv?type=pirate", want: 422, field: "type"},
			{name: "bad sort", as: e.user, method: "GET", path: exportsPath + "locations.csv?sort=color", want: 422, field: "sort"},
			{name: "bad status", as: e.user, method: "GET", path: exportsPath + "groups.csv?status=gone", want: 422, field: "status"},
			{name: "bad own", as: e.user, method: "GET", path: exportsPath + "locations.csv?own=maybe", want: 422, field: "own"},
			{name: "not an id", as: e.user, method: "GET", path: exportsPath + "contacts.csv?customer_id=a%20b", want: 422, field: "customer_id"},
			{name: "shared side takes no references", as: e.user, method: "GET",
				path: exportsPath + "assets.csv?ownership=shared&location_id=" + locID, want: 422, field: "location_id"},
			{name: "another organization's customer", as: e.user, method: "GET",
				path: exportsPath + "assets.csv?owner_customer_id=" + str(foreign, "id"), want: 422, field: "owner_customer_id"},
			{name: "a customer id as a location", as: e.user, method: "GET",
				path: exportsPath + "assets.csv?location_id=" + cID, want: 422, field: "location_id"},
			{name: "needs a key", as: e.anonymous(), method: "GET", path: exportsPath + "assets.csv", want: 401},
			{name: "unknown kind", as: e.user.probing(), method: "GET", path: exportsPath + "widgets.csv", want: 404},
			{name: "users are not exported", as: e.admin.probing(), method: "GET", path: exportsPath + "users.csv", want: 404},
		})
		// Every role reads; no response names the other organization.
		for _, cl := range []*apiClient{e.admin, e.fleet, e.user, e.tech, e.integ} {
			for _, file := range []string{"customers.csv", "contacts.csv", "locations.csv", "assets.csv", "groups.csv"} {
				r := cl.get(t, exportsPath+file+"?status=all").want(t, http.StatusOK)
				if strings.Contains(string(r.Raw), "Elsewhere") || strings.Contains(string(r.Raw), str(foreign, "id")) {
					t.Errorf("%s as %s names another organization", file, cl.name)
				}
			}
		}
	})
}

// TestAPIExportPages exports more than one page of the list: the rows are the list's, in its
// order, none skipped or repeated where the pages meet.
func TestAPIExportPages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		admin, err := e.store.Authenticate(ctx, e.admin.key)
		if err != nil {
			t.Fatal(err)
		}
		n := steward.MaxLimit + 21
		for i := range n {
			// Names repeat, so the pages meet inside a run of equal sort keys.
			if _, err := e.store.CreateAsset(ctx, admin, steward.AssetFields{Name: fmt.Sprintf("Unit %d", i%7)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, sort := range []string{"", "?sort=-name"} {
			var want []string
			for _, o := range e.admin.walk(t, assetsPath+sort, steward.MaxLimit) {
				want = append(want, str(o, "id"))
			}
			recs := readExport(t, e.user, "assets.csv", sort)
			var got []string
			for _, r := range recs[1:] {
				got = append(got, r[0])
			}
			if len(want) != n || !slices.Equal(got, want) {
				t.Errorf("assets.csv%s: %d rows, the list %d (of %d); the same order: %v", sort, len(got), len(want), n, slices.Equal(got, want))
			}
		}
	})
}
