package steward

import "context"

// AssetFields are the fields a caller sets on an asset. OwnerCustomerID (the customer that owns
// it commercially) and LocationID (where it is now) are independent of each other.
type AssetFields struct {
	Name            string  `json:"name"`
	SerialNumber    string  `json:"serial_number"`
	ExternalRef     string  `json:"external_ref"`
	Make            string  `json:"make"`
	Model           string  `json:"model"`
	Category        string  `json:"category"`
	Year            *int    `json:"year"`
	OwnerCustomerID *string `json:"owner_customer_id"`
	LocationID      *string `json:"location_id"`
}

// Normalize trims and validates the fields.
func (f *AssetFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	cleanIdentifier(&v, "serial_number", &f.SerialNumber, MaxSerialNumber)
	cleanIdentifier(&v, "external_ref", &f.ExternalRef, MaxShort)
	cleanText(&v, "make", &f.Make, MaxShort, false)
	cleanText(&v, "model", &f.Model, MaxShort, false)
	cleanText(&v, "category", &f.Category, MaxShort, false)
	if maxYear := MaxYear(); f.Year != nil && (*f.Year < MinYear || *f.Year > maxYear) {
		v.Add("year", "must be between %d and %d", MinYear, maxYear)
	}
	cleanRef(&v, "owner_customer_id", &f.OwnerCustomerID)
	cleanRef(&v, "location_id", &f.LocationID)
	return v.Err()
}

// Asset is a physical machine or device, owned by exactly one account.
type Asset struct {
	ID             string `json:"id"`
	OwnerAccountID string `json:"owner_account_id"`
	// OwnerAccountName names the owner account of an asset seen through a share (absent on the
	// account's own assets).
	OwnerAccountName string `json:"owner_account_name,omitempty"`
	AssetFields
	// LocationCustomerID is the customer whose location the asset is at (derived, read-only).
	LocationCustomerID *string `json:"location_customer_id"`
	Meta
}

// AssetSorts are the sort keys the assets list accepts.
var AssetSorts = []string{"name", "serial_number", "created_at", "updated_at"}

// AssetFilter selects assets for a list. Empty strings do not filter.
type AssetFilter struct {
	ListParams
	OwnerCustomerID    string
	LocationID         string
	LocationCustomerID string
	GroupID            string
	// Ownership chooses the side of the fleet listed: the account's own assets (the default) or
	// those other accounts share with it. The other filters name the account's own objects, so
	// they go with "owned" only.
	Ownership Ownership
}

// Ownership is the assets list's side of the fleet.
type Ownership string

// The sides.
const (
	OwnershipOwned  Ownership = "owned"
	OwnershipShared Ownership = "shared"
)

// Values lists the sides.
func (Ownership) Values() []Ownership { return []Ownership{OwnershipOwned, OwnershipShared} }

// Check adds a violation for each parameter the list cannot take (the store also checks that
// each id names an object of its kind).
func (f AssetFilter) Check(v *Violations) {
	f.ListParams.Check(v, AssetSorts)
	CheckID(v, "owner_customer_id", f.OwnerCustomerID)
	CheckID(v, "location_id", f.LocationID)
	CheckID(v, "location_customer_id", f.LocationCustomerID)
	CheckID(v, "group_id", f.GroupID)
	switch f.Ownership {
	case "", OwnershipOwned:
	case OwnershipShared:
		for _, p := range []struct{ name, v string }{{"owner_customer_id", f.OwnerCustomerID}, {"location_id", f.LocationID},
			{"location_customer_id", f.LocationCustomerID}, {"group_id", f.GroupID}} {
			if p.v != "" {
				v.Add(p.name, "names the account's own objects, which shared assets never reference: leave it out with ownership=shared")
			}
		}
	default:
		v.Add("ownership", "%s", OneOf(Ownership("").Values()))
	}
}

// Movement is one change of an asset's owning customer or location, derived from the audit log.
type Movement struct {
	At       Timestamp  `json:"at"`
	Actor    AuditActor `json:"actor"`
	Field    string     `json:"field"`
	Old      any        `json:"old"`
	New      any        `json:"new"`
	OldLabel *string    `json:"old_label"`
	NewLabel *string    `json:"new_label"`
}

// AssetService manages assets.
type AssetService interface {
	// CreateAsset stores a new asset. ECONFLICT for a taken serial number or external_ref;
	// EINVALID naming owner_customer_id or location_id when they are not visible.
	CreateAsset(ctx context.Context, a *Actor, f AssetFields) (*Asset, error)
	Asset(ctx context.Context, a *Actor, id string) (*Asset, error)
	Assets(ctx context.Context, a *Actor, f AssetFilter) (*Page[Asset], error)
	// UpdateAsset edits an asset. A technician may change location_id only (EFORBIDDEN else).
	UpdateAsset(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*AssetFields) error) (*Asset, error)
	SetAssetArchived(ctx context.Context, a *Actor, id string, ifMatch int64, archived bool) (*Asset, error)
	DeleteAsset(ctx context.Context, a *Actor, id string, ifMatch int64) error
	// AssetMovements returns the asset's changes of owning customer and location, newest first.
	AssetMovements(ctx context.Context, a *Actor, id string, p ListParams) (*Page[Movement], error)
}
