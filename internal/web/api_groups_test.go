package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

const groupsPath = "/api/v1/groups"

var groupKeys = []string{"id", "account_id", "name", "description", "asset_count", "user_count", "created_at", "updated_at", "archived_at"}

func TestAPIGroups(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		x1 := e.admin.create(t, assetsPath, obj{"name": "Crane 1"})
		x2 := e.admin.create(t, assetsPath, obj{"name": "Crane 2"})
		x3 := e.admin.create(t, assetsPath, obj{"name": "Hidden 3"})
		foreign := e.other.create(t, assetsPath, obj{"name": "Globex crane"})
		otherGroup := e.other.create(t, groupsPath, obj{"name": "Globex group"})
		id1, id2, id3 := str(x1, "id"), str(x2, "id"), str(x3, "id")

		var g obj
		var gPath string
		many := make([]string, steward.MaxMembers+1)
		for i := range many {
			many[i] = id1
		}
		runScenarios(t, []scenario{
			{name: "create", as: e.fleet, method: "POST", path: groupsPath, body: obj{"name": "North yard", "description": "cranes"}, want: 201,
				check: func(t *testing.T, r *result) {
					g = r.obj()
					requireKeys(t, "group", g, groupKeys...)
					gPath = groupsPath + "/" + str(g, "id")
					if r.Header.Get("Location") != gPath || num(g, "asset_count") != 0 || num(g, "user_count") != 0 {
						t.Errorf("group: %s (Location %q)", r.Raw, r.Header.Get("Location"))
					}
					r.etag(t)
				}},
			{name: "same name folded", as: e.admin, method: "POST", path: groupsPath, body: obj{"name": "NORTH Yard"}, want: 409, field: "name"},
			{name: "name missing", as: e.admin, method: "POST", path: groupsPath, body: obj{"description": "x"}, want: 422, field: "name"},
			{name: "invisible characters", as: e.admin, method: "POST", path: groupsPath, body: obj{"name": "a\u200bb"}, want: 422, field: "name"},
			{name: "unknown field", as: e.admin, method: "POST", path: groupsPath, body: obj{"name": "x", "asset_ids": []string{}}, want: 422, field: "asset_ids"},
			{name: "technician may not create", as: e.tech, method: "POST", path: groupsPath, body: `not even JSON`, want: 403},
			{name: "user may not create", as: e.user, method: "POST", path: groupsPath, body: obj{"name": "x"}, want: 403},
		})
		runScenarios(t, []scenario{
			{name: "add assets", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{"asset_ids": []string{id1, id2, id1}}, want: 204},
			{name: "add again is a no-op", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{"asset_ids": []string{id2}}, want: 204},
			{name: "counts", as: e.user, method: "GET", path: gPath, want: 200, check: func(t *testing.T, r *result) {
				if num(r.obj(), "asset_count") != 2 {
					t.Errorf("group: %s", r.Raw)
				}
			}},
			{name: "another org's asset is 422 by index", as: e.fleet, method: "POST", path: gPath + "/assets",
				body: obj{"asset_ids": []string{id3, str(foreign, "id")}}, want: 422, field: "asset_ids[1]"},
			{name: "malformed id", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{"asset_ids": []string{"x y"}}, want: 422, field: "asset_ids[0]"},
			{name: "empty list", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{"asset_ids": []string{}}, want: 422, field: "asset_ids"},
			{name: "list missing", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{}, want: 422, field: "asset_ids"},
			{name: "1,001 ids", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{"asset_ids": many}, want: 422, field: "asset_ids"},
			{name: "10,000 ids", as: e.fleet, method: "DELETE", path: gPath + "/assets", body: obj{"asset_ids": slices.Repeat(many[:1], 10000)}, want: 422, field: "asset_ids"},
			{name: "not a list", as: e.fleet, method: "POST", path: gPath + "/assets", body: obj{"asset_ids": id1}, want: 422, field: "asset_ids"},
			{name: "technician before the body", as: e.tech, method: "POST", path: gPath + "/assets", body: `{"asset_ids":`, want: 403},
			{name: "another org's group is 404", as: e.other, method: "POST", path: gPath + "/assets",
				body: obj{"asset_ids": []string{str(foreign, "id")}}, want: 404},
			{name: "our asset into their group is 404", as: e.admin, method: "POST", path: groupsPath + "/" + str(otherGroup, "id") + "/assets",
				body: obj{"asset_ids": []string{id1}}, want: 404},
			{name: "remove", as: e.fleet, method: "DELETE", path: gPath + "/assets", body: obj{"asset_ids": []string{id1, id3}}, want: 204},
			{name: "list by group", as: e.user, method: "GET", path: assetsPath + "?group_id=" + str(g, "id"), want: 200,
				check: func(t *testing.T, r *result) {
					if d := r.data(t); len(d) != 1 || str(d[0], "id") != id2 {
						t.Errorf("group's assets: %s", r.Raw)
					}
				}},
			{name: "group_id of another org is 422", as: e.admin, method: "GET", path: assetsPath + "?group_id=" + str(otherGroup, "id"), want: 422, field: "group_id"},
			{name: "rename under If-Match", as: e.fleet, method: "PATCH", path: gPath, body: obj{"name": "North"}, headers: h{"If-Match", `"1"`}, want: 200},
			{name: "stale If-Match", as: e.fleet, method: "PATCH", path: gPath, body: obj{"name": "N"}, headers: h{"If-Match", `"1"`}, want: 412},
			{name: "archive", as: e.fleet, method: "POST", path: gPath + "/archive", want: 200, check: func(t *testing.T, r *result) {
				if r.obj()["archived_at"] == nil {
					t.Errorf("archive: %s", r.Raw)
				}
			}},
			{name: "archived is out of the default list", as: e.user, method: "GET", path: groupsPath, want: 200, check: func(t *testing.T, r *result) {
				if len(r.data(t)) != 0 {
					t.Errorf("groups: %s", r.Raw)
				}
			}},
			{name: "status=all lists it", as: e.user, method: "GET", path: groupsPath + "?status=all&sort=-asset_count", want: 200, check: func(t *testing.T, r *result) {
				if len(r.data(t)) != 1 {
					t.Errorf("groups: %s", r.Raw)
				}
			}},
			{name: "unarchive", as: e.fleet, method: "POST", path: gPath + "/unarchive", want: 200},
			{name: "another org reads 404", as: e.other, method: "GET", path: gPath, want: 404},
		})

		// A user scoped to the group sees its assets only, and counts of those.
		cust := e.admin.create(t, customersPath, obj{"name": "Scoped customer"})
		e.admin.patch(t, assetsPath+"/"+id2, obj{"owner_customer_id": str(cust, "id")}).want(t, 200)
		e.admin.patch(t, assetsPath+"/"+id3, obj{"owner_customer_id": str(cust, "id")}).want(t, 200)
		scoped := e.scopedKey(t, str(g, "id"))
		runScenarios(t, []scenario{
			{name: "scoped list", as: scoped, method: "GET", path: assetsPath, want: 200, check: func(t *testing.T, r *result) {
				if d := r.data(t); len(d) != 1 || str(d[0], "id") != id2 {
					t.Errorf("scoped assets: %s", r.Raw)
				}
			}},
			{name: "scoped detail of an invisible asset", as: scoped, method: "GET", path: assetsPath + "/" + id3, want: 404},
			{name: "scoped movements of an invisible asset", as: scoped, method: "GET", path: assetsPath + "/" + id3 + "/movements", want: 404},
			{name: "scoped customer counts", as: scoped, method: "GET", path: customersPath + "/" + str(cust, "id"), want: 200,
				check: func(t *testing.T, r *result) {
					if num(r.obj(), "assets_owned_count") != 1 {
						t.Errorf("scoped customer: %s", r.Raw)
					}
				}},
			{name: "unscoped customer counts", as: e.admin, method: "GET", path: customersPath + "/" + str(cust, "id"), want: 200,
				check: func(t *testing.T, r *result) {
					if num(r.obj(), "assets_owned_count") != 2 {
						t.Errorf("customer: %s", r.Raw)
					}
				}},
			{name: "scoped list sorted by a count", as: scoped, method: "GET", path: customersPath + "?sort=-assets_owned_count&limit=1", want: 200,
				check: func(t *testing.T, r *result) {
					if d := r.data(t); len(d) != 1 || num(d[0], "assets_owned_count") != 1 {
						t.Errorf("scoped customers: %s", r.Raw)
					}
				}},
			{name: "scoped audit of an invisible asset is empty", as: scoped, method: "GET", path: "/api/v1/audit?object_id=" + id3, want: 200,
				check: func(t *testing.T, r *result) {
					if len(r.data(t)) != 0 {
						t.Errorf("scoped audit: %s", r.Raw)
					}
				}},
		})
		e.fleet.do(t, "DELETE", gPath, nil).want(t, 204)
		e.fleet.get(t, gPath).want(t, 404)
	})
}

// scopedKey makes a user of the environment's organization whose fleet is the given groups, and
// returns a client with an API key acting as it.
func (e *apiEnv) scopedKey(t *testing.T, groupIDs ...string) *apiClient {
	t.Helper()
	ctx := context.Background()
	email := uniqueEmail("scoped")
	id := fmt.Sprintf("scoped-%d", orgSeq.Add(1))
	// No service creates users yet (the users work does): insert one as the store would.
	_, dsn := storetest.Shared(t, e.engine)
	driver, source, q := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)", "INSERT INTO users (id, account_id, email, email_key, name, role, fleet_visibility, active, created_at, updated_at) VALUES (?, ?, ?, ?, 'Scoped', 'user', 'groups', TRUE, 1, 1)"
	if e.engine == "postgres" {
		driver, source, q = "pgx", dsn, strings.NewReplacer("(?, ?, ?, ?,", "($1, $2, $3, $4,").Replace(q)
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, q, id, e.accountID, email, email); err != nil {
		t.Fatal(err)
	}
	admin, err := e.store.Authenticate(ctx, e.admin.key)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groupIDs {
		if err := e.store.AddGroupUsers(ctx, admin, g, []string{id}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := e.store.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "scoped"})
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{env: e, key: k.Key, keyID: k.ID, name: fmt.Sprint("scoped to ", groupIDs)}
}
