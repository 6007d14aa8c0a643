package ui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// The account-wide audit log, for Admins (PRODUCT.md §6): filters by date range, object type,
// object, actor, source and action; Load more; CSV export through the session.

// auditFilters are the audit page's filters as the URL holds them. Dates are days in the
// viewer's time zone (the tz cookie app.js sets; UTC without it).
type auditFilters struct {
	From, To, ObjectType, ObjectID, ActorID, Source, Action, Cursor string
	// The names of the object and actor filtered on, for their chips (from the URL, display only).
	ObjectName, ActorName string
}

func (f auditFilters) query(withCursor bool) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"from", f.From}, {"to", f.To}, {"object_type", f.ObjectType}, {"object_id", f.ObjectID},
		{"object_name", f.ObjectName}, {"actor_id", f.ActorID}, {"actor_name", f.ActorName}, {"source", f.Source}, {"action", f.Action}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if withCursor && f.Cursor != "" {
		v.Set("cursor", f.Cursor)
	}
	return v.Encode()
}

// Without returns the URL of the audit page without the named filters (a chip's remove link).
func (f auditFilters) Without(names ...string) string {
	for _, n := range names {
		switch n {
		case "object":
			f.ObjectID, f.ObjectName = "", ""
		case "actor":
			f.ActorID, f.ActorName = "", ""
		}
	}
	f.Cursor = ""
	if q := f.query(false); q != "" {
		return "/audit?" + q
	}
	return "/audit"
}

// With returns the URL of the audit page with one more filter (a row's object or actor link).
func (f auditFilters) With(kind, id, name string) string {
	switch kind {
	case "object":
		f.ObjectID, f.ObjectName = id, name
	case "actor":
		f.ActorID, f.ActorName = id, name
	}
	f.Cursor = ""
	return "/audit?" + f.query(false)
}

// viewerZone is the viewer's time zone from the tz cookie, UTC when absent or unknown.
func viewerZone(r *http.Request) *time.Location {
	c, err := r.Cookie("tz")
	if err != nil || len(c.Value) > 64 || !steward.IsCleanText(c.Value) || c.Value == "" {
		return time.UTC
	}
	name, err := url.QueryUnescape(c.Value)
	if err != nil {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// parseAuditFilters reads the page's filters into the domain's, each bad value a field error.
func parseAuditFilters(r *http.Request, q url.Values) (auditFilters, steward.AuditFilter, error) {
	f := auditFilters{From: q.Get("from"), To: q.Get("to"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"),
		ActorID: q.Get("actor_id"), Source: q.Get("source"), Action: q.Get("action"), Cursor: q.Get("cursor"),
		ObjectName: q.Get("object_name"), ActorName: q.Get("actor_name")}
	var v steward.Violations
	zone := viewerZone(r)
	day := func(field, s string, next bool) *steward.Timestamp {
		if s == "" {
			return nil
		}
		d, err := time.ParseInLocation("2006-01-02", s, zone)
		if err != nil {
			v.Add(field, "must be a date like 2025-03-31")
			return nil
		}
		if next {
			d = d.AddDate(0, 0, 1) // "to" includes its whole day
		}
		return &steward.Timestamp{Time: d}
	}
	af := steward.AuditFilter{ObjectType: f.ObjectType, ObjectID: f.ObjectID, ActorID: f.ActorID, Source: steward.Source(f.Source),
		Action: f.Action, From: day("from", f.From, false), To: day("to", f.To, true), Limit: pageSize, Cursor: f.Cursor}
	af.Check(&v)
	if af.From != nil && af.To != nil && !af.To.After(af.From.Time) {
		v.Add("to", "must not be before from")
	}
	for _, n := range []string{f.ObjectName, f.ActorName} {
		if !steward.IsCleanText(n) || len(n) > 400 {
			v.Add("object_name", "must be short text")
		}
	}
	if !steward.IsCleanText(f.Cursor) || len(f.Cursor) > 1000 {
		v.Add("cursor", "is not a cursor this list gave; start again from the first page")
	}
	return f, af, v.Err()
}

// auditView is the audit page.
type auditView struct {
	F                             auditFilters
	ObjectTypes, Sources, Actions []option
	Events                        []steward.AuditEvent
	NextURL, CSVURL, URL          string
	Filtered                      bool
}

func selectOptions[T ~string](all string, vals []T, label func(T) string, cur string) []option {
	out := []option{{"", all, cur == ""}}
	for _, x := range vals {
		out = append(out, option{string(x), label(x), string(x) == cur})
	}
	return out
}

func (u *UI) audit(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.MayReadAudit(steward.AuditFilter{}); err != nil { // the page is the account-wide log
		u.fail(w, r, err)
		return
	}
	f, af, err := parseAuditFilters(r, r.URL.Query())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	pg, err := u.svc.AuditEvents(r.Context(), a, af)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	title := func(s string) string { return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ") }
	var types []string
	types = append(types, a.AuditObjectTypes()...)
	v := &auditView{F: f, Events: pg.Data, Filtered: f.query(false) != "",
		ObjectTypes: selectOptions("All objects", types, func(s string) string { return title(objectTypeLabel(s)) }, f.ObjectType),
		Sources:     selectOptions("All sources", steward.Source("").Values(), func(s steward.Source) string { return title(string(s)) }, f.Source),
		Actions:     selectOptions("All actions", steward.AuditAction("").Values(), func(s steward.AuditAction) string { return title(string(s)) }, f.Action)}
	q := f.query(false)
	v.URL, v.CSVURL = "/audit", "/audit.csv"
	if q != "" {
		v.URL += "?" + q
		v.CSVURL += "?" + q
	}
	if pg.NextCursor != nil {
		nf := f
		nf.Cursor = *pg.NextCursor
		v.NextURL = "/audit?" + nf.query(true)
	}
	switch hxTarget(r) {
	case "results":
		w.Header().Set("HX-Push-Url", v.URL)
		u.render(w, r, http.StatusOK, "audit_results_swap", v)
	case "more":
		u.render(w, r, http.StatusOK, "audit_rows", v)
	default:
		u.page(w, r, http.StatusOK, "audit", "Audit log", "audit", v)
	}
}

// exportWriteTimeout bounds the writing of each stretch of an export's rows.
const exportWriteTimeout = 30 * time.Second

// auditCSV streams the filtered log as CSV through the session: the same rows and columns as
// the API's export, for a signed-in Admin, without an API key.
func (u *UI) auditCSV(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.MayReadAudit(steward.AuditFilter{}); err != nil { // the page is the account-wide log
		u.fail(w, r, err)
		return
	}
	_, af, err := parseAuditFilters(r, r.URL.Query())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	af.Limit, af.Cursor = 0, ""
	u.streamed(w, r, "audit", web.AuditCSV(w, r, u.svc, a, af, exportWriteTimeout))
}

// objectURL is where an audit event's object is shown, "" when nowhere.
func objectURL(e steward.AuditEvent) string {
	switch e.ObjectType {
	case steward.ObjectCustomer:
		return "/customers/" + url.PathEscape(e.ObjectID)
	case steward.ObjectLocation:
		return "/locations/" + url.PathEscape(e.ObjectID)
	case steward.ObjectAsset:
		return "/assets/" + url.PathEscape(e.ObjectID)
	case steward.ObjectContact:
		if e.CustomerID != nil {
			return "/customers/" + url.PathEscape(*e.CustomerID) + "?tab=contacts"
		}
	case steward.ObjectAPIKey:
		return "/api-keys"
	}
	return ""
}
