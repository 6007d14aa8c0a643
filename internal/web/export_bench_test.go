package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// csvSink is a response writer that keeps only the status and the number of lines, so an
// export of a large fleet measures the server, not a buffer growing in the benchmark.
type csvSink struct {
	header http.Header
	code   int
	lines  int
}

func (s *csvSink) Header() http.Header { return s.header }

func (s *csvSink) WriteHeader(code int) { s.code = code }

func (s *csvSink) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	s.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

// benchExport measures one whole export per op and reports its rows per second (the rows of
// the file, the header left out; a cell with a line break would count twice, and the
// generated fleet has none).
func benchExport(b *testing.B, path string) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		rows := 0
		start := time.Now()
		benchLoop(b, func(int) {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Authorization", "Bearer "+e.key)
			w := &csvSink{header: http.Header{}}
			e.h.ServeHTTP(w, r)
			if w.code != http.StatusOK || w.lines < 2 {
				b.Fatalf("%s: %d, %d lines", path, w.code, w.lines)
			}
			rows += w.lines - 1
		})
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
		b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	})
}

// BenchmarkExportAssets exports every asset of the fleet (status=all), a page of 500 at a time.
func BenchmarkExportAssets(b *testing.B) { benchExport(b, "/api/v1/exports/assets.csv?status=all") }

// BenchmarkExportCustomers exports every customer with its four counts.
func BenchmarkExportCustomers(b *testing.B) {
	benchExport(b, "/api/v1/exports/customers.csv?status=all")
}
