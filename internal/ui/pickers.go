package ui

import (
	"net/http"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// Pickers choose an asset's owning customer and location, a location's customer, and an asset
// to add to a group (named with its serial number, which the search also matches). They
// follow PRODUCT.md §3: without a search they offer active objects only; a search by name
// (the domain's search) finds archived ones too, marked with an "Archived" badge, and they can
// be picked.

// pickerView is a picker of a form: a search box over customers or locations, the chosen id in
// a hidden input, and the chosen object's name.
type pickerView struct {
	Name, Label, Kind string // Kind: customers, locations or assets
	ID, Chosen        string // the chosen id and its name ("" for none)
	Archived          bool   // the chosen object is archived
	Error             string
	None              string // what "nothing chosen" means
}

func newPicker(name, label, kind, none string, chosen *ref) pickerView {
	p := pickerView{Name: name, Label: label, Kind: kind, None: none}
	if chosen != nil {
		p.ID, p.Chosen, p.Archived = chosen.ID, chosen.Name, chosen.Archived
	}
	return p
}

// pickerOptions is what a picker's search offers.
type pickerOptions struct {
	Field, None, Q string
	Options        []ref
	More           bool
}

// pickerLimit is how many options a picker shows at once.
const pickerLimit = 8

// pick answers a picker's search: GET /pick/customers?field=owner_customer_id&q=…
func (u *UI) pick(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	v := pickerOptions{Field: q.Get("field"), Q: strings.TrimSpace(q.Get("pick")), None: q.Get("none")}
	var vs steward.Violations
	if !steward.IsID(v.Field) {
		vs.Add("field", "must name the form's field")
	}
	if !steward.IsCleanText(v.Q) || len([]rune(v.Q)) > steward.MaxQuery {
		vs.Add("pick", "must be text without control characters, at most %d characters", steward.MaxQuery)
	}
	if !steward.IsCleanText(v.None) || len(v.None) > 100 {
		vs.Add("none", "must be short text")
	}
	if err := vs.Err(); err != nil {
		u.fail(w, r, err)
		return
	}
	lp := steward.ListParams{Q: v.Q, Limit: pickerLimit, Status: steward.StatusActive, Sort: "name"}
	if v.Q != "" {
		// A search finds archived objects too, best matches first.
		lp.Status, lp.Sort = steward.StatusAll, ""
	}
	var next *string
	switch r.PathValue("kind") {
	case "customers":
		pg, err := u.svc.Customers(r.Context(), a, steward.CustomerFilter{ListParams: lp})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, c := range pg.Data {
			v.Options = append(v.Options, ref{ID: c.ID, Name: c.Name, Archived: c.ArchivedAt != nil})
		}
		next = pg.NextCursor
	case "locations":
		pg, err := u.svc.Locations(r.Context(), a, steward.LocationFilter{ListParams: lp})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, l := range pg.Data {
			v.Options = append(v.Options, ref{ID: l.ID, Name: l.Name, Archived: l.ArchivedAt != nil})
		}
		next = pg.NextCursor
	case "assets":
		pg, err := u.svc.Assets(r.Context(), a, steward.AssetFilter{ListParams: lp})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, as := range pg.Data {
			name := as.Name
			if as.SerialNumber != "" {
				name += " · SN " + as.SerialNumber
			}
			v.Options = append(v.Options, ref{ID: as.ID, Name: name, Archived: as.ArchivedAt != nil})
		}
		next = pg.NextCursor
	default:
		u.fail(w, r, steward.NotFound("picker"))
		return
	}
	v.More = next != nil
	u.render(w, r, http.StatusOK, "picker_options", v)
}
