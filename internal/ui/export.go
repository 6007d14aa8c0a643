package ui

import (
	"errors"
	"net/http"

	"github.com/steward-fleet/steward/internal/web"
)

// The lists' CSV exports through the session (PRODUCT.md §7): /customers.csv, /locations.csv,
// /assets.csv and /groups.csv take the list's filters as its page's URL holds them and answer
// the API's file (GET /api/v1/exports/{kind}.csv) byte for byte, for every role, in the
// caller's fleet scope. "Export CSV" on each list page links to them with the current filters.

// ExportURL is the export of the list kind ("customers"…) with these filters (no cursor: the
// file holds every row).
func (f listFilters) ExportURL(kind string) string { return f.url("/" + kind + ".csv") }

// export streams the list kind's file.
func (u *UI) export(kind string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		u.streamed(w, r, kind, web.ExportCSV(w, r, u.svc, actorOf(r), kind+".csv", exportWriteTimeout))
	}
}

// streamed answers the end of a CSV download: an error before any row is an ordinary error page;
// one after rows were sent cannot change the status, so it is logged and the connection aborted
// (the truncated file shows it).
func (u *UI) streamed(w http.ResponseWriter, r *http.Request, kind string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, web.ErrExportStarted):
		u.log.ErrorContext(r.Context(), "ui: export", "kind", kind, "request_id", requestID(w), "err", err)
		panic(http.ErrAbortHandler)
	default:
		u.fail(w, r, err)
	}
}
