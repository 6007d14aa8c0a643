package web_test

import (
	"slices"
	"testing"
)

const contactsPath = "/api/v1/contacts"

var contactKeys = []string{"id", "account_id", "customer_id", "name", "kind", "email", "phone", "title",
	"external_ref", "created_at", "updated_at", "archived_at"}

func TestAPIContacts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		cust := e.admin.create(t, customersPath, obj{"name": "Hansa Bau"})
		custID := str(cust, "id")
		ofCust := customersPath + "/" + custID + "/contacts"
		other := e.admin.create(t, customersPath, obj{"name": "Other Bau"})
		ofOther := customersPath + "/" + str(other, "id") + "/contacts"

		var ann obj
		runScenarios(t, []scenario{
			{name: "create a person", as: e.admin, method: "POST", path: ofCust, want: 201,
				body: obj{"name": "Ann Jäger", "email": "ann@hansa.example", "phone": "+49 40 1", "title": "Site manager", "external_ref": "P-1"},
				check: func(t *testing.T, r *result) {
					ann = r.obj()
					requireKeys(t, "contact", ann, contactKeys...)
					checkMeta(t, "contact", ann, false)
					if str(ann, "kind") != "person" || str(ann, "customer_id") != custID || str(ann, "account_id") != e.accountID {
						t.Errorf("contact: %s", r.Raw)
					}
					if r.Header.Get("Location") != contactsPath+"/"+str(ann, "id") {
						t.Errorf("Location %q", r.Header.Get("Location"))
					}
					r.etag(t)
				}},
			{name: "create a department", as: e.fleet, method: "POST", path: ofCust, body: obj{"name": "Dispatch", "kind": "department"}, want: 201},
			{name: "create a call centre", as: e.fleet, method: "POST", path: ofOther, body: obj{"name": "Hotline", "kind": "call_centre"}, want: 201},
			{name: "name missing", as: e.admin, method: "POST", path: ofCust, body: obj{"kind": "person"}, want: 422, field: "name"},
			{name: "bad kind", as: e.admin, method: "POST", path: ofCust, body: obj{"name": "x", "kind": "robot"}, want: 422, field: "kind"},
			{name: "bad email", as: e.admin, method: "POST", path: ofCust, body: obj{"name": "x", "email": "x@"}, want: 422, field: "email"},
			{name: "bad phone", as: e.admin, method: "POST", path: ofCust, body: obj{"name": "x", "phone": "n/a"}, want: 422, field: "phone"},
			{name: "unknown field", as: e.admin, method: "POST", path: ofCust, body: obj{"name": "x", "customer": "y"}, want: 422, field: "customer"},
			{name: "wrong JSON type", as: e.admin, method: "POST", path: ofCust, body: `{"name":["x"]}`, want: 422, field: "name"},
			{name: "malformed JSON", as: e.admin, method: "POST", path: ofCust, body: `{`, want: 400},
			{name: "duplicate external_ref", as: e.admin, method: "POST", path: ofOther, body: obj{"name": "Dup", "external_ref": " P-1 "}, want: 409, field: "external_ref"},
			{name: "external_ref is case-sensitive", as: e.admin, method: "POST", path: ofOther, body: obj{"name": "Case", "external_ref": "p-1"}, want: 201},
			{name: "unknown customer in the path is 404", as: e.admin, method: "POST", path: customersPath + "/nope/contacts", body: obj{"name": "x"}, want: 404},
			{name: "contacts of an unknown customer is 404", as: e.admin, method: "GET", path: customersPath + "/nope/contacts", want: 404},
		})
		annPath := contactsPath + "/" + str(ann, "id")

		// Lists: one customer's, across customers, filtered.
		names := func(path string) []string {
			var out []string
			for _, c := range e.user.get(t, path).want(t, 200).data(t) {
				requireKeys(t, "contact list item", c, contactKeys...)
				out = append(out, str(c, "name"))
			}
			return out
		}
		if got := names(ofCust); !slices.Equal(got, []string{"Ann Jäger", "Dispatch"}) {
			t.Errorf("contacts of the customer: %v", got)
		}
		if got := names(contactsPath); !slices.Equal(got, []string{"Ann Jäger", "Case", "Dispatch", "Hotline"}) {
			t.Errorf("all contacts: %v", got)
		}
		if got := names(contactsPath + "?customer_id=" + str(other, "id")); !slices.Equal(got, []string{"Case", "Hotline"}) {
			t.Errorf("contacts?customer_id: %v", got)
		}
		if got := names(contactsPath + "?q=jager"); !slices.Equal(got, []string{"Ann Jäger"}) {
			t.Errorf("contacts?q=jager: %v", got)
		}
		if got := names(contactsPath + "?sort=-name&limit=1"); !slices.Equal(got, []string{"Hotline"}) {
			t.Errorf("contacts?sort=-name&limit=1: %v", got)
		}

		// Read, merge-patch, ETags, archive, delete.
		etag := e.user.get(t, annPath).want(t, 200).etag(t)
		runScenarios(t, []scenario{
			{name: "patch the title only", as: e.admin, method: "PATCH", path: annPath, body: obj{"title": "Director"},
				headers: h{"If-Match", etag}, want: 200, check: func(t *testing.T, r *result) {
					o := r.obj()
					if str(o, "title") != "Director" || str(o, "email") != "ann@hansa.example" || str(o, "kind") != "person" {
						t.Errorf("after PATCH title: %s", r.Raw)
					}
					if r.etag(t) == etag {
						t.Error("ETag unchanged by a change")
					}
				}},
			{name: "stale If-Match", as: e.admin, method: "PATCH", path: annPath, body: obj{"title": "CEO"}, headers: h{"If-Match", etag}, want: 412},
			{name: "null clears the email", as: e.admin, method: "PATCH", path: annPath, body: `{"email":null}`, want: 200,
				check: func(t *testing.T, r *result) {
					if r.obj()["email"] != "" || str(r.obj(), "title") != "Director" {
						t.Errorf("after email: null: %s", r.Raw)
					}
				}},
			{name: "name null", as: e.admin, method: "PATCH", path: annPath, body: `{"name":null}`, want: 422, field: "name"},
			{name: "bad kind", as: e.admin, method: "PATCH", path: annPath, body: obj{"kind": "robot"}, want: 422, field: "kind"},
			{name: "customer_id is not patchable", as: e.admin, method: "PATCH", path: annPath, body: obj{"customer_id": str(other, "id")}, want: 422, field: "customer_id"},
			{name: "stale If-Match on archive", as: e.admin, method: "POST", path: annPath + "/archive", headers: h{"If-Match", etag}, want: 412},
			{name: "archive", as: e.admin, method: "POST", path: annPath + "/archive", want: 200,
				check: func(t *testing.T, r *result) { checkMeta(t, "archived contact", r.obj(), true) }},
			{name: "archived contacts are hidden", as: e.user, method: "GET", path: ofCust, want: 200, check: func(t *testing.T, r *result) {
				if got := ids(r.data(t)); slices.Contains(got, str(ann, "id")) {
					t.Errorf("archived contact listed: %v", got)
				}
			}},
			{name: "status=archived shows them", as: e.user, method: "GET", path: contactsPath + "?status=archived", want: 200,
				check: func(t *testing.T, r *result) {
					if got := ids(r.data(t)); !slices.Equal(got, []string{str(ann, "id")}) {
						t.Errorf("status=archived: %v", got)
					}
				}},
			{name: "status=all with q finds them", as: e.user, method: "GET", path: contactsPath + "?status=all&q=ann", want: 200,
				check: func(t *testing.T, r *result) {
					if got := ids(r.data(t)); !slices.Equal(got, []string{str(ann, "id")}) {
						t.Errorf("status=all&q=ann: %v", got)
					}
				}},
			{name: "unarchive", as: e.admin, method: "POST", path: annPath + "/unarchive", want: 200,
				check: func(t *testing.T, r *result) { checkMeta(t, "unarchived contact", r.obj(), false) }},
			{name: "stale If-Match on delete", as: e.admin, method: "DELETE", path: annPath, headers: h{"If-Match", etag}, want: 412},
			{name: "delete", as: e.admin, method: "DELETE", path: annPath, want: 204},
			{name: "deleted is gone", as: e.user, method: "GET", path: annPath, want: 404},
			{name: "unknown id on patch", as: e.admin, method: "PATCH", path: contactsPath + "/nope", body: obj{"name": "x"}, want: 404},
			{name: "unknown id on archive", as: e.admin, method: "POST", path: contactsPath + "/nope/archive", want: 404},
			{name: "unknown id on unarchive", as: e.admin, method: "POST", path: contactsPath + "/nope/unarchive", want: 404},
			{name: "unknown id on delete", as: e.admin, method: "DELETE", path: contactsPath + "/nope", want: 404},
			{name: "bad list status", as: e.user, method: "GET", path: contactsPath + "?status=gone", want: 422, field: "status"},
			{name: "bad list sort", as: e.user, method: "GET", path: contactsPath + "?sort=email", want: 422, field: "sort"},
			{name: "list limit over 500", as: e.user, method: "GET", path: ofCust + "?limit=1000", want: 422, field: "limit"},
		})

		// Paging across customers and within one.
		for i := range 5 {
			e.fleet.create(t, ofOther, obj{"name": "Agent " + string(rune('A'+i))})
		}
		for _, path := range []string{contactsPath + "?sort=name", ofOther + "?sort=-created_at", contactsPath + "?customer_id=" + str(other, "id")} {
			whole := e.user.get(t, path+"&limit=500").want(t, 200).data(t)
			for _, limit := range []int{2, 3} {
				paged := e.user.walk(t, path+"&limit="+string(rune('0'+limit)), limit)
				if !slices.Equal(ids(paged), ids(whole)) {
					t.Errorf("%s limit %d: paged %v, want %v", path, limit, ids(paged), ids(whole))
				}
			}
		}
	})
}
