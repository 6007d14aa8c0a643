package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// readBody reads the whole request body, within the limit the route handler set. A body of
// known length is read into one buffer of its size, so reading costs no more than the body.
func readBody(r *http.Request) ([]byte, error) {
	var b []byte
	var err error
	if n := r.ContentLength; n >= 0 {
		b = make([]byte, n)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(r.Body)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, steward.Errorf(steward.EBADREQUEST, "the body could not be read")
	}
	return b, nil
}

// readPatch reads a JSON Merge Patch body and checks that it is one JSON object, so a malformed
// body is refused before the service opens a transaction.
func readPatch(r *http.Request) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := checkJSONSyntax(body); err != nil {
		return nil, err
	}
	return body, nil
}

// patcher returns the change function an Update service method applies to the stored fields:
// the merge patch, whose member order it records in order for sorting field errors.
func patcher[T any, P fieldsPtr[T]](patch []byte, order *fieldOrder) func(*T) error {
	return func(f *T) error {
		o, err := mergePatch(patch, P(f))
		*order = o
		return err
	}
}

// checkQuery refuses query parameters the route does not document, and documented ones given
// more than once: a typo must not be silently ignored.
func checkQuery(r *http.Request, known []param) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return steward.Errorf(steward.EBADREQUEST, "the query string is malformed")
	}
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	slices.Sort(names)
	var v steward.Violations
	for _, name := range names {
		switch {
		case !slices.ContainsFunc(known, func(p param) bool { return p.name == name }):
			v.Add(name, "is not a known query parameter")
		case len(vals[name]) > 1:
			v.Add(name, "must be given at most once")
		case !steward.IsCleanText(vals[name][0]):
			v.Add(name, "must be valid UTF-8 text without control characters")
		}
	}
	return v.Err()
}

// badIfMatch answers an If-Match that cannot name a stored version; built only when needed.
func badIfMatch() error {
	return steward.Errorf(steward.EPRECONDITION, `If-Match must be one ETag as the server sent it (like "3") or *`)
}

// parseIfMatch reads the If-Match header as the version a change requires: 0 when absent or
// "*" (no precondition). Only one strong ETag as the server sends it ("3") is understood; any
// other value cannot match a stored version, so it fails the precondition (412).
func parseIfMatch(h http.Header) (int64, error) {
	vals := h.Values("If-Match")
	if len(vals) == 0 {
		return 0, nil
	}
	if len(vals) > 1 {
		return 0, badIfMatch()
	}
	v := strings.TrimSpace(vals[0])
	if v == "*" {
		return 0, nil
	}
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, badIfMatch()
	}
	digits := v[1 : len(v)-1]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, badIfMatch()
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 {
		return 0, badIfMatch()
	}
	return n, nil
}

// ifMatchOf returns the version the route handler parsed from If-Match (0: no precondition).
func ifMatchOf(r *http.Request) int64 {
	v, _ := r.Context().Value(ifMatchKey).(int64)
	return v
}

// etag is the strong ETag of a stored version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// parseLimit reads limit: DefaultLimit when absent, else 1..MaxLimit.
func parseLimit(q url.Values, v *steward.Violations) int {
	s := q.Get("limit")
	if s == "" {
		return steward.DefaultLimit
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > steward.MaxLimit {
		v.Add("limit", "must be a whole number from 1 to %d", steward.MaxLimit)
		return 0
	}
	return n
}

// parseListParams reads the parameters every list takes. Status and sort are checked with the
// list's other filters (the filter's Check); the service checks the cursor, which only it
// understands.
func parseListParams(q url.Values, v *steward.Violations) steward.ListParams {
	p := steward.ListParams{
		Q:      q.Get("q"),
		Sort:   q.Get("sort"),
		Cursor: q.Get("cursor"),
		Limit:  parseLimit(q, v),
		Status: steward.StatusActive,
	}
	if s := q.Get("status"); s != "" {
		p.Status = steward.Status(s)
	}
	return p
}

// parseBool reads an optional true|false parameter.
func parseBool(q url.Values, name string, v *steward.Violations) bool {
	switch q.Get(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	v.Add(name, "must be true or false")
	return false
}

// parseTime reads an optional RFC 3339 time. A "+" of a zone offset that arrived unescaped (and
// so decoded as a space) is taken back.
func parseTime(q url.Values, name string, v *steward.Violations) *steward.Timestamp {
	s := q.Get(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, strings.ReplaceAll(s, " ", "+"))
	}
	if err != nil {
		v.Add(name, "must be an RFC 3339 time like 2024-05-01T00:00:00Z")
		return nil
	}
	ts := steward.TimestampOf(t)
	return &ts
}
