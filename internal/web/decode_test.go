package web

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// fieldsOf returns the field names of err's violations.
func fieldsOf(err error) []string {
	e, _ := err.(*steward.Error)
	if e == nil {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestDecodeFields(t *testing.T) {
	for _, tc := range []struct {
		body   string
		code   string
		fields []string
	}{
		{`{"name":"x"}`, "", nil},
		{``, steward.EBADREQUEST, nil},
		{`   `, steward.EBADREQUEST, nil},
		{`{"name":`, steward.EBADREQUEST, nil},
		{`[1]`, steward.EBADREQUEST, nil},
		{`"x"`, steward.EBADREQUEST, nil},
		{"{\"name\":\"\xff\"}", steward.EBADREQUEST, nil},
		{`{"name":"x"} {}`, steward.EBADREQUEST, nil},
		{`{"nmae":"x"}`, steward.EINVALID, []string{"nmae", "name"}},
		{`{"name":"x","address":{"planet":"Mars"}}`, steward.EINVALID, []string{"address.planet"}},
		{`{"name":5}`, steward.EINVALID, []string{"name"}},
		{`{"name":"x","address":{"city":7}}`, steward.EINVALID, []string{"address.city"}},
		{`{"name":"x","address":[1,{"a":2}]}`, steward.EINVALID, []string{"address"}},
		{`{"name":"x","address":"Main St"}`, steward.EINVALID, []string{"address"}},
		// Member names are matched exactly, as the API writes them.
		{`{"Name":"x"}`, steward.EINVALID, []string{"Name", "name"}},
		// An unknown member never hides the other bad fields; errors follow the document.
		{`{"email":"nope","foo":1}`, steward.EINVALID, []string{"email", "foo", "name"}},
		{`{"foo":{"deep":[1,2,3]},"name":"","type":"friend","bar":null}`, steward.EINVALID, []string{"foo", "name", "type", "bar"}},
		{`{"website":"ftp://x","name":"ok","address":{"country":"XX","zip":1}}`, steward.EINVALID,
			[]string{"website", "address.country", "address.zip"}},
	} {
		var f steward.CustomerFields
		_, err := decodeFields([]byte(tc.body), &f)
		if got := steward.ErrorCode(err); got != tc.code {
			t.Errorf("%q: code %q, want %q (%v)", tc.body, got, tc.code, err)
			continue
		}
		if got := fieldsOf(err); tc.fields != nil && !slices.Equal(got, tc.fields) {
			t.Errorf("%q: fields %v, want %v", tc.body, got, tc.fields)
		}
	}
}

func TestDecodeFieldsTypes(t *testing.T) {
	var a steward.AssetFields
	if _, err := decodeFields([]byte(`{"name":"Digger","year":2020,"location_id":"l1","owner_customer_id":null}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.Name != "Digger" || a.Year == nil || *a.Year != 2020 || a.LocationID == nil || *a.LocationID != "l1" || a.OwnerCustomerID != nil {
		t.Fatalf("decoded %+v", a)
	}
	for body, msg := range map[string]string{
		`{"name":"x","year":1.5}`:  "must be a whole number",
		`{"name":"x","year":1e99}`: "must be a whole number",
		`{"name":"x","year":"1"}`:  "must be a whole number",
		`{"name":true}`:            "must be a string",
	} {
		var a steward.AssetFields
		_, err := decodeFields([]byte(body), &a)
		e, _ := err.(*steward.Error)
		if e == nil || len(e.Fields) == 0 || e.Fields[0].Message != msg {
			t.Errorf("%s: %v, want %q", body, err, msg)
		}
	}
	var k steward.APIKeyFields
	_, err := decodeFields([]byte(`{"name":"k","expires_at":"next tuesday"}`), &k)
	if got := fieldsOf(err); !slices.Equal(got, []string{"expires_at"}) {
		t.Errorf("bad time: %v", err)
	}
	var l steward.LocationFields
	if _, err := decodeFields([]byte(`{"name":"Yard","latitude":50.5,"longitude":7.1,"radius_m":100}`), &l); err != nil ||
		l.Latitude == nil || *l.Latitude != 50.5 || *l.RadiusM != 100 {
		t.Fatalf("location: %+v %v", l, err)
	}
}

func TestDecodeStopsAtTwentyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{`)
	for i := range 1000 {
		fmt.Fprintf(&b, `"k%04d":%d,`, i, i)
	}
	b.WriteString(`"name":"x"}`)
	var f steward.CustomerFields
	_, err := decodeFields([]byte(b.String()), &f)
	got := fieldsOf(err)
	if len(got) != maxFieldErrors || got[0] != "k0000" || got[19] != "k0019" {
		t.Fatalf("fields %v", got)
	}
	// Decoding stopped: the name after the unknown members was never reached, and validation
	// (which would call the name missing) did not run on the half-read body.
	if slices.Contains(got, "name") {
		t.Errorf("name reported: %v", got)
	}
}

func TestMergePatch(t *testing.T) {
	f := steward.CustomerFields{Name: "Müller Bau", Email: "a@b.example", Notes: "n",
		Address: steward.Address{Street: "Hauptstraße 1", City: "Köln", Country: "DE"}}
	if _, err := mergePatch([]byte(`{"email":null,"address":{"city":"Bonn"},"phone":"+49 1 2345"}`), &f); err != nil {
		t.Fatal(err)
	}
	want := steward.CustomerFields{Name: "Müller Bau", Phone: "+49 1 2345", Notes: "n",
		Address: steward.Address{Street: "Hauptstraße 1", City: "Bonn", Country: "DE"}}
	if f != want {
		t.Fatalf("got %+v\nwant %+v", f, want)
	}
	if _, err := mergePatch([]byte(`{"address":null}`), &f); err != nil || f.Address != (steward.Address{}) {
		t.Fatalf("address null: %+v %v", f.Address, err)
	}
	_, err := mergePatch([]byte(`{"address":{"planet":"x"},"colour":1}`), &f)
	if got := fieldsOf(err); !slices.Equal(got, []string{"address.planet", "colour"}) {
		t.Fatalf("unknown fields: %v", err)
	}
	if _, err := mergePatch([]byte(`{"name":null}`), &f); err != nil {
		t.Fatal(err)
	}
	if err := f.Normalize(); steward.ErrorCode(err) != steward.EINVALID {
		t.Fatalf("name cleared: %v", err)
	}
	a := steward.AssetFields{Name: "x", Year: ptr(2001), LocationID: ptr("l1")}
	if _, err := mergePatch([]byte(`{"year":null,"location_id":"l2"}`), &a); err != nil || a.Year != nil || *a.LocationID != "l2" {
		t.Fatalf("asset patch: %+v %v", a, err)
	}
	if _, err := mergePatch([]byte(`[]`), &a); steward.ErrorCode(err) != steward.EBADREQUEST {
		t.Fatalf("array patch: %v", err)
	}
}

func TestFieldOrderSortsServiceErrors(t *testing.T) {
	var f steward.CustomerFields
	order, err := decodeFields([]byte(`{"website":"ftp://x","address":{"country":"XX"},"email":"nope","name":"n"}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	// The store validates in its own order; the answer follows the body's.
	err = order.sort(f.Normalize())
	if got := fieldsOf(err); !slices.Equal(got, []string{"website", "address.country", "email"}) {
		t.Errorf("fields %v", got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestDecodeHostileNesting(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	var f steward.CustomerFields
	_, err := decodeFields([]byte(`{"foo":`+deep(9000)+`,"address":`+deep(9000)+`,"name":"x"}`), &f)
	if got := fieldsOf(err); !slices.Equal(got, []string{"foo", "address"}) {
		t.Errorf("deep arrays: %v", err)
	}
	// Past encoding/json's nesting limit the body is not JSON it will read.
	if _, err := decodeFields([]byte(`{"foo":`+deep(20000)+`}`), &f); steward.ErrorCode(err) != steward.EBADREQUEST {
		t.Errorf("nesting past the limit: %v", err)
	}
	// Escapes and duplicates: the last value wins, as in encoding/json.
	f = steward.CustomerFields{}
	if _, err := decodeFields([]byte(`{"name":"a","n\u0061me":"b"}`), &f); err != nil || f.Name != "b" {
		t.Errorf("escaped duplicate: %q %v", f.Name, err)
	}
}
