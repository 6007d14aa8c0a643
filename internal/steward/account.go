package steward

import (
	"context"
	"time"
)

// AccountKind says whether a sub-account is part of the organization or a closely tied customer.
type AccountKind string

// The account kinds.
const (
	AccountInternal AccountKind = "internal"
	AccountExternal AccountKind = "external"
)

// AccountFields are the fields of an account a caller may set.
type AccountFields struct {
	Name                       string      `json:"name"`
	Kind                       AccountKind `json:"kind"`
	Email                      string      `json:"email"`
	Country                    string      `json:"country"`
	ExternalRef                string      `json:"external_ref"`
	Phone                      string      `json:"phone"`
	Address                    Address     `json:"address"`
	Language                   string      `json:"language"`
	CustomersExternallyManaged bool        `json:"customers_externally_managed"`
	// TwoFactorRequired sends the account's users who have no two-factor sign-in to enrol right
	// after their password (web interface only; API keys are not affected).
	TwoFactorRequired bool `json:"two_factor_required"`
}

// Normalize trims, defaults and validates the fields.
func (f *AccountFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	if f.Kind == "" {
		f.Kind = AccountInternal
	} else if !f.Kind.Valid() {
		v.Add("kind", "%s", OneOf(f.Kind.Values()))
	}
	cleanEmail(&v, "email", &f.Email)
	cleanCountry(&v, "country", &f.Country)
	cleanIdentifier(&v, "external_ref", &f.ExternalRef, MaxShort)
	cleanPhone(&v, "phone", &f.Phone)
	f.Address.clean(&v, "address")
	cleanText(&v, "language", &f.Language, MaxLanguage, false)
	return v.Err()
}

// Account is a tenant: a node in an organization's account tree. RootID is the organization.
type Account struct {
	ID       string  `json:"id"`
	ParentID *string `json:"parent_id"`
	RootID   string  `json:"root_id"`
	AccountFields
	Meta
}

// FleetVisibility says which assets a user sees.
type FleetVisibility string

// The fleet visibilities.
const (
	FleetVisibilityAll    FleetVisibility = "all"
	FleetVisibilityNone   FleetVisibility = "none"
	FleetVisibilityGroups FleetVisibility = "groups"
)

// User is a person who signs in to one account.
type User struct {
	ID              string          `json:"id"`
	AccountID       string          `json:"account_id"`
	Name            string          `json:"name"`
	Email           string          `json:"email"`
	Role            Role            `json:"role"`
	FleetVisibility FleetVisibility `json:"fleet_visibility"`
	Active          bool            `json:"active"`
	// InvitePending is true until the invited user sets a password (and can sign in).
	InvitePending bool `json:"invite_pending"`
	// GroupIDs are the groups whose assets the user sees with fleet visibility "groups", in id
	// order (the user's memberships, whatever the visibility).
	GroupIDs  []string  `json:"group_ids"`
	CreatedAt Timestamp `json:"created_at"`
	UpdatedAt Timestamp `json:"updated_at"`
	// Version counts stored changes; the ETag is derived from it.
	Version int64 `json:"-"`
}

// APIKey is a credential that acts as one user, with at most that user's role. The secret is
// stored only as a hash; Key is filled once, in the response that creates it.
type APIKey struct {
	ID          string     `json:"id"`
	AccountID   string     `json:"account_id"`
	UserID      string     `json:"user_id"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Role        Role       `json:"role"`
	Integration bool       `json:"integration"`
	ExpiresAt   *Timestamp `json:"expires_at"`
	LastUsedAt  *Timestamp `json:"last_used_at"`
	RevokedAt   *Timestamp `json:"revoked_at"`
	CreatedAt   Timestamp  `json:"created_at"`
	Key         string     `json:"key,omitempty"`
}

// APIKeyFields are what a caller gives to create a key. Role "" means the user's own role.
type APIKeyFields struct {
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Integration bool       `json:"integration"`
	ExpiresAt   *Timestamp `json:"expires_at"`
}

// Normalize validates the fields.
func (f *APIKeyFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	if f.Role != "" && !f.Role.Valid() {
		v.Add("role", "%s", OneOf(f.Role.Values()))
	}
	if f.ExpiresAt != nil {
		now := time.Now()
		switch {
		case !f.ExpiresAt.After(now):
			v.Add("expires_at", "must be in the future")
		case f.ExpiresAt.After(now.AddDate(MaxKeyYears, 0, 0)):
			// Also what keeps a far offset (9999-12-31T23:59:59-23:59 is in the year 10000) out.
			v.Add("expires_at", "must be within %d years from now", MaxKeyYears)
		}
	}
	return v.Err()
}

// MaxKeyYears is how far in the future an API key's expiry may lie.
const MaxKeyYears = 10

// Organization is what init creates: a root account and its first Admin.
type Organization struct {
	Name      string
	Country   string
	Email     string
	AdminName string
	Password  string
	// UniqueName refuses (a conflict on "org") a name another organization has, compared case-
	// and accent-insensitively, as init does unless told to allow it.
	UniqueName bool
}

// Normalize validates an organization request.
func (o *Organization) Normalize() error {
	var v Violations
	requireText(&v, "org", &o.Name, MaxName)
	requireText(&v, "email", &o.Email, MaxEmail)
	cleanEmail(&v, "email", &o.Email)
	cleanCountry(&v, "country", &o.Country)
	cleanText(&v, "admin_name", &o.AdminName, MaxName, false)
	if o.AdminName == "" {
		o.AdminName = o.Email
	}
	if len(o.Password) < 8 {
		v.Add("password", "must be at least 8 characters")
	}
	return v.Err()
}

// Me is the caller as GET /api/v1/me shows it.
type Me struct {
	User    User    `json:"user"`
	Account Account `json:"account"`
	Role    Role    `json:"role"`
	APIKey  *APIKey `json:"api_key"`
}

// AccountService manages organizations, accounts, users and API keys.
type AccountService interface {
	// CreateOrganization creates a root account and its first Admin user. ECONFLICT when the
	// email already has a user, or, with o.UniqueName, when an organization has the same name
	// (case and accents aside).
	CreateOrganization(ctx context.Context, o Organization) (*Account, *User, error)
	// CreateAPIKey creates a key for a user; the returned key carries its secret once.
	// The role may only lower the user's and the caller's. A key made with a key never outlives
	// it: without an expiry it expires with the maker, and a later one is EINVALID on
	// expires_at. EFORBIDDEN unless a administers.
	CreateAPIKey(ctx context.Context, a *Actor, userID string, f APIKeyFields) (*APIKey, error)
	// CreateAPIKeyForEmail is the command line's form: the system creates a key for a user.
	CreateAPIKeyForEmail(ctx context.Context, email string, f APIKeyFields) (*APIKey, error)
	APIKeys(ctx context.Context, a *Actor) ([]APIKey, error)
	// RevokeAPIKey revokes a key at once. ENOTFOUND.
	RevokeAPIKey(ctx context.Context, a *Actor, id string) error
	// RevokeAPIKeyByPrefix is the command line's form.
	RevokeAPIKeyByPrefix(ctx context.Context, prefix string) error
	// Authenticate resolves a secret key into an Actor. EUNAUTHORIZED when unknown, revoked or
	// expired.
	Authenticate(ctx context.Context, key string) (*Actor, error)
	// Me describes the caller.
	Me(ctx context.Context, a *Actor) (*Me, error)
	// Account returns the caller's account.
	Account(ctx context.Context, a *Actor) (*Account, error)
	// UpdateAccount edits the caller's account. Admin only.
	UpdateAccount(ctx context.Context, a *Actor, ifMatch int64, change func(*AccountFields) error) (*Account, error)
}

// Service is everything the web layer needs from the store.
type Service interface {
	AccountService
	CustomerService
	ContactService
	LocationService
	AssetService
	AuditService
	SessionService
	NameService
	AccountTreeService
	UserService
	GroupService
	TwoFactorService
	SharingService
	WebhookService
	ImportService
	NotificationService
	// Ping checks the database is reachable (readiness).
	Ping(ctx context.Context) error
}
