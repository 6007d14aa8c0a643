package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// parseAuditFilter reads the audit log's filters; paged adds limit and cursor.
func parseAuditFilter(q url.Values, paged bool) (steward.AuditFilter, error) {
	var v steward.Violations
	f := steward.AuditFilter{
		ObjectType: q.Get("object_type"),
		ObjectID:   q.Get("object_id"),
		CustomerID: q.Get("customer_id"),
		ActorID:    q.Get("actor_id"),
		Action:     q.Get("action"),
		From:       parseTime(q, "from", &v),
		To:         parseTime(q, "to", &v),
	}
	f.Source = steward.Source(q.Get("source"))
	f.Check(&v)
	if f.From != nil && f.To != nil && !f.To.After(f.From.Time) {
		v.Add("to", "must be after from")
	}
	if paged {
		f.Limit = parseLimit(q, &v)
		f.Cursor = q.Get("cursor")
	}
	return f, v.Err()
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseAuditFilter(r.URL.Query(), true)
	if err != nil {
		return err
	}
	page, err := s.svc.AuditEvents(r.Context(), actorOf(r), f)
	return writeList(w, page, err)
}

// errHeadDone stops the walk of a HEAD request's export at its first row.
var errHeadDone = errors.New("head: the first row is enough")

// auditCSV streams the audit log as CSV (csvStream: nothing is sent before the first event, each
// write renews the deadline). A HEAD request runs the walk's checks and stops at the first
// event, building no body.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := parseAuditFilter(r.URL.Query(), false)
	if err != nil {
		return err
	}
	return writeAuditCSV(w, r, s.svc, actorOf(r), f, s.opts.StreamWriteTimeout)
}

// writeAuditCSV streams the audit events of f as CSV; HEAD reads one event, building no body.
func writeAuditCSV(w http.ResponseWriter, r *http.Request, svc steward.Service, a *steward.Actor, f steward.AuditFilter, timeout time.Duration) error {
	out := newCSVStream(w, timeout, "audit.csv", steward.AuditCSVHeader)
	if r.Method == http.MethodHead {
		err := svc.EachAuditEvent(r.Context(), a, f, func(*steward.AuditEvent) error { return errHeadDone })
		if err != nil && !errors.Is(err, errHeadDone) {
			return err
		}
		out.start()
		return nil
	}
	err := svc.EachAuditEvent(r.Context(), a, f, func(e *steward.AuditEvent) error {
		rec, err := e.CSVRecord()
		if err != nil {
			return err
		}
		return out.write(rec)
	})
	if err != nil {
		return err
	}
	return out.close()
}

// AuditCSV streams the audit events of f for a as the API's GET /api/v1/audit.csv does: the web
// interface's download through the session, byte for byte the API's file. An error wrapping
// ErrExportStarted came after rows were sent.
func AuditCSV(w http.ResponseWriter, r *http.Request, svc steward.Service, a *steward.Actor, f steward.AuditFilter, timeout time.Duration) error {
	sw := &startWriter{ResponseWriter: w}
	if err := writeAuditCSV(sw, r, svc, a, f, timeout); err != nil {
		if sw.started {
			return errors.Join(ErrExportStarted, err)
		}
		return err
	}
	return nil
}
