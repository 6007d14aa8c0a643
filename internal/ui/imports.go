package ui

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// The imports page (PRODUCT.md §7): upload a CSV file of customers, contacts, locations or
// assets (a dry run, or applied all or nothing), the template of each kind, and the account's
// recent jobs; a job's page shows its progress (refreshed by htmx while it runs), its counts and
// its errors, with the errors as CSV. The form names kind and dry run before the file, so the
// caller's right to import that kind is checked before the file is read, as in the API.

type importsView struct {
	Kinds   []option
	Jobs    []steward.ImportJob
	CanEdit bool
	DryRun  bool
	Error   string
	Fields  []steward.FieldError
	MaxMiB  int64
}

type importView struct {
	Job     *steward.ImportJob
	Percent int64
	More    int64 // errors beyond those listed
}

func importKindLabel(k steward.ImportKind) string {
	return map[steward.ImportKind]string{steward.ImportCustomers: "Customers", steward.ImportContacts: "Contacts",
		steward.ImportLocations: "Locations", steward.ImportAssets: "Assets"}[k]
}

func (u *UI) importsView(r *http.Request, a *steward.Actor, kind steward.ImportKind) (*importsView, error) {
	jobs, err := u.svc.RecentImports(r.Context(), a)
	if err != nil {
		return nil, err
	}
	v := &importsView{Jobs: jobs, CanEdit: a.Can(steward.PermWriteFleet), DryRun: true, MaxMiB: u.maxImportBytes >> 20}
	for _, k := range steward.ImportKind("").Values() {
		v.Kinds = append(v.Kinds, option{string(k), importKindLabel(k), k == kind})
	}
	return v, nil
}

func (u *UI) imports(w http.ResponseWriter, r *http.Request) {
	v, err := u.importsView(r, actorOf(r), steward.ImportCustomers)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.page(w, r, http.StatusOK, "imports", "Import", "imports", v)
}

// importSlack is what the form's body may hold besides the file.
const importSlack = 64 << 10

// importCreate reads the form as it streams: kind and dry_run, then the file, straight into the
// job's stored input.
func (u *UI) importCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermWriteFleet); err != nil {
		u.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.maxImportBytes+importSlack)
	in := steward.NewImport{Kind: steward.ImportCustomers, MaxBytes: u.maxImportBytes}
	refuse := func(err error) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = steward.Invalid("file", "is larger than the import limit of %d MiB", u.maxImportBytes>>20)
		}
		var se *steward.Error
		if !errors.As(err, &se) {
			u.fail(w, r, err)
			return
		}
		if se.Code == steward.EFORBIDDEN || se.Code == steward.ENOTFOUND {
			u.fail(w, r, err)
			return
		}
		v, verr := u.importsView(r, a, in.Kind)
		if verr != nil {
			u.fail(w, r, verr)
			return
		}
		v.DryRun, v.Error, v.Fields = in.DryRun, se.Message, se.Fields
		u.page(w, r, web.StatusOf(err), "imports", "Import", "imports", v)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		refuse(steward.Invalid("file", "choose a CSV file to import"))
		return
	}
	for parts := 0; ; parts++ {
		if parts > 10 {
			refuse(steward.Invalid("file", "choose a CSV file to import"))
			return
		}
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			refuse(steward.Invalid("file", "the upload could not be read; try again"))
			return
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 65))
			in.Kind = steward.ImportKind(strings.TrimSpace(string(b)))
			if !in.Kind.Valid() {
				refuse(steward.Invalid("kind", "%s", steward.OneOf(in.Kind.Values())))
				return
			}
		case "dry_run":
			in.DryRun = true
		case "file":
			if err := u.svc.MayImport(r.Context(), a, in.Kind); err != nil {
				refuse(err)
				return
			}
			if part.FileName() == "" {
				refuse(steward.Invalid("file", "choose a CSV file to import"))
				return
			}
			in.FileName, in.File = part.FileName(), part
			job, err := u.svc.CreateImport(r.Context(), a, in)
			if err != nil {
				refuse(err)
				return
			}
			if u.importQueued != nil {
				u.importQueued(job.ID)
			}
			http.Redirect(w, r, "/imports/"+job.ID, http.StatusSeeOther)
			return
		}
	}
	refuse(steward.Invalid("file", "choose a CSV file to import"))
}

func (u *UI) importJob(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "import")
	var j *steward.ImportJob
	if err == nil {
		j, err = u.svc.Import(r.Context(), actorOf(r), id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := &importView{Job: j, More: max(j.ErrorCount-int64(len(j.Errors)), 0)}
	if j.TotalRows > 0 {
		v.Percent = min(j.ProcessedRows*100/j.TotalRows, 100)
	}
	if j.Status.Done() {
		v.Percent = 100
	}
	if isHTMX(r) {
		u.render(w, r, http.StatusOK, "import_job", v)
		return
	}
	u.page(w, r, http.StatusOK, "import", "Import "+importKindLabel(j.Kind), "imports", v)
}

func (u *UI) importErrors(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "import")
	if err == nil {
		err = web.ImportErrorsCSV(w, r, u.svc, actorOf(r), id, exportWriteTimeout)
	}
	u.streamed(w, r, "import errors", err)
}

func (u *UI) importTemplate(kind steward.ImportKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u.streamed(w, r, "import template", web.ImportTemplateCSV(w, r, kind))
	}
}
