package web_test

// Store-side rules an attacker or an integrator found broken: forged cursors, keys that outlive
// or outrank their maker, audit visibility, filter values, cleared fields in the audit log, and
// a location's move between customers in both customers' histories.

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"testing"
)

// forgeCursor rewrites member of an issued cursor to raw JSON, as anyone can: the encoding is
// not secret.
func forgeCursor(t *testing.T, issued, member, raw string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(issued)
	if err != nil {
		t.Fatalf("cursor %q: %v", issued, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("cursor %q: %v", b, err)
	}
	m[member] = json.RawMessage(raw)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

func TestAPIForgedCursor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "Cursor One"})
		e.admin.create(t, customersPath, obj{"name": "Cursor Two"})
		e.admin.patch(t, customersPath+"/"+str(c, "id"), obj{"notes": "x"}).want(t, 200)
		lists := map[string]string{
			"customers": customersPath + "?q=cursor&limit=1",
			"audit":     auditPath + "?object_id=" + str(c, "id") + "&limit=1",
		}
		for name, path := range lists {
			issued := e.user.get(t, path).want(t, 200).next()
			if issued == "" {
				t.Fatalf("%s: no next_cursor", name)
			}
			for what, raw := range map[string][2]string{
				"NUL in the key":  {"k", `"Cursor\u0000"`},
				"NUL in the id":   {"i", `"0190a5c4-1b2c-7d3e-8f40-12345678\u0000bc"`},
				"a key object":    {"k", `{"a":1}`},
				"an id not an id": {"i", `"x' OR '1'='1"`},
			} {
				forged := forgeCursor(t, issued, raw[0], raw[1])
				r := e.user.get(t, path+"&cursor="+url.QueryEscape(forged))
				if r.Status != 422 || r.fieldMessage("cursor") == "" {
					t.Errorf("%s, %s: status %d, want 422 naming cursor: %s", name, what, r.Status, r.Raw)
				}
			}
		}
	})
}
