package web

import (
	"encoding/json"
	"net/http"

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
	_, _ = w.Write(body)
}

// writeJSON sends v as JSON. Encoding happens before anything is sent, so an encoding error
// still becomes a problem response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := marshal(v)
	if err != nil {
		return err
	}
	writeBody(w, status, body)
	return nil
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
