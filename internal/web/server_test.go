package web

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCustomerContactsOfAnUnknownCustomerIs404(t *testing.T) {
	fs := newFakeServer(t, Options{})
	readProblem(t, fs.do("GET", "/api/v1/customers/nope/contacts", ""), 404)
	rec := fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`)
	id := strings.TrimPrefix(rec.Header().Get("Location"), "/api/v1/customers/")
	rec = fs.do("GET", "/api/v1/customers/"+id+"/contacts", "")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"data":[],"next_cursor":null}` {
		t.Errorf("contacts of a customer without any: %d %s", rec.Code, rec.Body)
	}
}

func TestCreateAnswers201WithTheObject(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("POST", "/api/v1/customers/c9/contacts", `{"name":"Jo","kind":"department"}`)
	if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var c map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if c["customer_id"] != "c9" || c["kind"] != "department" || rec.Header().Get("Location") != "/api/v1/contacts/"+c["id"].(string) {
		t.Errorf("contact %v, Location %q", c, rec.Header().Get("Location"))
	}
	readProblem(t, fs.do("POST", "/api/v1/customers", ``), 400)
	readProblem(t, fs.do("POST", "/api/v1/customers", `[]`), 400)
	readProblem(t, fs.do("POST", "/api/v1/customers", "{\"name\":\"\xff\"}"), 400)
	p := readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"x","colour":"red"}`), 422)
	if !hasFieldError(p, "colour") {
		t.Errorf("unknown field: %v", p.Errors)
	}
}

func TestAccountAndMe(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("GET", "/api/v1/account", "")
	if rec.Code != 200 || rec.Header().Get("ETag") != `"3"` {
		t.Fatalf("account: %d ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	rec = fs.do("PATCH", "/api/v1/account", `{"customers_externally_managed":true}`, "If-Match", `"3"`)
	if rec.Code != 200 || rec.Header().Get("ETag") != `"4"` || fs.svc.lastMatch != 3 ||
		!strings.Contains(rec.Body.String(), `"customers_externally_managed":true`) {
		t.Fatalf("patch account: %d %s", rec.Code, rec.Body)
	}
	rec = fs.do("GET", "/api/v1/me", "")
	var me map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil || rec.Code != 200 {
		t.Fatalf("me: %d %s", rec.Code, rec.Body)
	}
	if me["role"] != "admin" || me["api_key"].(map[string]any)["id"] != "key-admin" {
		t.Errorf("me %v", me)
	}
}
