package steward

import "slices"

// This file is the one authorization policy (PRODUCT.md §5): what each role may do. The API's
// route table, the store's methods, the web interface and the command line all ask it; nothing
// else checks a role. docs/API.md ("Roles and permissions") quotes the matrix below.

// Permission is an operation the policy decides on.
type Permission int

// The operations roles are checked against.
const (
	PermRead          Permission = iota // read anything in the account (and export it)
	PermWriteFleet                      // create/change customers, contacts, locations, assets
	PermMoveAsset                       // change an asset's location only
	PermAdminister                      // API keys, users, accounts, settings, webhooks
	PermReadAuditFull                   // the account-wide audit log
	PermReadAccess                      // users, API keys and the account itself, and their audit events
	PermManageGroups                    // create, change and archive groups and their members
	PermShareAssets                     // share, unshare and transfer assets to other accounts
	PermSwitchAccount                   // work in an account below one's own
	numPermissions
)

// permissionNames name the permissions as the matrix prints them.
var permissionNames = [numPermissions]string{
	PermRead:          "read",
	PermWriteFleet:    "write_fleet",
	PermMoveAsset:     "move_asset",
	PermAdminister:    "administer",
	PermReadAuditFull: "read_audit_full",
	PermReadAccess:    "read_access",
	PermManageGroups:  "manage_groups",
	PermShareAssets:   "share_assets",
	PermSwitchAccount: "switch_account",
}

// String names the permission as the matrix prints it.
func (p Permission) String() string {
	if p < 0 || p >= numPermissions {
		return "unknown"
	}
	return permissionNames[p]
}

// Permissions lists every permission, in the matrix's order.
func Permissions() []Permission {
	out := make([]Permission, numPermissions)
	for i := range out {
		out[i] = Permission(i)
	}
	return out
}

// MatrixRoles are the matrix's columns, most powerful first.
var MatrixRoles = [4]Role{RoleAdmin, RoleFleetAdmin, RoleUser, RoleTechnician}

// matrix is the role × permission table, one row per permission, its columns in MatrixRoles'
// order (Admin, Fleet Admin, User, Technician). It is the whole policy of roles: Can reads it
// and nothing else.
var matrix = [numPermissions][4]bool{
	//                   admin  fleet  user   tech
	PermRead:          {true, true, true, true},
	PermWriteFleet:    {true, true, false, false},
	PermMoveAsset:     {true, true, false, true},
	PermAdminister:    {true, false, false, false},
	PermReadAuditFull: {true, false, false, false},
	PermReadAccess:    {true, false, false, false},
	PermManageGroups:  {true, true, false, false},
	PermShareAssets:   {true, true, false, false},
	PermSwitchAccount: {true, false, false, false},
}

// RoleCan reports whether role r allows p: the matrix's cell. An unknown role may do nothing.
func RoleCan(r Role, p Permission) bool {
	if p < 0 || p >= numPermissions {
		return false
	}
	col := slices.Index(MatrixRoles[:], r)
	return col >= 0 && matrix[p][col]
}

// Can reports whether the actor's role allows p. This one policy serves the API, the UI, the
// store and the command line.
func (a *Actor) Can(p Permission) bool { return a != nil && RoleCan(a.Role, p) }

// Require returns an EFORBIDDEN error unless the actor may do p.
func (a *Actor) Require(p Permission) error {
	if a == nil {
		return Errorf(EUNAUTHORIZED, "authentication required")
	}
	if !a.Can(p) {
		return Errorf(EFORBIDDEN, "the %s role may not do this", a.Role)
	}
	return nil
}

// assetMoveFields are the asset fields PermMoveAsset alone may change: its location.
var assetMoveFields = []string{"location_id"}

// MayChangeAssetFields returns EFORBIDDEN unless the actor may change every one of fields (the
// JSON names of an asset's changed fields) at once: PermWriteFleet changes any field, PermMoveAsset
// (the technician) the location only.
func (a *Actor) MayChangeAssetFields(fields []string) error {
	if a.Can(PermWriteFleet) {
		return nil
	}
	if err := a.Require(PermMoveAsset); err != nil {
		return err
	}
	for _, f := range fields {
		if !slices.Contains(assetMoveFields, f) {
			return Errorf(EFORBIDDEN, "the %s role may change an asset's location_id only, not %s", a.Role, f)
		}
	}
	return nil
}

// MayReadAudit returns EFORBIDDEN unless the actor may read the audit log as f asks: one
// object's history (f names an object or a customer) is open to every role that reads; the
// account-wide log needs PermReadAuditFull. Which events of it the actor sees is
// AuditObjectTypes.
func (a *Actor) MayReadAudit(f AuditFilter) error {
	if err := a.Require(PermRead); err != nil {
		return err
	}
	if f.ObjectID == "" && f.CustomerID == "" && !a.Can(PermReadAuditFull) {
		return Errorf(EFORBIDDEN,
			"the account-wide audit log needs the admin role; filter by object_id or customer_id to read one object's history")
	}
	return nil
}

// accessObjectTypes are the objects of access control: users, API keys, the account itself and
// its webhook endpoints.
// Their events show emails, key prefixes and roles, so only those who may read them see them.
var accessObjectTypes = []string{ObjectAccount, ObjectUser, ObjectAPIKey, ObjectWebhook}

// AuditObjectTypes returns the object types whose audit events a may read: the fleet's objects
// for every reader, and users, API keys and the account for those with PermReadAccess.
func (a *Actor) AuditObjectTypes() []string {
	var out []string
	for _, t := range ObjectTypes() {
		if a.Can(PermReadAccess) || !slices.Contains(accessObjectTypes, t) {
			out = append(out, t)
		}
	}
	return out
}

// WritesExternallyManaged reports whether the actor may write customers, their contacts and
// their locations even when the account's customers are managed by an external system: an
// integration key, an import or Steward itself. The store need not read the setting for them.
func (a *Actor) WritesExternallyManaged() bool {
	return a != nil && (a.Integration || a.Type == ActorImport || a.Type == ActorSystem)
}

// MayWriteCustomers returns EFORBIDDEN (kind "externally-managed") when the account's customers
// are externally managed (the account's setting, which the store reads) and the actor is not one
// that writes them anyway (WritesExternallyManaged). The role check (PermWriteFleet) comes first,
// from the caller.
func (a *Actor) MayWriteCustomers(externallyManaged bool) error {
	if !externallyManaged || a.WritesExternallyManaged() {
		return nil
	}
	return &Error{Code: EFORBIDDEN, Kind: "externally-managed",
		Message: "customers, their contacts and their locations are managed by an external system in this account; change them there, or use an integration key"}
}
