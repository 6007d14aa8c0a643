package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// multipartBody builds an import's body: its fields in the order given (name, value pairs; the
// field "file" is sent as a file part).
func multipartBody(t *testing.T, fields ...string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "file" {
			fw, err := w.CreateFormFile("file", "import.csv")
			if err != nil {
				t.Fatal(err)
			}
			fw.Write([]byte(fields[i+1]))
			continue
		}
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// importFile POSTs a file of kind to /api/v1/imports.
func (c *apiClient) importFile(t *testing.T, kind string, dry bool, file string) *result {
	t.Helper()
	dryRun := "false"
	if dry {
		dryRun = "true"
	}
	body, ct := multipartBody(t, "kind", kind, "dry_run", dryRun, "file", file)
	return c.do(t, http.MethodPost, "/api/v1/imports", body, "Content-Type", ct)
}

// runImport runs a queued job as a worker would, and reads it back.
func (e *apiEnv) runImport(t *testing.T, c *apiClient, id string) obj {
	t.Helper()
	if _, err := e.store.RunImport(context.Background(), id, "test-worker", nil); err != nil {
		t.Fatalf("RunImport: %v", err)
	}
	return c.get(t, "/api/v1/imports/"+id).want(t, http.StatusOK).obj()
}

func TestAPIImports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		// A dry run: 202 queued, then succeeded with its counts; nothing written.
		file := "\ufeffName;External Ref;Email\r\nAcme;C-1;a@acme.example\r\nBeta;C-2;\r\n"
		r := e.admin.importFile(t, "customers", true, file).want(t, http.StatusAccepted)
		job := r.obj()
		if job["status"] != "queued" || job["dry_run"] != true || job["kind"] != "customers" {
			t.Fatalf("new job %v", job)
		}
		id := str(job, "id")
		if loc := r.Header.Get("Location"); loc != "/api/v1/imports/"+id {
			t.Fatalf("Location %q", loc)
		}
		job = e.runImport(t, e.admin, id)
		if job["status"] != "succeeded" || job["created"] != 2.0 || job["total_rows"] != 2.0 || job["processed_rows"] != 2.0 {
			t.Fatalf("dry run %v", job)
		}
		if d := e.admin.get(t, customersPath+"?q=C-1").want(t, http.StatusOK).data(t); len(d) != 0 {
			t.Fatalf("a dry run wrote %v", d)
		}
		// Applied: created; the same file again: unchanged.
		id = str(e.admin.importFile(t, "customers", false, file).want(t, http.StatusAccepted).obj(), "id")
		if job = e.runImport(t, e.admin, id); job["status"] != "succeeded" || job["created"] != 2.0 {
			t.Fatalf("apply %v", job)
		}
		id = str(e.admin.importFile(t, "customers", false, file).want(t, http.StatusAccepted).obj(), "id")
		if job = e.runImport(t, e.admin, id); job["status"] != "succeeded" || job["unchanged"] != 2.0 || job["created"] != 0.0 {
			t.Fatalf("re-run %v", job)
		}
		// A bad row: failed, nothing written, the row in errors and in errors.csv.
		id = str(e.fleet.importFile(t, "customers", false, "name,email\nGamma,g@x.example\nDelta,not-an-email\n").
			want(t, http.StatusAccepted).obj(), "id")
		job = e.runImport(t, e.fleet, id)
		errs, _ := job["errors"].([]any)
		if job["status"] != "failed" || job["failed_rows"] != 1.0 || len(errs) != 1 {
			t.Fatalf("bad row %v", job)
		}
		if e0 := errs[0].(map[string]any); e0["row"] != 3.0 || e0["column"] != "email" {
			t.Fatalf("error %v", e0)
		}
		if d := e.admin.get(t, customersPath+"?q=Gamma").want(t, http.StatusOK).data(t); len(d) != 0 {
			t.Fatalf("a failed import wrote %v", d)
		}
		res := e.user.get(t, "/api/v1/imports/"+id+"/errors.csv").want(t, http.StatusOK)
		recs, err := csv.NewReader(bytes.NewReader(res.Raw)).ReadAll()
		if err != nil || len(recs) != 2 || strings.Join(recs[0], ",") != "row,column,message" || recs[1][0] != "3" || recs[1][1] != "email" {
			t.Fatalf("errors.csv %q (%v)", res.Raw, err)
		}
		// Templates.
		res = e.user.get(t, "/api/v1/imports/templates/assets.csv").want(t, http.StatusOK)
		if !strings.HasPrefix(string(res.Raw), "name,serial_number,external_ref,") {
			t.Fatalf("template %q", res.Raw)
		}
		// Another organization's job is not found.
		e.other.get(t, "/api/v1/imports/"+id).want(t, http.StatusNotFound)
		e.other.get(t, "/api/v1/imports/"+id+"/errors.csv").want(t, http.StatusNotFound)
		e.admin.get(t, "/api/v1/imports/not-an-id").want(t, http.StatusNotFound)
	})
}

func TestAPIImportRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		post := func(c *apiClient, ct string, body []byte) *result {
			return c.do(t, http.MethodPost, "/api/v1/imports", body, "Content-Type", ct)
		}
		good, ct := multipartBody(t, "kind", "customers", "file", "name\nA\n")
		// Roles that may not write: 403 before the body is read.
		post(e.user, ct, good).want(t, http.StatusForbidden)
		post(e.tech, ct, good).want(t, http.StatusForbidden)
		// Not multipart: 415.
		e.admin.post(t, "/api/v1/imports", obj{"kind": "customers"}).want(t, http.StatusUnsupportedMediaType)
		// The kind after the file, a missing file, an unknown kind or field, a bad dry_run: 422 naming it.
		for _, tc := range []struct {
			fields []string
			field  string
		}{
			{[]string{"file", "name\nA\n", "kind", "customers"}, "kind"},
			{[]string{"kind", "customers"}, "file"},
			{[]string{"kind", "things", "file", "name\nA\n"}, "kind"},
			{[]string{"kind", "customers", "dry_run", "maybe", "file", "name\nA\n"}, "dry_run"},
			{[]string{"kind", "customers", "colour", "red", "file", "name\nA\n"}, "colour"},
			{[]string{"kind", "customers", "file", ""}, "file"},
		} {
			body, ct := multipartBody(t, tc.fields...)
			r := post(e.admin, ct, body).want(t, http.StatusUnprocessableEntity)
			if !slicesContains(r.fields(), tc.field) {
				t.Errorf("%v: fields %v, want %s", tc.fields, r.fields(), tc.field)
			}
		}
		// A user who sees part of the fleet may not import assets (403), and may import customers.
		ctx := context.Background()
		adminActor, err := e.store.Authenticate(ctx, e.admin.key)
		if err != nil {
			t.Fatal(err)
		}
		email := uniqueEmail("scoped-importer")
		if _, _, err := e.store.InviteUser(ctx, adminActor, steward.UserFields{Name: "Scoped", Email: email,
			Role: steward.RoleFleetAdmin, FleetVisibility: steward.FleetVisibilityNone}); err != nil {
			t.Fatal(err)
		}
		k, err := e.store.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "scoped"})
		if err != nil {
			t.Fatal(err)
		}
		scoped := &apiClient{env: e, key: k.Key, keyID: k.ID, name: "scoped"}
		assetsBody, act := multipartBody(t, "kind", "assets", "file", "name\nA\n")
		post(scoped, act, assetsBody).want(t, http.StatusForbidden)
		post(scoped, ct, good).want(t, http.StatusAccepted)
		// The admin's asset import is not the scoped user's to read.
		id := str(post(e.admin, act, assetsBody).want(t, http.StatusAccepted).obj(), "id")
		scoped.get(t, "/api/v1/imports/"+id).want(t, http.StatusNotFound)
	})
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
