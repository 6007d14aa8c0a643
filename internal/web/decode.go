package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
)

// maxFieldErrors bounds the errors one body can earn: decoding stops at the limit, so a body of
// a hundred thousand unknown members costs no more than one of twenty.
const maxFieldErrors = 20

// normalizer is a domain Fields type: it validates itself.
type normalizer interface{ Normalize() error }

// fieldOrder remembers where each member of a body stood (dotted paths, in document order), so
// that field errors, wherever they are found, are listed in the order the client wrote them.
type fieldOrder map[string]int

// position returns where field, or the closest member enclosing it, stood in the body; fields
// the body did not name come after all others.
func (o fieldOrder) position(field string) int {
	for {
		if p, ok := o[field]; ok {
			return p
		}
		i := strings.LastIndexByte(field, '.')
		if i < 0 {
			return int(^uint(0) >> 1)
		}
		field = field[:i]
	}
}

// sort puts the field errors of err in document order and keeps at most maxFieldErrors of
// them. Other errors pass unchanged.
func (o fieldOrder) sort(err error) error {
	var e *steward.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	fields := slices.Clone(e.Fields)
	slices.SortStableFunc(fields, func(a, b steward.FieldError) int {
		return o.position(a.Field) - o.position(b.Field)
	})
	if len(fields) > maxFieldErrors {
		fields = fields[:maxFieldErrors]
	}
	out := *e
	out.Fields = fields
	return &out
}

// checkJSONSyntax refuses a body that is not one JSON object in UTF-8 (EBADREQUEST). Both
// checks scan the bytes without allocating, so a hostile body costs no memory here.
func checkJSONSyntax(body []byte) error {
	if !utf8.Valid(body) {
		return steward.Errorf(steward.EBADREQUEST, "the body is not valid UTF-8")
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return steward.Errorf(steward.EBADREQUEST, "the body is empty; send a JSON object")
	}
	if !json.Valid(t) {
		return steward.Errorf(steward.EBADREQUEST, "the body is not valid JSON (or holds more than one value)")
	}
	if t[0] != '{' {
		return steward.Errorf(steward.EBADREQUEST, "the body must be a JSON object")
	}
	return nil
}

// decodeFields decodes a create body into dst. When members are unknown or of the wrong type,
// dst is validated too (unless decoding stopped at its error limit), so one answer names every
// bad field: an unknown member never hides a bad email. The order it returns lists the body's
// members, for sorting the service's own field errors.
func decodeFields(body []byte, dst normalizer) (fieldOrder, error) {
	if err := checkJSONSyntax(body); err != nil {
		return nil, err
	}
	return mergeInto(body, dst)
}

// mergePatch applies an RFC 7396 JSON Merge Patch to the typed fields dst: only the members sent
// change, null clears a member (its zero value), and a nested object (address) merges line by
// line. Field errors are reported as by decodeFields. readPatch checked the patch's syntax
// before the service's transaction began, so this runs inside it without scanning it again.
func mergePatch(patch []byte, dst normalizer) (fieldOrder, error) {
	return mergeInto(patch, dst)
}

// mergeInto walks body, member by member, into dst. A create decodes into zero fields, a patch
// into the stored ones; the walk is the same: null zeroes a member, an object merges into a
// nested struct, any other value replaces the member.
func mergeInto(body []byte, dst normalizer) (fieldOrder, error) {
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(body)), order: fieldOrder{}}
	// Members walked are checked by name; this covers values decoded whole (none of today's
	// fields is a struct behind a pointer or a map, but a future one must not accept anything).
	d.dec.DisallowUnknownFields()
	// The opening brace (checkJSONSyntax saw the whole document; this keeps the walk safe alone).
	if tok, err := d.dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, steward.Errorf(steward.EBADREQUEST, "the body must be a JSON object")
	}
	if err := d.object(reflect.ValueOf(dst).Elem(), ""); err != nil {
		return nil, steward.Errorf(steward.EBADREQUEST, "the body is not valid JSON")
	}
	if len(d.errs) == 0 {
		return d.order, nil
	}
	all := d.errs
	if len(all) < maxFieldErrors {
		// Decoding saw the whole body: add what validation finds in the fields that did decode,
		// leaving out fields (and their members) that already have an error.
		var e *steward.Error
		if errors.As(dst.Normalize(), &e) {
			for _, fe := range e.Fields {
				if !slices.ContainsFunc(d.errs, func(de steward.FieldError) bool {
					return de.Field == fe.Field || strings.HasPrefix(fe.Field, de.Field+".")
				}) {
					all = append(all, fe)
				}
			}
		}
	}
	return d.order, d.order.sort(steward.Violations(all).Err())
}

// decoder walks one JSON object with encoding/json's tokens, decoding known members into their
// fields and skipping unknown ones without keeping them.
type decoder struct {
	dec   *json.Decoder
	order fieldOrder
	seq   int
	errs  []steward.FieldError
}

// full reports whether the error limit is reached.
func (d *decoder) full() bool { return len(d.errs) >= maxFieldErrors }

// fail records a field error; the member's position is where the error is listed.
func (d *decoder) fail(path, format string, args ...any) {
	if _, ok := d.order[path]; !ok {
		d.order[path] = d.seq
	}
	var v steward.Violations
	v.Add(path, format, args...)
	d.errs = append(d.errs, v[0])
}

// object decodes the members of an object whose opening brace was read into the struct v, up to
// and including the closing brace; it stops early, leaving the rest unread, at the error limit.
// Its error is a syntax error, which checkJSONSyntax already ruled out.
func (d *decoder) object(v reflect.Value, prefix string) error {
	fields := structFields(v.Type())
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		path := prefix + key
		d.seq++
		f, ok := fields[key]
		if !ok {
			d.fail(path, "is not a known field")
			if err := d.dec.Decode(&skipValue{}); err != nil {
				return err
			}
		} else {
			if _, seen := d.order[path]; !seen {
				d.order[path] = d.seq
			}
			if err := d.member(v.FieldByIndex(f.index), f, path); err != nil {
				return err
			}
		}
		if d.full() {
			return nil
		}
	}
	_, err := d.dec.Token() // the closing brace
	return err
}

// member decodes one member's value into the field fv.
func (d *decoder) member(fv reflect.Value, f field, path string) error {
	if f.nested {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			return d.object(fv, path+".")
		case nil:
			fv.SetZero()
			return nil
		case json.Delim('['):
			if err := d.skipRest(); err != nil {
				return err
			}
		}
		d.fail(path, "must be an object")
		return nil
	}
	nv := reflect.New(f.typ)
	err := d.dec.Decode(nv.Interface())
	if err == nil {
		fv.Set(nv.Elem())
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		d.fail(path, "must be %s", jsonKind(f.typ))
	case errors.As(err, &se):
		return err
	default: // the field's own UnmarshalJSON refused the value (a time, say)
		d.fail(path, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// skipRest consumes the rest of an array whose opening bracket was read.
func (d *decoder) skipRest() error {
	for d.dec.More() {
		if err := d.dec.Decode(&skipValue{}); err != nil {
			return err
		}
	}
	_, err := d.dec.Token()
	return err
}

// skipValue consumes any JSON value without copying or keeping it.
type skipValue struct{}

// UnmarshalJSON discards the value.
func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// jsonKind names the JSON a Go type takes, for "must be …" messages.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return "a value of the right type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a value of the right type"
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// field is one JSON member of a struct: where it lives and whether it is a nested object that
// merges member by member.
type field struct {
	index  []int
	typ    reflect.Type
	nested bool
}

var fieldCache sync.Map // reflect.Type → map[string]field

// structFields maps the JSON names of t's members (exact, case-sensitive; embedded structs
// flattened as encoding/json does) to their fields.
func structFields(t reflect.Type) map[string]field {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]field)
	}
	m := map[string]field{}
	collectFields(t, nil, m)
	fieldCache.Store(t, m)
	return m
}

func collectFields(t reflect.Type, index []int, m map[string]field) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		idx := append(slices.Clone(index), i)
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			collectFields(sf.Type, idx, m)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		nested := sf.Type.Kind() == reflect.Struct && !reflect.PointerTo(sf.Type).Implements(unmarshalerType)
		if _, dup := m[name]; !dup {
			m[name] = field{index: idx, typ: sf.Type, nested: nested}
		}
	}
}
