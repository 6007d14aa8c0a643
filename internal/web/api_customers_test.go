package web_test

import (
	"io"
	"slices"
	"strings"
	"testing"
)

const customersPath = "/api/v1/customers"

// customerKeys are the members API.md names for a customer, counts included.
var customerKeys = []string{"id", "account_id", "name", "type", "external_ref", "email", "phone", "website",
	"address", "notes", "location_count", "assets_on_location_count", "assets_owned_count",
	"assets_owned_elsewhere_count", "created_at", "updated_at", "archived_at"}

func TestAPICustomerCreateAndRead(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		var first obj
		var firstETag string
		runScenarios(t, []scenario{
			{name: "create with every field", as: e.admin, method: "POST", path: customersPath, want: 201,
				body: obj{"name": "  Müller Baumaschinen GmbH ", "type": "rental", "external_ref": "CRM-1",
					"email": "info@mueller.example", "phone": "+49 30 1234567", "website": "mueller.example",
					"address": obj{"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin", "region": "BE", "country": "de"},
					"notes":   "gate code 1234\nask for Jo"},
				check: func(t *testing.T, r *result) {
					c := r.obj()
					first = c
					requireKeys(t, "customer", c, customerKeys...)
					checkMeta(t, "customer", c, false)
					if got, want := r.Header.Get("Location"), customersPath+"/"+str(c, "id"); got != want {
						t.Errorf("Location %q, want %q", got, want)
					}
					firstETag = r.etag(t)
					for path, want := range map[string]string{"name": "Müller Baumaschinen GmbH", "type": "rental",
						"external_ref": "CRM-1", "account_id": e.accountID, "address.country": "DE", "address.city": "Berlin",
						"website": "https://mueller.example", "notes": "gate code 1234\nask for Jo"} {
						if got := str(c, path); got != want {
							t.Errorf("%s = %q, want %q", path, got, want)
						}
					}
					for _, k := range []string{"location_count", "assets_on_location_count", "assets_owned_count", "assets_owned_elsewhere_count"} {
						if num(c, k) != 0 {
							t.Errorf("%s = %v, want 0", k, c[k])
						}
					}
				}},
			{name: "create with the name only defaults the type to other", as: e.fleet, method: "POST", path: customersPath,
				body: obj{"name": "Solo Trader"}, want: 201, check: func(t *testing.T, r *result) {
					c := r.obj()
					if str(c, "type") != "other" || str(c, "email") != "" || str(c, "address.country") != "" {
						t.Errorf("minimal customer: %s", r.Raw)
					}
					if str(c, "id") <= str(first, "id") {
						t.Errorf("ids are not time-ordered: %s then %s", str(first, "id"), str(c, "id"))
					}
				}},
			{name: "name null", as: e.admin, method: "POST", path: customersPath, body: `{"name":null}`, want: 422, field: "name"},
			{name: "duplicate external_ref", as: e.admin, method: "POST", path: customersPath, body: obj{"name": "Copy", "external_ref": "CRM-1"}, want: 409, field: "external_ref"},
			{name: "duplicate external_ref after trimming", as: e.admin, method: "POST", path: customersPath, body: obj{"name": "Copy", "external_ref": " CRM-1\t"}, want: 409, field: "external_ref"},
			{name: "external_ref is case-sensitive", as: e.admin, method: "POST", path: customersPath, body: obj{"name": "Lower Ref", "external_ref": "crm-1"}, want: 201},
			{name: "an empty external_ref is none", as: e.admin, method: "POST", path: customersPath, body: obj{"name": "No Ref", "external_ref": "  "}, want: 201},
			{name: "archive the lower-case one", as: e.admin, method: "POST", path: customersPath, body: obj{"name": "Archived Ref", "external_ref": "ARCH-1"}, want: 201,
				check: func(t *testing.T, r *result) {
					e.admin.post(t, customersPath+"/"+str(r.obj(), "id")+"/archive", nil).want(t, 200)
				}},
			{name: "an archived customer's external_ref stays taken", as: e.admin, method: "POST", path: customersPath, body: obj{"name": "Again", "external_ref": "ARCH-1"}, want: 409, field: "external_ref"},
		})
		runScenarios(t, []scenario{
			{name: "PATCH to a taken external_ref", as: e.admin, method: "PATCH", path: customersPath + "/" + lowerRefID(t, e), body: obj{"external_ref": "CRM-1"}, want: 409, field: "external_ref"},
			{name: "PATCH to a taken archived external_ref", as: e.admin, method: "PATCH", path: customersPath + "/" + lowerRefID(t, e), body: obj{"external_ref": "ARCH-1"}, want: 409, field: "external_ref"},
			{name: "q over 100 characters", as: e.user, method: "GET", path: customersPath + "?q=" + strings.Repeat("x", 101), want: 422, field: "q"},
			{name: "a cursor of another list", as: e.user, method: "GET", path: locationsPath + "?cursor=" + e.user.get(t, customersPath+"?limit=1").next(), want: 422, field: "cursor"},
		})

		// The object reads back as it was created, with the same ETag.
		id := str(first, "id")
		r := e.user.get(t, customersPath+"/"+id).want(t, 200)
		requireKeys(t, "customer", r.obj(), customerKeys...)
		if str(r.obj(), "name") != "Müller Baumaschinen GmbH" || str(r.obj(), "address.street") != "Hauptstr. 1" {
			t.Errorf("GET customer: %s", r.Raw)
		}
		if r.etag(t) != firstETag {
			t.Errorf("GET customer ETag %s, the create answered %s", r.etag(t), firstETag)
		}

		// The list carries the counts on every item.
		items := e.user.get(t, customersPath).want(t, 200).data(t)
		if len(items) != 4 {
			t.Fatalf("list: %d customers, want 4", len(items))
		}
		for _, c := range items {
			requireKeys(t, "customer list item", c, customerKeys...)
		}
		if got := []string{str(items[0], "name"), str(items[1], "name"), str(items[2], "name"), str(items[3], "name")}; !slices.Equal(got,
			[]string{"Lower Ref", "Müller Baumaschinen GmbH", "No Ref", "Solo Trader"}) {
			t.Errorf("default order is by name: %v", got)
		}
		e.user.get(t, customersPath+"/0190c0de-0000-7000-8000-000000000000").want(t, 404)
	})
}

func TestAPICustomerValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		big := `{"name":"Big","notes":"` + strings.Repeat("a", 1<<20) + `"}`
		invalid := func(name string, body any, field string) scenario {
			return scenario{name: name, as: e.admin, method: "POST", path: customersPath, body: body, want: 422, field: field}
		}
		rows := []scenario{
			invalid("name missing", obj{"type": "dealer"}, "name"),
			invalid("name blank", obj{"name": "   "}, "name"),
			invalid("name too long", obj{"name": strings.Repeat("x", 201)}, "name"),
			invalid("name with a control character", obj{"name": "a\u0007b"}, "name"),
			invalid("bad type", obj{"name": "x", "type": "boss"}, "type"),
			invalid("type in upper case", obj{"name": "x", "type": "Dealer"}, "type"),
			invalid("bad email", obj{"name": "x", "email": "not-an-email"}, "email"),
			invalid("email without a domain", obj{"name": "x", "email": "jo@localhost"}, "email"),
			invalid("bad website scheme", obj{"name": "x", "website": "ftp://example.com"}, "website"),
			invalid("bad website host", obj{"name": "x", "website": "https://exa mple.com"}, "website"),
			invalid("bad phone", obj{"name": "x", "phone": "call me"}, "phone"),
			invalid("unknown country", obj{"name": "x", "address": obj{"country": "XX"}}, "address.country"),
			invalid("country spelled out", obj{"name": "x", "address": obj{"country": "Germany"}}, "address.country"),
			invalid("unknown field", obj{"name": "x", "colour": "red"}, "colour"),
			invalid("unknown address line", obj{"name": "x", "address": obj{"planet": "Mars"}}, "address.planet"),
			invalid("read-only count", obj{"name": "x", "location_count": 3}, "location_count"),
			invalid("name of the wrong JSON type", `{"name": 42}`, "name"),
			invalid("address line of the wrong JSON type", `{"name":"x","address":{"city":7}}`, "address.city"),
			invalid("address of the wrong JSON type", `{"name":"x","address":"Berlin"}`, "address"),
			{name: "one entry per bad field", as: e.admin, method: "POST", path: customersPath, want: 422,
				body: obj{"name": "", "email": "nope", "website": "ftp://x", "address": obj{"country": "ZZ"}},
				check: func(t *testing.T, r *result) {
					got := r.fields()
					slices.Sort(got)
					if want := []string{"address.country", "email", "name", "website"}; !slices.Equal(got, want) {
						t.Errorf("errors[].field = %v, want %v", got, want)
					}
				}},
			{name: "malformed JSON", as: e.admin, method: "POST", path: customersPath, body: `{"name":`, want: 400},
			{name: "not an object", as: e.admin, method: "POST", path: customersPath, body: `["x"]`, want: 400},
			{name: "empty body", as: e.admin, method: "POST", path: customersPath, body: ``, want: 400},
			{name: "two objects", as: e.admin, method: "POST", path: customersPath, body: `{"name":"a"} {"name":"b"}`, want: 400},
			{name: "invalid UTF-8", as: e.admin, method: "POST", path: customersPath, body: "{\"name\":\"M\xfcller\"}", want: 400},
			{name: "body over 1 MiB", as: e.admin, method: "POST", path: customersPath, body: big, want: 413},
			{name: "body over 1 MiB without Content-Length", as: e.admin, method: "POST", path: customersPath,
				body: io.MultiReader(strings.NewReader(big)), want: 413},
			{name: "PATCH body over 1 MiB", as: e.admin, method: "PATCH", path: customersPath + "/x", body: big, want: 413},

			// The list's parameters.
			{name: "limit over 500", as: e.user, method: "GET", path: customersPath + "?limit=501", want: 422, field: "limit"},
			{name: "limit 0", as: e.user, method: "GET", path: customersPath + "?limit=0", want: 422, field: "limit"},
			{name: "limit not a number", as: e.user, method: "GET", path: customersPath + "?limit=ten", want: 422, field: "limit"},
			{name: "limit 500 is fine", as: e.user, method: "GET", path: customersPath + "?limit=500", want: 200},
			{name: "bad status", as: e.user, method: "GET", path: customersPath + "?status=deleted", want: 422, field: "status"},
			{name: "unknown sort", as: e.user, method: "GET", path: customersPath + "?sort=colour", want: 422, field: "sort"},
			{name: "unknown descending sort", as: e.user, method: "GET", path: customersPath + "?sort=-colour", want: 422, field: "sort"},
			{name: "bad type filter", as: e.user, method: "GET", path: customersPath + "?type=boss", want: 422, field: "type"},
			{name: "unknown query parameter", as: e.user, method: "GET", path: customersPath + "?colour=red", want: 422, field: "colour"},
			{name: "a parameter twice", as: e.user, method: "GET", path: customersPath + "?status=all&status=active", want: 422, field: "status"},
			{name: "foreign cursor", as: e.user, method: "GET", path: customersPath + "?cursor=bm90LWEtY3Vyc29y", want: 422, field: "cursor"},
			{name: "every sort key API.md names", as: e.user, method: "GET", want: 200,
				path: customersPath + "?sort=-assets_owned_elsewhere_count"},
		}
		for _, k := range []string{"name", "type", "created_at", "updated_at", "location_count",
			"assets_on_location_count", "assets_owned_count", "assets_owned_elsewhere_count"} {
			rows = append(rows, scenario{name: "sort by " + k, as: e.user, method: "GET", path: customersPath + "?sort=" + k, want: 200})
		}
		runScenarios(t, rows)

		// None of the refused requests created anything.
		if n := len(e.admin.get(t, customersPath+"?status=all").want(t, 200).data(t)); n != 0 {
			t.Errorf("refused creates left %d customers behind", n)
		}
	})
}

func TestAPICustomerMergePatchAndETags(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "Nordbau", "email": "info@nordbau.example", "phone": "040 123",
			"notes": "keep", "address": obj{"street": "Kai 1", "postal_code": "20457", "city": "Hamburg", "country": "DE"}})
		path := customersPath + "/" + str(c, "id")
		etag1 := e.admin.get(t, path).want(t, 200).etag(t)

		var etag2, etag3, etag4 string
		runScenarios(t, []scenario{
			{name: "only the fields sent change", as: e.admin, method: "PATCH", path: path, body: obj{"phone": "+49 40 999"},
				headers: h{"If-Match", etag1}, want: 200, check: func(t *testing.T, r *result) {
					o := r.obj()
					if str(o, "phone") != "+49 40 999" || str(o, "email") != "info@nordbau.example" || str(o, "notes") != "keep" ||
						str(o, "address.city") != "Hamburg" || str(o, "name") != "Nordbau" {
						t.Errorf("after PATCH phone: %s", r.Raw)
					}
					etag2 = r.etag(t)
					if etag2 == etag1 {
						t.Errorf("ETag unchanged (%s) by a change", etag2)
					}
				}},
			{name: "stale If-Match on PATCH", as: e.admin, method: "PATCH", path: path, body: obj{"phone": "1234"},
				headers: h{"If-Match", etag1}, want: 412},
			{name: "stale If-Match on DELETE", as: e.admin, method: "DELETE", path: path, headers: h{"If-Match", etag1}, want: 412},
			{name: "stale If-Match on archive", as: e.admin, method: "POST", path: path + "/archive", headers: h{"If-Match", etag1}, want: 412},
			{name: "weak or foreign If-Match", as: e.admin, method: "PATCH", path: path, body: obj{"phone": "1234"},
				headers: h{"If-Match", `W/"x"`}, want: 412},
			{name: "null clears an optional field", as: e.admin, method: "PATCH", path: path, body: `{"notes":null}`, want: 200,
				check: func(t *testing.T, r *result) {
					if r.obj()["notes"] != "" || str(r.obj(), "phone") != "+49 40 999" {
						t.Errorf("after notes: null: %s", r.Raw)
					}
				}},
			{name: "in address only the lines sent change", as: e.admin, method: "PATCH", path: path,
				body: obj{"address": obj{"city": "Lübeck"}}, want: 200, check: func(t *testing.T, r *result) {
					o := r.obj()
					if str(o, "address.city") != "Lübeck" || str(o, "address.street") != "Kai 1" ||
						str(o, "address.postal_code") != "20457" || str(o, "address.country") != "DE" {
						t.Errorf("after address.city: %s", r.Raw)
					}
				}},
			{name: "null clears one address line", as: e.admin, method: "PATCH", path: path, body: `{"address":{"street":null}}`,
				want: 200, check: func(t *testing.T, r *result) {
					if str(r.obj(), "address.street") != "" || str(r.obj(), "address.city") != "Lübeck" {
						t.Errorf("after address.street: null: %s", r.Raw)
					}
				}},
			{name: "name null is refused", as: e.admin, method: "PATCH", path: path, body: `{"name":null}`, want: 422, field: "name"},
			{name: "name empty is refused", as: e.admin, method: "PATCH", path: path, body: obj{"name": " "}, want: 422, field: "name"},
			{name: "bad email", as: e.admin, method: "PATCH", path: path, body: obj{"email": "nope"}, want: 422, field: "email"},
			{name: "bad country", as: e.admin, method: "PATCH", path: path, body: obj{"address": obj{"country": "XX"}}, want: 422, field: "address.country"},
			{name: "unknown field", as: e.admin, method: "PATCH", path: path, body: obj{"colour": "red"}, want: 422, field: "colour"},
			{name: "unknown address line", as: e.admin, method: "PATCH", path: path, body: obj{"address": obj{"planet": "x"}}, want: 422, field: "address.planet"},
			{name: "id is not patchable", as: e.admin, method: "PATCH", path: path, body: obj{"id": "x"}, want: 422, field: "id"},
			{name: "wrong JSON type", as: e.admin, method: "PATCH", path: path, body: `{"name":5}`, want: 422, field: "name"},
			{name: "malformed JSON", as: e.admin, method: "PATCH", path: path, body: `{"name"`, want: 400},
			{name: "not an object", as: e.admin, method: "PATCH", path: path, body: `"x"`, want: 400},
			{name: "invalid UTF-8", as: e.admin, method: "PATCH", path: path, body: "{\"name\":\"\xff\"}", want: 400},
			{name: "unknown id", as: e.admin, method: "PATCH", path: customersPath + "/nope", body: obj{"name": "x"}, want: 404},
			{name: "If-Match * always matches", as: e.admin, method: "PATCH", path: path, body: obj{"type": "dealer"},
				headers: h{"If-Match", "*"}, want: 200, check: func(t *testing.T, r *result) { etag3 = r.etag(t) }},
			{name: "a PATCH changing nothing keeps the ETag", as: e.admin, method: "PATCH", path: path, body: obj{"type": "dealer"},
				want: 200, check: func(t *testing.T, r *result) {
					if r.etag(t) != etag3 {
						t.Errorf("ETag %s after a no-op PATCH, was %s", r.etag(t), etag3)
					}
				}},
		})

		// Archive and unarchive honour If-Match too, and change the ETag.
		runScenarios(t, []scenario{
			{name: "archive with the current ETag", as: e.admin, method: "POST", path: path + "/archive", headers: h{"If-Match", etag3},
				want: 200, check: func(t *testing.T, r *result) {
					checkMeta(t, "archived customer", r.obj(), true)
					etag4 = r.etag(t)
					if etag4 == etag3 {
						t.Error("archive kept the ETag")
					}
				}},
		})
		runScenarios(t, []scenario{ // etag4 is known only now
			{name: "stale If-Match on unarchive", as: e.admin, method: "POST", path: path + "/unarchive", headers: h{"If-Match", etag3}, want: 412},
			{name: "unarchive with the current ETag", as: e.admin, method: "POST", path: path + "/unarchive", headers: h{"If-Match", etag4},
				want: 200, check: func(t *testing.T, r *result) {
					checkMeta(t, "unarchived customer", r.obj(), false)
					if r.etag(t) == etag4 {
						t.Error("unarchive kept the ETag")
					}
				}},
		})

		// The ETag follows the stored version, not the counts: an asset arriving changes the
		// counts but not the customer's ETag.
		before := e.admin.get(t, path).want(t, 200)
		e.admin.create(t, assetsPath, obj{"name": "Excavator", "owner_customer_id": str(c, "id")})
		after := e.admin.get(t, path).want(t, 200)
		if num(after.obj(), "assets_owned_count") != 1 {
			t.Errorf("assets_owned_count %v after an owned asset was created", after.obj()["assets_owned_count"])
		}
		if before.etag(t) != after.etag(t) {
			t.Errorf("the customer's ETag changed from %s to %s when only its counts did", before.etag(t), after.etag(t))
		}

		// A correct If-Match on DELETE succeeds once nothing references the customer.
		for _, a := range e.admin.get(t, assetsPath+"?owner_customer_id="+str(c, "id")).want(t, 200).data(t) {
			e.admin.del(t, assetsPath+"/"+str(a, "id")).want(t, 204)
		}
		cur := e.admin.get(t, path).want(t, 200).etag(t)
		e.admin.del(t, path, "If-Match", cur).want(t, 204)
	})
}

func TestAPICustomerDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		lone := e.admin.create(t, customersPath, obj{"name": "Lone"})
		busy := e.admin.create(t, customersPath, obj{"name": "Busy"})
		busyID := str(busy, "id")
		loc := e.admin.create(t, locationsPath, obj{"name": "Busy Yard", "customer_id": busyID})
		c1 := e.admin.create(t, customersPath+"/"+busyID+"/contacts", obj{"name": "Ann"})
		c2 := e.admin.create(t, customersPath+"/"+busyID+"/contacts", obj{"name": "Bob"})
		asset := e.admin.create(t, assetsPath, obj{"name": "Crane", "owner_customer_id": busyID})

		runScenarios(t, []scenario{
			{name: "an unreferenced customer is deleted", as: e.admin, method: "DELETE", path: customersPath + "/" + str(lone, "id"), want: 204,
				check: func(t *testing.T, r *result) {
					if len(r.Raw) != 0 {
						t.Errorf("204 with a body: %q", r.Raw)
					}
				}},
			{name: "and is gone", as: e.admin, method: "GET", path: customersPath + "/" + str(lone, "id"), want: 404},
			{name: "a second delete is 404", as: e.admin, method: "DELETE", path: customersPath + "/" + str(lone, "id"), want: 404},
			{name: "a referenced customer is refused, one entry per kind of reference", as: e.admin, method: "DELETE",
				path: customersPath + "/" + busyID, want: 409, check: func(t *testing.T, r *result) {
					got := r.fields()
					slices.Sort(got)
					if want := []string{"assets_owned", "contacts", "locations"}; !slices.Equal(got, want) {
						t.Errorf("errors[].field = %v, want %v: %s", got, want, r.Raw)
					}
					for field, prefix := range map[string]string{"locations": "1 location", "contacts": "2 contacts", "assets_owned": "1 owned asset"} {
						if m := r.fieldMessage(field); !strings.HasPrefix(m, prefix) || !strings.Contains(m, "reference") {
							t.Errorf("%s: message %q, want it to say %q … reference it", field, m, prefix)
						}
					}
				}},
			{name: "the refused customer is still there", as: e.admin, method: "GET", path: customersPath + "/" + busyID, want: 200},
		})

		// Archived references still count; once every reference is gone the delete succeeds.
		e.admin.post(t, locationsPath+"/"+str(loc, "id")+"/archive", nil).want(t, 200)
		e.admin.del(t, contactsPath+"/"+str(c1, "id")).want(t, 204)
		e.admin.del(t, contactsPath+"/"+str(c2, "id")).want(t, 204)
		e.admin.del(t, assetsPath+"/"+str(asset, "id")).want(t, 204)
		r := e.admin.del(t, customersPath+"/"+busyID).want(t, 409)
		if got := r.fields(); !slices.Equal(got, []string{"locations"}) {
			t.Errorf("with only an archived location left: errors[].field = %v, want [locations]", got)
		}
		e.admin.del(t, locationsPath+"/"+str(loc, "id")).want(t, 204)
		e.admin.del(t, customersPath+"/"+busyID).want(t, 204)
	})
}

func TestAPICustomerCounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		acme := e.admin.create(t, customersPath, obj{"name": "Acme Build"})
		acmeID := str(acme, "id")
		other := e.admin.create(t, customersPath, obj{"name": "Zenith Build"})
		site := e.admin.create(t, locationsPath, obj{"name": "Acme Site", "customer_id": acmeID})
		depot := e.admin.create(t, locationsPath, obj{"name": "Own Depot"})
		asset := e.admin.create(t, assetsPath, obj{"name": "Dumper", "location_id": str(site, "id")})
		assetPath := assetsPath + "/" + str(asset, "id")
		if str(asset, "location_customer_id") != acmeID {
			t.Errorf("asset at a customer's site: location_customer_id %v, want %s", asset["location_customer_id"], acmeID)
		}

		counts := func(t *testing.T, want [4]float64) {
			t.Helper()
			// Both the list item and the single object carry the same counts.
			var item obj
			for _, c := range e.user.get(t, customersPath+"?q=acme").want(t, 200).data(t) {
				if str(c, "id") == acmeID {
					item = c
				}
			}
			single := e.user.get(t, customersPath+"/"+acmeID).want(t, 200).obj()
			for _, o := range []obj{item, single} {
				got := [4]float64{num(o, "location_count"), num(o, "assets_on_location_count"),
					num(o, "assets_owned_count"), num(o, "assets_owned_elsewhere_count")}
				if got != want {
					t.Errorf("counts (locations, on location, owned, owned elsewhere) = %v, want %v", got, want)
				}
			}
		}
		locationCount := func(t *testing.T, id string, want float64) {
			t.Helper()
			if got := num(e.user.get(t, locationsPath+"/"+id).want(t, 200).obj(), "asset_count"); got != want {
				t.Errorf("location asset_count = %v, want %v", got, want)
			}
		}

		counts(t, [4]float64{1, 1, 0, 0})
		locationCount(t, str(site, "id"), 1)

		// Re-owned by the customer while on its site: owned, not elsewhere.
		e.admin.patch(t, assetPath, obj{"owner_customer_id": acmeID}).want(t, 200)
		counts(t, [4]float64{1, 1, 1, 0})

		// Back at the own depot: still owned, now elsewhere.
		r := e.admin.patch(t, assetPath, obj{"location_id": str(depot, "id")}).want(t, 200)
		if r.obj()["location_customer_id"] != nil {
			t.Errorf("asset at an own depot: location_customer_id %v, want null", r.obj()["location_customer_id"])
		}
		counts(t, [4]float64{1, 0, 1, 1})
		locationCount(t, str(site, "id"), 0)
		locationCount(t, str(depot, "id"), 1)

		// In transit: no location at all, still owned elsewhere.
		e.admin.patch(t, assetPath, `{"location_id":null}`).want(t, 200)
		counts(t, [4]float64{1, 0, 1, 1})
		locationCount(t, str(depot, "id"), 0)

		// Archived objects leave the counts.
		e.admin.patch(t, assetPath, obj{"location_id": str(site, "id")}).want(t, 200)
		counts(t, [4]float64{1, 1, 1, 0})
		e.admin.post(t, assetPath+"/archive", nil).want(t, 200)
		counts(t, [4]float64{1, 0, 0, 0})
		locationCount(t, str(site, "id"), 0)
		e.admin.post(t, assetPath+"/unarchive", nil).want(t, 200)
		counts(t, [4]float64{1, 1, 1, 0})
		e.admin.post(t, locationsPath+"/"+str(site, "id")+"/archive", nil).want(t, 200)
		counts(t, [4]float64{0, 1, 1, 0})
		e.admin.post(t, locationsPath+"/"+str(site, "id")+"/unarchive", nil).want(t, 200)
		counts(t, [4]float64{1, 1, 1, 0})

		// Moving the site to another customer takes its assets along.
		e.admin.patch(t, locationsPath+"/"+str(site, "id"), obj{"customer_id": str(other, "id")}).want(t, 200)
		counts(t, [4]float64{0, 0, 1, 1})
		got := e.user.get(t, assetPath).want(t, 200).obj()
		if str(got, "location_customer_id") != str(other, "id") {
			t.Errorf("asset's location_customer_id %v after its location moved to %s", got["location_customer_id"], str(other, "id"))
		}

		// Counts sort: Zenith now has the asset on location, Acme owns it.
		first := func(sort string) string {
			items := e.user.get(t, customersPath+"?sort="+sort).want(t, 200).data(t)
			if len(items) == 0 {
				t.Fatalf("no customers sorted by %s", sort)
			}
			return str(items[0], "name")
		}
		for sort, want := range map[string]string{"-assets_on_location_count": "Zenith Build", "assets_on_location_count": "Acme Build",
			"-assets_owned_count": "Acme Build", "-assets_owned_elsewhere_count": "Acme Build", "-location_count": "Zenith Build",
			"-name": "Zenith Build", "name": "Acme Build"} {
			if got := first(sort); got != want {
				t.Errorf("sort=%s: first %q, want %q", sort, got, want)
			}
		}
	})
}

func TestAPICustomerListPagingSearchAndArchive(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		// Created out of order; the folded name order is the comment's.
		names := []struct{ name, typ, ref, email string }{
			{"Zeta Cranes", "dealer", "", ""},                        // 8
			{"Müller Bau", "rental", "CRM-77", ""},                   // 6
			{"alpha hire", "rental", "", ""},                         // 1
			{"Ørsted Lift", "oem", "", ""},                           // 7
			{"Bravo Tools", "dealer", "", ""},                        // 4
			{"Äpfel & Co", "other", "", ""},                          // 2
			{"muller ag", "contractor", "", "ops@muller-ag.example"}, // 5
			{"beta plant", "rental", "", ""},                         // 3
		}
		byName := map[string]string{}
		for _, n := range names {
			c := e.admin.create(t, customersPath, obj{"name": n.name, "type": n.typ, "external_ref": n.ref, "email": n.email})
			byName[n.name] = str(c, "id")
		}
		wantOrder := []string{"alpha hire", "Äpfel & Co", "beta plant", "Bravo Tools", "muller ag", "Müller Bau", "Ørsted Lift", "Zeta Cranes"}
		nameList := func(items []obj) []string {
			out := make([]string, len(items))
			for i, it := range items {
				out[i] = str(it, "name")
			}
			return out
		}

		// Every sort pages to the same sequence as one big page, without repeats or skips.
		for _, sort := range []string{"", "name", "-name", "type", "-type", "created_at", "-created_at", "updated_at",
			"location_count", "-assets_owned_count"} {
			q := "?sort=" + sort
			whole := e.user.get(t, customersPath+q+"&limit=500").want(t, 200).data(t)
			if len(whole) != len(names) {
				t.Fatalf("sort=%s: %d customers, want %d", sort, len(whole), len(names))
			}
			for _, limit := range []string{"2", "3"} {
				paged := e.user.walk(t, customersPath+q+"&limit="+limit, int(limit[0]-'0'))
				if !slices.Equal(ids(paged), ids(whole)) {
					t.Errorf("sort=%s limit=%s: paged %v, want %v", sort, limit, nameList(paged), nameList(whole))
				}
			}
			switch sort {
			case "", "name":
				if got := nameList(whole); !slices.Equal(got, wantOrder) {
					t.Errorf("sort=%q: %v, want the folded-name order %v", sort, got, wantOrder)
				}
			case "-name":
				rev := slices.Clone(wantOrder)
				slices.Reverse(rev)
				if got := nameList(whole); !slices.Equal(got, rev) {
					t.Errorf("sort=-name: %v, want %v", got, rev)
				}
			case "created_at":
				if got := nameList(whole); got[0] != "Zeta Cranes" || got[len(got)-1] != "beta plant" {
					t.Errorf("sort=created_at: %v", got)
				}
			}
		}

		// A cursor only continues the list it came from.
		r := e.user.get(t, customersPath+"?sort=name&limit=2").want(t, 200)
		cur := r.next()
		if cur == "" {
			t.Fatal("no next_cursor on a first page of 2 of 8")
		}
		runScenarios(t, []scenario{
			{name: "cursor continues its list", as: e.user, method: "GET", path: customersPath + "?sort=name&limit=2&cursor=" + cur, want: 200},
			{name: "cursor with another sort", as: e.user, method: "GET", path: customersPath + "?sort=-name&limit=2&cursor=" + cur, want: 422, field: "cursor"},
			{name: "cursor with another q", as: e.user, method: "GET", path: customersPath + "?sort=name&q=bau&limit=2&cursor=" + cur, want: 422, field: "cursor"},
			{name: "cursor with another status", as: e.user, method: "GET", path: customersPath + "?sort=name&status=all&limit=2&cursor=" + cur, want: 422, field: "cursor"},
			{name: "cursor with another type", as: e.user, method: "GET", path: customersPath + "?sort=name&type=rental&limit=2&cursor=" + cur, want: 422, field: "cursor"},
			{name: "cursor with another limit is fine", as: e.user, method: "GET", path: customersPath + "?sort=name&limit=3&cursor=" + cur, want: 200},
		})

		// Search: case- and accent-insensitive substrings of the name, the external reference
		// and the email.
		search := func(t *testing.T, query string) []string {
			t.Helper()
			got := nameList(e.user.get(t, customersPath+"?"+query).want(t, 200).data(t))
			slices.Sort(got)
			return got
		}
		for query, want := range map[string][]string{
			"q=mull":              {"Müller Bau", "muller ag"},
			"q=M%C3%9CLL":         {"Müller Bau", "muller ag"}, // MÜLL
			"q=%C3%BCller":        {"Müller Bau", "muller ag"}, // üller: a substring, not a prefix
			"q=orsted":            {"Ørsted Lift"},
			"q=apfel":             {"Äpfel & Co"},
			"q=crm-77":            {"Müller Bau"},
			"q=muller-ag.example": {"muller ag"},
			"q=cranes":            {"Zeta Cranes"},
			"q=nothing-like-this": {},
			"type=rental":         {"Müller Bau", "alpha hire", "beta plant"},
			"type=rental&q=plant": {"beta plant"},
			"q=%20%20bravo%20%20": {"Bravo Tools"},
		} {
			if got := search(t, query); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: %v, want %v", query, got, want)
			}
		}

		// Archive: hidden by default, shown by status=archived, found by status=all with q.
		zeta := customersPath + "/" + byName["Zeta Cranes"]
		e.admin.post(t, zeta+"/archive", nil).want(t, 200)
		r = e.admin.post(t, zeta+"/archive", nil).want(t, 200) // archiving again changes nothing
		checkMeta(t, "archived customer", r.obj(), true)
		if got := search(t, "sort=name"); slices.Contains(got, "Zeta Cranes") || len(got) != 7 {
			t.Errorf("default list shows the archived customer: %v", got)
		}
		if got := search(t, "status=archived"); !slices.Equal(got, []string{"Zeta Cranes"}) {
			t.Errorf("status=archived: %v", got)
		}
		if got := search(t, "status=all&q=zeta"); !slices.Equal(got, []string{"Zeta Cranes"}) {
			t.Errorf("status=all&q=zeta: %v", got)
		}
		if got := search(t, "q=zeta"); len(got) != 0 {
			t.Errorf("q=zeta without status: %v, want nothing (archived)", got)
		}
		if got := search(t, "status=all"); len(got) != 8 {
			t.Errorf("status=all: %d customers, want 8", len(got))
		}
		checkMeta(t, "archived customer by id", e.user.get(t, zeta).want(t, 200).obj(), true)
		// A reference to an archived customer is allowed.
		a := e.admin.create(t, assetsPath, obj{"name": "Old Crane", "owner_customer_id": byName["Zeta Cranes"]})
		if str(a, "owner_customer_id") != byName["Zeta Cranes"] {
			t.Errorf("asset owned by an archived customer: %v", a["owner_customer_id"])
		}
		e.admin.post(t, zeta+"/unarchive", nil).want(t, 200)
		if got := search(t, "q=zeta"); !slices.Equal(got, []string{"Zeta Cranes"}) {
			t.Errorf("after unarchive, q=zeta: %v", got)
		}
		events := e.admin.get(t, auditPath+"?object_id="+byName["Zeta Cranes"]).want(t, 200).data(t)
		var actions []string
		for _, ev := range events {
			actions = append(actions, str(ev, "action"))
		}
		if !slices.Equal(actions, []string{"unarchive", "archive", "create"}) {
			t.Errorf("audit of an archived and unarchived customer: %v, want [unarchive archive create] (newest first; archiving twice records once)", actions)
		}
	})
}

// lowerRefID finds the customer with external_ref crm-1.
func lowerRefID(t *testing.T, e *apiEnv) string {
	t.Helper()
	items := e.user.get(t, customersPath+"?q=lower+ref").want(t, 200).data(t)
	if len(items) != 1 {
		t.Fatalf("q=lower ref: %d customers", len(items))
	}
	return str(items[0], "id")
}
