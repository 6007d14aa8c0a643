package web

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// FuzzDecodeBody: whatever a client sends as a create body or a merge patch, decoding answers
// the decoded fields or a 400/422 with at most 20 field errors, and never panics.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Müller Bau","type":"dealer","address":{"city":"Köln","country":"de"}}`,
		`{"name":null,"email":"nope","foo":1}`, `{"address":null}`, `{"year":2020.5}`, `[]`, `{`,
		`{"name":"x"} {}`, "{\"name\":\"\xff\"}", `{"address":{"address":{"city":1}}}`, `{"latitude":1e400}`,
		`{"name":"\u0000"}`, `{"a":[[[[[[[[[[]]]]]]]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []normalizer{&steward.CustomerFields{}, &steward.LocationFields{}, &steward.AssetFields{}} {
			check := func(_ fieldOrder, err error) {
				if err == nil {
					return
				}
				e, ok := err.(*steward.Error)
				if !ok {
					t.Fatalf("%q: %T %v", body, err, err)
				}
				if e.Code != steward.EBADREQUEST && e.Code != steward.EINVALID {
					t.Fatalf("%q: code %q", body, e.Code)
				}
				if len(e.Fields) > maxFieldErrors {
					t.Fatalf("%q: %d field errors", body, len(e.Fields))
				}
			}
			check(decodeFields(body, dst))
			check(mergePatch(body, &steward.AssetFields{Name: "Pump", Make: "CAT"}))
		}
	})
}
