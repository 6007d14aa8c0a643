package web

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

func TestParseIfMatch(t *testing.T) {
	tests := []struct {
		values []string
		want   int64
		ok     bool
	}{
		{nil, 0, true},
		{[]string{`*`}, 0, true},
		{[]string{`"1"`}, 1, true},
		{[]string{` "42" `}, 42, true},
		{[]string{`"9223372036854775807"`}, 9223372036854775807, true},
		{[]string{`"9223372036854775808"`}, 0, false},
		{[]string{`"0"`}, 0, false},
		{[]string{`"-1"`}, 0, false},
		{[]string{`"+1"`}, 0, false},
		{[]string{`1`}, 0, false},
		{[]string{`""`}, 0, false},
		{[]string{`"abc"`}, 0, false},
		{[]string{`W/"1"`}, 0, false},
		{[]string{`"1", "2"`}, 0, false},
		{[]string{`"1"`, `"2"`}, 0, false},
		{[]string{``}, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("If-Match", v)
		}
		got, err := parseIfMatch(h)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("If-Match %q: got %d, %v; want %d, ok=%v", tt.values, got, err, tt.want, tt.ok)
		}
		if err != nil && steward.ErrorCode(err) != steward.EPRECONDITION {
			t.Errorf("If-Match %q: code %s, want %s", tt.values, steward.ErrorCode(err), steward.EPRECONDITION)
		}
	}
}

func TestIfMatchReachesTheService(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`)
	if rec.Code != 201 || rec.Header().Get("ETag") != `"1"` {
		t.Fatalf("create: %d, ETag %q: %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	loc := rec.Header().Get("Location")

	get := fs.do("GET", loc, "")
	if get.Code != 200 || get.Header().Get("ETag") != `"1"` {
		t.Fatalf("get: %d, ETag %q", get.Code, get.Header().Get("ETag"))
	}

	const untouched = -1
	for _, bad := range []string{`W/"1"`, `1`, `"0"`, `"x"`, `"1", "2"`} {
		fs.svc.lastMatch = untouched
		readProblem(t, fs.do("PATCH", loc, `{"name":"B"}`, "If-Match", bad), 412)
		if fs.svc.lastMatch != untouched {
			t.Errorf("If-Match %s: the service was called", bad)
		}
	}

	readProblem(t, fs.do("PATCH", loc, `{"name":"B"}`, "If-Match", `"7"`), 412)
	if fs.svc.lastMatch != 7 {
		t.Errorf("the service saw If-Match %d, want 7", fs.svc.lastMatch)
	}
	rec = fs.do("PATCH", loc, `{"name":"B"}`, "If-Match", `"1"`)
	if rec.Code != 200 || rec.Header().Get("ETag") != `"2"` || !strings.Contains(rec.Body.String(), `"name":"B"`) {
		t.Fatalf("patch with the current ETag: %d, ETag %q: %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	rec = fs.do("PATCH", loc, `{"notes":"n"}`, "If-Match", `*`)
	if rec.Code != 200 || fs.svc.lastMatch != 0 {
		t.Fatalf("patch with If-Match *: %d, service saw %d", rec.Code, fs.svc.lastMatch)
	}
	if rec := fs.do("PATCH", loc, `{"notes":"m"}`); rec.Code != 200 || fs.svc.lastMatch != 0 {
		t.Fatalf("patch without If-Match: %d, service saw %d", rec.Code, fs.svc.lastMatch)
	}
	readProblem(t, fs.do("PATCH", loc, `{"name":`), 400)
	p := readProblem(t, fs.do("PATCH", loc, `{"nmae":"x"}`), 422)
	if !hasFieldError(p, "nmae") {
		t.Errorf("unknown member: %v", p.Errors)
	}
	rec = fs.do("DELETE", loc, "", "If-Match", `"4"`)
	if rec.Code != 204 || rec.Body.Len() != 0 || fs.svc.lastMatch != 4 {
		t.Fatalf("delete: %d %q, service saw If-Match %d", rec.Code, rec.Body, fs.svc.lastMatch)
	}
	readProblem(t, fs.do("GET", loc, ""), 404)
}

func TestListQueryValidation(t *testing.T) {
	fs := newFakeServer(t, Options{})
	tests := []struct {
		query  string
		status int
		fields []string
	}{
		{"", 200, nil},
		{"limit=1&status=archived", 200, nil},
		{"limit=500&status=all", 200, nil},
		{"limit=0", 422, []string{"limit"}},
		{"limit=501", 422, []string{"limit"}},
		{"limit=-1", 422, []string{"limit"}},
		{"limit=abc", 422, []string{"limit"}},
		{"limit=1.5", 422, []string{"limit"}},
		{"status=deleted", 422, []string{"status"}},
		{"status=Active", 422, []string{"status"}},
		{"limit=0&status=x", 422, []string{"limit", "status"}},
		{"limt=5", 422, []string{"limt"}},
		{"q=a&owner_customer_id=c1", 422, []string{"owner_customer_id"}},
		{"limit=5&limit=6", 422, []string{"limit"}},
		{"type=dealer", 200, nil},
		{"type=Dealer", 422, []string{"type"}},
	}
	for _, tt := range tests {
		rec := fs.do("GET", "/api/v1/customers?"+tt.query, "")
		if tt.status == 200 {
			if rec.Code != 200 {
				t.Errorf("?%s: %d %s", tt.query, rec.Code, rec.Body)
			} else if got := strings.TrimSpace(rec.Body.String()); got != `{"data":[],"next_cursor":null}` {
				t.Errorf("?%s: an empty list reads %s", tt.query, got)
			}
			continue
		}
		p := readProblem(t, rec, tt.status)
		if len(p.Errors) != len(tt.fields) {
			t.Errorf("?%s: errors %v, want %v", tt.query, p.Errors, tt.fields)
		}
		for _, f := range tt.fields {
			if !hasFieldError(p, f) {
				t.Errorf("?%s: errors %v lack %q", tt.query, p.Errors, f)
			}
		}
	}
	readProblem(t, fs.do("GET", "/api/v1/customers?q=%zz", ""), 400)
}

func TestListFiltersReachTheService(t *testing.T) {
	fs := newFakeServer(t, Options{})
	lp := func(q string, status steward.Status, sort string, limit int, cursor string) steward.ListParams {
		return steward.ListParams{Q: q, Status: status, Sort: sort, Limit: limit, Cursor: cursor}
	}
	from := steward.TimestampOf(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	to := steward.TimestampOf(time.Date(2024, 5, 2, 10, 0, 0, 0, time.FixedZone("", 2*3600)))
	tests := []struct {
		url  string
		want any
	}{
		{"/api/v1/customers", steward.CustomerFilter{ListParams: lp("", "active", "", 50, "")}},
		{"/api/v1/customers?q=m%C3%BCll&type=oem&status=all&sort=-location_count&limit=10&cursor=abc",
			steward.CustomerFilter{ListParams: lp("müll", "all", "-location_count", 10, "abc"), Type: "oem"}},
		{"/api/v1/contacts?customer_id=c1&sort=name", steward.ContactFilter{ListParams: lp("", "active", "name", 50, ""), CustomerID: "c1"}},
		{"/api/v1/locations?own=true&status=archived", steward.LocationFilter{ListParams: lp("", "archived", "", 50, ""), Own: true}},
		{"/api/v1/locations?own=false&customer_id=c2", steward.LocationFilter{ListParams: lp("", "active", "", 50, ""), CustomerID: "c2"}},
		{"/api/v1/assets?owner_customer_id=c1&location_id=l1&location_customer_id=c2&group_id=g1&q=cat",
			steward.AssetFilter{ListParams: lp("cat", "active", "", 50, ""), OwnerCustomerID: "c1", LocationID: "l1", LocationCustomerID: "c2", GroupID: "g1"}},
		{"/api/v1/assets/a1/movements?limit=3&cursor=z", steward.ListParams{Limit: 3, Cursor: "z"}},
		{"/api/v1/audit?object_type=customer&object_id=c1&customer_id=c1&actor_id=u1&source=api&action=update" +
			"&from=2024-05-01T00:00:00Z&to=2024-05-02T10:00:00%2B02:00&limit=7&cursor=q",
			steward.AuditFilter{ObjectType: "customer", ObjectID: "c1", CustomerID: "c1", ActorID: "u1", Source: "api",
				Action: "update", From: &from, To: &to, Limit: 7, Cursor: "q"}},
		// A "+" sent unescaped arrives as a space; the offset is still understood.
		{"/api/v1/audit?to=2024-05-02T10:00:00+02:00", steward.AuditFilter{To: &to, Limit: 50}},
		{"/api/v1/audit.csv?source=web", steward.AuditFilter{Source: "web"}},
	}
	for _, tt := range tests {
		fs.svc.lastQuery = nil
		rec := fs.do("GET", tt.url, "")
		if rec.Code != 200 {
			t.Errorf("%s: %d %s", tt.url, rec.Code, rec.Body)
			continue
		}
		if !reflect.DeepEqual(fs.svc.lastQuery, tt.want) {
			t.Errorf("%s:\n the service got %+v\n want          %+v", tt.url, fs.svc.lastQuery, tt.want)
		}
	}
}

func TestListFilterValidation(t *testing.T) {
	fs := newFakeServer(t, Options{})
	tests := []struct{ url, field string }{
		{"/api/v1/locations?own=yes", "own"},
		{"/api/v1/locations?own=true&customer_id=c1", "own"},
		{"/api/v1/contacts?owner_customer_id=c1", "owner_customer_id"},
		{"/api/v1/assets/a1/movements?q=x", "q"},
		{"/api/v1/assets/a1/movements?limit=501", "limit"},
		{"/api/v1/audit?source=email", "source"},
		{"/api/v1/audit?from=yesterday", "from"},
		{"/api/v1/audit?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z", "to"},
		{"/api/v1/audit?status=active", "status"},
		{"/api/v1/audit.csv?limit=10", "limit"},
		{"/api/v1/api-keys?limit=10", "limit"},
		{"/api/v1/customers/c1?expand=contacts", "expand"},
	}
	for _, tt := range tests {
		p := readProblem(t, fs.do("GET", tt.url, ""), 422)
		if !hasFieldError(p, tt.field) {
			t.Errorf("%s: errors %v, want one on %q", tt.url, p.Errors, tt.field)
		}
	}
}
