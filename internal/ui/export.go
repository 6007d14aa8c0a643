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
		err := web.ExportCSV(w, r, u.svc, actorOf(r), kind+".csv", exportWriteTimeout)
		switch {
		case err == nil:
		case errors.Is(err, web.ErrExportStarted):
			// Rows are out: the status cannot change; the log has it, the truncated file shows it.
			u.log.ErrorContext(r.Context(), "ui: export", "kind", kind, "request_id", requestID(w), "err", err)
			panic(http.ErrAbortHandler)
		default:
			u.fail(w, r, err)
		}
	}
}
