package web_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

const (
	apiKeysPath = "/api/v1/api-keys"
	accountPath = "/api/v1/account"
	mePath      = "/api/v1/me"
)

func TestAPIAuthentication(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		unauthorized := func(t *testing.T, r *result) {
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer: %q", r.Header.Get("WWW-Authenticate"))
			}
		}
		runScenarios(t, []scenario{
			{name: "no key", as: e.anonymous(), method: "GET", path: customersPath, want: 401, check: unauthorized},
			{name: "no key on a write", as: e.anonymous(), method: "POST", path: customersPath, body: obj{"name": "x"}, want: 401},
			{name: "wrong key", as: e.withKey("stw_notakeyatall0000000000000000000000000000"), method: "GET", path: customersPath, want: 401, check: unauthorized},
			{name: "not a Steward key", as: e.withKey("hunter2"), method: "GET", path: mePath, want: 401},
			{name: "another scheme", as: e.anonymous(), method: "GET", path: customersPath, headers: h{"Authorization", "Basic " + e.admin.key}, want: 401},
			{name: "a session cookie is not enough", as: e.anonymous(), method: "GET", path: customersPath, headers: h{"Cookie", "session=" + e.admin.key}, want: 401},
			{name: "health needs no key", as: e.anonymous(), method: "GET", path: "/healthz", want: 200},
			{name: "the OpenAPI document needs no key", as: e.anonymous(), method: "GET", path: "/api/v1/openapi.json", want: 200},
			{name: "a good key", as: e.admin, method: "GET", path: customersPath, want: 200},
		})

		// A key created through the API works at once and stops working at once when revoked.
		var created obj
		runScenarios(t, []scenario{
			{name: "create a key", as: e.admin, method: "POST", path: apiKeysPath, body: obj{"name": "ci", "role": "fleet_admin"}, want: 201,
				check: func(t *testing.T, r *result) {
					created = r.obj()
					requireKeys(t, "API key", created, "id", "name", "prefix", "role", "integration", "expires_at", "last_used_at", "key", "created_at")
					if !strings.HasPrefix(str(created, "key"), "stw_") || !strings.HasPrefix(str(created, "key"), str(created, "prefix")) ||
						str(created, "role") != "fleet_admin" || created["last_used_at"] != nil {
						t.Errorf("created key: %s", r.Raw)
					}
					if r.Header.Get("Location") != apiKeysPath+"/"+str(created, "id") {
						t.Errorf("Location %q", r.Header.Get("Location"))
					}
				}},
		})
		fresh := e.withKey(str(created, "key"))
		fresh.get(t, customersPath).want(t, 200)
		fresh.post(t, apiKeysPath, obj{"name": "escalate"}).want(t, 403) // a fleet_admin key administers nothing
		keyPath := apiKeysPath + "/" + str(created, "id")
		runScenarios(t, []scenario{
			{name: "the key reads back without its secret", as: e.admin, method: "GET", path: keyPath, want: 200, check: func(t *testing.T, r *result) {
				o := r.obj()
				if has(o, "key") || str(o, "prefix") != str(created, "prefix") {
					t.Errorf("GET key: %s", r.Raw)
				}
				if !timeRE.MatchString(str(o, "last_used_at")) {
					t.Errorf("last_used_at %v after the key was used", o["last_used_at"])
				}
			}},
			{name: "the list holds no secrets", as: e.admin, method: "GET", path: apiKeysPath, want: 200, check: func(t *testing.T, r *result) {
				items := r.data(t)
				if !slices.Contains(ids(items), str(created, "id")) || !slices.Contains(ids(items), e.admin.keyID) {
					t.Errorf("key list: %v", ids(items))
				}
				for _, k := range items {
					requireKeys(t, "listed API key", k, "id", "name", "prefix", "role", "expires_at", "last_used_at")
					if has(k, "key") {
						t.Errorf("listed key %s shows its secret", str(k, "id"))
					}
				}
			}},
			{name: "revoke", as: e.admin, method: "DELETE", path: keyPath, want: 204},
			{name: "the revoked key is refused at once", as: fresh, method: "GET", path: customersPath, want: 401},
			{name: "the revoked key on a write", as: fresh, method: "POST", path: customersPath, body: obj{"name": "x"}, want: 401},
			{name: "the other keys still work", as: e.fleet, method: "GET", path: customersPath, want: 200},
			{name: "revoking an unknown key", as: e.admin, method: "DELETE", path: apiKeysPath + "/nope", want: 404},
			{name: "reading an unknown key", as: e.admin, method: "GET", path: apiKeysPath + "/nope", want: 404},
			{name: "key name missing", as: e.admin, method: "POST", path: apiKeysPath, body: obj{"role": "user"}, want: 422, field: "name"},
			{name: "unknown role", as: e.admin, method: "POST", path: apiKeysPath, body: obj{"name": "x", "role": "owner"}, want: 422, field: "role"},
			{name: "expiry in the past", as: e.admin, method: "POST", path: apiKeysPath, body: obj{"name": "x", "expires_at": "2020-01-01T00:00:00Z"}, want: 422, field: "expires_at"},
			{name: "expiry not a time", as: e.admin, method: "POST", path: apiKeysPath, body: obj{"name": "x", "expires_at": "tomorrow"}, want: 422},
			{name: "an expiring integration key", as: e.admin, method: "POST", path: apiKeysPath, want: 201,
				body: obj{"name": "sync", "integration": true, "expires_at": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)},
				check: func(t *testing.T, r *result) {
					if r.obj()["integration"] != true || !timeRE.MatchString(str(r.obj(), "expires_at")) {
						t.Errorf("integration key: %s", r.Raw)
					}
				}},
			{name: "a technician key via the API", as: e.admin, method: "POST", path: apiKeysPath, body: obj{"name": "t2", "role": "technician"}, want: 201},
		})

		// An expired key is refused like an unknown one.
		ctx := context.Background()
		expiry := steward.TimestampOf(time.Now().Add(2500 * time.Millisecond))
		k, err := e.store.CreateAPIKeyForEmail(ctx, e.adminEmail, steward.APIKeyFields{Name: "short-lived", ExpiresAt: &expiry})
		if err != nil {
			t.Fatal(err)
		}
		short := e.withKey(k.Key)
		short.get(t, mePath).want(t, 200)
		time.Sleep(time.Until(expiry.Time) + 50*time.Millisecond)
		short.get(t, mePath).want(t, 401)
	})
}

func TestAPIRoles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "Role Test Co"})
		cPath := customersPath + "/" + str(c, "id")
		ct := e.admin.create(t, cPath+"/contacts", obj{"name": "Role Contact"})
		l := e.admin.create(t, locationsPath, obj{"name": "Role Yard", "customer_id": str(c, "id")})
		a := e.admin.create(t, assetsPath, obj{"name": "Role Asset"})

		var rows []scenario
		// A user key reads everything it may and writes nothing.
		for _, path := range []string{customersPath, cPath, cPath + "/contacts", contactsPath, contactsPath + "/" + str(ct, "id"),
			locationsPath, locationsPath + "/" + str(l, "id"), assetsPath, assetsPath + "/" + str(a, "id"),
			assetsPath + "/" + str(a, "id") + "/movements", auditPath + "?customer_id=" + str(c, "id"),
			auditPath + "?object_id=" + str(a, "id"), mePath, accountPath} {
			rows = append(rows, scenario{name: "user reads " + path, as: e.user, method: "GET", path: path, want: 200})
		}
		writes := []struct {
			method, path string
			body         any
		}{
			{"POST", customersPath, obj{"name": "x"}},
			{"PATCH", cPath, obj{"name": "x"}},
			{"POST", cPath + "/archive", nil},
			{"POST", cPath + "/unarchive", nil},
			{"DELETE", cPath, nil},
			{"POST", cPath + "/contacts", obj{"name": "x"}},
			{"PATCH", contactsPath + "/" + str(ct, "id"), obj{"name": "x"}},
			{"POST", contactsPath + "/" + str(ct, "id") + "/archive", nil},
			{"DELETE", contactsPath + "/" + str(ct, "id"), nil},
			{"POST", locationsPath, obj{"name": "x"}},
			{"PATCH", locationsPath + "/" + str(l, "id"), obj{"name": "x"}},
			{"POST", locationsPath + "/" + str(l, "id") + "/archive", nil},
			{"DELETE", locationsPath + "/" + str(l, "id"), nil},
			{"POST", assetsPath, obj{"name": "x"}},
			{"PATCH", assetsPath + "/" + str(a, "id"), obj{"name": "x"}},
			{"POST", assetsPath + "/" + str(a, "id") + "/archive", nil},
			{"POST", assetsPath + "/" + str(a, "id") + "/unarchive", nil},
			{"DELETE", assetsPath + "/" + str(a, "id"), nil},
			{"PATCH", accountPath, obj{"name": "x"}},
			{"POST", apiKeysPath, obj{"name": "x"}},
			{"GET", apiKeysPath, nil},
			{"GET", apiKeysPath + "/" + e.user.keyID, nil},
			{"DELETE", apiKeysPath + "/" + e.admin.keyID, nil},
		}
		for _, w := range writes {
			rows = append(rows, scenario{name: "user " + w.method + " " + w.path, as: e.user, method: w.method, path: w.path, body: w.body, want: 403})
		}
		// The account-wide audit log is for Admins.
		rows = append(rows,
			scenario{name: "user reads the account-wide audit log", as: e.user, method: "GET", path: auditPath, want: 403},
			scenario{name: "fleet admin reads the account-wide audit log", as: e.fleet, method: "GET", path: auditPath, want: 403},
			scenario{name: "user exports the account-wide audit log", as: e.user, method: "GET", path: auditCSVPath, want: 403},
			scenario{name: "admin reads the account-wide audit log", as: e.admin, method: "GET", path: auditPath, want: 200},
			// A fleet admin manages the fleet but not keys or the account.
			scenario{name: "fleet admin creates a customer", as: e.fleet, method: "POST", path: customersPath, body: obj{"name": "By Fleet"}, want: 201},
			scenario{name: "fleet admin archives an asset", as: e.fleet, method: "POST", path: assetsPath + "/" + str(a, "id") + "/archive", want: 200},
			scenario{name: "fleet admin lists keys", as: e.fleet, method: "GET", path: apiKeysPath, want: 403},
			scenario{name: "fleet admin creates a key", as: e.fleet, method: "POST", path: apiKeysPath, body: obj{"name": "x"}, want: 403},
			scenario{name: "fleet admin revokes a key", as: e.fleet, method: "DELETE", path: apiKeysPath + "/" + e.admin.keyID, want: 403},
			scenario{name: "fleet admin changes the account", as: e.fleet, method: "PATCH", path: accountPath, body: obj{"customers_externally_managed": true}, want: 403},
			scenario{name: "the admin key still works", as: e.admin, method: "GET", path: mePath, want: 200},
		)
		runScenarios(t, rows)

		// Nothing the user tried changed anything.
		if got := str(e.admin.get(t, cPath).want(t, 200).obj(), "name"); got != "Role Test Co" {
			t.Errorf("customer renamed to %q by refused writes", got)
		}
	})
}

func TestAPIMeAndAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		runScenarios(t, []scenario{
			{name: "me as the admin key", as: e.admin, method: "GET", path: mePath, want: 200, check: func(t *testing.T, r *result) {
				me := r.obj()
				requireKeys(t, "me", me, "user", "account", "role", "api_key")
				if str(me, "role") != "admin" || str(me, "user.email") != e.adminEmail || str(me, "account.id") != e.accountID ||
					str(me, "api_key.id") != e.admin.keyID || has(get(me, "api_key").(map[string]any), "key") {
					t.Errorf("me: %s", r.Raw)
				}
				requireKeys(t, "me.api_key", get(me, "api_key").(map[string]any), "prefix", "last_used_at", "expires_at")
			}},
			{name: "me as a narrowed key shows the key's role", as: e.tech, method: "GET", path: mePath, want: 200, check: func(t *testing.T, r *result) {
				if str(r.obj(), "role") != "technician" || str(r.obj(), "api_key.id") != e.tech.keyID {
					t.Errorf("me: %s", r.Raw)
				}
			}},
			{name: "account", as: e.user, method: "GET", path: accountPath, want: 200, check: func(t *testing.T, r *result) {
				a := r.obj()
				requireKeys(t, "account", a, "id", "name", "customers_externally_managed", "created_at", "updated_at")
				if str(a, "id") != e.accountID || str(a, "name") != "Acme Rentals" || a["customers_externally_managed"] != false {
					t.Errorf("account: %s", r.Raw)
				}
				r.etag(t)
			}},
			{name: "the other organization sees its own account", as: e.other, method: "GET", path: accountPath, want: 200,
				check: func(t *testing.T, r *result) {
					if str(r.obj(), "id") != e.otherAccountID {
						t.Errorf("account: %s", r.Raw)
					}
				}},
			{name: "account patch with a bad field", as: e.admin, method: "PATCH", path: accountPath, body: obj{"email": "nope"}, want: 422, field: "email"},
			{name: "account patch with an unknown field", as: e.admin, method: "PATCH", path: accountPath, body: obj{"plan": "gold"}, want: 422, field: "plan"},
			{name: "account patch with a stale If-Match", as: e.admin, method: "PATCH", path: accountPath, body: obj{"language": "de"},
				headers: h{"If-Match", `"999"`}, want: 412},
			{name: "account patch", as: e.admin, method: "PATCH", path: accountPath, body: obj{"language": "de"}, want: 200,
				check: func(t *testing.T, r *result) {
					if str(r.obj(), "language") != "de" || str(r.obj(), "name") != "Acme Rentals" {
						t.Errorf("account after PATCH: %s", r.Raw)
					}
				}},
		})
	})
}

// TestAPIExternallyManagedSettingOnAnAccountWithoutCountry: an organization made by `steward
// init` without --country (the flag is optional) must still be able to switch the setting.
func TestAPIExternallyManagedSettingOnAnAccountWithoutCountry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		email := uniqueEmail("ops-nocountry")
		if _, _, err := e.store.CreateOrganization(ctx, steward.Organization{Name: "No Country Ltd",
			Email: email, Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}
		k, err := e.store.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		c := e.withKey(k.Key)
		r := c.patch(t, accountPath, obj{"customers_externally_managed": true})
		if r.Status != 200 {
			t.Errorf("PATCH %s {customers_externally_managed:true} on an account created without a country: %d %s",
				accountPath, r.Status, r.Raw)
		}
	})
}

func TestAPIExternallyManagedCustomers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "ERP Customer"})
		cID := str(c, "id")
		cPath := customersPath + "/" + cID
		ct := e.admin.create(t, cPath+"/contacts", obj{"name": "ERP Contact"})
		ctPath := contactsPath + "/" + str(ct, "id")
		site := e.admin.create(t, locationsPath, obj{"name": "ERP Site", "customer_id": cID})
		sitePath := locationsPath + "/" + str(site, "id")
		depot := e.admin.create(t, locationsPath, obj{"name": "Own Yard"})
		depotPath := locationsPath + "/" + str(depot, "id")
		asset := e.admin.create(t, assetsPath, obj{"name": "Roller"})
		assetPath := assetsPath + "/" + str(asset, "id")

		etag := e.admin.get(t, accountPath).want(t, 200).etag(t)
		r := e.admin.patch(t, accountPath, obj{"customers_externally_managed": true}, "If-Match", etag).want(t, 200)
		if r.obj()["customers_externally_managed"] != true {
			t.Fatalf("account after switching the setting: %s", r.Raw)
		}

		const managed = "externally-managed"
		var rows []scenario
		for _, as := range []*apiClient{e.admin, e.fleet} {
			who := as.name + " key: "
			rows = append(rows,
				scenario{name: who + "create a customer", as: as, method: "POST", path: customersPath, body: obj{"name": "x"}, want: 403, typeSuffix: managed},
				scenario{name: who + "change a customer", as: as, method: "PATCH", path: cPath, body: obj{"name": "x"}, want: 403, typeSuffix: managed},
				scenario{name: who + "archive a customer", as: as, method: "POST", path: cPath + "/archive", want: 403, typeSuffix: managed},
				scenario{name: who + "delete a customer", as: as, method: "DELETE", path: cPath, want: 403, typeSuffix: managed},
				scenario{name: who + "add a contact", as: as, method: "POST", path: cPath + "/contacts", body: obj{"name": "x"}, want: 403, typeSuffix: managed},
				scenario{name: who + "change a contact", as: as, method: "PATCH", path: ctPath, body: obj{"name": "x"}, want: 403, typeSuffix: managed},
				scenario{name: who + "archive a contact", as: as, method: "POST", path: ctPath + "/archive", want: 403, typeSuffix: managed},
				scenario{name: who + "delete a contact", as: as, method: "DELETE", path: ctPath, want: 403, typeSuffix: managed},
				scenario{name: who + "create a customer location", as: as, method: "POST", path: locationsPath, body: obj{"name": "x", "customer_id": cID}, want: 403, typeSuffix: managed},
				scenario{name: who + "change a customer location", as: as, method: "PATCH", path: sitePath, body: obj{"name": "x"}, want: 403, typeSuffix: managed},
				scenario{name: who + "archive a customer location", as: as, method: "POST", path: sitePath + "/archive", want: 403, typeSuffix: managed},
				scenario{name: who + "delete a customer location", as: as, method: "DELETE", path: sitePath, want: 403, typeSuffix: managed},
				scenario{name: who + "give an own location to a customer", as: as, method: "PATCH", path: depotPath, body: obj{"customer_id": cID}, want: 403, typeSuffix: managed},
			)
		}
		rows = append(rows,
			// Reads, own locations and assets stay open.
			scenario{name: "reads still work", as: e.admin, method: "GET", path: cPath, want: 200},
			scenario{name: "own locations stay writable", as: e.admin, method: "PATCH", path: depotPath, body: obj{"name": "Own Yard 2"}, want: 200},
			scenario{name: "a new own location", as: e.fleet, method: "POST", path: locationsPath, body: obj{"name": "Own Yard 3"}, want: 201},
			scenario{name: "assets may still be assigned to the customer", as: e.admin, method: "PATCH", path: assetPath,
				body: obj{"owner_customer_id": cID, "location_id": str(site, "id")}, want: 200},
			scenario{name: "a new asset owned by the customer", as: e.fleet, method: "POST", path: assetsPath, body: obj{"name": "Paver", "owner_customer_id": cID}, want: 201},
			// The integration key may write them.
			scenario{name: "integration key creates a customer", as: e.integ, method: "POST", path: customersPath, body: obj{"name": "From ERP", "external_ref": "ERP-9"}, want: 201},
			scenario{name: "integration key changes a customer", as: e.integ, method: "PATCH", path: cPath, body: obj{"phone": "+49 1 2345"}, want: 200},
			scenario{name: "integration key adds a contact", as: e.integ, method: "POST", path: cPath + "/contacts", body: obj{"name": "Synced"}, want: 201},
			scenario{name: "integration key changes a contact", as: e.integ, method: "PATCH", path: ctPath, body: obj{"title": "Buyer"}, want: 200},
			scenario{name: "integration key creates a customer location", as: e.integ, method: "POST", path: locationsPath, body: obj{"name": "ERP Site 2", "customer_id": cID}, want: 201},
			scenario{name: "integration key changes a customer location", as: e.integ, method: "PATCH", path: sitePath, body: obj{"name": "ERP Site 1"}, want: 200},
			scenario{name: "integration key archives a contact", as: e.integ, method: "POST", path: ctPath + "/archive", want: 200},
		)
		runScenarios(t, rows)

		// Switching the setting off opens the customers again.
		e.admin.patch(t, accountPath, obj{"customers_externally_managed": false}).want(t, 200)
		e.fleet.patch(t, cPath, obj{"notes": "back to manual"}).want(t, 200)
	})
}

// TestAPIOtherOrganizationsObjectsAre404 checks that an object of another organization is
// exactly as absent as one that does not exist, on every route that takes an id.
func TestAPIOtherOrganizationsObjectsAre404(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		// Globex's objects.
		c := e.other.create(t, customersPath, obj{"name": "Globex Customer", "external_ref": "G-1"})
		cPath := customersPath + "/" + str(c, "id")
		ct := e.other.create(t, cPath+"/contacts", obj{"name": "Globex Contact"})
		ctPath := contactsPath + "/" + str(ct, "id")
		l := e.other.create(t, locationsPath, obj{"name": "Globex Site", "customer_id": str(c, "id")})
		lPath := locationsPath + "/" + str(l, "id")
		a := e.other.create(t, assetsPath, obj{"name": "Globex Asset", "owner_customer_id": str(c, "id")})
		aPath := assetsPath + "/" + str(a, "id")
		etag := e.other.get(t, cPath).want(t, 200).etag(t)

		missing := "0190c0de-0000-7000-8000-000000000000"
		var rows []scenario
		for _, kind := range []struct {
			base, id string
			patch    obj
		}{
			{customersPath, str(c, "id"), obj{"name": "Hijacked"}},
			{contactsPath, str(ct, "id"), obj{"name": "Hijacked"}},
			{locationsPath, str(l, "id"), obj{"name": "Hijacked"}},
			{assetsPath, str(a, "id"), obj{"name": "Hijacked"}},
		} {
			for _, id := range []string{kind.id, missing} {
				label := "another organization's "
				if id == missing {
					label = "a missing "
				}
				p := kind.base + "/" + id
				rows = append(rows,
					scenario{name: "GET " + label + p, as: e.admin, method: "GET", path: p, want: 404},
					scenario{name: "PATCH " + label + p, as: e.admin, method: "PATCH", path: p, body: kind.patch, want: 404},
					scenario{name: "PATCH with If-Match " + label + p, as: e.admin, method: "PATCH", path: p, body: kind.patch, headers: h{"If-Match", etag}, want: 404},
					scenario{name: "archive " + label + p, as: e.admin, method: "POST", path: p + "/archive", want: 404},
					scenario{name: "unarchive " + label + p, as: e.admin, method: "POST", path: p + "/unarchive", want: 404},
					scenario{name: "DELETE " + label + p, as: e.admin, method: "DELETE", path: p, want: 404},
				)
			}
		}
		rows = append(rows,
			scenario{name: "contacts of another organization's customer", as: e.admin, method: "GET", path: cPath + "/contacts", want: 404},
			scenario{name: "add a contact to another organization's customer", as: e.admin, method: "POST", path: cPath + "/contacts", body: obj{"name": "x"}, want: 404},
			scenario{name: "movements of another organization's asset", as: e.admin, method: "GET", path: aPath + "/movements", want: 404},
			scenario{name: "another organization's API key", as: e.admin, method: "GET", path: apiKeysPath + "/" + e.other.keyID, want: 404},
			scenario{name: "revoke another organization's API key", as: e.admin, method: "DELETE", path: apiKeysPath + "/" + e.other.keyID, want: 404},
			scenario{name: "the same external_ref in another organization is no conflict", as: e.admin, method: "POST", path: customersPath,
				body: obj{"name": "Ours", "external_ref": "G-1"}, want: 201},
			scenario{name: "lists never show another organization's objects", as: e.admin, method: "GET", path: customersPath + "?status=all&q=globex", want: 200,
				check: func(t *testing.T, r *result) {
					if n := len(r.data(t)); n != 0 {
						t.Errorf("%d of Globex's customers listed", n)
					}
				}},
			scenario{name: "filtering by another organization's customer names no customer", as: e.admin, method: "GET",
				path: assetsPath + "?owner_customer_id=" + str(c, "id"), want: 422, field: "owner_customer_id"},
			scenario{name: "its audit history is not readable", as: e.admin, method: "GET", path: auditPath + "?customer_id=" + str(c, "id"), want: 200,
				check: func(t *testing.T, r *result) {
					if n := len(r.data(t)); n != 0 {
						t.Errorf("%d of Globex's audit events listed", n)
					}
				}},
			scenario{name: "their objects are untouched", as: e.other, method: "GET", path: lPath, want: 200, check: func(t *testing.T, r *result) {
				if str(r.obj(), "name") != "Globex Site" || r.obj()["archived_at"] != nil {
					t.Errorf("Globex's location changed: %s", r.Raw)
				}
			}},
			scenario{name: "their contact is untouched", as: e.other, method: "GET", path: ctPath, want: 200},
			scenario{name: "their asset is untouched", as: e.other, method: "GET", path: aPath, want: 200, check: func(t *testing.T, r *result) {
				if str(r.obj(), "name") != "Globex Asset" {
					t.Errorf("Globex's asset changed: %s", r.Raw)
				}
			}},
		)
		runScenarios(t, rows)
	})
}
