package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/steward-fleet/steward/internal/steward"
)

// marshal encodes a response body; the newline ends it as curl users expect.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// writeBody sends an encoded JSON body with status.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if len(body) > 0 && !isHead(w) {
		_, _ = w.Write(body)
	}
}

// writeJSON sends v as JSON. Encoding happens into a pooled buffer before anything is sent, so
// an encoding error still becomes a problem response, and a page of JSON costs no fresh
// allocation of its size per request.
//
// A response to HEAD is not encoded at all: its headers are all it sends.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	if isHead(w) {
		writeBody(w, status, nil)
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	if err := enc.Encode(v); err != nil { // Encode ends the body with a newline, as marshal does
		return err
	}
	writeBody(w, status, buf.Bytes())
	return nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuf returns a buffer to the pool unless one huge response made it too big to keep.
func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		bufPool.Put(b)
	}
}

// writeObject sends a single stored object with the strong ETag of its version.
func writeObject(w http.ResponseWriter, status int, v any, version int64) error {
	if version > 0 {
		w.Header().Set("ETag", etag(version))
	}
	return writeJSON(w, status, v)
}

// writeList sends one page of a list; data is [] rather than null when empty.
func writeList[T any](w http.ResponseWriter, page *steward.Page[T], err error) error {
	if err != nil {
		return err
	}
	if page == nil {
		page = &steward.Page[T]{}
	}
	if page.Data == nil {
		page.Data = []T{}
	}
	return writeJSON(w, http.StatusOK, page)
}

// writeNoContent answers 204 after a delete, or returns err.
func writeNoContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
