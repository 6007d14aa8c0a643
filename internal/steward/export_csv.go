package steward

import (
	"strconv"
)

// A list's CSV export (GET /api/v1/exports/{kind}.csv, PRODUCT.md §7) writes one row per object
// under a header of the API's field names, nested fields dotted (address.city) and references as
// ids (customer_id…), so the import can read the file back unchanged. The columns an import
// takes come first (after id), in the order of the create body; read-only columns (counts,
// derived references, times) come last. docs/API.md, "Exports", lists them.

// CSVColumn is one column of an export: its header and its cell of an object.
type CSVColumn[T any] struct {
	Name string
	Cell func(*T) string
}

// CSVTable is the columns of one kind's export.
type CSVTable[T any] []CSVColumn[T]

// Header is the export's header row.
func (t CSVTable[T]) Header() []string {
	h := make([]string, len(t))
	for i, c := range t {
		h[i] = c.Name
	}
	return h
}

// Record fills rec (of len(t) cells, reused row after row) with o's cells; a cell a spreadsheet
// would run as a formula gets a leading "'", as in the audit log's export.
func (t CSVTable[T]) Record(o *T, rec []string) []string {
	rec = rec[:0]
	for _, c := range t {
		rec = append(rec, csvCell(c.Cell(o)))
	}
	return rec
}

func optText(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// optFloat writes the shortest text that reads back as the same number.
func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func optTime(p *Timestamp) string {
	if p == nil {
		return ""
	}
	return p.String()
}

func count(n int64) string { return strconv.FormatInt(n, 10) }

// addressColumns are the dotted columns of an address, read through at.
func addressColumns[T any](at func(*T) *Address) CSVTable[T] {
	return CSVTable[T]{
		{"address.street", func(o *T) string { return at(o).Street }},
		{"address.postal_code", func(o *T) string { return at(o).PostalCode }},
		{"address.city", func(o *T) string { return at(o).City }},
		{"address.region", func(o *T) string { return at(o).Region }},
		{"address.country", func(o *T) string { return at(o).Country }},
	}
}

// metaColumns are the read-only times every object has, last in every export.
func metaColumns[T any](at func(*T) *Meta) CSVTable[T] {
	return CSVTable[T]{
		{"created_at", func(o *T) string { return at(o).CreatedAt.String() }},
		{"updated_at", func(o *T) string { return at(o).UpdatedAt.String() }},
		{"archived_at", func(o *T) string { return optTime(at(o).ArchivedAt) }},
	}
}

func concat[T any](parts ...CSVTable[T]) CSVTable[T] {
	var t CSVTable[T]
	for _, p := range parts {
		t = append(t, p...)
	}
	return t
}

// CustomerCSV is the customers export.
var CustomerCSV = concat(
	CSVTable[Customer]{
		{"id", func(c *Customer) string { return c.ID }},
		{"name", func(c *Customer) string { return c.Name }},
		{"type", func(c *Customer) string { return string(c.Type) }},
		{"external_ref", func(c *Customer) string { return c.ExternalRef }},
		{"email", func(c *Customer) string { return c.Email }},
		{"phone", func(c *Customer) string { return c.Phone }},
		{"website", func(c *Customer) string { return c.Website }},
	},
	addressColumns(func(c *Customer) *Address { return &c.Address }),
	CSVTable[Customer]{
		{"notes", func(c *Customer) string { return c.Notes }},
		{"location_count", func(c *Customer) string { return count(c.LocationCount) }},
		{"assets_on_location_count", func(c *Customer) string { return count(c.AssetsOnLocationCount) }},
		{"assets_owned_count", func(c *Customer) string { return count(c.AssetsOwnedCount) }},
		{"assets_owned_elsewhere_count", func(c *Customer) string { return count(c.AssetsOwnedElsewhereCount) }},
	},
	metaColumns(func(c *Customer) *Meta { return &c.Meta }),
)

// ContactCSV is the contacts export.
var ContactCSV = concat(
	CSVTable[Contact]{
		{"id", func(c *Contact) string { return c.ID }},
		{"customer_id", func(c *Contact) string { return c.CustomerID }},
		{"name", func(c *Contact) string { return c.Name }},
		{"kind", func(c *Contact) string { return string(c.Kind) }},
		{"email", func(c *Contact) string { return c.Email }},
		{"phone", func(c *Contact) string { return c.Phone }},
		{"title", func(c *Contact) string { return c.Title }},
		{"external_ref", func(c *Contact) string { return c.ExternalRef }},
	},
	metaColumns(func(c *Contact) *Meta { return &c.Meta }),
)

// LocationCSV is the locations export.
var LocationCSV = concat(
	CSVTable[Location]{
		{"id", func(l *Location) string { return l.ID }},
		{"name", func(l *Location) string { return l.Name }},
		{"customer_id", func(l *Location) string { return optText(l.CustomerID) }},
		{"external_ref", func(l *Location) string { return l.ExternalRef }},
	},
	addressColumns(func(l *Location) *Address { return &l.Address }),
	CSVTable[Location]{
		{"latitude", func(l *Location) string { return optFloat(l.Latitude) }},
		{"longitude", func(l *Location) string { return optFloat(l.Longitude) }},
		{"radius_m", func(l *Location) string { return optInt(l.RadiusM) }},
		{"asset_count", func(l *Location) string { return count(l.AssetCount) }},
	},
	metaColumns(func(l *Location) *Meta { return &l.Meta }),
)

// AssetCSV is the assets export.
var AssetCSV = concat(
	CSVTable[Asset]{
		{"id", func(a *Asset) string { return a.ID }},
		{"name", func(a *Asset) string { return a.Name }},
		{"serial_number", func(a *Asset) string { return a.SerialNumber }},
		{"external_ref", func(a *Asset) string { return a.ExternalRef }},
		{"make", func(a *Asset) string { return a.Make }},
		{"model", func(a *Asset) string { return a.Model }},
		{"category", func(a *Asset) string { return a.Category }},
		{"year", func(a *Asset) string { return optInt(a.Year) }},
		{"owner_customer_id", func(a *Asset) string { return optText(a.OwnerCustomerID) }},
		{"location_id", func(a *Asset) string { return optText(a.LocationID) }},
		{"owner_account_id", func(a *Asset) string { return a.OwnerAccountID }},
		{"location_customer_id", func(a *Asset) string { return optText(a.LocationCustomerID) }},
	},
	metaColumns(func(a *Asset) *Meta { return &a.Meta }),
)

// GroupCSV is the groups export (members are not in it: a group's file names the group only).
var GroupCSV = concat(
	CSVTable[Group]{
		{"id", func(g *Group) string { return g.ID }},
		{"name", func(g *Group) string { return g.Name }},
		{"description", func(g *Group) string { return g.Description }},
		{"asset_count", func(g *Group) string { return count(g.AssetCount) }},
		{"user_count", func(g *Group) string { return count(g.UserCount) }},
	},
	metaColumns(func(g *Group) *Meta { return &g.Meta }),
)
