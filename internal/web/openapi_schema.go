package web

// The JSON Schemas of the OpenAPI document, derived from the Go types by reflection.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/steward-fleet/steward/internal/steward"
)

// enumValues returns the values of a domain enumeration (a string type with a Values method
// returning its values, as steward.CustomerType has), or nil when t is none.
func enumValues(t reflect.Type) []any {
	if t.Kind() != reflect.String {
		return nil
	}
	m, ok := t.MethodByName("Values")
	if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0) != reflect.SliceOf(t) {
		return nil
	}
	vals := m.Func.Call([]reflect.Value{reflect.Zero(t)})[0]
	out := make([]any, vals.Len())
	for i := range vals.Len() {
		out[i] = vals.Index(i).String()
	}
	return out
}

// fieldLimits states, per struct type and JSON member, the limits the domain's validation
// enforces, read from the domain's constants so the document and the server cannot disagree,
// and the JSON types of members Go declares as any.
// TestOpenAPILimitsAreTheDomains checks each against Normalize, and that no text member of a
// request body is left without a maxLength.
func fieldLimits() map[reflect.Type]map[string]map[string]any {
	text := func(max int) map[string]any { return map[string]any{"maxLength": max} }
	name := map[string]any{"minLength": 1, "maxLength": steward.MaxName}
	id := text(steward.MaxID)
	// A country is validated as a code, not by length: " de " is accepted as DE.
	country := map[string]any{"description": "ISO 3166-1 alpha-2 code, stored upper case"}
	account := map[string]map[string]any{"name": name, "email": text(steward.MaxEmail), "country": country,
		"external_ref": text(steward.MaxShort), "phone": text(steward.MaxPhone), "language": text(steward.MaxLanguage)}
	// A user's groups: up to MaxMembers ids.
	groupIDs := map[string]any{"maxItems": steward.MaxMembers,
		"items": map[string]any{"type": "string", "minLength": 1, "maxLength": steward.MaxID}}
	// A member list: 1 to MaxMembers ids; duplicates count once.
	memberIDs := map[string]any{"minItems": 1, "maxItems": steward.MaxMembers,
		"items": map[string]any{"type": "string", "minLength": 1, "maxLength": steward.MaxID}}
	return map[reflect.Type]map[string]map[string]any{
		reflect.TypeFor[steward.CustomerFields](): {"name": name, "external_ref": text(steward.MaxShort),
			"email": text(steward.MaxEmail), "phone": text(steward.MaxPhone), "website": text(steward.MaxURL),
			"notes": text(steward.MaxNotes)},
		reflect.TypeFor[steward.Address](): {"street": text(steward.MaxShort), "postal_code": text(steward.MaxPostalCode),
			"city": text(steward.MaxShort), "region": text(steward.MaxShort), "country": country},
		reflect.TypeFor[steward.ContactFields](): {"name": name, "email": text(steward.MaxEmail),
			"phone": text(steward.MaxPhone), "title": text(steward.MaxShort), "external_ref": text(steward.MaxShort)},
		reflect.TypeFor[steward.LocationFields](): {"name": name, "customer_id": id, "external_ref": text(steward.MaxShort),
			"latitude":  {"format": "double", "minimum": -steward.MaxLatitude, "maximum": steward.MaxLatitude},
			"longitude": {"format": "double", "minimum": -steward.MaxLongitude, "maximum": steward.MaxLongitude},
			"radius_m":  {"format": "int32", "minimum": steward.MinRadiusM, "maximum": steward.MaxRadiusM}},
		reflect.TypeFor[steward.AssetFields](): {"name": name, "serial_number": text(steward.MaxSerialNumber),
			"external_ref": text(steward.MaxShort), "make": text(steward.MaxShort), "model": text(steward.MaxShort),
			"category": text(steward.MaxShort), "owner_customer_id": id, "location_id": id,
			"year": {"format": "int32", "minimum": steward.MinYear, "maximum": steward.MaxYear(),
				"description": "year of manufacture; the maximum is next year, as of when this document was generated"}},
		reflect.TypeFor[steward.AccountFields]():    account,
		reflect.TypeFor[steward.SubAccountFields](): account,
		reflect.TypeFor[steward.APIKeyFields]():     {"name": name},
		reflect.TypeFor[steward.UserFields](): {"name": name, "email": map[string]any{"minLength": 1, "maxLength": steward.MaxEmail},
			"group_ids": groupIDs},
		reflect.TypeFor[steward.UserPatch]():       {"name": name, "group_ids": groupIDs},
		reflect.TypeFor[steward.GroupFields]():     {"name": name, "description": text(steward.MaxDescription)},
		reflect.TypeFor[steward.AssetIDs]():        {"asset_ids": memberIDs},
		reflect.TypeFor[steward.UserIDs]():         {"user_ids": memberIDs},
		reflect.TypeFor[steward.ShareTarget]():     {"account_id": id},
		reflect.TypeFor[steward.TransferTarget]():  {"account_id": id},
		reflect.TypeFor[steward.BulkShare]():       {"asset_ids": memberIDs, "account_id": id},
		reflect.TypeFor[steward.BulkTransfer]():    {"asset_ids": memberIDs, "account_id": id},
		reflect.TypeFor[steward.SharingSettings](): {"auto_share_account_ids": groupIDs, "administrative_account_id": id},
		// An audit change holds a field's plain values, null when unset (every old value of a
		// create, every new value of a delete); a movement holds ids, null for none.
		reflect.TypeFor[steward.Change](): {
			"old": {"anyOf": changeValue, "description": "the value before; null when it had none"},
			"new": {"anyOf": changeValue, "description": "the value after; null when it has none"}},
		reflect.TypeFor[steward.Movement](): {
			"old": {"type": []any{"string", "null"}, "description": "the id before; null for none"},
			"new": {"type": []any{"string", "null"}, "description": "the id after; null for none"}},
		// A page holds at most the largest limit.
		reflect.TypeFor[steward.Page[steward.Customer]]():   {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.Contact]]():    {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.User]]():       {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.Location]]():   {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.Asset]]():      {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.Movement]]():   {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.AuditEvent]](): {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.Account]]():    {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.Page[steward.Group]]():      {"data": {"maxItems": steward.MaxLimit}},
		reflect.TypeFor[steward.WebhookFields](): {"url": map[string]any{"minLength": 1, "maxLength": steward.MaxWebhookURL},
			"events":      {"minItems": 1, "maxItems": len(steward.WebhookEventType("").Values()), "uniqueItems": true},
			"description": text(steward.MaxDescription)},
		reflect.TypeFor[steward.Page[steward.Webhook]](): {"data": {"maxItems": steward.MaxWebhooks}},
		reflect.TypeFor[steward.SubscriptionFields](): {"user_id": id, "contact_id": id,
			"events": {"minItems": 1, "maxItems": len(steward.NotificationEventTypes()), "uniqueItems": true}},
		reflect.TypeFor[steward.Page[steward.Subscription]]():    {"data": {"maxItems": steward.MaxSubscriptions}},
		reflect.TypeFor[steward.Page[steward.WebhookDelivery]](): {"data": {"maxItems": steward.MaxLimit}},
	}
}

// changeValue is the JSON type of an audit change's value: one of these, each its own schema so
// generated clients make a union of them (a type array of several types defeats some).
var changeValue = []any{map[string]any{"type": "string"}, map[string]any{"type": "number", "format": "double"},
	map[string]any{"type": "boolean"}, map[string]any{"type": "null"}}

// schemaGen derives JSON Schemas (2020-12, as OpenAPI 3.1 uses) from Go types by reflection,
// following encoding/json: json tags name properties, embedded structs are flattened, pointers
// are nullable, a Timestamp is a date-time string, an interface is any value. Named structs and
// the domain's enumerations become components. A struct used in both requests and responses
// has two: its response form <Name> requires every member the server always sends, its request
// form <Name>Input refuses unknown members and requires none.
type schemaGen struct {
	components map[string]any
	names      map[formKey]string
	output     map[reflect.Type]bool     // struct types reachable from a response body
	required   map[reflect.Type][]string // members a create body requires
	limits     map[reflect.Type]map[string]map[string]any
	err        error
}

// formKey names one form of a type: as a request body part (input) or response part.
type formKey struct {
	t     reflect.Type
	input bool
	patch bool
}

func newSchemaGen() *schemaGen {
	return &schemaGen{
		components: map[string]any{},
		names:      map[formKey]string{},
		output:     map[reflect.Type]bool{},
		required:   map[reflect.Type][]string{},
		limits:     fieldLimits(),
	}
}

var (
	timestampType  = reflect.TypeFor[steward.Timestamp]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// markOutput records the struct types a response body can hold.
func (g *schemaGen) markOutput(t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		g.markOutput(t.Elem())
	case reflect.Struct:
		if t == timestampType || g.output[t] {
			return
		}
		g.output[t] = true
		g.markMembers(t)
	}
}

// markMembers marks the types of struct t's members; an embedded struct is flattened into t, as
// encoding/json does, so it is no component of its own.
func (g *schemaGen) markMembers(t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct && f.Type != timestampType {
			g.markMembers(f.Type)
			continue
		}
		g.markOutput(f.Type)
	}
}

func (g *schemaGen) fail(format string, args ...any) map[string]any {
	if g.err == nil {
		g.err = fmt.Errorf(format, args...)
	}
	return map[string]any{}
}

// schema returns the schema of t in its request (input) or response form: a reference for a
// named struct or an enumeration, else inline.
func (g *schemaGen) schema(t reflect.Type, input bool) map[string]any {
	if t.Kind() == reflect.Pointer {
		return nullable(g.schema(t.Elem(), input))
	}
	switch t {
	case timestampType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawMessageType:
		return map[string]any{}
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return g.fail("%v has its own JSON encoding; describe it in openapi.go", t)
	}
	switch t.Kind() {
	case reflect.String:
		if vals := enumValues(t); vals != nil {
			return g.enumRef(t, vals)
		}
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32:
		return map[string]any{"type": "number", "format": "float"}
	case reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), input)}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return g.fail("%v: only maps with string keys encode as JSON objects", t)
		}
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), input)}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t, input)
		}
		return g.ref(t, input)
	}
	return g.fail("%v: kind %v has no JSON form", t, t.Kind())
}

// enumRef returns a reference to the component of enumeration t.
func (g *schemaGen) enumRef(t reflect.Type, vals []any) map[string]any {
	k := formKey{t: t}
	name, ok := g.names[k]
	if !ok {
		name = schemaName(t)
		if _, taken := g.components[name]; taken {
			return g.fail("schema name %s taken twice (by %v)", name, t)
		}
		g.names[k] = name
		g.components[name] = map[string]any{"type": "string", "enum": vals}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// ref returns a reference to the component of t's form, generating it the first time.
func (g *schemaGen) ref(t reflect.Type, input bool) map[string]any {
	k := formKey{t: t, input: input}
	name, ok := g.names[k]
	if !ok {
		name = schemaName(t)
		if input && g.output[t] {
			name += "Input"
		}
		if _, taken := g.components[name]; taken {
			return g.fail("schema name %s taken twice (by %v)", name, t)
		}
		g.names[k] = name
		g.components[name] = map[string]any{} // a placeholder, so recursive types terminate
		g.components[name] = g.object(t, input)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// patchRef returns a reference to the JSON Merge Patch form of struct type t (component
// <Name>Patch): the same members, none required, and each that a patch may clear nullable
// (null clears it); keep lists the members a patch may not clear (a create's required ones).
// Nested structs are in their patch form too.
func (g *schemaGen) patchRef(t reflect.Type, keep []string) map[string]any {
	k := formKey{t: t, input: true, patch: true}
	name, ok := g.names[k]
	if !ok {
		name = schemaName(t) + "Patch"
		if _, taken := g.components[name]; taken {
			return g.fail("schema name %s taken twice (the patch of %v)", name, t)
		}
		g.names[k] = name
		g.components[name] = map[string]any{}
		props := map[string]any{}
		g.patchFields(t, keep, props)
		g.components[name] = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (g *schemaGen) patchFields(t reflect.Type, keep []string, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			g.patchFields(ft, keep, props)
			continue
		}
		if name == "" {
			name = f.Name
		}
		var s map[string]any
		if ft.Kind() == reflect.Struct && ft.Name() != "" && ft != timestampType {
			s = g.patchRef(ft, nil)
		} else {
			s = g.limit(t, name, g.schema(ft, true))
		}
		if !slices.Contains(keep, name) {
			s = nullable(s)
		}
		props[name] = s
	}
}

// object is the schema of a struct type in one form.
func (g *schemaGen) object(t reflect.Type, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, input, props, &required)
	if input {
		required = g.required[t]
	}
	s := map[string]any{"type": "object", "properties": props}
	if input {
		s["additionalProperties"] = false
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fields adds t's JSON members to props, flattening embedded structs as encoding/json does.
// In an output type every member without omitempty is always present, so required.
func (g *schemaGen) fields(t reflect.Type, input bool, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, input, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := props[name]; dup {
			g.fail("%v: member %q appears twice", t, name)
			continue
		}
		props[name] = g.limit(t, name, g.schema(f.Type, input))
		optional := false
		for o := range strings.SplitSeq(opts, ",") {
			optional = optional || o == "omitempty" || o == "omitzero"
		}
		if !optional {
			*required = append(*required, name)
		}
	}
}

// limit adds the limits fieldLimits states for member name of struct t to its schema s. A
// reference or nullable form keeps the limits beside it, as JSON Schema 2020-12 applies
// keywords next to a $ref and an anyOf alike.
func (g *schemaGen) limit(t reflect.Type, name string, s map[string]any) map[string]any {
	l := g.limits[t][name]
	if len(l) == 0 {
		return s
	}
	n := make(map[string]any, len(s)+len(l))
	for k, v := range s {
		n[k] = v
	}
	for k, v := range l {
		n[k] = v
	}
	return n
}

// nullable lets s also be null. A schema of one type becomes a type array (3.1 style); a
// reference or composite becomes anyOf with null, so an enumeration's component never lists
// null among its values (a generated client would make a constant of it).
func nullable(s map[string]any) map[string]any {
	if len(s) == 0 { // any value: null included
		return s
	}
	if typ, ok := s["type"].(string); ok {
		if _, enum := s["enum"]; !enum {
			n := make(map[string]any, len(s))
			for k, v := range s {
				n[k] = v
			}
			n["type"] = []any{typ, "null"}
			return n
		}
	}
	if _, already := s["anyOf"]; already {
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// schemaName names t's component: its Go name, capitalised; an instance of a generic type is
// named by its type arguments then the generic's name (Page[Customer] is CustomerPage).
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		var b strings.Builder
		for arg := range strings.SplitSeq(n[i+1:len(n)-1], ",") {
			b.WriteString(arg[strings.LastIndexByte(arg, '.')+1:])
		}
		n = b.String() + n[:i]
	}
	r := []rune(n)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
