package steward

import "context"

// CustomerType classifies a customer (PRODUCT.md §2).
type CustomerType string

// The customer types; Other is the default.
const (
	CustomerContractor      CustomerType = "contractor"
	CustomerDealer          CustomerType = "dealer"
	CustomerDistributor     CustomerType = "distributor"
	CustomerOEM             CustomerType = "oem"
	CustomerRental          CustomerType = "rental"
	CustomerServiceProvider CustomerType = "service_provider"
	CustomerEndUser         CustomerType = "end_user"
	CustomerOther           CustomerType = "other"
)

// CustomerFields are the fields a caller sets on a customer. Name is the only required one.
type CustomerFields struct {
	Name        string       `json:"name"`
	Type        CustomerType `json:"type"`
	ExternalRef string       `json:"external_ref"`
	Email       string       `json:"email"`
	Phone       string       `json:"phone"`
	Website     string       `json:"website"`
	Address     Address      `json:"address"`
	Notes       string       `json:"notes"`
}

// Normalize trims and defaults the fields and validates them, returning an EINVALID error that
// lists every bad field.
func (f *CustomerFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	if f.Type == "" {
		f.Type = CustomerOther
	} else if !f.Type.Valid() {
		v.Add("type", "%s", OneOf(f.Type.Values()))
	}
	cleanIdentifier(&v, "external_ref", &f.ExternalRef, MaxShort)
	cleanEmail(&v, "email", &f.Email)
	cleanPhone(&v, "phone", &f.Phone)
	cleanURL(&v, "website", &f.Website)
	f.Address.clean(&v, "address")
	cleanText(&v, "notes", &f.Notes, MaxNotes, true)
	return v.Err()
}

// CustomerCounts are the derived counts shown with a customer. Archived objects are left out.
type CustomerCounts struct {
	LocationCount             int64 `json:"location_count"`
	AssetsOnLocationCount     int64 `json:"assets_on_location_count"`
	AssetsOwnedCount          int64 `json:"assets_owned_count"`
	AssetsOwnedElsewhereCount int64 `json:"assets_owned_elsewhere_count"`
}

// Customer is a company or person an account sells to, rents to or serves.
type Customer struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	CustomerFields
	CustomerCounts
	Meta
}

// Meta holds the bookkeeping every stored object has.
type Meta struct {
	CreatedAt  Timestamp  `json:"created_at"`
	UpdatedAt  Timestamp  `json:"updated_at"`
	ArchivedAt *Timestamp `json:"archived_at"`
	// Version counts stored changes; the ETag is derived from it.
	Version int64 `json:"-"`
}

// CustomerSorts are the sort keys the customers list accepts.
var CustomerSorts = []string{"name", "type", "created_at", "updated_at",
	"location_count", "assets_on_location_count", "assets_owned_count", "assets_owned_elsewhere_count"}

// CustomerFilter selects customers for a list.
type CustomerFilter struct {
	ListParams
	Type CustomerType
}

// Check adds a violation for each parameter the list cannot take.
func (f CustomerFilter) Check(v *Violations) {
	f.ListParams.Check(v, CustomerSorts)
	CheckOneOf(v, "type", f.Type, f.Type.Values())
}

// CustomerService manages customers. Every method scopes to a.AccountID.
type CustomerService interface {
	// CreateCustomer validates f and stores a new customer. EINVALID, ECONFLICT (external_ref
	// taken), EFORBIDDEN.
	CreateCustomer(ctx context.Context, a *Actor, f CustomerFields) (*Customer, error)
	// Customer returns one customer with its counts. ENOTFOUND.
	Customer(ctx context.Context, a *Actor, id string) (*Customer, error)
	// Customers returns one page of customers. EINVALID for a bad sort, limit or cursor.
	Customers(ctx context.Context, a *Actor, f CustomerFilter) (*Page[Customer], error)
	// UpdateCustomer loads the customer, lets change edit its fields, validates and stores them.
	// ifMatch, when non-zero, must equal the stored version (EPRECONDITION otherwise).
	UpdateCustomer(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*CustomerFields) error) (*Customer, error)
	// SetCustomerArchived archives or unarchives. ENOTFOUND, EPRECONDITION.
	SetCustomerArchived(ctx context.Context, a *Actor, id string, ifMatch int64, archived bool) (*Customer, error)
	// DeleteCustomer deletes an unreferenced customer; ECONFLICT lists what references it.
	DeleteCustomer(ctx context.Context, a *Actor, id string, ifMatch int64) error
}
