package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// CSV imports (docs/API.md "Imports"): POST /api/v1/imports takes a multipart/form-data body
// whose kind and dry_run come before its file, so the caller's right to import that kind is
// checked before a byte of the file is read; the file streams into the store (the job's input)
// and the job runs in the background (internal/jobs). GET reads the job; errors.csv streams its
// errors; each kind has a template.

// ImportForm is the multipart body of POST /api/v1/imports, as the OpenAPI document states it.
type ImportForm struct {
	Kind   steward.ImportKind `json:"kind"`
	DryRun bool               `json:"dry_run"`
	File   string             `json:"file"`
}

// importSlack is what a multipart body may hold beyond its file: boundaries, part headers and
// the other fields.
const importSlack = 64 << 10

// maxImportBody is the largest body POST /api/v1/imports reads.
func (s *Server) maxImportBody() int64 { return s.opts.MaxImportBytes + importSlack }

func (s *Server) createImport(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actorOf(r)
	mr, err := r.MultipartReader()
	if err != nil {
		return steward.Errorf(steward.EBADREQUEST, "the body must be multipart/form-data with the fields kind, dry_run and file")
	}
	in := steward.NewImport{MaxBytes: s.opts.MaxImportBytes}
	var v steward.Violations
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return bodyError(err, "the multipart body cannot be read: "+shorten(err.Error(), 100))
		}
		if len(v) >= maxFieldErrors {
			return v.Err() // a body of endless bad fields is told its first ones
		}
		name := part.FormName()
		if seen[name] {
			v.Add(name, "is sent twice")
			continue
		}
		seen[name] = true
		switch name {
		case "kind", "dry_run":
			val, err := io.ReadAll(io.LimitReader(part, 65))
			if err != nil {
				return bodyError(err, "the multipart body cannot be read")
			}
			text := strings.TrimSpace(string(val))
			if name == "kind" {
				in.Kind = steward.ImportKind(text)
				if !in.Kind.Valid() {
					v.Add("kind", "%s", steward.OneOf(in.Kind.Values()))
				}
				continue
			}
			if in.DryRun, err = strconv.ParseBool(text); err != nil || text == "" {
				v.Add("dry_run", "must be true or false")
			}
		case "file":
			if err := v.Err(); err != nil {
				return err
			}
			if !seen["kind"] {
				return steward.Invalid("kind", "is required, and comes before file in the body (the file is not read before the caller may import its kind)")
			}
			// Authorized for this kind before the file is read.
			if err := s.svc.MayImport(ctx, a, in.Kind); err != nil {
				return err
			}
			in.FileName, in.File = part.FileName(), part
			job, err := s.svc.CreateImport(ctx, a, in)
			if err != nil {
				return bodyError(err, "")
			}
			if s.opts.ImportQueued != nil {
				s.opts.ImportQueued(job.ID)
			}
			// The rest of the body (a final boundary) is left: nothing after the file counts.
			w.Header().Set("Location", "/api/v1/imports/"+job.ID)
			return writeJSON(w, http.StatusAccepted, job)
		default:
			v.Add(shorten(name, 64), "is not a field of an import (kind, dry_run, file)")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return steward.Invalid("file", "is required: the CSV file to import")
}

// bodyError turns a read that hit the body's limit into 413; other errors pass (or become 400
// with msg when msg is set).
func bodyError(err error, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return steward.Errorf(steward.ETOOLARGE, "the body is larger than the import limit of %d bytes", mbe.Limit-importSlack)
	}
	if msg != "" {
		var se *steward.Error
		if !errors.As(err, &se) {
			return steward.Errorf(steward.EBADREQUEST, "%s", msg)
		}
	}
	return err
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request) error {
	j, err := s.svc.Import(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, j)
}

// ImportErrorsCSVHeader is the header of a job's errors.csv.
var ImportErrorsCSVHeader = []string{"row", "column", "message"}

func (s *Server) importErrorsCSV(w http.ResponseWriter, r *http.Request) error {
	return ImportErrorsCSV(w, r, s.svc, actorOf(r), r.PathValue("id"), s.opts.StreamWriteTimeout)
}

// ImportErrorsCSV streams the errors of job id as CSV (row, column, message), for the API and the
// web interface; an unknown job is ENOTFOUND before anything is sent.
func ImportErrorsCSV(w http.ResponseWriter, r *http.Request, svc steward.Service, a *steward.Actor, id string, timeout time.Duration) error {
	ctx := r.Context()
	if _, err := svc.Import(ctx, a, id); err != nil {
		return err
	}
	out := newCSVStream(w, timeout, "import-"+id+"-errors.csv", ImportErrorsCSVHeader)
	if r.Method == http.MethodHead {
		out.start()
		return nil
	}
	rec := make([]string, 3)
	err := svc.EachImportError(ctx, a, id, func(e steward.ImportRowError) error {
		rec[0], rec[1], rec[2] = strconv.FormatInt(e.Row, 10), e.Column, steward.CSVCell(e.Message)
		return out.write(rec)
	})
	if err != nil {
		return err
	}
	return out.close()
}

// importTemplate serves kind's template: its header row, the columns an import writes.
func importTemplate(kind steward.ImportKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return ImportTemplateCSV(w, r, kind) }
}

// ImportTemplateCSV sends kind's template, for the API and the web interface.
func ImportTemplateCSV(w http.ResponseWriter, r *http.Request, kind steward.ImportKind) error {
	out := newCSVStream(w, DefaultStreamWriteTimeout, string(kind)+"-template.csv", steward.ImportTemplate(kind))
	if r.Method == http.MethodHead {
		out.start()
		return nil
	}
	return out.close()
}

// importRoutes are the imports' routes.
func (s *Server) importRoutes() []route {
	rs := []route{
		{method: http.MethodPost, path: "/api/v1/imports", id: "createImport", tag: "imports",
			summary: "Start a CSV import (multipart: kind and dry_run before file); the job runs in the background",
			body:    ImportForm{}, multipart: true, required: []string{"kind", "file"},
			response: steward.ImportJob{}, status: http.StatusAccepted, perm: steward.PermWriteFleet, handle: s.createImport},
		{method: http.MethodGet, path: "/api/v1/imports/{id}", id: "getImport", tag: "imports",
			summary: "An import job: its status, counts and first errors", response: steward.ImportJob{}, handle: s.getImport},
		{method: http.MethodGet, path: "/api/v1/imports/{id}/errors.csv", id: "getImportErrors", tag: "imports",
			summary: "Every error of an import job as CSV (row, column, message)", contentType: "text/csv", handle: s.importErrorsCSV},
	}
	for _, k := range steward.ImportKind("").Values() {
		rs = append(rs, route{method: http.MethodGet, path: "/api/v1/imports/templates/" + string(k) + ".csv",
			id: "importTemplate" + strings.ToUpper(string(k)[:1]) + string(k)[1:], tag: "imports",
			summary: "The header row of a " + string(k) + " import", contentType: "text/csv", handle: importTemplate(k)})
	}
	return rs
}

// isMultipartForm reports whether a Content-Type is multipart/form-data with a boundary.
func isMultipartForm(v string) bool {
	mt, params, err := mime.ParseMediaType(v)
	return err == nil && mt == "multipart/form-data" && params["boundary"] != ""
}
