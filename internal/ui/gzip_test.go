package ui_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGzip: pages and fragments answering GET are gzipped for a browser that accepts it (and
// say so in Vary); the answer to a POST never is, since a new API key's secret is in one.
func TestGzip(t *testing.T) {
	st := startSite(t, "sqlite")
	c := newClient(t, st, st.email, st.password)
	send := func(method, path string, form url.Values, encoding string) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, st.base+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Target", "dialog-body")
		}
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding) // set by hand: the transport leaves the body as sent
		}
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return res, string(b)
	}

	for _, enc := range []string{"gzip", "br, gzip;q=0.8, deflate"} {
		res, body := send("GET", "/customers", nil, enc)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(body, `id="add-customer"`) {
			t.Errorf("GET /customers (Accept-Encoding %q): %d, encoding %q", enc, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Vary = %q", res.Header.Values("Vary"))
		}
	}
	for _, enc := range []string{"", "identity", "gzip;q=0"} {
		res, body := send("GET", "/customers", nil, enc)
		if res.Header.Get("Content-Encoding") != "" || !strings.Contains(body, `id="add-customer"`) {
			t.Errorf("GET /customers (Accept-Encoding %q): encoding %q", enc, res.Header.Get("Content-Encoding"))
		}
	}
	// A new API key's answer is never compressed.
	res, body := send("POST", "/api-keys", url.Values{"name": {"Nightly sync"}}, "gzip")
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" || !strings.Contains(body, "stw_") {
		t.Errorf("POST /api-keys: %d, encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
}
