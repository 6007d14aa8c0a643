package steward

import "context"

// ContactKind says what a contact is.
type ContactKind string

// The contact kinds; Person is the default.
const (
	ContactPerson     ContactKind = "person"
	ContactDepartment ContactKind = "department"
	ContactCallCentre ContactKind = "call_centre"
)

// ContactFields are the fields a caller sets on a contact.
type ContactFields struct {
	Name        string      `json:"name"`
	Kind        ContactKind `json:"kind"`
	Email       string      `json:"email"`
	Phone       string      `json:"phone"`
	Title       string      `json:"title"`
	ExternalRef string      `json:"external_ref"`
}

// Normalize trims, defaults and validates the fields.
func (f *ContactFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	if f.Kind == "" {
		f.Kind = ContactPerson
	} else if !f.Kind.Valid() {
		v.Add("kind", "%s", OneOf(f.Kind.Values()))
	}
	cleanEmail(&v, "email", &f.Email)
	cleanPhone(&v, "phone", &f.Phone)
	cleanText(&v, "title", &f.Title, MaxShort, false)
	cleanIdentifier(&v, "external_ref", &f.ExternalRef, MaxShort)
	return v.Err()
}

// Contact is a way to reach a customer. It belongs to one customer for its whole life.
type Contact struct {
	ID         string `json:"id"`
	AccountID  string `json:"account_id"`
	CustomerID string `json:"customer_id"`
	ContactFields
	Meta
}

// ContactSorts are the sort keys the contacts list accepts.
var ContactSorts = []string{"name", "created_at", "updated_at"}

// ContactFilter selects contacts for a list; CustomerID "" means every customer.
type ContactFilter struct {
	ListParams
	CustomerID string
}

// Check adds a violation for each parameter the list cannot take (the store also checks that
// CustomerID names a customer).
func (f ContactFilter) Check(v *Violations) {
	f.ListParams.Check(v, ContactSorts)
	CheckID(v, "customer_id", f.CustomerID)
}

// ContactService manages contacts. Writes are refused (EFORBIDDEN, kind "externally-managed")
// for people and ordinary keys when the account's customers are externally managed.
type ContactService interface {
	// CreateContact adds a contact to a customer. ENOTFOUND when the customer is not visible.
	CreateContact(ctx context.Context, a *Actor, customerID string, f ContactFields) (*Contact, error)
	Contact(ctx context.Context, a *Actor, id string) (*Contact, error)
	Contacts(ctx context.Context, a *Actor, f ContactFilter) (*Page[Contact], error)
	UpdateContact(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*ContactFields) error) (*Contact, error)
	SetContactArchived(ctx context.Context, a *Actor, id string, ifMatch int64, archived bool) (*Contact, error)
	DeleteContact(ctx context.Context, a *Actor, id string, ifMatch int64) error
}
