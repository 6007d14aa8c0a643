package steward

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// DecodeJSON decodes one JSON object from body into dst, refusing unknown fields. A body that is
// not valid UTF-8 JSON is EBADREQUEST; a well-formed body with an unknown field or a value of the
// wrong type is EINVALID naming the field.
func DecodeJSON(body []byte, dst any) error {
	if !utf8.Valid(body) {
		return Errorf(EBADREQUEST, "the body is not valid UTF-8")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf(EBADREQUEST, "the body is empty; send a JSON object")
	}
	if !json.Valid(body) {
		return Errorf(EBADREQUEST, "the body is not valid JSON")
	}
	if t := bytes.TrimSpace(body); t[0] != '{' {
		return Errorf(EBADREQUEST, "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			if path := unknownPath(dst, body); path != "" {
				return Invalid(path, "is not a known field")
			}
		}
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EBADREQUEST, "the body must hold exactly one JSON object")
	}
	return nil
}

// decodeError turns encoding/json's errors into field-level EINVALID errors.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		if te.Type == reflect.TypeFor[Timestamp]() {
			return Invalid(field, "must be an RFC 3339 time like 2030-01-31T12:00:00Z")
		}
		return Invalid(field, "must be %s", jsonKind(te.Type.Kind().String()))
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return Invalid(strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`), "is not a known field")
	}
	// Errors from a field's own UnmarshalJSON (a bad time, say) carry no path.
	return Invalid("body", "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64":
		return "a whole number"
	case "float64", "float32":
		return "a number"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "ptr":
		return "a value of the right type"
	}
	return "a value of the right type"
}

// ApplyMergePatch applies an RFC 7396 JSON Merge Patch to target: only the members sent change,
// null clears a member (its zero value), and nested objects merge line by line. Unknown members
// and wrongly typed values are EINVALID naming the field.
func ApplyMergePatch(target any, patch []byte) error {
	var p map[string]any
	if err := DecodeJSON(patch, &p); err != nil {
		return err
	}
	cur, err := json.Marshal(target)
	if err != nil {
		return fmt.Errorf("merge patch: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(cur, &doc); err != nil {
		return fmt.Errorf("merge patch: %w", err)
	}
	if err := checkKnown(doc, p, ""); err != nil {
		return err
	}
	merged, err := json.Marshal(mergePatch(doc, p))
	if err != nil {
		return fmt.Errorf("merge patch: %w", err)
	}
	// Decode into a zeroed target so cleared members become zero values.
	reflect.ValueOf(target).Elem().SetZero()
	return DecodeJSON(merged, target)
}

// unknownPath names the first member of body (dotted when nested) that dst's type does not
// have; encoding/json's own error names only the last segment.
func unknownPath(dst any, body []byte) string {
	t := reflect.TypeOf(dst)
	if t.Kind() != reflect.Pointer {
		return ""
	}
	zero, err := json.Marshal(reflect.New(t.Elem()).Interface())
	if err != nil {
		return ""
	}
	var doc, got map[string]any
	if json.Unmarshal(zero, &doc) != nil || json.Unmarshal(body, &got) != nil {
		return ""
	}
	var e *Error
	if err := checkKnown(doc, got, ""); errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}

// checkKnown refuses patch members the target does not have, before merging hides them.
func checkKnown(doc, patch map[string]any, prefix string) error {
	var v Violations
	for k, pv := range patch {
		dv, ok := doc[k]
		if !ok {
			v.Add(prefix+k, "is not a known field")
			continue
		}
		if dm, ok := dv.(map[string]any); ok {
			if pm, ok := pv.(map[string]any); ok {
				if err := checkKnown(dm, pm, prefix+k+"."); err != nil {
					var e *Error
					errors.As(err, &e)
					v = append(v, e.Fields...)
				}
			}
		}
	}
	return v.Err()
}

func mergePatch(doc any, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	dm, ok := doc.(map[string]any)
	if !ok {
		dm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(dm, k)
			continue
		}
		dm[k] = mergePatch(dm[k], v)
	}
	return dm
}
