package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

// listFilters are the customers list's state, all of it in the URL so a view can be shared.
type listFilters struct {
	Q, Type, Status, Sort, Cursor string
	// Ownership is the assets list's side: "" (owned) or "shared" (shared with this account).
	Ownership string
}

// parseFilters reads the filters of a query; each bad value is a field error naming it.
func parseFilters(q url.Values) (listFilters, error) {
	return parseFiltersWith(q, customersCheck)
}

// customersCheck is the customers list's check of its filters.
func customersCheck(f listFilters, v *steward.Violations) {
	f.filter().Check(v)
	if f.Ownership != "" {
		v.Add("ownership", "the customers list has no ownership filter")
	}
}

// parseFiltersWith reads the filters of a query, checked by check (the list's own filter).
func parseFiltersWith(q url.Values, check func(listFilters, *steward.Violations)) (listFilters, error) {
	f := listFilters{Q: strings.TrimSpace(q.Get("q")), Type: q.Get("type"), Status: q.Get("status"),
		Sort: q.Get("sort"), Cursor: q.Get("cursor"), Ownership: q.Get("ownership")}
	if f.Ownership == string(steward.OwnershipOwned) {
		f.Ownership = "" // the default
	}
	var v steward.Violations
	if !steward.IsCleanText(f.Q) {
		v.Add("q", "must be text without control characters")
	} else if utf8.RuneCountInString(f.Q) > steward.MaxQuery {
		v.Add("q", "must be at most %d characters", steward.MaxQuery)
	}
	if !steward.IsCleanText(f.Cursor) || len(f.Cursor) > 1000 {
		v.Add("cursor", "is not a cursor this list gave; start again from the first page")
	}
	check(f, &v)
	return f, v.Err()
}

func (f listFilters) filter() steward.CustomerFilter {
	return steward.CustomerFilter{ListParams: steward.ListParams{Q: f.Q, Status: steward.Status(f.Status),
		Sort: f.Sort, Cursor: f.Cursor, Limit: pageSize}, Type: steward.CustomerType(f.Type)}
}

// pageSize is the rows of one page of the list.
const pageSize = 50

// Query is the URL query of the filters (without the cursor), defaults left out.
func (f listFilters) Query() string {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"type", f.Type}, {"status", f.Status}, {"sort", f.Sort}, {"ownership", f.Ownership}} {
		if kv[1] != "" && !(kv[0] == "status" && kv[1] == string(steward.StatusActive)) {
			v.Set(kv[0], kv[1])
		}
	}
	return v.Encode()
}

// url is path with the filters' query.
func (f listFilters) url(path string) string {
	if q := f.Query(); q != "" {
		return path + "?" + q
	}
	return path
}

// filtersOfCurrentURL reads the list filters of the page htmx was on (HX-Current-URL), so that
// a dialog's result can keep them; bad or foreign values are dropped.
func filtersOfCurrentURL(r *http.Request) listFilters {
	return currentFilters(r, customersCheck)
}

// currentFilters is filtersOfCurrentURL for any list, checked by check.
func currentFilters(r *http.Request, check func(listFilters, *steward.Violations)) listFilters {
	cu, err := url.Parse(r.Header.Get("HX-Current-URL"))
	if err != nil {
		return listFilters{}
	}
	f, err := parseFiltersWith(cu.Query(), check)
	if err != nil {
		return listFilters{}
	}
	f.Cursor = ""
	return f
}

type option struct {
	Value, Label string
	Selected     bool
}

type column struct {
	Label, URL, Sort string // Sort: "ascending", "descending" or ""
	Numeric          bool
}

// statusOptions are a list's status filter, active by default.
func statusOptions(f listFilters) []option {
	opts := []option{{"active", "Active", false}, {"archived", "Archived", false}, {"all", "All", false}}
	for i := range opts {
		opts[i].Selected = f.Status == opts[i].Value || (f.Status == "" && opts[i].Value == "active")
	}
	return opts
}

// sortCol is a column of a list: a sortable one has the key of its sort.
type sortCol struct {
	label, key string // key "": not sortable
	numeric    bool
}

// sortHeader is a list's header: each sortable column links to the list sorted by it, or in
// the other direction when it is already; counts sort the largest first.
func sortHeader(f listFilters, path string, cols []sortCol) []column {
	out := make([]column, 0, len(cols))
	for _, c := range cols {
		col := column{Label: c.label, Numeric: c.numeric}
		if c.key != "" {
			next := f
			next.Cursor = ""
			switch f.Sort {
			case c.key:
				col.Sort, next.Sort = "ascending", "-"+c.key
			case "-" + c.key:
				col.Sort, next.Sort = "descending", c.key
			default:
				next.Sort = c.key
				if c.numeric {
					next.Sort = "-" + c.key
				}
			}
			col.URL = next.url(path)
		}
		out = append(out, col)
	}
	return out
}

// nextURL is the Load more link of a list at path: its filters and the page's cursor; "" when
// the page is the last.
func (f listFilters) nextURL(path string, cursor *string) string {
	if cursor == nil {
		return ""
	}
	q := f.Query()
	if q != "" {
		q += "&"
	}
	return path + "?" + q + "cursor=" + url.QueryEscape(*cursor)
}

// tabURL is the URL of a window's tab: base with the tab and the list's filters.
func tabURL(base, tab, filtersQuery string) string {
	u := base + "?tab=" + tab
	if filtersQuery != "" {
		u += "&" + filtersQuery
	}
	return u
}

// listView is the customers list: the filters, the header's sort links and one page of rows.
type listView struct {
	F        listFilters
	URL      string // this view's URL, without the cursor
	Types    []option
	Statuses []option
	Columns  []column
	Rows     []steward.Customer
	NextURL  string
	Filtered bool
	Panel    *panelView
	CanWrite bool
}

var sortColumns = []sortCol{
	{"Name", "name", false}, {"Type", "type", false}, {"Locations", "location_count", true},
	{"Assets on location", "assets_on_location_count", true}, {"Assets owned", "assets_owned_count", true},
}

func (u *UI) listView(r *http.Request, a *steward.Actor, f listFilters) (*listView, error) {
	v := &listView{F: f, URL: f.url("/customers"), CanWrite: a.Can(steward.PermWriteFleet),
		Filtered: f.Q != "" || f.Type != "" || (f.Status != "" && f.Status != string(steward.StatusActive))}
	v.Types = append(v.Types, option{"", "All types", f.Type == ""})
	for _, t := range steward.CustomerType("").Values() {
		v.Types = append(v.Types, option{string(t), customerTypeLabel(t), f.Type == string(t)})
	}
	v.Statuses = statusOptions(f)
	v.Columns = sortHeader(f, "/customers", sortColumns)
	page, err := u.svc.Customers(r.Context(), a, f.filter())
	if err != nil {
		return nil, err
	}
	v.Rows, v.NextURL = page.Data, f.nextURL("/customers", page.NextCursor)
	return v, nil
}

// customers serves the list: the whole page, the results (search, filters, sort), or the next
// rows ("Load more"), depending on what htmx asks for.
func (u *UI) customers(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	f, err := parseFilters(r.URL.Query())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if hxTarget(r) == "panel" { // the side window's close button
		w.Header().Set("HX-Trigger", "panelClosed")
		u.render(w, r, http.StatusOK, "empty", nil)
		return
	}
	v, err := u.listView(r, a, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	switch hxTarget(r) {
	case "results":
		pushListURL(w, r, v.URL)
		u.render(w, r, http.StatusOK, "results_swap", v)
	case "more":
		u.render(w, r, http.StatusOK, "rows", v)
	default:
		u.page(w, r, http.StatusOK, "customers", "Customers", "customers", v)
	}
}

// pushListURL makes u the page's URL after a search, a filter or a sort; not when the list
// reloads itself (listChanged, the section #results triggering it after a dialog saved), which
// would take the URL of the window the save just opened.
func pushListURL(w http.ResponseWriter, r *http.Request, u string) {
	if r.Header.Get("HX-Trigger") != "results" {
		w.Header().Set("HX-Push-Url", u)
	}
}

// The side window's tabs.
var customerTabs = []struct{ key, label string }{
	{"overview", "Overview"}, {"locations", "Locations"}, {"on-location", "Assets on location"},
	{"owned", "Assets owned"}, {"contacts", "Contacts"}, {"audit", "Audit log"},
}

type tabView struct {
	Key, Label, URL string
	Count           *int64
	Active          bool
}

// panelView is the customer side window.
type panelView struct {
	C         *steward.Customer
	Tab       string
	Tabs      []tabView
	CloseURL  string
	URL       string
	CanWrite  bool
	Locations []steward.Location
	Assets    []steward.Asset
	Contacts  []steward.Contact
	Events    []steward.AuditEvent
	MoreURL   string // the tab's next rows (Load more), "" when it shows them all
	// ArchivedContacts: the Contacts tab shows the archived ones (?contacts=archived).
	ArchivedContacts bool
	ContactsURL      string // the Contacts tab's URL (the archived ones: + "&contacts=archived")
}

func (u *UI) panelView(r *http.Request, a *steward.Actor, id, tab string, f listFilters) (*panelView, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("customer")
	}
	valid := false
	for _, t := range customerTabs {
		valid = valid || t.key == tab
	}
	if tab == "" {
		tab = "overview"
	} else if !valid {
		return nil, steward.Invalid("tab", "must be one of overview, locations, on-location, owned, contacts, audit")
	}
	c, err := u.svc.Customer(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	base := "/customers/" + url.PathEscape(c.ID)
	q := f.Query()
	p := &panelView{C: c, Tab: tab, CloseURL: f.url("/customers"), URL: f.url(base), CanWrite: a.Can(steward.PermWriteFleet)}
	counts := map[string]*int64{"locations": &c.LocationCount, "on-location": &c.AssetsOnLocationCount, "owned": &c.AssetsOwnedCount}
	for _, t := range customerTabs {
		tu := tabURL(base, t.key, q)
		p.Tabs = append(p.Tabs, tabView{Key: t.key, Label: t.label, URL: tu, Count: counts[t.key], Active: t.key == tab})
		if t.key == "contacts" {
			p.ContactsURL = tu
		}
	}
	ctx := r.Context()
	cursor, err := tabCursor(r)
	if err != nil {
		return nil, err
	}
	lp := steward.ListParams{Limit: tabPageSize, Cursor: cursor}
	var next *string
	switch tab {
	case "locations":
		pg, err := u.svc.Locations(ctx, a, steward.LocationFilter{ListParams: lp, CustomerID: c.ID})
		if err != nil {
			return nil, err
		}
		p.Locations, next = pg.Data, pg.NextCursor
	case "on-location", "owned":
		af := steward.AssetFilter{ListParams: lp}
		if tab == "owned" {
			af.OwnerCustomerID = c.ID
		} else {
			af.LocationCustomerID = c.ID
		}
		pg, err := u.svc.Assets(ctx, a, af)
		if err != nil {
			return nil, err
		}
		p.Assets, next = pg.Data, pg.NextCursor
	case "contacts":
		p.ArchivedContacts = r.URL.Query().Get("contacts") == "archived"
		clp := lp
		clp.Sort = "name"
		if p.ArchivedContacts {
			clp.Status = steward.StatusArchived
		}
		pg, err := u.svc.Contacts(ctx, a, steward.ContactFilter{ListParams: clp, CustomerID: c.ID})
		if err != nil {
			return nil, err
		}
		p.Contacts, next = pg.Data, pg.NextCursor
	case "audit":
		pg, err := u.svc.AuditEvents(ctx, a, steward.AuditFilter{CustomerID: c.ID, Limit: auditTabPageSize, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		p.Events, next = pg.Data, pg.NextCursor
	}
	if next != nil {
		mu := tabURL(base, tab, q)
		if p.ArchivedContacts {
			mu += "&contacts=archived"
		}
		p.MoreURL = mu + "&more=" + url.QueryEscape(*next)
	}
	return p, nil
}

// tabPageSize is the rows a window's list tab shows at once; an Audit log tab shows fewer
// events, each a table of its changes (50 were 133 KB of HTML for a big customer at rental-1M).
const (
	tabPageSize      = 50
	auditTabPageSize = 20
)

// tabCursor is where a window's list tab continues (?more=, its Load more), "" for its first
// rows. Only a GET carries one: a change answered with the window shows the first rows.
func tabCursor(r *http.Request) (string, error) {
	if r.Method != http.MethodGet {
		return "", nil
	}
	c := r.URL.Query().Get("more")
	if !steward.IsCleanText(c) || len(c) > 1000 {
		return "", steward.Invalid("more", "is not a cursor this tab gave; open the tab again")
	}
	return c, nil
}

// customer serves the side window: alone for htmx, or over the list for a full page (a shared
// link, a reload, Back).
func (u *UI) customer(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	f, err := parseFilters(q)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f.Cursor = ""
	p, err := u.panelView(r, a, r.PathValue("id"), q.Get("tab"), f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	switch hxTarget(r) {
	case "panel":
		u.render(w, r, http.StatusOK, "panel", p)
		return
	case "tab-more":
		u.render(w, r, http.StatusOK, "panel_items", p)
		return
	}
	v, err := u.listView(r, a, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Panel = p
	u.page(w, r, http.StatusOK, "customers", p.C.Name+" · Customers", "customers", v)
}

// formView is the add or edit dialog.
type formView struct {
	Kind                  string // which form: customer, contact, location, asset, apikey
	Title, Action, Submit string
	ID                    string
	Version               int64
	F                     steward.CustomerFields
	Types                 []option
	Errors                []steward.FieldError
	Message               string
	Contact               steward.ContactFields
	Kinds                 []option
	Location              steward.LocationFields
	Asset                 steward.AssetFields
	Raw                   map[string]string // numbers as typed, shown again when they do not parse
	Pickers               map[string]pickerView
	Roles                 []option
	// MoveOnly is the asset dialog of a Technician, who may change its location and nothing
	// else (PRODUCT.md §5): the location picker alone.
	MoveOnly     bool
	Visibilities []option
	// The share and transfer dialog (sharing.go): the accounts offered, the actions of the bulk
	// form, keep visibility, and the assets selected in the list.
	Targets, Actions []option
	Keep, Bulk       bool
	AssetIDs         []string
	// Group is a group's dialog's fields; Members the users a group's "Add a user" offers and
	// Groups the groups a user's dialog offers (More: there are more than it lists).
	Group   steward.GroupFields
	Members []option
	Groups  []option
	More    bool
}

func newFormView(title, action, submit string, f steward.CustomerFields) *formView {
	v := &formView{Kind: "customer", Title: title, Action: action, Submit: submit, F: f}
	for _, t := range steward.CustomerType("").Values() {
		v.Types = append(v.Types, option{string(t), customerTypeLabel(t), f.Type == t || (f.Type == "" && t == steward.CustomerOther)})
	}
	return v
}

// dialog renders a dialog: alone for htmx, else on a page of its own (no script needed).
func (u *UI) dialog(w http.ResponseWriter, r *http.Request, status int, v *formView) {
	if isHTMX(r) {
		u.render(w, r, status, v.Kind+"_form", v)
		return
	}
	nav := map[string]string{"customer": "customers", "contact": "customers", "location": "locations",
		"asset": "assets", "share": "assets", "apikey": "api-keys", "user": "users", "group": "groups", "group_asset": "groups",
		"group_user": "groups", "webhook": "webhooks"}[v.Kind]
	u.page(w, r, status, "form", v.Title, nav, v)
}

func (u *UI) customerNew(w http.ResponseWriter, r *http.Request) {
	if err := actorOf(r).Require(steward.PermWriteFleet); err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newFormView("Add customer", "/customers", "Add", steward.CustomerFields{}))
}

func (u *UI) customerEdit(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := a.Require(steward.PermWriteFleet); err != nil {
		u.fail(w, r, err)
		return
	}
	id, err := pathID(r, "customer")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	c, err := u.svc.Customer(r.Context(), a, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := newFormView("Edit customer", "/customers/"+url.PathEscape(c.ID), "Save", c.CustomerFields)
	v.ID, v.Version = c.ID, c.Version
	u.dialog(w, r, http.StatusOK, v)
}

// maxFormBytes bounds a form's body.
const maxFormBytes = 64 << 10

// readCustomerForm reads the dialog's fields; names are the API's, so the domain's field errors
// land next to the right input.
func readCustomerForm(p url.Values) steward.CustomerFields {
	return steward.CustomerFields{Name: p.Get("name"), Type: steward.CustomerType(p.Get("type")),
		ExternalRef: p.Get("external_ref"), Email: p.Get("email"), Phone: p.Get("phone"), Website: p.Get("website"),
		Notes: p.Get("notes"), Address: steward.Address{Street: p.Get("address.street"),
			PostalCode: p.Get("address.postal_code"), City: p.Get("address.city"), Region: p.Get("address.region"),
			Country: strings.ToUpper(strings.TrimSpace(p.Get("address.country")))}}
}

// saved answers a successful add or edit: the side window shows the customer, the dialog
// closes and the list reloads, all without leaving the page.
func (u *UI) saved(w http.ResponseWriter, r *http.Request, c *steward.Customer) {
	if !isHTMX(r) {
		http.Redirect(w, r, "/customers/"+url.PathEscape(c.ID), http.StatusSeeOther)
		return
	}
	f := filtersOfCurrentURL(r)
	p, err := u.panelView(r, actorOf(r), c.ID, "overview", f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showPanel(w, r, "panel", p, p.URL, "closeDialog, listChanged")
}

// showPanel answers a change with the side window (template name) in #panel, wherever the
// request aimed; pushURL, when set, becomes the page's URL, and trigger names the events the
// page reacts to (closeDialog, listChanged).
func (u *UI) showPanel(w http.ResponseWriter, r *http.Request, name string, p any, pushURL, trigger string) {
	h := w.Header()
	h.Set("HX-Retarget", "#panel")
	h.Set("HX-Reswap", "innerHTML")
	if pushURL != "" {
		h.Set("HX-Push-Url", pushURL)
	}
	h.Set("HX-Trigger", trigger)
	u.render(w, r, http.StatusOK, name, p)
}

// closePanel answers a change after which the window's object is gone from the caller's view
// (deleted, given away): the window closes, a dialog too, and the list at list reloads.
func (u *UI) closePanel(w http.ResponseWriter, r *http.Request, list string) {
	if !isHTMX(r) {
		http.Redirect(w, r, list, http.StatusSeeOther)
		return
	}
	h := w.Header()
	h.Set("HX-Retarget", "#panel")
	h.Set("HX-Reswap", "innerHTML")
	h.Set("HX-Push-Url", list)
	h.Set("HX-Trigger", "closeDialog, listChanged, panelClosed")
	u.render(w, r, http.StatusOK, "empty", nil)
}

// formFailed shows the dialog again with the domain's field errors next to the fields; other
// errors go to the flash area.
func (u *UI) formFailed(w http.ResponseWriter, r *http.Request, v *formView, err error) {
	se, ok := err.(*steward.Error)
	if !ok || len(se.Fields) == 0 {
		u.fail(w, r, err)
		return
	}
	v.Errors = se.Fields
	v.Message = "Check the fields marked below."
	u.dialog(w, r, web.StatusOf(err), v)
}

func (u *UI) customerCreate(w http.ResponseWriter, r *http.Request) {
	p, _, err := readForm(w, r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := readCustomerForm(p)
	c, err := u.svc.CreateCustomer(r.Context(), actorOf(r), f)
	if err != nil {
		u.formFailed(w, r, newFormView("Add customer", "/customers", "Add", f), err)
		return
	}
	u.saved(w, r, c)
}

func (u *UI) customerUpdate() http.HandlerFunc {
	return update(u, "customer", readCustomerForm, u.svc.UpdateCustomer, func(id string, f steward.CustomerFields) *formView {
		return newFormView("Edit customer", "/customers/"+url.PathEscape(id), "Save", f)
	}, u.saved)
}

func (u *UI) customerArchive(archived bool) http.HandlerFunc {
	return archive(u, "customer", func(ctx context.Context, a *steward.Actor, id string, version int64) (*steward.Customer, error) {
		return u.svc.SetCustomerArchived(ctx, a, id, version, archived)
	}, func(w http.ResponseWriter, r *http.Request, c *steward.Customer) {
		if !isHTMX(r) {
			http.Redirect(w, r, "/customers/"+url.PathEscape(c.ID), http.StatusSeeOther)
			return
		}
		f := filtersOfCurrentURL(r)
		p, err := u.panelView(r, actorOf(r), c.ID, "overview", f)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.showPanel(w, r, "panel", p, "", "listChanged")
	})
}
