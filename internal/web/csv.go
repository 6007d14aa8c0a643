package web

import (
	"encoding/csv"
	"errors"
	"net/http"
	"time"
)

// csvStream writes a CSV file as its rows arrive: the audit log's export and the lists' exports.
// Nothing is sent until the first row (or close, after an empty walk), so a refusal found while
// the walk starts (403, 422) is still an ordinary problem response; a failure once rows are out
// aborts the connection (see writeError), so the client sees a broken transfer, not a
// complete-looking file.
//
// The server's write timeout would cut a long export short, so each write instead gets its own
// deadline (deadlineWriter): a client that reads slowly gets the whole file, one that stops
// reading is cut off.
type csvStream struct {
	w        http.ResponseWriter
	dw       *deadlineWriter
	cw       *csv.Writer
	filename string
	header   []string
	started  bool
	err      error
}

func newCSVStream(w http.ResponseWriter, timeout time.Duration, filename string, header []string) *csvStream {
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), timeout: timeout}
	return &csvStream{w: w, dw: dw, cw: csv.NewWriter(dw), filename: filename, header: header}
}

// start sends the status and headers (a HEAD request stops there) and queues the header row.
func (o *csvStream) start() {
	o.started = true
	h := o.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+o.filename+`"`)
	o.w.WriteHeader(http.StatusOK)
	o.err = o.cw.Write(o.header)
}

// write queues one row; its error (the client gone, a stalled reader) stops the walk.
func (o *csvStream) write(rec []string) error {
	if !o.started {
		o.start()
	}
	if o.err != nil {
		return o.err
	}
	if err := o.cw.Write(rec); err != nil {
		return err
	}
	return o.dw.err
}

// close ends the file, sending the header row alone when there was no row.
func (o *csvStream) close() error {
	if !o.started {
		o.start()
	}
	if o.err != nil {
		return o.err
	}
	o.cw.Flush()
	if err := o.cw.Error(); err != nil {
		return err
	}
	return o.dw.err
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
