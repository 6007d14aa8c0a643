package web

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

func auditEvents() []steward.AuditEvent {
	cust := "c1"
	label := "Depot"
	at := steward.TimestampOf(time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC))
	return []steward.AuditEvent{
		{ID: "e2", At: at, Actor: steward.AuditActor{Type: steward.ActorAPIKey, ID: "k1", Name: "=HYPERLINK(\"x\")"},
			AccountID: "acc-1", ActorAccountID: "acc-1", RequestID: "r1", Source: steward.SourceAPI,
			Action: steward.ActionUpdate, ObjectType: steward.ObjectCustomer, ObjectID: "c1", ObjectName: "+Acme, Inc.",
			CustomerID: &cust, Changes: []steward.Change{{Field: "location_id", Old: nil, New: "l1", NewLabel: &label}}},
		{ID: "e1", At: at, Actor: steward.AuditActor{Type: steward.ActorUser, ID: "u1", Name: "@admin"},
			AccountID: "acc-1", ActorAccountID: "acc-1", Source: steward.SourceWeb, Action: steward.ActionCreate,
			ObjectType: steward.ObjectAsset, ObjectID: "a1", ObjectName: "-1\tdigger\r\nline two"},
	}
}

func TestAuditCSV(t *testing.T) {
	fs := newFakeServer(t, Options{})
	fs.svc.audit = auditEvents()
	rec := fs.do("GET", "/api/v1/audit.csv?object_type=customer", "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "id,at,actor_type,actor_id,actor_name,account_id,actor_account_id,request_id,source,action,object_type,object_id,object_name,customer_id,changes" {
		t.Errorf("header %s", got)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	first, second := rows[1], rows[2]
	want := map[string]string{
		"id": "e2", "at": "2024-05-01T12:00:00.123456Z", "actor_type": "api_key", "actor_name": `'=HYPERLINK("x")`,
		"source": "api", "action": "update", "object_name": "'+Acme, Inc.", "customer_id": "c1",
	}
	for k, v := range want {
		if first[col[k]] != v {
			t.Errorf("%s = %q, want %q", k, first[col[k]], v)
		}
	}
	var changes []map[string]any
	if err := json.Unmarshal([]byte(first[col["changes"]]), &changes); err != nil || len(changes) != 1 ||
		changes[0]["field"] != "location_id" || changes[0]["new_label"] != "Depot" {
		t.Errorf("changes %q: %v", first[col["changes"]], err)
	}
	if second[col["actor_name"]] != "'@admin" || second[col["object_name"]] != "'-1\tdigger\nline two" ||
		second[col["customer_id"]] != "" || second[col["changes"]] != "[]" {
		t.Errorf("second row %q", second)
	}
	if f, ok := fs.svc.lastQuery.(steward.AuditFilter); !ok || f.ObjectType != "customer" {
		t.Errorf("filter %+v", fs.svc.lastQuery)
	}
}

func TestAuditCSVEmptyHasHeader(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("GET", "/api/v1/audit.csv", "")
	if rec.Code != 200 || strings.Count(rec.Body.String(), "\n") != 1 || !strings.HasPrefix(rec.Body.String(), "id,at,") {
		t.Errorf("%d %q", rec.Code, rec.Body)
	}
}

func TestAuditCSVRefusalIsAProblem(t *testing.T) {
	fs := newFakeServer(t, Options{})
	fs.svc.audit = auditEvents()
	fs.svc.auditErr = steward.Errorf(steward.EFORBIDDEN, "the account-wide audit log needs the admin role")
	p := readProblem(t, fs.do("GET", "/api/v1/audit.csv", ""), 403)
	if !strings.Contains(p.Detail, "admin role") {
		t.Errorf("detail %q", p.Detail)
	}
}

// A failure after rows went out cannot become a problem: the transfer breaks, so the client
// does not take a truncated file for a complete one.
func TestAuditCSVFailureMidwayBreaksTheTransfer(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for range 1000 { // enough rows that the first ones reach the client before the failure
		fs.svc.audit = append(fs.svc.audit, auditEvents()...)
	}
	fs.svc.auditErr, fs.svc.errAfter = io.ErrUnexpectedEOF, 1500
	ts := httptest.NewServer(fs.srv)
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/audit.csv", nil)
	req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the broken export read as complete")
	}
	if !strings.Contains(fs.log.String(), "response aborted") {
		t.Errorf("the failure is not logged:\n%s", fs.log)
	}
}

func TestAuditList(t *testing.T) {
	fs := newFakeServer(t, Options{})
	fs.svc.audit = auditEvents()
	rec := fs.do("GET", "/api/v1/audit?customer_id=c1", "")
	var page struct {
		Data       []map[string]any `json:"data"`
		NextCursor *string          `json:"next_cursor"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != 200 || len(page.Data) != 2 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if actor := page.Data[0]["actor"].(map[string]any); actor["type"] != "api_key" || actor["id"] != "k1" {
		t.Errorf("actor %v", actor)
	}
}
