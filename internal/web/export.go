package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// A list's CSV export (PRODUCT.md §7, docs/API.md "Exports"): GET /api/v1/exports/{kind}.csv
// takes exactly its list's filters (not limit and cursor: the file holds every row) and walks the
// list through the service a page of steward.MaxLimit at a time, so the caller's account and
// fleet scope apply exactly as in the list. The web interface serves the same files through the
// session (ExportCSV).

// exporter is one kind's export.
type exporter struct {
	kind    string  // customers…: the file's name and the route's path
	summary string  // of the route
	query   []param // the list's filters
	// run checks the query's filters and writes each row of the list to out; head stops after
	// the first page (its checks done: an id filter naming nothing is 422 like the list's).
	run func(ctx context.Context, svc steward.Service, a *steward.Actor, q url.Values, out *csvStream, head bool) error
	// header is the file's header row.
	header []string
}

// exportOf is the export of a list: parse reads the list's query (the list handler's own),
// params gives the filter's paging parameters, list is the service's list method.
func exportOf[FL checker, T any](kind, summary string, query []param, parse func(url.Values, *steward.Violations) FL,
	params func(*FL) *steward.ListParams, list func(steward.Service, context.Context, *steward.Actor, FL) (*steward.Page[T], error),
	table steward.CSVTable[T]) exporter {
	run := func(ctx context.Context, svc steward.Service, a *steward.Actor, q url.Values, out *csvStream, head bool) error {
		var v steward.Violations
		f := parse(q, &v)
		f.Check(&v)
		if err := v.Err(); err != nil {
			return err
		}
		p := params(&f)
		p.Limit, p.Cursor = steward.MaxLimit, ""
		if head {
			p.Limit = 1
			_, err := list(svc, ctx, a, f)
			return err
		}
		// The next page is read while this one is written: the database and the encoding
		// overlap. The channel holds the one read under way, which ends on its own (the
		// context cancels it when the client has gone), so nothing waits on a reader.
		type read struct {
			page *steward.Page[T]
			err  error
		}
		next := make(chan read, 1)
		fetch := func(f FL) {
			go func() {
				// A panic here would escape the handler's recovery and end the process: it
				// becomes the export's error, logged with its stack like any other.
				defer func() {
					if v := recover(); v != nil {
						next <- read{err: fmt.Errorf("export %s: %v\n%s", kind, v, debug.Stack())}
					}
				}()
				page, err := list(svc, ctx, a, f)
				next <- read{page, err}
			}()
		}
		fetch(f)
		rec := make([]string, 0, len(table))
		for {
			got := <-next
			if got.err != nil {
				return got.err
			}
			if got.page.NextCursor != nil {
				p.Cursor = *got.page.NextCursor
				fetch(f)
			}
			for i := range got.page.Data {
				rec = table.Record(&got.page.Data[i], rec)
				if err := out.write(rec); err != nil {
					return err
				}
			}
			if got.page.NextCursor == nil {
				return nil
			}
		}
	}
	return exporter{kind: kind, summary: summary, query: query, run: run, header: table.Header()}
}

// exporters are the lists that export, in the order of the route table.
var exporters = []exporter{
	exportOf("customers", "Customers as CSV, with the list's filters", exportQuery(steward.CustomerSorts, customerQuery...),
		customerFilter, func(f *steward.CustomerFilter) *steward.ListParams { return &f.ListParams },
		steward.Service.Customers, steward.CustomerCSV),
	exportOf("contacts", "Contacts as CSV, with the list's filters", exportQuery(steward.ContactSorts, contactQuery...),
		contactFilter, func(f *steward.ContactFilter) *steward.ListParams { return &f.ListParams },
		steward.Service.Contacts, steward.ContactCSV),
	exportOf("locations", "Locations as CSV, with the list's filters", exportQuery(steward.LocationSorts, locationQuery...),
		locationFilter, func(f *steward.LocationFilter) *steward.ListParams { return &f.ListParams },
		steward.Service.Locations, steward.LocationCSV),
	exportOf("assets", "Assets as CSV, with the list's filters", exportQuery(steward.AssetSorts, assetQuery...),
		assetFilter, func(f *steward.AssetFilter) *steward.ListParams { return &f.ListParams },
		steward.Service.Assets, steward.AssetCSV),
	exportOf("groups", "Groups as CSV, with the list's filters", exportQuery(steward.GroupSorts),
		groupFilter, func(f *steward.GroupFilter) *steward.ListParams { return &f.ListParams },
		steward.Service.Groups, steward.GroupCSV),
}

// exportQuery is a list's query without limit and cursor.
func exportQuery(sorts []string, filters ...param) []param {
	var q []param
	for _, p := range listQuery(sorts, filters...) {
		if p.name != qLimit.name && p.name != qCursor.name {
			q = append(q, p)
		}
	}
	return q
}

// exportFilename is the file's name: the kind and the day (UTC), "assets-20250131.csv".
func exportFilename(kind string, now time.Time) string {
	return kind + "-" + now.UTC().Format("20060102") + ".csv"
}

// export streams e's file. HEAD runs the checks and the first page, building no body.
func (e exporter) export(w http.ResponseWriter, r *http.Request, svc steward.Service, a *steward.Actor, timeout time.Duration) error {
	out := newCSVStream(w, timeout, exportFilename(e.kind, time.Now()), e.header)
	head := r.Method == http.MethodHead
	if err := e.run(r.Context(), svc, a, r.URL.Query(), out, head); err != nil {
		return err
	}
	if head {
		out.start()
		return nil
	}
	return out.close()
}

// exportCSV answers GET /api/v1/exports/{kind}.csv (the route checked the query's names).
func (s *Server) exportCSV(e exporter) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return e.export(w, r, s.svc, actorOf(r), s.opts.StreamWriteTimeout)
	}
}

// ErrExportStarted wraps an export's failure once its rows were on their way: the response
// cannot become an error page any more, and the connection must be aborted.
var ErrExportStarted = errors.New("export: failed after the response started")

// ExportCSV streams the list export named file ("customers.csv", "contacts.csv",
// "locations.csv", "assets.csv", "groups.csv") for a, with the request's query as the list's
// filters: the web interface's download through the session, byte for byte the API's file. Each
// write gets a deadline of timeout. An unknown file is ENOTFOUND; a query parameter the list
// does not take (limit and cursor included) is EINVALID naming it; an error wrapping
// ErrExportStarted came after rows were sent.
func ExportCSV(w http.ResponseWriter, r *http.Request, svc steward.Service, a *steward.Actor, file string, timeout time.Duration) error {
	for _, e := range exporters {
		if e.kind+".csv" != file {
			continue
		}
		if err := checkQuery(r, e.query); err != nil {
			return err
		}
		sw := &startWriter{ResponseWriter: w}
		if err := e.export(sw, r, svc, a, timeout); err != nil {
			if sw.started {
				return errors.Join(ErrExportStarted, err)
			}
			return err
		}
		return nil
	}
	return steward.NotFound("export")
}

// startWriter notes whether the response has started.
type startWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *startWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
