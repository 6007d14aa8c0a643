package steward

import (
	"context"
	"math"
)

// LocationFields are the fields a caller sets on a location. CustomerID nil makes it one of the
// account's own locations (depot, yard, workshop).
type LocationFields struct {
	Name        string   `json:"name"`
	CustomerID  *string  `json:"customer_id"`
	ExternalRef string   `json:"external_ref"`
	Address     Address  `json:"address"`
	Latitude    *float64 `json:"latitude"`
	Longitude   *float64 `json:"longitude"`
	RadiusM     *int     `json:"radius_m"`
}

// Normalize trims and validates the fields.
func (f *LocationFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	cleanRef(&v, "customer_id", &f.CustomerID)
	cleanIdentifier(&v, "external_ref", &f.ExternalRef, MaxShort)
	f.Address.clean(&v, "address")
	if f.Latitude != nil && (math.IsNaN(*f.Latitude) || *f.Latitude < -MaxLatitude || *f.Latitude > MaxLatitude) {
		v.Add("latitude", "must be between %d and %d", -MaxLatitude, MaxLatitude)
	}
	if f.Longitude != nil && (math.IsNaN(*f.Longitude) || *f.Longitude < -MaxLongitude || *f.Longitude > MaxLongitude) {
		v.Add("longitude", "must be between %d and %d", -MaxLongitude, MaxLongitude)
	}
	if (f.Latitude == nil) != (f.Longitude == nil) {
		if f.Latitude == nil {
			v.Add("latitude", "is required when longitude is set")
		} else {
			v.Add("longitude", "is required when latitude is set")
		}
	}
	if f.RadiusM != nil && (*f.RadiusM < MinRadiusM || *f.RadiusM > MaxRadiusM) {
		v.Add("radius_m", "must be between %d and %d metres", MinRadiusM, MaxRadiusM)
	}
	return v.Err()
}

// Location is a place: a customer's site, or one of the account's own.
type Location struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	LocationFields
	// AssetCount counts the active assets currently at this location.
	AssetCount int64 `json:"asset_count"`
	Meta
}

// LocationSorts are the sort keys the locations list accepts.
var LocationSorts = []string{"name", "created_at", "updated_at", "asset_count"}

// LocationFilter selects locations for a list. Own selects the account's own locations only.
type LocationFilter struct {
	ListParams
	CustomerID string
	Own        bool
}

// Check adds a violation for each parameter the list cannot take (the store also checks that
// CustomerID names a customer).
func (f LocationFilter) Check(v *Violations) {
	f.ListParams.Check(v, LocationSorts)
	CheckID(v, "customer_id", f.CustomerID)
	if f.Own && f.CustomerID != "" {
		v.Add("own", "cannot be combined with customer_id: the account's own locations have no customer")
	}
}

// LocationService manages locations. Writes to customers' locations follow the externally
// managed setting; the account's own locations are always writable.
type LocationService interface {
	CreateLocation(ctx context.Context, a *Actor, f LocationFields) (*Location, error)
	Location(ctx context.Context, a *Actor, id string) (*Location, error)
	Locations(ctx context.Context, a *Actor, f LocationFilter) (*Page[Location], error)
	UpdateLocation(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*LocationFields) error) (*Location, error)
	SetLocationArchived(ctx context.Context, a *Actor, id string, ifMatch int64, archived bool) (*Location, error)
	// DeleteLocation deletes a location no asset stands at; ECONFLICT otherwise.
	DeleteLocation(ctx context.Context, a *Actor, id string, ifMatch int64) error
}
