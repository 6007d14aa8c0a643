package web_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

const assetsPath = "/api/v1/assets"

var assetKeys = []string{"id", "owner_account_id", "name", "serial_number", "external_ref", "make", "model", "category",
	"year", "owner_customer_id", "location_id", "created_at", "updated_at", "archived_at"}

func TestAPIAssets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		cust := e.admin.create(t, customersPath, obj{"name": "Kraft Bau"})
		custID := str(cust, "id")
		site := e.admin.create(t, locationsPath, obj{"name": "Kraft Site", "customer_id": custID})
		depot := e.admin.create(t, locationsPath, obj{"name": "Home Depot"})
		foreignCust := e.other.create(t, customersPath, obj{"name": "Globex Customer"})
		foreignLoc := e.other.create(t, locationsPath, obj{"name": "Globex Yard"})

		var ex obj
		runScenarios(t, []scenario{
			{name: "create with every field", as: e.admin, method: "POST", path: assetsPath, want: 201,
				body: obj{"name": "Excavator 320", "serial_number": " SN-X-7781 ", "external_ref": "ERP-1", "make": "Caterpillar",
					"model": "320", "category": "Excavator", "year": 2021, "owner_customer_id": custID, "location_id": str(site, "id")},
				check: func(t *testing.T, r *result) {
					ex = r.obj()
					requireKeys(t, "asset", ex, assetKeys...)
					checkMeta(t, "asset", ex, false)
					if str(ex, "owner_account_id") != e.accountID || str(ex, "serial_number") != "SN-X-7781" || num(ex, "year") != 2021 ||
						str(ex, "owner_customer_id") != custID || str(ex, "location_id") != str(site, "id") {
						t.Errorf("asset: %s", r.Raw)
					}
					if r.Header.Get("Location") != assetsPath+"/"+str(ex, "id") {
						t.Errorf("Location %q", r.Header.Get("Location"))
					}
					r.etag(t)
				}},
			{name: "create with the name only", as: e.fleet, method: "POST", path: assetsPath, body: obj{"name": "Generator"}, want: 201,
				check: func(t *testing.T, r *result) {
					o := r.obj()
					if o["owner_customer_id"] != nil || o["location_id"] != nil || o["year"] != nil || str(o, "owner_account_id") != e.accountID {
						t.Errorf("minimal asset: %s", r.Raw)
					}
				}},
			{name: "name missing", as: e.admin, method: "POST", path: assetsPath, body: obj{"serial_number": "S1"}, want: 422, field: "name"},
			{name: "year too early", as: e.admin, method: "POST", path: assetsPath, body: obj{"name": "x", "year": 1800}, want: 422, field: "year"},
			{name: "year as a string", as: e.admin, method: "POST", path: assetsPath, body: `{"name":"x","year":"2020"}`, want: 422, field: "year"},
			{name: "serial number too long", as: e.admin, method: "POST", path: assetsPath, body: obj{"name": "x", "serial_number": strings.Repeat("9", 101)}, want: 422, field: "serial_number"},
			{name: "unknown field", as: e.admin, method: "POST", path: assetsPath, body: obj{"name": "x", "colour": "yellow"}, want: 422, field: "colour"},
			{name: "owner_customer_id that does not exist", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "x", "owner_customer_id": "0190c0de-0000-7000-8000-000000000000"}, want: 422, field: "owner_customer_id"},
			{name: "owner_customer_id of another organization", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "x", "owner_customer_id": str(foreignCust, "id")}, want: 422, field: "owner_customer_id"},
			{name: "location_id that does not exist", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "x", "location_id": "nope"}, want: 422, field: "location_id"},
			{name: "location_id of another organization", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "x", "location_id": str(foreignLoc, "id")}, want: 422, field: "location_id"},
			{name: "duplicate serial number, other case", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "Copy", "serial_number": "sn-x-7781"}, want: 409, field: "serial_number"},
			{name: "duplicate serial number, padded", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "Copy", "serial_number": "  SN-X-7781"}, want: 409, field: "serial_number"},
			{name: "duplicate external_ref", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "Copy", "external_ref": "ERP-1"}, want: 409, field: "external_ref"},
			{name: "external_ref is case-sensitive", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "Lower", "external_ref": "erp-1", "serial_number": "SN-Y-1", "location_id": str(depot, "id")}, want: 201},
			{name: "another organization may use the same serial number", as: e.other, method: "POST", path: assetsPath,
				body: obj{"name": "Their Excavator", "serial_number": "SN-X-7781"}, want: 201},
		})
		exPath := assetsPath + "/" + str(ex, "id")

		lower := e.user.get(t, assetsPath+"?q=sn-y-1").want(t, 200).data(t)
		if len(lower) != 1 {
			t.Fatalf("q=sn-y-1: %d assets, want 1", len(lower))
		}
		lowerPath := assetsPath + "/" + str(lower[0], "id")
		runScenarios(t, []scenario{
			{name: "PATCH to a taken serial number", as: e.admin, method: "PATCH", path: lowerPath, body: obj{"serial_number": "Sn-X-7781"}, want: 409, field: "serial_number"},
			{name: "PATCH to a taken external_ref", as: e.admin, method: "PATCH", path: lowerPath, body: obj{"external_ref": "ERP-1"}, want: 409, field: "external_ref"},
			{name: "PATCH owner to an unknown customer", as: e.admin, method: "PATCH", path: lowerPath, body: obj{"owner_customer_id": "nope"}, want: 422, field: "owner_customer_id"},
			{name: "PATCH location to another organization's", as: e.admin, method: "PATCH", path: lowerPath, body: obj{"location_id": str(foreignLoc, "id")}, want: 422, field: "location_id"},
			{name: "PATCH name null", as: e.admin, method: "PATCH", path: lowerPath, body: `{"name":null}`, want: 422, field: "name"},
			{name: "PATCH year null clears it", as: e.admin, method: "PATCH", path: exPath, body: `{"year":null}`, want: 200, check: func(t *testing.T, r *result) {
				if r.obj()["year"] != nil || str(r.obj(), "make") != "Caterpillar" || str(r.obj(), "owner_customer_id") != custID {
					t.Errorf("after year: null: %s", r.Raw)
				}
			}},
			{name: "owner_account_id is read-only", as: e.admin, method: "PATCH", path: exPath, body: obj{"owner_account_id": e.otherAccountID}, want: 422, field: "owner_account_id"},
		})

		// Lists and their filters; search finds serial numbers by substring.
		names := func(path string) []string {
			var out []string
			for _, a := range e.user.get(t, path).want(t, 200).data(t) {
				requireKeys(t, "asset list item", a, assetKeys...)
				out = append(out, str(a, "name"))
			}
			slices.Sort(out)
			return out
		}
		for path, want := range map[string][]string{
			assetsPath: {"Excavator 320", "Generator", "Lower"},
			assetsPath + "?owner_customer_id=" + custID:                {"Excavator 320"},
			assetsPath + "?location_id=" + str(depot, "id"):            {"Lower"},
			assetsPath + "?location_customer_id=" + custID:             {"Excavator 320"},
			assetsPath + "?q=x-77":                                     {"Excavator 320"},
			assetsPath + "?q=7781":                                     {"Excavator 320"},
			assetsPath + "?q=erp-1":                                    {"Excavator 320", "Lower"}, // search is case-insensitive
			assetsPath + "?q=genera":                                   {"Generator"},
			assetsPath + "?q=EXCAV":                                    {"Excavator 320"},
			assetsPath + "?owner_customer_id=" + custID + "&q=generat": nil,
		} {
			if got := names(path); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", path, got, want)
			}
		}
		runScenarios(t, []scenario{
			{name: "bad sort", as: e.user, method: "GET", path: assetsPath + "?sort=make", want: 422, field: "sort"},
			{name: "sort by serial_number", as: e.user, method: "GET", path: assetsPath + "?sort=-serial_number", want: 200},
			{name: "unknown filter", as: e.user, method: "GET", path: assetsPath + "?customer_id=" + custID, want: 422, field: "customer_id"},
			{name: "limit over 500", as: e.user, method: "GET", path: assetsPath + "?limit=501", want: 422, field: "limit"},
			{name: "a location that is not there", as: e.user, method: "GET", path: assetsPath + "?sort=serial_number&location_id=nope", want: 422, field: "location_id"},
		})

		// Archive and delete.
		etag := e.user.get(t, exPath).want(t, 200).etag(t)
		runScenarios(t, []scenario{
			{name: "stale If-Match on archive", as: e.admin, method: "POST", path: exPath + "/archive", headers: h{"If-Match", `"999"`}, want: 412},
			{name: "archive", as: e.admin, method: "POST", path: exPath + "/archive", headers: h{"If-Match", etag}, want: 200,
				check: func(t *testing.T, r *result) {
					checkMeta(t, "archived asset", r.obj(), true)
					if str(r.obj(), "location_id") != str(site, "id") || str(r.obj(), "owner_customer_id") != custID {
						t.Errorf("archiving changed references: %s", r.Raw)
					}
				}},
			{name: "hidden by default", as: e.user, method: "GET", path: assetsPath + "?q=7781", want: 200, check: func(t *testing.T, r *result) {
				if n := len(r.data(t)); n != 0 {
					t.Errorf("archived asset listed (%d)", n)
				}
			}},
			{name: "status=archived", as: e.user, method: "GET", path: assetsPath + "?status=archived", want: 200, check: func(t *testing.T, r *result) {
				if got := ids(r.data(t)); !slices.Equal(got, []string{str(ex, "id")}) {
					t.Errorf("status=archived: %v", got)
				}
			}},
			{name: "status=all with a serial number", as: e.user, method: "GET", path: assetsPath + "?status=all&q=x-7781", want: 200,
				check: func(t *testing.T, r *result) {
					if got := ids(r.data(t)); !slices.Equal(got, []string{str(ex, "id")}) {
						t.Errorf("status=all&q=x-7781: %v", got)
					}
				}},
			{name: "an archived asset's serial number stays taken", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "Again", "serial_number": "SN-X-7781"}, want: 409, field: "serial_number"},
			{name: "unarchive", as: e.admin, method: "POST", path: exPath + "/unarchive", want: 200,
				check: func(t *testing.T, r *result) { checkMeta(t, "unarchived asset", r.obj(), false) }},
			{name: "stale If-Match on delete", as: e.admin, method: "DELETE", path: lowerPath, headers: h{"If-Match", `"999"`}, want: 412},
			{name: "delete", as: e.admin, method: "DELETE", path: lowerPath, want: 204},
			{name: "deleted is gone", as: e.user, method: "GET", path: lowerPath, want: 404},
			{name: "its serial number is free again", as: e.admin, method: "POST", path: assetsPath, body: obj{"name": "Reuse", "serial_number": "SN-Y-1"}, want: 201},
			{name: "unknown id", as: e.user, method: "GET", path: assetsPath + "/nope", want: 404},
			{name: "unknown id on delete", as: e.admin, method: "DELETE", path: assetsPath + "/nope", want: 404},
			{name: "unknown id on unarchive", as: e.admin, method: "POST", path: assetsPath + "/nope/unarchive", want: 404},
		})

		// Paging.
		for i := range 5 {
			e.fleet.create(t, assetsPath, obj{"name": "Pump " + strconv.Itoa(i), "serial_number": "P-" + strconv.Itoa(9-i)})
		}
		for _, path := range []string{assetsPath + "?sort=name", assetsPath + "?sort=-serial_number", assetsPath + "?sort=serial_number&q=pump",
			assetsPath + "?sort=updated_at&status=all"} {
			whole := e.user.get(t, path+"&limit=500").want(t, 200).data(t)
			for _, limit := range []int{2, 3} {
				paged := e.user.walk(t, path+"&limit="+strconv.Itoa(limit), limit)
				if !slices.Equal(ids(paged), ids(whole)) {
					t.Errorf("%s limit %d: paged %v, want %v", path, limit, ids(paged), ids(whole))
				}
			}
		}
	})
}

func TestAPIAssetRolesAndMovements(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		cust := e.admin.create(t, customersPath, obj{"name": "Owner Co"})
		custID := str(cust, "id")
		l1 := e.admin.create(t, locationsPath, obj{"name": "Site One", "customer_id": custID})
		l2 := e.admin.create(t, locationsPath, obj{"name": "Depot Two"})
		a := e.admin.create(t, assetsPath, obj{"name": "Telehandler", "owner_customer_id": custID, "location_id": str(l1, "id")})
		aPath := assetsPath + "/" + str(a, "id")
		etag := e.tech.get(t, aPath).want(t, 200).etag(t)

		runScenarios(t, []scenario{
			{name: "technician may move the asset", as: e.tech, method: "PATCH", path: aPath, body: obj{"location_id": str(l2, "id")},
				headers: h{"If-Match", etag}, want: 200, check: func(t *testing.T, r *result) {
					if str(r.obj(), "location_id") != str(l2, "id") {
						t.Errorf("after the technician's move: %s", r.Raw)
					}
				}},
			{name: "technician may send unchanged fields with the move", as: e.tech, method: "PATCH", path: aPath,
				body: obj{"location_id": str(l1, "id"), "name": "Telehandler"}, want: 200},
			{name: "technician may not rename", as: e.tech, method: "PATCH", path: aPath, body: obj{"name": "Renamed"}, want: 403},
			{name: "technician may not move and rename", as: e.tech, method: "PATCH", path: aPath,
				body: obj{"location_id": str(l2, "id"), "name": "Renamed"}, want: 403},
			{name: "technician may not re-own", as: e.tech, method: "PATCH", path: aPath, body: `{"owner_customer_id":null}`, want: 403},
			{name: "technician may not create", as: e.tech, method: "POST", path: assetsPath, body: obj{"name": "x"}, want: 403},
			{name: "technician may not archive", as: e.tech, method: "POST", path: aPath + "/archive", want: 403},
			{name: "technician may not delete", as: e.tech, method: "DELETE", path: aPath, want: 403},
			{name: "technician may not change a location", as: e.tech, method: "PATCH", path: locationsPath + "/" + str(l1, "id"), body: obj{"name": "x"}, want: 403},
			{name: "technician may not create a customer", as: e.tech, method: "POST", path: customersPath, body: obj{"name": "x"}, want: 403},
			{name: "technician moving to an unknown location", as: e.tech, method: "PATCH", path: aPath, body: obj{"location_id": "nope"}, want: 422, field: "location_id"},
			{name: "user may not move the asset", as: e.user, method: "PATCH", path: aPath, body: obj{"location_id": str(l2, "id")}, want: 403},
			{name: "the refused changes changed nothing", as: e.user, method: "GET", path: aPath, want: 200, check: func(t *testing.T, r *result) {
				o := r.obj()
				if str(o, "name") != "Telehandler" || str(o, "location_id") != str(l1, "id") || str(o, "owner_customer_id") != custID || o["archived_at"] != nil {
					t.Errorf("asset after refused changes: %s", r.Raw)
				}
			}},
		})

		// More history: the admin re-owns it and renames it (a rename is no movement).
		e.tech.patch(t, aPath, obj{"location_id": str(l2, "id")}).want(t, 200)
		e.admin.patch(t, aPath, `{"owner_customer_id":null}`).want(t, 200)
		e.admin.patch(t, aPath, obj{"name": "Telehandler T1"}).want(t, 200)

		r := e.user.get(t, aPath+"/movements").want(t, 200)
		moves := r.data(t)
		type mv struct{ field, old, new, oldLabel, newLabel string }
		var got []mv
		for _, m := range moves {
			requireKeys(t, "movement", m, "at", "actor", "field", "old", "new", "old_label", "new_label")
			if !timeRE.MatchString(str(m, "at")) {
				t.Errorf("movement at %v", m["at"])
			}
			if str(m, "actor.type") != "api_key" || str(m, "actor.id") == "" || str(m, "actor.name") == "" {
				t.Errorf("movement actor %v", m["actor"])
			}
			got = append(got, mv{str(m, "field"), str(m, "old"), str(m, "new"), str(m, "old_label"), str(m, "new_label")})
		}
		l1ID, l2ID := str(l1, "id"), str(l2, "id")
		want := []mv{
			{"owner_customer_id", custID, "", "Owner Co", ""},
			{"location_id", l1ID, l2ID, "Site One", "Depot Two"},
			{"location_id", l2ID, l1ID, "Depot Two", "Site One"},
			{"location_id", l1ID, l2ID, "Site One", "Depot Two"},
			{"location_id", "", l1ID, "", "Site One"},
			{"owner_customer_id", "", custID, "", "Owner Co"},
		}
		if !slices.Equal(got, want) {
			t.Errorf("movements, newest first:\n got %v\nwant %v", got, want)
		}
		if r.next() != "" {
			t.Errorf("a single page of movements has next_cursor %q", r.next())
		}
		// The technician's moves are named as such.
		if len(moves) > 2 && !strings.Contains(str(moves[1], "actor.name"), "tech") {
			t.Errorf("the technician's move names actor %v", moves[1]["actor"])
		}
		for _, limit := range []int{1, 2, 3} {
			paged := e.user.walk(t, aPath+"/movements?limit="+strconv.Itoa(limit), limit)
			if len(paged) != len(moves) {
				t.Errorf("movements with limit %d: %d over all pages, want %d", limit, len(paged), len(moves))
			}
		}
		runScenarios(t, []scenario{
			{name: "movements of an unknown asset", as: e.user, method: "GET", path: assetsPath + "/nope/movements", want: 404},
			{name: "movements limit over 500", as: e.user, method: "GET", path: aPath + "/movements?limit=501", want: 422, field: "limit"},
			{name: "movements take no filters", as: e.user, method: "GET", path: aPath + "/movements?field=location_id", want: 422, field: "field"},
		})
	})
}
