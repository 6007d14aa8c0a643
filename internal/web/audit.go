package web

import (
	"encoding/csv"
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

// errHeadDone stops the walk of a HEAD request's export at its first event.
var errHeadDone = errors.New("head: the first event is enough")

// auditCSV streams the audit log as CSV. Nothing is sent until the first event (or the end of an
// empty walk), so a refusal (403, 422) is still an ordinary problem response; a failure once rows
// are out aborts the connection (see writeError).
//
// The server's write timeout would cut a long export short, so each write instead gets its own
// deadline (Options.StreamWriteTimeout): a client that reads slowly gets the whole file, one
// that stops reading is cut off. A HEAD request runs the walk's checks and stops at the first
// event, building no body.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := parseAuditFilter(r.URL.Query(), false)
	if err != nil {
		return err
	}
	start := func() {
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="audit.csv"`)
		w.WriteHeader(http.StatusOK)
	}
	if isHead(w) {
		err := s.svc.EachAuditEvent(r.Context(), actorOf(r), f, func(*steward.AuditEvent) error { return errHeadDone })
		if err != nil && !errors.Is(err, errHeadDone) {
			return err
		}
		start()
		return nil
	}
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), timeout: s.opts.StreamWriteTimeout}
	cw := csv.NewWriter(dw)
	started := false
	begin := func() error {
		started = true
		start()
		return cw.Write(steward.AuditCSVHeader)
	}
	err = s.svc.EachAuditEvent(r.Context(), actorOf(r), f, func(e *steward.AuditEvent) error {
		if !started {
			if err := begin(); err != nil {
				return err
			}
		}
		rec, err := e.CSVRecord()
		if err != nil {
			return err
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		return dw.err
	})
	if err != nil {
		return err
	}
	if !started {
		if err := begin(); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return dw.err
}

// deadlineWriter gives the connection a fresh write deadline before writing, at most once a
// second (a deadline costs a timer update, not a system call, but a row is small). Its first
// error sticks, so the walk feeding it stops.
type deadlineWriter struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	timeout  time.Duration
	extended time.Time
	err      error
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if now := time.Now(); now.Sub(d.extended) >= time.Second {
		// A writer without deadlines (a test recorder) has nothing to stall.
		if err := d.rc.SetWriteDeadline(now.Add(d.timeout)); err == nil || errors.Is(err, http.ErrNotSupported) {
			d.extended = now
		}
	}
	n, err := d.w.Write(p)
	if err != nil {
		d.err = err
	}
	return n, err
}
