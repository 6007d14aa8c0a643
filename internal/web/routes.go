package web

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// route is one endpoint: its pattern and handler, and what the OpenAPI document says about it.
// The same table registers the handlers and generates the document, so the two cannot drift;
// the query parameters listed are also the only ones the endpoint accepts.
type route struct {
	method      string
	path        string // a ServeMux pattern path; {name} wildcards are OpenAPI path parameters too
	id          string // the OpenAPI operationId
	summary     string
	tag         string
	query       []param
	body        any                // a value of the request body's type; nil when there is none
	multipart   bool               // the body is multipart/form-data (an import's file), up to Options.MaxImportBytes
	required    []string           // body fields a create requires, or a merge patch may not clear
	response    any                // a value of the success body's type; nil when there is none
	status      int                // the success status; 0 means 200
	contentType string             // of the success body, when not application/json
	public      bool               // served without authentication
	perm        steward.Permission // what the caller's role must allow (checked before the body is read)
	ifMatch     bool               // honours If-Match
	idempotent  bool               // honours Idempotency-Key
	conflict    bool               // can answer 409 besides a create's or a change's (a rule of the state it meets)
	handle      handlerFunc
}

// param is a query parameter.
type param struct {
	name        string
	typ         string // JSON Schema type: string, integer, boolean
	format      string
	description string
	enum        []string
	of          reflect.Type // a domain type whose schema it takes (an enumeration), instead of typ
	maxLength   int          // of a string, in characters; 0: none stated
	min, max    int          // of an integer, when max > 0
}

var (
	qLimit = param{name: "limit", typ: "integer", format: "int32", min: 1, max: steward.MaxLimit,
		description: "page size; default 50"}
	qCursor = param{name: "cursor", typ: "string", description: "next_cursor of the previous page; valid only with the same filters and sort"}
	qQ      = param{name: "q", typ: "string", maxLength: steward.MaxQuery,
		description: "case- and accent-insensitive substring search"}
	qStatus = param{name: "status", of: reflect.TypeFor[steward.Status](), description: "archive state; default active"}
)

// listQuery is the query of a list: q, status, sort (one of sorts, "-" for descending), limit,
// cursor, and the list's own filters.
func listQuery(sorts []string, filters ...param) []param {
	enum := make([]string, 0, 2*len(sorts))
	for _, s := range sorts {
		enum = append(enum, s, "-"+s)
	}
	sort := param{name: "sort", typ: "string", description: "sort key; prefix - for descending", enum: enum}
	return append([]param{qQ, qStatus, sort, qLimit, qCursor}, filters...)
}

// idParam documents a filter by an object's id.
func idParam(name, description string) param {
	return param{name: name, typ: "string", description: description}
}

// The lists' own filters, besides q, status and sort (their exports take the same).
var (
	customerQuery = []param{{name: "type", of: reflect.TypeFor[steward.CustomerType]()}}
	contactQuery  = []param{idParam("customer_id", "only this customer's contacts")}
	locationQuery = []param{idParam("customer_id", "only this customer's locations"),
		{name: "own", typ: "boolean", description: "true: only the account's own locations (no customer)"}}
	assetQuery = []param{
		idParam("owner_customer_id", "only assets this customer owns"),
		idParam("location_id", "only assets at this location"),
		idParam("location_customer_id", "only assets at this customer's locations"),
		idParam("group_id", "only assets in this group"),
		{name: "ownership", of: reflect.TypeFor[steward.Ownership](),
			description: "owned (default): the account's own assets; shared: those other accounts share with it, without the owner's references"},
	}
)

// exportRoutes are the lists' CSV exports (export.go): every role reads them.
func (s *Server) exportRoutes() []route {
	var rs []route
	for _, e := range exporters {
		rs = append(rs, route{method: http.MethodGet, path: "/api/v1/exports/" + e.kind + ".csv",
			id: "export" + strings.ToUpper(e.kind[:1]) + e.kind[1:], tag: "exports", summary: e.summary,
			query: e.query, contentType: "text/csv", handle: s.exportCSV(e)})
	}
	return rs
}

// auditQuery is the audit log's filters; paged adds limit and cursor.
func auditQuery(paged bool) []param {
	q := []param{
		{name: "object_type", of: reflect.TypeFor[steward.AuditObjectType](), description: "type of the changed object"},
		idParam("object_id", "the changed object"),
		idParam("customer_id", "the customer's own events and those of its contacts and locations"),
		idParam("actor_id", "who made the change"),
		{name: "source", of: reflect.TypeFor[steward.Source](), description: "through which door the change came"},
		{name: "action", of: reflect.TypeFor[steward.AuditAction](), description: "what was done"},
		{name: "from", typ: "string", format: "date-time", description: "inclusive lower bound, RFC 3339"},
		{name: "to", typ: "string", format: "date-time", description: "exclusive upper bound, RFC 3339"},
	}
	if paged {
		q = append(q, qLimit, qCursor)
	}
	return q
}

// routeTable lists every endpoint the server answers.
func (s *Server) routeTable() []route {
	const (
		get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
		put                   = http.MethodPut
		created, noContent    = http.StatusCreated, http.StatusNoContent
		// Every other route reads (steward.PermRead, the zero value).
		write, move, administer = steward.PermWriteFleet, steward.PermMoveAsset, steward.PermAdminister
		readAccess              = steward.PermReadAccess
		manageGroups            = steward.PermManageGroups
		share                   = steward.PermShareAssets
	)
	// The fleet's four kinds of object share their handlers (entity.go).
	customers, contacts, locations, assets := s.customers(), s.contacts(), s.locations(), s.assets()
	subAccounts, groups := s.subAccounts(), s.groups()
	return append([]route{
		// Health and description: no authentication.
		{method: get, path: "/healthz", id: "healthz", tag: "health", summary: "The process is up", public: true,
			response: healthStatus{}, handle: s.healthz},
		{method: get, path: "/readyz", id: "readyz", tag: "health", summary: "The server can serve: the database answers", public: true,
			response: healthStatus{}, handle: s.readyz},
		{method: get, path: "/api/v1/openapi.json", id: "openapi", tag: "health", summary: "This OpenAPI document", public: true,
			response: map[string]any{}, handle: s.serveOpenAPI},

		// Customers.
		{method: get, path: "/api/v1/customers", id: "listCustomers", tag: "customers", summary: "List customers with their counts",
			query:    listQuery(steward.CustomerSorts, customerQuery...),
			response: steward.Page[steward.Customer]{}, handle: listHandler(customerFilter, s.svc.Customers)},
		{method: post, path: "/api/v1/customers", id: "createCustomer", tag: "customers", summary: "Create a customer",
			body: steward.CustomerFields{}, required: []string{"name"}, response: steward.Customer{}, status: created,
			idempotent: true, perm: write, handle: customers.create(s)},
		{method: get, path: "/api/v1/customers/{id}", id: "getCustomer", tag: "customers", summary: "Get a customer with its counts",
			response: steward.Customer{}, handle: customers.get},
		{method: patch, path: "/api/v1/customers/{id}", id: "updateCustomer", tag: "customers", summary: "Change a customer (JSON Merge Patch)",
			body: steward.CustomerFields{}, response: steward.Customer{}, ifMatch: true, perm: write, handle: customers.update},
		{method: del, path: "/api/v1/customers/{id}", id: "deleteCustomer", tag: "customers", summary: "Delete an unreferenced customer",
			status: noContent, ifMatch: true, perm: write, handle: customers.delete},
		{method: post, path: "/api/v1/customers/{id}/archive", id: "archiveCustomer", tag: "customers", summary: "Archive a customer",
			response: steward.Customer{}, ifMatch: true, perm: write, handle: customers.archive(true)},
		{method: post, path: "/api/v1/customers/{id}/unarchive", id: "unarchiveCustomer", tag: "customers", summary: "Unarchive a customer",
			response: steward.Customer{}, ifMatch: true, perm: write, handle: customers.archive(false)},
		{method: get, path: "/api/v1/customers/{id}/contacts", id: "listCustomerContacts", tag: "contacts", summary: "List a customer's contacts",
			query: listQuery(steward.ContactSorts), response: steward.Page[steward.Contact]{}, handle: s.listCustomerContacts},
		{method: post, path: "/api/v1/customers/{id}/contacts", id: "createContact", tag: "contacts", summary: "Add a contact to a customer",
			body: steward.ContactFields{}, required: []string{"name"}, response: steward.Contact{}, status: created,
			idempotent: true, perm: write, handle: contacts.create(s)},

		// Contacts.
		{method: get, path: "/api/v1/contacts", id: "listContacts", tag: "contacts", summary: "List contacts across customers",
			query:    listQuery(steward.ContactSorts, contactQuery...),
			response: steward.Page[steward.Contact]{}, handle: listHandler(contactFilter, s.svc.Contacts)},
		{method: get, path: "/api/v1/contacts/{id}", id: "getContact", tag: "contacts", summary: "Get a contact",
			response: steward.Contact{}, handle: contacts.get},
		{method: patch, path: "/api/v1/contacts/{id}", id: "updateContact", tag: "contacts", summary: "Change a contact (JSON Merge Patch)",
			body: steward.ContactFields{}, response: steward.Contact{}, ifMatch: true, perm: write, handle: contacts.update},
		{method: del, path: "/api/v1/contacts/{id}", id: "deleteContact", tag: "contacts", summary: "Delete a contact",
			status: noContent, ifMatch: true, perm: write, handle: contacts.delete},
		{method: post, path: "/api/v1/contacts/{id}/archive", id: "archiveContact", tag: "contacts", summary: "Archive a contact",
			response: steward.Contact{}, ifMatch: true, perm: write, handle: contacts.archive(true)},
		{method: post, path: "/api/v1/contacts/{id}/unarchive", id: "unarchiveContact", tag: "contacts", summary: "Unarchive a contact",
			response: steward.Contact{}, ifMatch: true, perm: write, handle: contacts.archive(false)},

		// Locations.
		{method: get, path: "/api/v1/locations", id: "listLocations", tag: "locations", summary: "List locations with their asset counts",
			query:    listQuery(steward.LocationSorts, locationQuery...),
			response: steward.Page[steward.Location]{}, handle: listHandler(locationFilter, s.svc.Locations)},
		{method: post, path: "/api/v1/locations", id: "createLocation", tag: "locations", summary: "Create a location",
			body: steward.LocationFields{}, required: []string{"name"}, response: steward.Location{}, status: created,
			idempotent: true, perm: write, handle: locations.create(s)},
		{method: get, path: "/api/v1/locations/{id}", id: "getLocation", tag: "locations", summary: "Get a location",
			response: steward.Location{}, handle: locations.get},
		{method: patch, path: "/api/v1/locations/{id}", id: "updateLocation", tag: "locations", summary: "Change a location (JSON Merge Patch)",
			body: steward.LocationFields{}, response: steward.Location{}, ifMatch: true, perm: write, handle: locations.update},
		{method: del, path: "/api/v1/locations/{id}", id: "deleteLocation", tag: "locations", summary: "Delete a location no asset stands at",
			status: noContent, ifMatch: true, perm: write, handle: locations.delete},
		{method: post, path: "/api/v1/locations/{id}/archive", id: "archiveLocation", tag: "locations", summary: "Archive a location",
			response: steward.Location{}, ifMatch: true, perm: write, handle: locations.archive(true)},
		{method: post, path: "/api/v1/locations/{id}/unarchive", id: "unarchiveLocation", tag: "locations", summary: "Unarchive a location",
			response: steward.Location{}, ifMatch: true, perm: write, handle: locations.archive(false)},

		// Assets.
		{method: get, path: "/api/v1/assets", id: "listAssets", tag: "assets", summary: "List assets",
			query:    listQuery(steward.AssetSorts, assetQuery...),
			response: steward.Page[steward.Asset]{}, handle: listHandler(assetFilter, s.svc.Assets)},
		{method: post, path: "/api/v1/assets", id: "createAsset", tag: "assets", summary: "Create an asset",
			body: steward.AssetFields{}, required: []string{"name"}, response: steward.Asset{}, status: created,
			idempotent: true, perm: write, handle: assets.create(s)},
		{method: get, path: "/api/v1/assets/{id}", id: "getAsset", tag: "assets", summary: "Get an asset",
			response: steward.Asset{}, handle: assets.get},
		{method: patch, path: "/api/v1/assets/{id}", id: "updateAsset", tag: "assets", summary: "Change an asset (JSON Merge Patch)",
			body: steward.AssetFields{}, response: steward.Asset{}, ifMatch: true, perm: move, handle: assets.update},
		{method: del, path: "/api/v1/assets/{id}", id: "deleteAsset", tag: "assets", summary: "Delete an asset",
			status: noContent, ifMatch: true, perm: write, handle: assets.delete},
		{method: post, path: "/api/v1/assets/{id}/archive", id: "archiveAsset", tag: "assets", summary: "Archive an asset",
			response: steward.Asset{}, ifMatch: true, perm: write, handle: assets.archive(true)},
		{method: post, path: "/api/v1/assets/{id}/unarchive", id: "unarchiveAsset", tag: "assets", summary: "Unarchive an asset",
			response: steward.Asset{}, ifMatch: true, perm: write, handle: assets.archive(false)},
		{method: get, path: "/api/v1/assets/{id}/movements", id: "listAssetMovements", tag: "assets",
			summary: "Changes of the asset's owning customer and location, newest first",
			query:   []param{qLimit, qCursor}, response: steward.Page[steward.Movement]{}, handle: s.listAssetMovements},

		// Sharing and transfer (PRODUCT.md §4): the owner account, or the organization's
		// administrative account, with PermShareAssets.
		{method: get, path: "/api/v1/assets/{id}/shares", id: "listAssetShares", tag: "sharing",
			summary:  "The accounts the asset is shared with (its owner account's and the administrative account's callers)",
			response: steward.Page[steward.AssetShare]{}, handle: s.listAssetShares},
		{method: post, path: "/api/v1/assets/{id}/shares", id: "shareAsset", tag: "sharing",
			summary: "Share the asset with another account of the organization; already shared: unchanged",
			body:    steward.ShareTarget{}, required: []string{"account_id"}, response: steward.Page[steward.AssetShare]{},
			perm: share, handle: s.shareAsset},
		{method: del, path: "/api/v1/assets/{id}/shares/{account_id}", id: "unshareAsset", tag: "sharing",
			summary: "Stop sharing the asset with an account", status: noContent, perm: share, handle: s.unshareAsset},
		{method: post, path: "/api/v1/assets/{id}/transfer", id: "transferAsset", tag: "sharing",
			summary: "Give the asset to another account of the organization (cannot be undone by the giver)",
			body:    steward.TransferTarget{}, required: []string{"account_id"}, response: steward.Asset{}, conflict: true,
			perm: share, handle: s.transferAsset},
		{method: post, path: "/api/v1/assets/bulk/share", id: "bulkShareAssets", tag: "sharing",
			summary: "Share up to 1000 assets with one account, all or nothing",
			body:    steward.BulkShare{}, required: []string{"asset_ids", "account_id"}, status: noContent, perm: share, handle: s.bulkShare},
		{method: post, path: "/api/v1/assets/bulk/unshare", id: "bulkUnshareAssets", tag: "sharing",
			summary: "Stop sharing up to 1000 assets with one account, all or nothing; assets not shared with it are left alone",
			body:    steward.BulkShare{}, required: []string{"asset_ids", "account_id"}, status: noContent, perm: share, handle: s.bulkUnshare},
		{method: post, path: "/api/v1/assets/bulk/transfer", id: "bulkTransferAssets", tag: "sharing",
			summary: "Give up to 1000 assets to one account, all or nothing",
			body:    steward.BulkTransfer{}, required: []string{"asset_ids", "account_id"}, status: noContent, conflict: true,
			perm: share, handle: s.bulkTransfer},
		{method: get, path: "/api/v1/account/sharing", id: "getSharingSettings", tag: "sharing",
			summary:  "The account's auto-share and the organization's administrative account",
			response: steward.SharingSettings{}, handle: s.getSharing},
		{method: put, path: "/api/v1/account/sharing", id: "updateSharingSettings", tag: "sharing",
			summary: "Set the account's auto-share (and, from the root, the administrative account); the automatic shares follow at once",
			body:    steward.SharingSettings{}, required: []string{"auto_share"}, response: steward.SharingSettings{},
			perm: administer, handle: s.putSharing},

		// Groups (PRODUCT.md §5): every role reads (a scoped caller its own groups only); managing
		// them and their members needs PermManageGroups.
		{method: get, path: "/api/v1/groups", id: "listGroups", tag: "groups", summary: "List groups with their member counts",
			query: listQuery(steward.GroupSorts), response: steward.Page[steward.Group]{}, handle: listHandler(groupFilter, s.svc.Groups)},
		{method: post, path: "/api/v1/groups", id: "createGroup", tag: "groups", summary: "Create a group",
			body: steward.GroupFields{}, required: []string{"name"}, response: steward.Group{}, status: created,
			idempotent: true, perm: manageGroups, handle: groups.create(s)},
		{method: get, path: "/api/v1/groups/{id}", id: "getGroup", tag: "groups", summary: "Get a group with its member counts",
			response: steward.Group{}, handle: groups.get},
		{method: patch, path: "/api/v1/groups/{id}", id: "updateGroup", tag: "groups", summary: "Change a group (JSON Merge Patch)",
			body: steward.GroupFields{}, response: steward.Group{}, ifMatch: true, perm: manageGroups, handle: groups.update},
		{method: del, path: "/api/v1/groups/{id}", id: "deleteGroup", tag: "groups", summary: "Delete a group and its memberships",
			status: noContent, ifMatch: true, perm: manageGroups, handle: groups.delete},
		{method: post, path: "/api/v1/groups/{id}/archive", id: "archiveGroup", tag: "groups", summary: "Archive a group (its members and the visibility it gives stay)",
			response: steward.Group{}, ifMatch: true, perm: manageGroups, handle: groups.archive(true)},
		{method: post, path: "/api/v1/groups/{id}/unarchive", id: "unarchiveGroup", tag: "groups", summary: "Unarchive a group",
			response: steward.Group{}, ifMatch: true, perm: manageGroups, handle: groups.archive(false)},
		{method: post, path: "/api/v1/groups/{id}/assets", id: "addGroupAssets", tag: "groups",
			summary: "Add assets to a group; members already in stay as they are",
			body:    steward.AssetIDs{}, required: []string{"asset_ids"}, status: noContent, perm: manageGroups,
			handle: members(assetIDsOf, s.svc.AddGroupAssets)},
		{method: del, path: "/api/v1/groups/{id}/assets", id: "removeGroupAssets", tag: "groups",
			summary: "Remove assets from a group; assets not in it are left alone",
			body:    steward.AssetIDs{}, required: []string{"asset_ids"}, status: noContent, perm: manageGroups,
			handle: members(assetIDsOf, s.svc.RemoveGroupAssets)},
		{method: post, path: "/api/v1/groups/{id}/users", id: "addGroupUsers", tag: "groups",
			summary: "Add users to a group; members already in stay as they are",
			body:    steward.UserIDs{}, required: []string{"user_ids"}, status: noContent, perm: manageGroups,
			handle: members(userIDsOf, s.svc.AddGroupUsers)},
		{method: del, path: "/api/v1/groups/{id}/users", id: "removeGroupUsers", tag: "groups",
			summary: "Remove users from a group; users not in it are left alone",
			body:    steward.UserIDs{}, required: []string{"user_ids"}, status: noContent, perm: manageGroups,
			handle: members(userIDsOf, s.svc.RemoveGroupUsers)},

		// Audit log.
		{method: get, path: "/api/v1/audit", id: "listAuditEvents", tag: "audit", summary: "Audit events, newest first",
			query: auditQuery(true), response: steward.Page[steward.AuditEvent]{}, handle: s.listAudit},
		{method: get, path: "/api/v1/audit.csv", id: "exportAuditEvents", tag: "audit", summary: "Audit events as CSV, newest first",
			query: auditQuery(false), contentType: "text/csv", handle: s.auditCSV},

		// The caller, the account and API keys.
		{method: get, path: "/api/v1/me", id: "getMe", tag: "account", summary: "The caller: user, account, role and the API key in use",
			response: steward.Me{}, handle: s.getMe},
		{method: get, path: "/api/v1/account", id: "getAccount", tag: "account", summary: "The caller's account and its settings",
			response: steward.Account{}, handle: s.getAccount},
		{method: patch, path: "/api/v1/account", id: "updateAccount", tag: "account", summary: "Change the caller's account (JSON Merge Patch)",
			body: steward.AccountFields{}, required: []string{"name"}, response: steward.Account{}, ifMatch: true,
			perm: administer, handle: s.updateAccount},
		{method: get, path: "/api/v1/api-keys", id: "listAPIKeys", tag: "account", summary: "List API keys",
			response: steward.Page[steward.APIKey]{}, perm: administer, handle: s.listAPIKeys},
		{method: post, path: "/api/v1/api-keys", id: "createAPIKey", tag: "account",
			summary: "Create an API key acting as the caller's user; the secret key is in this response only",
			body:    steward.APIKeyFields{}, required: []string{"name"}, response: steward.APIKey{}, status: created,
			idempotent: true, perm: administer, handle: s.createAPIKey},
		{method: get, path: "/api/v1/api-keys/{id}", id: "getAPIKey", tag: "account", summary: "Get an API key",
			response: steward.APIKey{}, perm: administer, handle: s.getAPIKey},
		{method: del, path: "/api/v1/api-keys/{id}", id: "revokeAPIKey", tag: "account", summary: "Revoke an API key at once",
			status: noContent, perm: administer, handle: s.deleteAPIKey},

		// The account tree below the caller's account (Admins only; API keys do not switch).
		{method: get, path: "/api/v1/accounts", id: "listAccounts", tag: "accounts",
			summary: "List the accounts below the caller's, sorted by name",
			query: []param{qQ, {name: "sort", typ: "string", description: "sort key; prefix - for descending", enum: []string{"name", "-name"}},
				qLimit, qCursor, idParam("parent_id", "only the direct sub-accounts of this account")},
			response: steward.Page[steward.Account]{}, perm: administer, handle: listHandler(accountFilter, s.svc.Accounts)},
		{method: post, path: "/api/v1/accounts", id: "createAccount", tag: "accounts",
			summary: "Create a sub-account under the caller's account",
			body:    steward.SubAccountFields{}, required: []string{"name", "email", "country"}, response: steward.Account{}, status: created,
			idempotent: true, perm: administer, handle: subAccounts.create(s)},
		{method: get, path: "/api/v1/accounts/{id}", id: "getSubAccount", tag: "accounts", summary: "Get an account of the caller's subtree",
			response: steward.Account{}, perm: administer, handle: subAccounts.get},
		{method: patch, path: "/api/v1/accounts/{id}", id: "updateSubAccount", tag: "accounts",
			summary: "Change an account of the caller's subtree (JSON Merge Patch); its place in the tree stays",
			body:    steward.SubAccountFields{}, required: []string{"name", "email", "country"}, response: steward.Account{}, ifMatch: true,
			perm: administer, handle: subAccounts.update},
		{method: del, path: "/api/v1/accounts/{id}", id: "deleteSubAccount", tag: "accounts",
			summary: "Delete a direct sub-account with no sub-accounts that owns and sees no assets; 409 names each unmet condition",
			status:  noContent, ifMatch: true, perm: administer, handle: subAccounts.delete},
		// Users of the account (users.go).
		{method: get, path: "/api/v1/users", id: "listUsers", tag: "users", summary: "List the account's users by name",
			query: []param{qQ, {name: "active", typ: "boolean", description: "true: active users only; false: deactivated only"},
				qLimit, qCursor},
			response: steward.Page[steward.User]{}, perm: readAccess, handle: listHandler(userFilter, s.svc.Users)},
		{method: post, path: "/api/v1/users", id: "inviteUser", tag: "users",
			summary: "Invite a user: creates them without a password; the one-time invite_url is in this response only",
			body:    steward.UserFields{}, required: []string{"name", "email", "role", "fleet_visibility"},
			response: steward.Invitation{}, status: created, idempotent: true, perm: administer, handle: s.inviteUser},
		{method: get, path: "/api/v1/users/{id}", id: "getUser", tag: "users", summary: "Get a user",
			response: steward.User{}, perm: readAccess, handle: s.getUser},
		{method: patch, path: "/api/v1/users/{id}", id: "updateUser", tag: "users",
			summary: "Change a user's name, role or fleet visibility (JSON Merge Patch)",
			body:    steward.UserPatch{}, required: []string{"name", "role", "fleet_visibility"}, response: steward.User{},
			ifMatch: true, perm: administer, handle: s.updateUser},
		{method: post, path: "/api/v1/users/{id}/deactivate", id: "deactivateUser", tag: "users",
			summary:  "Deactivate a user: their sessions and API keys stop at once",
			response: steward.User{}, ifMatch: true, perm: administer, conflict: true, handle: s.setUserActive(false)},
		{method: post, path: "/api/v1/users/{id}/reactivate", id: "reactivateUser", tag: "users", summary: "Reactivate a user",
			response: steward.User{}, ifMatch: true, perm: administer, handle: s.setUserActive(true)},
		{method: post, path: "/api/v1/users/{id}/invite", id: "reinviteUser", tag: "users",
			summary:  "Invite a user who has not accepted again: a new one-time link replaces the previous one",
			response: steward.InviteLink{}, perm: administer, conflict: true, handle: s.reinviteUser},
		{method: post, path: "/api/v1/users/{id}/password-reset", id: "issuePasswordReset", tag: "users",
			summary:  "Issue a one-time password reset link (valid one hour) for a user",
			response: steward.PasswordReset{}, perm: administer, conflict: true, handle: s.issuePasswordReset},
		{method: post, path: "/api/v1/users/{id}/two-factor/reset", id: "resetUserTwoFactor", tag: "users",
			summary: "Switch a user's two-factor sign-in off (one who lost their authenticator and recovery codes); nothing happens when it is off",
			status:  noContent, perm: administer, handle: s.resetUserTwoFactor},
	}, append(append(append(s.exportRoutes(), s.webhookRoutes()...), s.importRoutes()...), s.subscriptionRoutes()...)...)
}
