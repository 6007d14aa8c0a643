package ui_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// uploadForm is the import form as a browser sends it: kind, dry_run (when checked), file.
func uploadForm(t *testing.T, kind string, dry bool, file string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("kind", kind)
	if dry {
		w.WriteField("dry_run", "true")
	}
	fw, _ := w.CreateFormFile("file", "fleet.csv")
	fw.Write([]byte(file))
	w.Close()
	return &b, w.FormDataContentType()
}

func (c *client) upload(kind string, dry bool, file string) (*http.Response, string) {
	c.t.Helper()
	body, ct := uploadForm(c.t, kind, dry, file)
	req, err := http.NewRequest("POST", c.st.base+"/imports", body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	res.Body.Close()
	return res, out.String()
}

// The imports page: a dry run and an import uploaded through the form, each job's page with its
// counts and errors, the errors as CSV, the templates; a role that may not write is refused.
func TestImportPages(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			page := c.get("/imports", "", http.StatusOK)
			for _, want := range []string{`enctype="multipart/form-data"`, `href="/imports/templates/assets.csv"`, "No imports yet"} {
				if !strings.Contains(page, want) {
					t.Fatalf("imports page lacks %q", want)
				}
			}
			run := func(file string, dry bool) (string, string) {
				t.Helper()
				res, body := c.upload("customers", dry, file)
				loc := res.Header.Get("Location")
				if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/imports/") {
					t.Fatalf("upload: %d %q\n%s", res.StatusCode, loc, body)
				}
				id := strings.TrimPrefix(loc, "/imports/")
				if _, err := st.s.RunImport(context.Background(), id, "ui-test", nil); err != nil {
					t.Fatal(err)
				}
				return id, c.get(loc, "", http.StatusOK)
			}
			_, job := run("name;email\nAcme <b>Rentals</b>;a@acme.example\nBeta;\n", true)
			for _, want := range []string{"Dry run of fleet.csv", `id="count-created">2<`, "Nothing was written (dry run)", "Succeeded"} {
				if !strings.Contains(job, want) {
					t.Fatalf("dry run page lacks %q\n%s", want, job)
				}
			}
			id, job := run("name,email\nGamma,not-an-email\n", false)
			for _, want := range []string{"Failed", `<td class="num">2</td><td>email</td>`, "Nothing was written", "/imports/" + id + "/errors.csv"} {
				if !strings.Contains(job, want) {
					t.Fatalf("failed import page lacks %q\n%s", want, job)
				}
			}
			csv := c.get("/imports/"+id+"/errors.csv", "", http.StatusOK)
			if !strings.HasPrefix(csv, "row,column,message\n2,email,") {
				t.Fatalf("errors.csv %q", csv)
			}
			// While a job runs, its section reloads itself; the htmx request gets the section alone.
			queued, _ := c.upload("customers", true, "name\nDelta\n")
			frag := c.get(queued.Header.Get("Location"), "import-job", http.StatusOK)
			if !strings.HasPrefix(frag, `<section id="import-job"`) || !strings.Contains(frag, `hx-trigger="every 2s"`) {
				t.Fatalf("fragment of a queued job: %s", frag)
			}
			if list := c.get("/imports", "", http.StatusOK); !strings.Contains(list, `id="import-jobs"`) || strings.Count(list, `<a href="/imports/0`) != 3 {
				t.Fatalf("recent imports:\n%s", list)
			}
			if tpl := c.get("/imports/templates/locations.csv", "", http.StatusOK); !strings.HasPrefix(tpl, "name,customer_id,external_ref,") {
				t.Fatalf("template %q", tpl)
			}
			// A missing kind and an empty file: the form again, with the problem.
			res, body := c.upload("things", false, "name\nA\n")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="import-error"`) {
				t.Fatalf("bad kind: %d\n%s", res.StatusCode, body)
			}
			res, body = c.upload("customers", false, "")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is empty") {
				t.Fatalf("empty file: %d\n%s", res.StatusCode, body)
			}
			// A user (read only) sees the page without the form, and may not upload.
			u := addUser(t, st, steward.RoleUser)
			if page := u.get("/imports", "", http.StatusOK); strings.Contains(page, `id="import-form"`) {
				t.Fatalf("the form is shown to a user")
			}
			if res, _ := u.upload("customers", true, "name\nA\n"); res.StatusCode != http.StatusForbidden {
				t.Fatalf("a user's upload: %d", res.StatusCode)
			}
		})
	}
}
