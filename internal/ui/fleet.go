package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The locations and assets pages follow the customers page: a list with search, status filter,
// sortable columns and Load more; a side window with tabs; add, edit and archive.

// fleetKind describes one of those pages.
type fleetKind struct {
	Key, Noun, Title, Subtitle string // "locations", "location", "Locations"
	Search                     string // the search box's placeholder
	Sorts                      []string
	Columns                    []sortCol
	Tabs                       []struct{ key, label string }
	Empty                      string // the empty state's advice
}

var locationsKind = &fleetKind{Key: "locations", Noun: "location", Title: "Locations",
	Subtitle: "Customers' sites and your own depots, yards and workshops.",
	Search:   "Search by name or reference", Sorts: steward.LocationSorts,
	Columns: []sortCol{{"Name", "name", false}, {"Customer", "", false}, {"City", "", false}, {"Assets", "asset_count", true}},
	Tabs:    []struct{ key, label string }{{"overview", "Overview"}, {"assets", "Assets"}, {"audit", "Audit log"}},
	Empty:   "Locations are where assets stand: a customer's site, or one of your own depots. A name is all one needs.",
}

var assetsKind = &fleetKind{Key: "assets", Noun: "asset", Title: "Assets",
	Subtitle: "Every machine and device of the fleet, who owns it and where it is.",
	Search:   "Search by name, serial number or reference", Sorts: steward.AssetSorts,
	Columns: []sortCol{{"Name", "name", false}, {"Serial number", "serial_number", false}, {"Owner", "", false}, {"Location", "", false}},
	Tabs:    []struct{ key, label string }{{"overview", "Overview"}, {"movements", "Movements"}, {"sharing", "Sharing"}, {"audit", "Audit log"}},
	Empty:   "Assets are the machines you rent, sell or service. Give one a name; its owner and location are optional.",
}

// check is the list's own check of its filters.
func (k *fleetKind) check(f listFilters, v *steward.Violations) {
	steward.ListParams{Q: f.Q, Status: steward.Status(f.Status), Sort: f.Sort}.Check(v, k.Sorts)
	if f.Type != "" {
		v.Add("type", "the %s list has no type filter", k.Noun)
	}
	switch {
	case f.Ownership == "":
	case k != assetsKind:
		v.Add("ownership", "the %s list has no ownership filter", k.Noun)
	case f.Ownership != string(steward.OwnershipShared):
		v.Add("ownership", "%s", steward.OneOf(steward.Ownership("").Values()))
	}
}

func (k *fleetKind) params(f listFilters) steward.ListParams {
	return steward.ListParams{Q: f.Q, Status: steward.Status(f.Status), Sort: f.Sort, Cursor: f.Cursor, Limit: pageSize}
}

// ref is a referenced object as a list or window names it.
type ref struct {
	ID, Name string
	Archived bool
	Missing  bool // not found (deleted, or not visible to this user)
}

// names are the customers and locations a page refers to, looked up once each.
type names map[string]ref

// Of returns the reference of id (nil: none).
func (n names) Of(id *string) *ref {
	if id == nil || *id == "" {
		return nil
	}
	r, ok := n[*id]
	if !ok {
		return &ref{ID: *id, Name: "(unknown)", Missing: true}
	}
	return &r
}

// lookup names the customers and locations the ids refer to, in one Service.Names call for
// the whole page (never one lookup per row; the service drops repeats); one it does not find
// is "(not visible)".
func (u *UI) lookup(ctx context.Context, a *steward.Actor, customers, locations []*string) (names, error) {
	given := func(ids []*string) []string {
		var out []string
		for _, id := range ids {
			if id != nil && *id != "" {
				out = append(out, *id)
			}
		}
		return out
	}
	n := names{}
	cids, lids := given(customers), given(locations)
	if len(cids) == 0 && len(lids) == 0 {
		return n, nil
	}
	cs, ls, err := u.svc.Names(ctx, a, cids, lids)
	if err != nil {
		return nil, err
	}
	for _, ids := range []struct {
		ids   []string
		found map[string]steward.Ref
	}{{cids, cs}, {lids, ls}} {
		for _, id := range ids.ids {
			if r, ok := ids.found[id]; ok {
				n[id] = ref{ID: r.ID, Name: r.Name, Archived: r.Archived}
			} else {
				n[id] = ref{ID: id, Name: "(not visible)", Missing: true}
			}
		}
	}
	return n, nil
}

// fleetView is a locations or assets list page.
type fleetView struct {
	K                  *fleetKind
	F                  listFilters
	URL                string
	Statuses           []option
	Columns            []column
	Locations          []steward.Location
	Assets             []steward.Asset
	Names              names
	NextURL            string
	Filtered, CanWrite bool
	Panel              *objPanel
	ColumnCount        int
	// Sides are the assets list's Owned / Shared with this account switch; Selectable puts a
	// box on each row of the owned side for the bulk share and transfer form.
	Sides      []option
	Selectable bool
}

// HasRows reports whether the page has rows.
func (v *fleetView) HasRows() bool { return len(v.Locations) > 0 || len(v.Assets) > 0 }

func (u *UI) fleetView(r *http.Request, a *steward.Actor, k *fleetKind, f listFilters) (*fleetView, error) {
	path := "/" + k.Key
	v := &fleetView{K: k, F: f, URL: f.url(path), CanWrite: a.Can(steward.PermWriteFleet),
		Filtered: f.Q != "" || (f.Status != "" && f.Status != string(steward.StatusActive)), ColumnCount: len(k.Columns) + 1}
	v.Statuses = statusOptions(f)
	v.Columns = sortHeader(f, path, k.Columns)
	ctx := r.Context()
	var next *string
	var customers, locations []*string
	switch k {
	case locationsKind:
		pg, err := u.svc.Locations(ctx, a, steward.LocationFilter{ListParams: k.params(f)})
		if err != nil {
			return nil, err
		}
		v.Locations, next = pg.Data, pg.NextCursor
		for i := range pg.Data {
			customers = append(customers, pg.Data[i].CustomerID)
		}
	default:
		v.Sides = []option{{"owned", "Owned", f.Ownership == ""}, {"shared", "Shared with this account", f.Ownership != ""}}
		v.Selectable = f.Ownership == "" && a.Can(steward.PermShareAssets)
		v.CanWrite = v.CanWrite && f.Ownership == ""
		pg, err := u.svc.Assets(ctx, a, steward.AssetFilter{ListParams: k.params(f), Ownership: steward.Ownership(f.Ownership)})
		if err != nil {
			return nil, err
		}
		v.Assets, next = pg.Data, pg.NextCursor
		for i := range pg.Data {
			customers = append(customers, pg.Data[i].OwnerCustomerID)
			locations = append(locations, pg.Data[i].LocationID)
		}
	}
	var err error
	if v.Names, err = u.lookup(ctx, a, customers, locations); err != nil {
		return nil, err
	}
	v.NextURL = f.nextURL(path, next)
	return v, nil
}

// fleetList serves a list page, its results (search, filters, sort) or its next rows.
func (u *UI) fleetList(k *fleetKind) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := parseFiltersWith(r.URL.Query(), k.check)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if hxTarget(r) == "panel" {
			w.Header().Set("HX-Trigger", "panelClosed")
			u.render(w, r, http.StatusOK, "empty", nil)
			return
		}
		v, err := u.fleetView(r, actorOf(r), k, f)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		switch hxTarget(r) {
		case "results":
			pushListURL(w, r, v.URL)
			u.render(w, r, http.StatusOK, "fleet_results_swap", v)
		case "more":
			u.render(w, r, http.StatusOK, "fleet_rows", v)
		default:
			u.page(w, r, http.StatusOK, "list", k.Title, k.Key, v)
		}
	}
}

// objPanel is the side window of a location or an asset.
type objPanel struct {
	K             *fleetKind
	ID, Name      string
	Version       int64
	Archived      bool
	Tab           string
	Tabs          []tabView
	CloseURL, URL string
	CanWrite      bool
	CanMove       bool // may change an asset's location (a Technician's one write)
	L             *steward.Location
	A             *steward.Asset
	Names         names
	Assets        []steward.Asset
	Movements     []steward.Movement
	Events        []steward.AuditEvent
	MoreURL       string // the tab's next rows (Load more), "" when it shows them all
	// Shared is an asset another account owns and shares with this one: read-only here.
	Shared bool
	// The Sharing tab: the asset's shares, and, for who may share, the accounts to offer.
	Shares   []steward.AssetShare
	CanShare bool
	Targets  []option
}

func (u *UI) objPanel(r *http.Request, a *steward.Actor, k *fleetKind, id, tab string, f listFilters) (*objPanel, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound(k.Noun)
	}
	if tab == "" {
		tab = "overview"
	}
	valid := false
	var keys []string
	for _, t := range k.Tabs {
		valid = valid || t.key == tab
		keys = append(keys, t.key)
	}
	if !valid {
		return nil, steward.Invalid("tab", "must be one of %s", strings.Join(keys, ", "))
	}
	ctx := r.Context()
	p := &objPanel{K: k, Tab: tab, CloseURL: f.url("/" + k.Key), CanWrite: a.Can(steward.PermWriteFleet), CanMove: moveOnly(a, k)}
	var customers, locations []*string
	switch k {
	case locationsKind:
		l, err := u.svc.Location(ctx, a, id)
		if err != nil {
			return nil, err
		}
		p.L, p.ID, p.Name, p.Version, p.Archived = l, l.ID, l.Name, l.Version, l.ArchivedAt != nil
		customers = append(customers, l.CustomerID)
	default:
		as, err := u.svc.Asset(ctx, a, id)
		if err != nil {
			return nil, err
		}
		p.A, p.ID, p.Name, p.Version, p.Archived = as, as.ID, as.Name, as.Version, as.ArchivedAt != nil
		if as.OwnerAccountID != a.AccountID {
			p.Shared, p.CanWrite, p.CanMove = true, false, false
		}
		customers = append(customers, as.OwnerCustomerID)
		locations = append(locations, as.LocationID)
	}
	base := "/" + k.Key + "/" + url.PathEscape(p.ID)
	p.URL = f.url(base)
	q := f.Query()
	for _, t := range k.Tabs {
		tv := tabView{Key: t.key, Label: t.label, URL: tabURL(base, t.key, q), Active: t.key == tab}
		if p.L != nil && t.key == "assets" {
			tv.Count = &p.L.AssetCount
		}
		p.Tabs = append(p.Tabs, tv)
	}
	cursor, err := tabCursor(r)
	if err != nil {
		return nil, err
	}
	lp := steward.ListParams{Limit: tabPageSize, Cursor: cursor}
	var next *string
	switch tab {
	case "assets":
		pg, err := u.svc.Assets(ctx, a, steward.AssetFilter{ListParams: lp, LocationID: p.ID})
		if err != nil {
			return nil, err
		}
		p.Assets, next = pg.Data, pg.NextCursor
		for i := range pg.Data {
			customers = append(customers, pg.Data[i].OwnerCustomerID)
		}
	case "movements":
		pg, err := u.svc.AssetMovements(ctx, a, p.ID, lp)
		if err != nil {
			return nil, err
		}
		p.Movements, next = pg.Data, pg.NextCursor
	case "sharing":
		if err := u.sharingTab(ctx, a, p); err != nil {
			return nil, err
		}
	case "audit":
		pg, err := u.svc.AuditEvents(ctx, a, steward.AuditFilter{ObjectType: k.Noun, ObjectID: p.ID, Limit: auditTabPageSize, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		p.Events, next = pg.Data, pg.NextCursor
	}
	if next != nil {
		p.MoreURL = tabURL(base, tab, q) + "&more=" + url.QueryEscape(*next)
	}
	if p.Names, err = u.lookup(ctx, a, customers, locations); err != nil {
		return nil, err
	}
	return p, nil
}

// fleetObject serves a side window: alone for htmx, else over its list.
func (u *UI) fleetObject(k *fleetKind) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		q := r.URL.Query()
		f, err := parseFiltersWith(q, k.check)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		f.Cursor = ""
		p, err := u.objPanel(r, a, k, r.PathValue("id"), q.Get("tab"), f)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		switch hxTarget(r) {
		case "panel":
			u.render(w, r, http.StatusOK, "obj_panel", p)
			return
		case "tab-more":
			u.render(w, r, http.StatusOK, "obj_panel_items", p)
			return
		}
		v, err := u.fleetView(r, a, k, f)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		v.Panel = p
		u.page(w, r, http.StatusOK, "list", p.Name+" · "+k.Title, k.Key, v)
	}
}

// fleetSaved answers a successful add, edit or archive: the window shows the object, the
// dialog closes and the list reloads.
func (u *UI) fleetSaved(w http.ResponseWriter, r *http.Request, k *fleetKind, id string) {
	if !isHTMX(r) {
		http.Redirect(w, r, "/"+k.Key+"/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	p, err := u.objPanel(r, actorOf(r), k, id, "overview", currentFilters(r, k.check))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showPanel(w, r, "obj_panel", p, p.URL, "closeDialog, listChanged")
}

func (u *UI) fleetArchive(k *fleetKind, archived bool) http.HandlerFunc {
	return archive(u, k.Noun, func(ctx context.Context, a *steward.Actor, id string, version int64) (string, error) {
		var err error
		if k == locationsKind {
			_, err = u.svc.SetLocationArchived(ctx, a, id, version, archived)
		} else {
			_, err = u.svc.SetAssetArchived(ctx, a, id, version, archived)
		}
		return id, err
	}, func(w http.ResponseWriter, r *http.Request, id string) { u.fleetSaved(w, r, k, id) })
}

// The forms.

// numField reads an optional number of a form; a value that does not parse is a field error.
func numField[T int | float64](p url.Values, name string, v *steward.Violations) *T {
	s := strings.TrimSpace(p.Get(name))
	if s == "" {
		return nil
	}
	var x T
	switch any(x).(type) {
	case int:
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add(name, "must be a whole number")
			return nil
		}
		x = T(n)
	case float64:
		f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			v.Add(name, "must be a number, like 52.52")
			return nil
		}
		x = T(f)
	}
	return &x
}

// refField reads a picker's id: "" is none.
func refField(p url.Values, name string) *string {
	s := strings.TrimSpace(p.Get(name))
	if s == "" {
		return nil
	}
	return &s
}

func rawValues(p url.Values, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = p.Get(n)
	}
	return m
}

func fmtNum[T int | float64](x *T) string {
	if x == nil {
		return ""
	}
	switch v := any(*x).(type) {
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func readLocationForm(p url.Values) (steward.LocationFields, error) {
	var v steward.Violations
	f := steward.LocationFields{Name: p.Get("name"), CustomerID: refField(p, "customer_id"), ExternalRef: p.Get("external_ref"),
		Address: steward.Address{Street: p.Get("address.street"), PostalCode: p.Get("address.postal_code"),
			City: p.Get("address.city"), Region: p.Get("address.region"),
			Country: strings.ToUpper(strings.TrimSpace(p.Get("address.country")))},
		Latitude: numField[float64](p, "latitude", &v), Longitude: numField[float64](p, "longitude", &v),
		RadiusM: numField[int](p, "radius_m", &v)}
	return f, v.Err()
}

// moveOnly reports whether a may change an asset's location but nothing else of it.
func moveOnly(a *steward.Actor, k *fleetKind) bool {
	return k == assetsKind && !a.Can(steward.PermWriteFleet) && a.Can(steward.PermMoveAsset)
}

// moveForm checks that a Technician's form sends the location and nothing else it may not change.
func moveForm(p url.Values) error {
	for name := range p {
		switch name {
		case "location_id", "version", "pick":
		default:
			return steward.Errorf(steward.EFORBIDDEN, "a technician may change an asset's location only")
		}
	}
	if _, ok := p["location_id"]; !ok {
		return steward.Invalid("location_id", "must be sent: the location to move the asset to, empty for none")
	}
	return nil
}

// editPermission is what opening k's edit dialog needs: a Technician may open an asset's, to move it.
func editPermission(a *steward.Actor, k *fleetKind) steward.Permission {
	if moveOnly(a, k) {
		return steward.PermMoveAsset
	}
	return steward.PermWriteFleet
}

func readAssetForm(p url.Values) (steward.AssetFields, error) {
	var v steward.Violations
	f := steward.AssetFields{Name: p.Get("name"), SerialNumber: p.Get("serial_number"), ExternalRef: p.Get("external_ref"),
		Make: p.Get("make"), Model: p.Get("model"), Category: p.Get("category"), Year: numField[int](p, "year", &v),
		OwnerCustomerID: refField(p, "owner_customer_id"), LocationID: refField(p, "location_id")}
	return f, v.Err()
}

// fleetForm builds the add or edit dialog of a location or an asset, its pickers showing the
// names of what is chosen.
func (u *UI) fleetForm(ctx context.Context, a *steward.Actor, k *fleetKind, id string, version int64, p url.Values,
	loc steward.LocationFields, as steward.AssetFields) (*formView, error) {
	v := &formView{Kind: k.Noun, ID: id, Version: version, Location: loc, Asset: as, Pickers: map[string]pickerView{}}
	if id == "" {
		v.Title, v.Action, v.Submit = "Add "+k.Noun, "/"+k.Key, "Add"
	} else {
		v.Title, v.Action, v.Submit = "Edit "+k.Noun, "/"+k.Key+"/"+url.PathEscape(id), "Save"
	}
	if k == locationsKind {
		if p != nil {
			v.Raw = rawValues(p, "latitude", "longitude", "radius_m")
		} else {
			v.Raw = map[string]string{"latitude": fmtNum(loc.Latitude), "longitude": fmtNum(loc.Longitude), "radius_m": fmtNum(loc.RadiusM)}
		}
		n, err := u.lookup(ctx, a, []*string{loc.CustomerID}, nil)
		if err != nil {
			return nil, err
		}
		v.Pickers["customer_id"] = newPicker("customer_id", "Customer", "customers", "Your own location (no customer)", n.Of(loc.CustomerID))
		return v, nil
	}
	if p != nil {
		v.Raw = rawValues(p, "year")
	} else {
		v.Raw = map[string]string{"year": fmtNum(as.Year)}
	}
	n, err := u.lookup(ctx, a, []*string{as.OwnerCustomerID}, []*string{as.LocationID})
	if err != nil {
		return nil, err
	}
	if id != "" && moveOnly(a, k) {
		v.MoveOnly = true
		v.Title, v.Submit = "Move "+as.Name, "Move"
	}
	v.Pickers["owner_customer_id"] = newPicker("owner_customer_id", "Owning customer", "customers", "Owned by nobody (your own)", n.Of(as.OwnerCustomerID))
	v.Pickers["location_id"] = newPicker("location_id", "Location", "locations", "Not at a location", n.Of(as.LocationID))
	return v, nil
}

func (u *UI) fleetNew(k *fleetKind) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		if err := a.Require(steward.PermWriteFleet); err != nil {
			u.fail(w, r, err)
			return
		}
		var as steward.AssetFields
		var loc steward.LocationFields
		// An asset added from a location's window starts at that location.
		if id := r.URL.Query().Get("location_id"); k == assetsKind && steward.IsID(id) {
			as.LocationID = &id
		}
		// A location added from a customer's window starts as that customer's.
		if id := r.URL.Query().Get("customer_id"); k == locationsKind && steward.IsID(id) {
			loc.CustomerID = &id
		}
		v, err := u.fleetForm(r.Context(), a, k, "", 0, nil, loc, as)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.dialog(w, r, http.StatusOK, v)
	}
}

func (u *UI) fleetEdit(k *fleetKind) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		id, err := pathID(r, k.Noun)
		if err == nil {
			err = a.Require(editPermission(a, k))
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		var v *formView
		if k == locationsKind {
			var l *steward.Location
			if l, err = u.svc.Location(r.Context(), a, id); err == nil {
				v, err = u.fleetForm(r.Context(), a, k, l.ID, l.Version, nil, l.LocationFields, steward.AssetFields{})
			}
		} else {
			var as *steward.Asset
			if as, err = u.svc.Asset(r.Context(), a, id); err == nil {
				v, err = u.fleetForm(r.Context(), a, k, as.ID, as.Version, nil, steward.LocationFields{}, as.AssetFields)
			}
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.dialog(w, r, http.StatusOK, v)
	}
}

// fleetSave creates (no {id}) or updates a location or an asset from its dialog.
func (u *UI) fleetSave(k *fleetKind) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorOf(r)
		id := r.PathValue("id")
		if id != "" && !steward.IsID(id) {
			u.fail(w, r, steward.NotFound(k.Noun))
			return
		}
		p, version, err := readForm(w, r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		var loc steward.LocationFields
		var as steward.AssetFields
		var saved string
		if moveOnly(a, k) && id != "" {
			// A Technician's form holds the location alone: only that changes.
			var x *steward.Asset
			to := refField(p, "location_id")
			if err = moveForm(p); err != nil {
				u.fail(w, r, err)
				return
			}
			if x, err = u.svc.UpdateAsset(r.Context(), a, id, version, func(f *steward.AssetFields) error {
				f.LocationID = to
				as = *f
				return nil
			}); err == nil {
				saved = x.ID
			}
		} else if k == locationsKind {
			loc, err = readLocationForm(p)
			if err == nil && id == "" {
				var l *steward.Location
				if l, err = u.svc.CreateLocation(r.Context(), a, loc); err == nil {
					saved = l.ID
				}
			} else if err == nil {
				var l *steward.Location
				if l, err = u.svc.UpdateLocation(r.Context(), a, id, version, func(f *steward.LocationFields) error { *f = loc; return nil }); err == nil {
					saved = l.ID
				}
			}
		} else {
			as, err = readAssetForm(p)
			if err == nil && id == "" {
				var x *steward.Asset
				if x, err = u.svc.CreateAsset(r.Context(), a, as); err == nil {
					saved = x.ID
				}
			} else if err == nil {
				var x *steward.Asset
				if x, err = u.svc.UpdateAsset(r.Context(), a, id, version, func(f *steward.AssetFields) error { *f = as; return nil }); err == nil {
					saved = x.ID
				}
			}
		}
		if steward.ErrorCode(err) == steward.EPRECONDITION {
			err = changedMeanwhile(k.Noun)
		}
		if err != nil {
			v, ferr := u.fleetForm(r.Context(), a, k, id, version, p, loc, as)
			if ferr != nil {
				u.fail(w, r, err)
				return
			}
			u.formFailed(w, r, v, err)
			return
		}
		u.fleetSaved(w, r, k, saved)
	}
}
