package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// The vendored and hand-written static files (docs/UI.md lists versions and licences).
//
//go:embed static
var staticFS embed.FS

// staticPrefix starts every static file's URL: /static/<content hash>/<name>. The hash changes
// with the content, so the files are cached for a year and a new release is fetched at once.
const staticPrefix = "/static/"

// staticFile is one embedded file, ready to serve.
type staticFile struct {
	name, hash, ctype string
	body, gzipped     []byte
}

type staticFiles struct{ byName map[string]*staticFile }

// assets are the embedded static files, hashed and gzipped once, when the first UI is built
// (not at every start of the binary, whose other commands never serve them).
var assets = sync.OnceValue(newStaticFiles)

func newStaticFiles() *staticFiles {
	s := &staticFiles{byName: map[string]*staticFile{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := fs.ReadFile(staticFS, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		f := &staticFile{name: e.Name(), hash: hex.EncodeToString(sum[:6]), body: body,
			ctype: mime.TypeByExtension(path.Ext(e.Name()))}
		if f.ctype == "" || strings.HasSuffix(e.Name(), ".md") {
			f.ctype = "text/plain; charset=utf-8"
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if b.Len() < len(body) {
			f.gzipped = b.Bytes()
		}
		s.byName[e.Name()] = f
	}
	return s
}

// url returns the versioned URL of a static file; it panics on an unknown name, which the
// template tests catch.
func (s *staticFiles) url(name string) string {
	f, ok := s.byName[name]
	if !ok {
		panic("ui: no static file " + name)
	}
	return staticPrefix + f.hash + "/" + f.name
}

// ServeHTTP serves /static/<hash>/<name>: the file when the hash is its current one (cached
// for a year, immutable), gzipped when the client accepts it; 404 otherwise.
func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hash, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, staticPrefix), "/")
	f, ok := s.byName[name]
	if !ok || f.hash != hash || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.hash+`"`)
	h.Set("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}
