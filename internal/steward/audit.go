package steward

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Audit actions.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionArchive   = "archive"
	ActionUnarchive = "unarchive"
	ActionDelete    = "delete"
	ActionRevoke    = "revoke"
	// Users.
	ActionDeactivate = "deactivate"
	ActionReactivate = "reactivate"
	// An Admin working in an account below their own.
	ActionSwitchAccount = "switch_account"
	// Group membership (of assets and users), recorded on the group.
	ActionAddMembers    = "add_members"
	ActionRemoveMembers = "remove_members"
	// Users: an invitation issued again, a password reset issued by an Admin, and a password
	// set (through an invitation or reset link, or changed by the user; never the secret).
	ActionInvite        = "invite"
	ActionPasswordReset = "password_reset"
	ActionSetPassword   = "set_password"
	// Two-factor sign-in (never the secret or the codes).
	ActionTwoFactorEnable  = "two_factor_enable"
	ActionTwoFactorDisable = "two_factor_disable"
	ActionRecoveryCodeUsed = "recovery_code_used"
	// Sharing and transfer of assets across accounts.
	ActionShare    = "share"
	ActionUnshare  = "unshare"
	ActionTransfer = "transfer"
	// A webhook endpoint's secret replaced (never the secret).
	ActionRotateSecret = "rotate_secret"
)

// Object types named in the audit log and in webhooks.
const (
	ObjectAccount  = "account"
	ObjectUser     = "user"
	ObjectAPIKey   = "api_key"
	ObjectCustomer = "customer"
	ObjectContact  = "contact"
	ObjectLocation = "location"
	ObjectAsset    = "asset"
	ObjectGroup    = "group"
	ObjectWebhook  = "webhook"
)

// AuditObjectType is an object type as the audit log names it (the object_type filter).
type AuditObjectType string

// Values lists the object types the audit log names, in the order errors list them.
func (AuditObjectType) Values() []AuditObjectType {
	return []AuditObjectType{ObjectCustomer, ObjectContact, ObjectLocation, ObjectAsset, ObjectGroup, ObjectAccount, ObjectUser, ObjectAPIKey, ObjectWebhook}
}

// AuditAction is an action as the audit log names it (the action filter).
type AuditAction string

// Values lists the actions the audit log names, in the order errors list them.
func (AuditAction) Values() []AuditAction {
	return []AuditAction{ActionCreate, ActionUpdate, ActionArchive, ActionUnarchive, ActionDelete, ActionRevoke,
		ActionDeactivate, ActionReactivate, ActionSwitchAccount, ActionAddMembers, ActionRemoveMembers,
		ActionInvite, ActionPasswordReset, ActionSetPassword,
		ActionTwoFactorEnable, ActionTwoFactorDisable, ActionRecoveryCodeUsed, ActionShare, ActionUnshare, ActionTransfer, ActionRotateSecret}
}

// ObjectTypes lists AuditObjectType's values as the strings events carry.
func ObjectTypes() []string { return strs(AuditObjectType("").Values()) }

// AuditActions lists AuditAction's values as the strings events carry.
func AuditActions() []string { return strs(AuditAction("").Values()) }

func strs[T ~string](vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// AuditActor names who made a change.
type AuditActor struct {
	Type ActorType `json:"type"`
	ID   string    `json:"id"`
	Name string    `json:"name"`
}

// Change is one field's old and new value. Reference fields carry ids in Old/New and the
// referenced objects' names at that time in OldLabel/NewLabel; nested fields are dotted.
type Change struct {
	Field    string  `json:"field"`
	Old      any     `json:"old"`
	New      any     `json:"new"`
	OldLabel *string `json:"old_label,omitempty"`
	NewLabel *string `json:"new_label,omitempty"`
}

// AuditEvent is one recorded change. Append-only: nothing updates or deletes one.
type AuditEvent struct {
	ID             string     `json:"id"`
	At             Timestamp  `json:"at"`
	Actor          AuditActor `json:"actor"`
	AccountID      string     `json:"account_id"`
	ActorAccountID string     `json:"actor_account_id"`
	RequestID      string     `json:"request_id"`
	Source         Source     `json:"source"`
	Action         string     `json:"action"`
	ObjectType     string     `json:"object_type"`
	ObjectID       string     `json:"object_id"`
	ObjectName     string     `json:"object_name"`
	CustomerID     *string    `json:"customer_id"`
	Changes        []Change   `json:"changes"`
}

// AuditFilter selects audit events. CustomerID finds the customer's own events and those of
// its contacts and locations. From is inclusive, To exclusive.
type AuditFilter struct {
	ObjectType string
	ObjectID   string
	CustomerID string
	ActorID    string
	Source     Source
	Action     string
	From       *Timestamp
	To         *Timestamp
	Limit      int
	Cursor     string
}

// Check adds a violation for each filter the audit log cannot take: an object type, action or
// source it never records, an id not of the form of an id, an actor id that is not clean text
// (actors include imports, named as they like). Ids are not looked up: the history of a deleted
// object stays readable.
func (f AuditFilter) Check(v *Violations) {
	CheckOneOf(v, "object_type", f.ObjectType, ObjectTypes())
	CheckID(v, "object_id", f.ObjectID)
	CheckID(v, "customer_id", f.CustomerID)
	if !utf8.ValidString(f.ActorID) || strings.IndexFunc(f.ActorID, unicode.IsControl) >= 0 || len(f.ActorID) > MaxShort {
		v.Add("actor_id", "must be text without control characters, at most %d bytes", MaxShort)
	}
	CheckOneOf(v, "source", f.Source, f.Source.Values())
	CheckOneOf(v, "action", f.Action, AuditActions())
}

// AuditService reads the audit log, newest first.
type AuditService interface {
	// AuditEvents returns one page. The account-wide log needs the Admin role; any reader may
	// read the history of one object or customer. Only events of object types the caller may
	// see (Actor.AuditObjectTypes) are ever answered: others are left out, as if they did not
	// exist, whatever the filter.
	AuditEvents(ctx context.Context, a *Actor, f AuditFilter) (*Page[AuditEvent], error)
	// EachAuditEvent calls fn for every event matching f (Limit and Cursor ignored), streaming,
	// for CSV export. fn's error stops the walk and is returned.
	EachAuditEvent(ctx context.Context, a *Actor, f AuditFilter, fn func(*AuditEvent) error) error
}
