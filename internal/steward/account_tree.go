package steward

import "context"

// MaxAccountDepth is how many levels of sub-accounts an organization's tree may have below its
// root account: the root is level 0, its sub-accounts level 1, the deepest level 10. It bounds
// the path of ids the store keeps per account.
const MaxAccountDepth = 10

// AccountSorts are the sort keys of the account list.
var AccountSorts = []string{"name"}

// AccountFilter selects accounts below the caller's: the whole subtree, or with ParentID only
// the direct sub-accounts of that account (one of the subtree, or the caller's own).
type AccountFilter struct {
	ListParams
	ParentID string
}

// Check adds a violation for each parameter the account list cannot take.
func (f AccountFilter) Check(v *Violations) {
	f.ListParams.Check(v, AccountSorts)
	if f.Status != "" && f.Status != StatusActive {
		v.Add("status", "accounts are never archived; leave status out")
	}
	CheckID(v, "parent_id", f.ParentID)
}

// SubAccountFields are an account's fields as the account tree's API takes them: those of
// AccountFields, with name, email and country required. A type of its own, so the OpenAPI
// document requires them here and not in PATCH /api/v1/account.
type SubAccountFields AccountFields

// Normalize validates the fields of a sub-account (NormalizeSubAccount).
func (f *SubAccountFields) Normalize() error { return (*AccountFields)(f).NormalizeSubAccount() }

// NormalizeSubAccount validates the fields of a sub-account (PRODUCT.md §4): those of Normalize,
// and name, email and country are required.
func (f *AccountFields) NormalizeSubAccount() error {
	var v Violations
	if err := f.Normalize(); err != nil {
		se, ok := err.(*Error)
		if !ok {
			return err
		}
		v = se.Fields
	}
	if f.Email == "" {
		v.Add("email", "is required")
	}
	if f.Country == "" {
		v.Add("country", "is required")
	}
	return v.Err()
}

// AccountTreeService manages the account tree below the caller's account and switching into it
// (PRODUCT.md §4). Every method needs the Admin role (PermAdminister, or PermSwitchAccount to
// switch); an account outside the subtree of the account the caller works in (another
// organization, a sibling, an ancestor) is ENOTFOUND. API keys act in their own account: the API
// does not switch.
type AccountTreeService interface {
	// Accounts lists the accounts strictly below the caller's, sorted by folded name, each with
	// parent_id and root_id. EINVALID on a bad filter or cursor.
	Accounts(ctx context.Context, a *Actor, f AccountFilter) (*Page[Account], error)
	// SubAccount returns an account of the caller's subtree (the caller's own included).
	SubAccount(ctx context.Context, a *Actor, id string) (*Account, error)
	// CreateSubAccount creates an account directly under the one the caller works in.
	// EINVALID on the fields; ECONFLICT when the tree would pass MaxAccountDepth or the external
	// reference is taken in the organization.
	CreateSubAccount(ctx context.Context, a *Actor, f SubAccountFields) (*Account, error)
	// UpdateSubAccount changes an account of the caller's subtree; its place in the tree stays.
	// EPRECONDITION when ifMatch is stale.
	UpdateSubAccount(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*SubAccountFields) error) (*Account, error)
	// DeleteSubAccount deletes a direct sub-account of the caller's account that has no
	// sub-accounts, owns no assets and sees none owned by others; otherwise ECONFLICT with one
	// field error per unmet condition (parent, accounts, assets, shared_assets).
	DeleteSubAccount(ctx context.Context, a *Actor, id string, ifMatch int64) error
	// SwitchAccount returns the actor a working in accountID, which must be a's home account or
	// below it (else ENOTFOUND), and records the switch in that account's audit log.
	SwitchAccount(ctx context.Context, a *Actor, accountID string) (*Actor, error)
	// WorkIn is SwitchAccount without the audit row: what a session that switched earlier asks
	// on every request, so a deleted account or a lost role ends the switch at once.
	WorkIn(ctx context.Context, a *Actor, accountID string) (*Actor, error)
}
