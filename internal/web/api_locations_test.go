package web_test

import (
	"slices"
	"strconv"
	"testing"
)

const locationsPath = "/api/v1/locations"

var locationKeys = []string{"id", "account_id", "name", "customer_id", "external_ref", "address", "latitude",
	"longitude", "radius_m", "asset_count", "created_at", "updated_at", "archived_at"}

func TestAPILocations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		cust := e.admin.create(t, customersPath, obj{"name": "Baustelle GmbH"})
		custID := str(cust, "id")
		foreign := e.other.create(t, customersPath, obj{"name": "Globex Customer"})

		var site, depot obj
		runScenarios(t, []scenario{
			{name: "create a customer's site", as: e.admin, method: "POST", path: locationsPath, want: 201,
				body: obj{"name": "Site Nord", "customer_id": custID, "external_ref": "L-1", "latitude": 53.55, "longitude": 9.99,
					"radius_m": 250, "address": obj{"street": "Hafenstr. 2", "city": "Hamburg", "country": "de"}},
				check: func(t *testing.T, r *result) {
					site = r.obj()
					requireKeys(t, "location", site, locationKeys...)
					checkMeta(t, "location", site, false)
					if str(site, "customer_id") != custID || num(site, "latitude") != 53.55 || num(site, "radius_m") != 250 ||
						str(site, "address.country") != "DE" || num(site, "asset_count") != 0 || str(site, "account_id") != e.accountID {
						t.Errorf("location: %s", r.Raw)
					}
					if r.Header.Get("Location") != locationsPath+"/"+str(site, "id") {
						t.Errorf("Location %q", r.Header.Get("Location"))
					}
					r.etag(t)
				}},
			{name: "create an own depot", as: e.fleet, method: "POST", path: locationsPath, body: obj{"name": "Depot Süd"}, want: 201,
				check: func(t *testing.T, r *result) {
					depot = r.obj()
					if depot["customer_id"] != nil || depot["latitude"] != nil {
						t.Errorf("own depot: %s", r.Raw)
					}
				}},
			{name: "name missing", as: e.admin, method: "POST", path: locationsPath, body: obj{"customer_id": custID}, want: 422, field: "name"},
			{name: "latitude out of range", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "latitude": 91, "longitude": 0}, want: 422, field: "latitude"},
			{name: "latitude below range", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "latitude": -90.5, "longitude": 0}, want: 422, field: "latitude"},
			{name: "longitude out of range", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "latitude": 0, "longitude": 180.01}, want: 422, field: "longitude"},
			{name: "latitude without longitude", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "latitude": 10}, want: 422, field: "longitude"},
			{name: "latitude as a string", as: e.admin, method: "POST", path: locationsPath, body: `{"name":"x","latitude":"53.5","longitude":9}`, want: 422, field: "latitude"},
			{name: "radius zero", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "radius_m": 0}, want: 422, field: "radius_m"},
			{name: "radius not whole", as: e.admin, method: "POST", path: locationsPath, body: `{"name":"x","radius_m":1.5}`, want: 422, field: "radius_m"},
			{name: "bad country", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "address": obj{"country": "EU"}}, want: 422, field: "address.country"},
			{name: "unknown field", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "x", "lat": 1}, want: 422, field: "lat"},
			{name: "customer_id that does not exist is 422, not 404", as: e.admin, method: "POST", path: locationsPath,
				body: obj{"name": "x", "customer_id": "0190c0de-0000-7000-8000-000000000000"}, want: 422, field: "customer_id"},
			{name: "customer_id of another organization is 422", as: e.admin, method: "POST", path: locationsPath,
				body: obj{"name": "x", "customer_id": str(foreign, "id")}, want: 422, field: "customer_id"},
			{name: "duplicate external_ref", as: e.admin, method: "POST", path: locationsPath, body: obj{"name": "Dup", "external_ref": "L-1"}, want: 409, field: "external_ref"},
			{name: "malformed JSON", as: e.admin, method: "POST", path: locationsPath, body: `{"name":"x",}`, want: 400},
			{name: "own and customer_id together", as: e.user, method: "GET", path: locationsPath + "?own=true&customer_id=" + custID, want: 422, field: "own"},
			{name: "own not a boolean", as: e.user, method: "GET", path: locationsPath + "?own=yes", want: 422, field: "own"},
			{name: "unknown sort", as: e.user, method: "GET", path: locationsPath + "?sort=city", want: 422, field: "sort"},
			{name: "sort by asset_count", as: e.user, method: "GET", path: locationsPath + "?sort=-asset_count", want: 200},
		})
		sitePath := locationsPath + "/" + str(site, "id")

		names := func(path string) []string {
			var out []string
			for _, l := range e.user.get(t, path).want(t, 200).data(t) {
				requireKeys(t, "location list item", l, locationKeys...)
				out = append(out, str(l, "name"))
			}
			return out
		}
		for path, want := range map[string][]string{
			locationsPath:                            {"Depot Süd", "Site Nord"},
			locationsPath + "?own=true":              {"Depot Süd"},
			locationsPath + "?own=false":             {"Depot Süd", "Site Nord"},
			locationsPath + "?customer_id=" + custID: {"Site Nord"},
			locationsPath + "?q=sud":                 {"Depot Süd"},
			locationsPath + "?q=nord":                {"Site Nord"},
			locationsPath + "?sort=-name":            {"Site Nord", "Depot Süd"},
		} {
			if got := names(path); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", path, got, want)
			}
		}
		// The customer's location count includes the new site.
		if n := num(e.user.get(t, customersPath+"/"+custID).want(t, 200).obj(), "location_count"); n != 1 {
			t.Errorf("customer location_count %v, want 1", n)
		}

		// Merge patch and ETags; an asset standing there keeps the location from being deleted.
		asset := e.admin.create(t, assetsPath, obj{"name": "Loader", "location_id": str(site, "id")})
		etag := e.user.get(t, sitePath).want(t, 200).etag(t)
		runScenarios(t, []scenario{
			{name: "asset_count counts the asset", as: e.user, method: "GET", path: sitePath, want: 200, check: func(t *testing.T, r *result) {
				if num(r.obj(), "asset_count") != 1 {
					t.Errorf("asset_count %v, want 1", r.obj()["asset_count"])
				}
			}},
			{name: "patch a single address line", as: e.admin, method: "PATCH", path: sitePath, body: obj{"address": obj{"city": "Altona"}},
				headers: h{"If-Match", etag}, want: 200, check: func(t *testing.T, r *result) {
					o := r.obj()
					if str(o, "address.city") != "Altona" || str(o, "address.street") != "Hafenstr. 2" || num(o, "latitude") != 53.55 ||
						str(o, "customer_id") != custID {
						t.Errorf("after PATCH address.city: %s", r.Raw)
					}
					if r.etag(t) == etag {
						t.Error("ETag unchanged by a change")
					}
				}},
			{name: "stale If-Match", as: e.admin, method: "PATCH", path: sitePath, body: obj{"name": "x"}, headers: h{"If-Match", etag}, want: 412},
			{name: "clearing the coordinates together", as: e.admin, method: "PATCH", path: sitePath, body: `{"latitude":null,"longitude":null}`, want: 200,
				check: func(t *testing.T, r *result) {
					if r.obj()["latitude"] != nil || r.obj()["longitude"] != nil || num(r.obj(), "radius_m") != 250 {
						t.Errorf("after clearing coordinates: %s", r.Raw)
					}
				}},
			{name: "latitude out of range on PATCH", as: e.admin, method: "PATCH", path: sitePath, body: obj{"latitude": 100, "longitude": 1}, want: 422, field: "latitude"},
			{name: "customer_id that does not exist on PATCH", as: e.admin, method: "PATCH", path: sitePath, body: obj{"customer_id": "nope"}, want: 422, field: "customer_id"},
			{name: "name null", as: e.admin, method: "PATCH", path: sitePath, body: `{"name":null}`, want: 422, field: "name"},
			{name: "asset_count is read-only", as: e.admin, method: "PATCH", path: sitePath, body: obj{"asset_count": 0}, want: 422, field: "asset_count"},
			{name: "delete with an asset there", as: e.admin, method: "DELETE", path: sitePath, want: 409, check: func(t *testing.T, r *result) {
				if got := r.fields(); !slices.Equal(got, []string{"assets"}) || r.fieldMessage("assets") == "" {
					t.Errorf("errors: %s", r.Raw)
				}
			}},
			{name: "archive", as: e.admin, method: "POST", path: sitePath + "/archive", want: 200,
				check: func(t *testing.T, r *result) { checkMeta(t, "archived location", r.obj(), true) }},
			{name: "archived locations are hidden", as: e.user, method: "GET", path: locationsPath, want: 200, check: func(t *testing.T, r *result) {
				if got := ids(r.data(t)); slices.Contains(got, str(site, "id")) {
					t.Errorf("archived location listed: %v", got)
				}
			}},
			{name: "status=all with q finds them", as: e.user, method: "GET", path: locationsPath + "?status=all&q=site", want: 200,
				check: func(t *testing.T, r *result) {
					if got := ids(r.data(t)); !slices.Equal(got, []string{str(site, "id")}) {
						t.Errorf("status=all&q=site: %v", got)
					}
				}},
			{name: "an archived location can still be referenced", as: e.admin, method: "POST", path: assetsPath,
				body: obj{"name": "Spare", "location_id": str(site, "id")}, want: 201, check: func(t *testing.T, r *result) {
					if str(r.obj(), "location_id") != str(site, "id") || str(r.obj(), "location_customer_id") != custID {
						t.Errorf("asset at an archived location: %s", r.Raw)
					}
					e.admin.del(t, assetsPath+"/"+str(r.obj(), "id")).want(t, 204)
				}},
			{name: "stale If-Match on unarchive", as: e.admin, method: "POST", path: sitePath + "/unarchive", headers: h{"If-Match", etag}, want: 412},
			{name: "unarchive", as: e.admin, method: "POST", path: sitePath + "/unarchive", want: 200},
			{name: "move the asset away", as: e.admin, method: "PATCH", path: assetsPath + "/" + str(asset, "id"), body: obj{"location_id": str(depot, "id")}, want: 200},
			{name: "stale If-Match on delete", as: e.admin, method: "DELETE", path: sitePath, headers: h{"If-Match", etag}, want: 412},
			{name: "delete once nothing stands there", as: e.admin, method: "DELETE", path: sitePath, want: 204},
			{name: "deleted is gone", as: e.user, method: "GET", path: sitePath, want: 404},
			{name: "customer's location_count follows", as: e.user, method: "GET", path: customersPath + "/" + custID, want: 200,
				check: func(t *testing.T, r *result) {
					if num(r.obj(), "location_count") != 0 {
						t.Errorf("location_count %v after its only location was deleted", r.obj()["location_count"])
					}
				}},
			{name: "unknown id", as: e.user, method: "GET", path: locationsPath + "/nope", want: 404},
			{name: "unknown id on archive", as: e.admin, method: "POST", path: locationsPath + "/nope/archive", want: 404},
		})

		// Paging.
		for i := range 6 {
			e.fleet.create(t, locationsPath, obj{"name": "Yard " + strconv.Itoa(i), "customer_id": custID})
		}
		for _, path := range []string{locationsPath + "?sort=name", locationsPath + "?sort=-created_at&customer_id=" + custID,
			locationsPath + "?own=true&sort=asset_count"} {
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
