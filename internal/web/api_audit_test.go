package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	auditPath    = "/api/v1/audit"
	auditCSVPath = "/api/v1/audit.csv"
)

var auditKeys = []string{"id", "at", "actor", "account_id", "actor_account_id", "request_id", "source", "action",
	"object_type", "object_id", "object_name", "customer_id", "changes"}

// change returns the event's change of field, or nil.
func change(ev obj, field string) obj {
	changes, _ := ev["changes"].([]any)
	for _, c := range changes {
		if m, ok := c.(map[string]any); ok && m["field"] == field {
			return m
		}
	}
	return nil
}

func TestAPIAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		// A customer with a contact and a location, an asset referencing both, and a second
		// customer whose events must not mix in. The first create names its request id.
		r := e.admin.post(t, customersPath, obj{"name": "Audit Co", "type": "dealer", "address": obj{"city": "Köln", "country": "DE"}},
			"X-Request-Id", "req-audit-create-1").want(t, 201)
		if r.Header.Get("X-Request-Id") != "req-audit-create-1" {
			t.Errorf("X-Request-Id %q, want the client's", r.Header.Get("X-Request-Id"))
		}
		c := r.obj()
		cID := str(c, "id")
		other := e.admin.create(t, customersPath, obj{"name": "Bystander"})
		ct := e.admin.create(t, customersPath+"/"+cID+"/contacts", obj{"name": "Audit Contact"})
		site := e.admin.create(t, locationsPath, obj{"name": "Audit Site", "customer_id": cID})
		e.admin.create(t, locationsPath, obj{"name": "Bystander Site", "customer_id": str(other, "id")})
		asset := e.fleet.create(t, assetsPath, obj{"name": "Audit Asset", "owner_customer_id": cID, "location_id": str(site, "id")})
		e.admin.patch(t, customersPath+"/"+cID, obj{"address": obj{"city": "Bonn"}}).want(t, 200)
		e.admin.patch(t, contactsPath+"/"+str(ct, "id"), obj{"title": "Boss"}).want(t, 200)
		e.admin.patch(t, customersPath+"/"+cID, obj{"name": "Audit Co Renamed"}).want(t, 200)
		e.admin.patch(t, assetsPath+"/"+str(asset, "id"), `{"owner_customer_id":null}`).want(t, 200)
		e.admin.post(t, customersPath+"/"+cID+"/archive", nil).want(t, 200)
		e.admin.post(t, customersPath+"/"+cID+"/unarchive", nil).want(t, 200)
		e.admin.del(t, contactsPath+"/"+str(ct, "id")).want(t, 204)

		events := e.user.get(t, auditPath+"?customer_id="+cID).want(t, 200).data(t)
		type ev struct{ objectType, action string }
		var got []ev
		for _, x := range events {
			requireKeys(t, "audit event", x, auditKeys...)
			got = append(got, ev{str(x, "object_type"), str(x, "action")})
			if str(x, "customer_id") != cID || str(x, "account_id") != e.accountID || str(x, "actor_account_id") != e.accountID ||
				str(x, "source") != "api" || str(x, "actor.type") != "api_key" || str(x, "actor.name") == "" || str(x, "actor.id") == "" ||
				!timeRE.MatchString(str(x, "at")) || str(x, "request_id") == "" {
				t.Errorf("audit event: %v", x)
			}
		}
		want := []ev{{"contact", "delete"}, {"customer", "unarchive"}, {"customer", "archive"}, {"customer", "update"},
			{"contact", "update"}, {"customer", "update"}, {"location", "create"}, {"contact", "create"}, {"customer", "create"}}
		if !slices.Equal(got, want) {
			t.Errorf("audit?customer_id, newest first:\n got %v\nwant %v", got, want)
		}
		if len(events) != len(want) {
			t.FailNow()
		}

		// The create lists every field set, nested ones dotted, and names its request.
		create := events[8]
		if str(create, "request_id") != "req-audit-create-1" || str(create, "object_name") != "Audit Co" || str(create, "actor.id") != e.admin.keyID {
			t.Errorf("create event: %v", create)
		}
		for field, want := range map[string]string{"name": "Audit Co", "type": "dealer", "address.city": "Köln", "address.country": "DE"} {
			if ch := change(create, field); ch == nil || ch["new"] != want || ch["old"] != nil {
				t.Errorf("create event change %s = %v, want new %q", field, ch, want)
			}
		}
		if change(create, "email") != nil || change(create, "address") != nil {
			t.Errorf("create event lists unset or undotted fields: %v", create["changes"])
		}
		// An update lists only what changed, with the old value; the name at the time is kept.
		upd := events[5]
		if ch := change(upd, "address.city"); ch == nil || ch["old"] != "Köln" || ch["new"] != "Bonn" || len(upd["changes"].([]any)) != 1 {
			t.Errorf("update event changes %v", upd["changes"])
		}
		if str(upd, "object_name") != "Audit Co" || str(events[3], "object_name") != "Audit Co Renamed" {
			t.Errorf("object_name at the time: %q then %q", str(upd, "object_name"), str(events[3], "object_name"))
		}
		// A reference field carries the id and a label with the name at that time.
		loc := events[6]
		if ch := change(loc, "customer_id"); ch == nil || ch["new"] != cID || ch["new_label"] != "Audit Co" {
			t.Errorf("location create change customer_id %v, want new %s labelled Audit Co", ch, cID)
		}
		if ch := change(events[2], "archived_at"); ch == nil || !timeRE.MatchString(str(ch, "new")) {
			t.Errorf("archive event changes %v", events[2]["changes"])
		}
		// A delete lists every field; the deleted object's history stays readable.
		del := events[0]
		if ch := change(del, "name"); ch == nil || ch["old"] != "Audit Contact" || ch["new"] != nil {
			t.Errorf("delete event name change %v", ch)
		}
		if ch := change(del, "title"); ch == nil || ch["old"] != "Boss" {
			t.Errorf("delete event title change %v", ch)
		}
		if n := len(e.user.get(t, auditPath+"?object_id="+str(ct, "id")).want(t, 200).data(t)); n != 3 {
			t.Errorf("history of a deleted contact: %d events, want 3", n)
		}

		// The asset's events name the customers by label; the fleet key is its actor.
		aev := e.user.get(t, auditPath+"?object_id="+str(asset, "id")).want(t, 200).data(t)
		if len(aev) != 2 {
			t.Fatalf("asset events: %d, want 2", len(aev))
		}
		if ch := change(aev[0], "owner_customer_id"); ch == nil || ch["old"] != cID || ch["old_label"] != "Audit Co Renamed" || ch["new"] != nil {
			t.Errorf("asset re-own change %v", ch)
		}
		if ch := change(aev[1], "location_id"); ch == nil || ch["new"] != str(site, "id") || ch["new_label"] != "Audit Site" {
			t.Errorf("asset create change location_id %v", ch)
		}
		if str(aev[1], "actor.id") != e.fleet.keyID || !strings.Contains(str(aev[1], "actor.name"), "fleet") {
			t.Errorf("asset create actor %v, want the fleet key", aev[1]["actor"])
		}

		// Filters.
		count := func(t *testing.T, query string) int {
			t.Helper()
			return len(e.admin.get(t, auditPath+"?"+query).want(t, 200).data(t))
		}
		now := time.Now().UTC()
		for query, want := range map[string]int{
			"customer_id=" + cID + "&object_type=contact": 3,
			"customer_id=" + cID + "&action=update":       3,
			"object_type=location":                        2,
			"object_type=asset&action=create":             1,
			"actor_id=" + e.fleet.keyID:                   1,
			"source=api&object_id=" + cID:                 5,
			"source=system&object_id=" + cID:              0,
			"object_id=" + cID + "&from=" + url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)): 5,
			"object_id=" + cID + "&to=" + url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)):   0,
			"object_id=" + cID + "&from=" + now.Add(time.Hour).Format(time.RFC3339Nano):               0,
		} {
			if got := count(t, query); got != want {
				t.Errorf("audit?%s: %d events, want %d", query, got, want)
			}
		}
		runScenarios(t, []scenario{
			{name: "bad source", as: e.admin, method: "GET", path: auditPath + "?source=fax", want: 422, field: "source"},
			{name: "bad from", as: e.admin, method: "GET", path: auditPath + "?from=yesterday", want: 422, field: "from"},
			{name: "to before from", as: e.admin, method: "GET", path: auditPath + "?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", want: 422, field: "to"},
			{name: "limit over 500", as: e.admin, method: "GET", path: auditPath + "?limit=501", want: 422, field: "limit"},
			{name: "unknown filter", as: e.admin, method: "GET", path: auditPath + "?user=x", want: 422, field: "user"},
			{name: "sort is not a filter of the log", as: e.admin, method: "GET", path: auditPath + "?sort=at", want: 422, field: "sort"},
		})

		// Paging, and a cursor bound to its filters.
		whole := e.admin.get(t, auditPath+"?limit=500").want(t, 200).data(t)
		if len(whole) < 15 {
			t.Errorf("account-wide log: %d events", len(whole))
		}
		for _, limit := range []int{2, 3} {
			paged := e.admin.walk(t, auditPath+"?limit="+strconv.Itoa(limit), limit)
			if !slices.Equal(ids(paged), ids(whole)) {
				t.Errorf("audit limit %d: %d paged events differ from the %d of one page", limit, len(paged), len(whole))
			}
			byCustomer := e.user.walk(t, auditPath+"?customer_id="+cID+"&limit="+strconv.Itoa(limit), limit)
			if !slices.Equal(ids(byCustomer), ids(events)) {
				t.Errorf("audit?customer_id limit %d: paged events differ", limit)
			}
		}
		first := e.admin.get(t, auditPath+"?customer_id="+cID+"&limit=2").want(t, 200)
		e.admin.get(t, auditPath+"?customer_id="+str(other, "id")+"&limit=2&cursor="+first.next()).want(t, 422)
		e.admin.get(t, auditPath+"?customer_id="+cID+"&action=update&limit=2&cursor="+first.next()).want(t, 422)
	})
}

func TestAPIAuditCSV(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "=SUM(A1)", "notes": "+1 formula"})
		e.admin.create(t, customersPath+"/"+str(c, "id")+"/contacts", obj{"name": "@mention", "title": "-minus"})
		e.admin.create(t, customersPath, obj{"name": "Plain, \"Quoted\" Name"})

		readCSV := func(t *testing.T, as *apiClient, query string) [][]string {
			t.Helper()
			r := as.get(t, auditCSVPath+query).want(t, 200)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Content-Type %q, want text/csv", ct)
			}
			recs, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
			if err != nil {
				t.Fatalf("audit.csv is not CSV: %v\n%s", err, r.Raw)
			}
			if len(recs) == 0 {
				t.Fatal("audit.csv without a header row")
			}
			return recs
		}
		recs := readCSV(t, e.admin, "")
		header := recs[0]
		for _, col := range []string{"id", "at", "actor_type", "actor_id", "actor_name", "source", "action", "object_type",
			"object_id", "object_name", "customer_id", "changes"} {
			if !slices.Contains(header, col) {
				t.Errorf("audit.csv header %v lacks %s", header, col)
			}
		}
		col := func(name string) int { return slices.Index(header, name) }
		var names []string
		for _, rec := range recs[1:] {
			if len(rec) != len(header) {
				t.Fatalf("row of %d cells under a header of %d", len(rec), len(header))
			}
			names = append(names, rec[col("object_name")])
			var changes []map[string]any
			if err := json.Unmarshal([]byte(rec[col("changes")]), &changes); err != nil {
				t.Errorf("changes cell %q is not JSON: %v", rec[col("changes")], err)
			}
		}
		for _, want := range []string{"'=SUM(A1)", "'@mention", `Plain, "Quoted" Name`} {
			if !slices.Contains(names, want) {
				t.Errorf("audit.csv object_name cells %q lack %q", names, want)
			}
		}
		if slices.Contains(names, "=SUM(A1)") {
			t.Error("a formula cell is not neutralised")
		}

		// The CSV takes the list's filters, and readers may export one customer's history.
		recs = readCSV(t, e.user, "?customer_id="+str(c, "id"))
		if len(recs) != 3 {
			t.Errorf("audit.csv?customer_id: %d rows, want header + 2", len(recs))
		}
		recs = readCSV(t, e.admin, "?object_type=contact&action=revoke")
		if len(recs) != 1 {
			t.Errorf("audit.csv with no events: %d rows, want the header only", len(recs))
		}
		runScenarios(t, []scenario{
			{name: "bad filter", as: e.admin, method: "GET", path: auditCSVPath + "?source=fax", want: 422, field: "source"},
			{name: "no paging", as: e.admin, method: "GET", path: auditCSVPath + "?limit=10", want: 422, field: "limit"},
			{name: "needs a key", as: e.anonymous(), method: "GET", path: auditCSVPath, want: 401},
		})
	})
}
