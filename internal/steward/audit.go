package steward

import "context"

// Audit actions.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionArchive   = "archive"
	ActionUnarchive = "unarchive"
	ActionDelete    = "delete"
	ActionRevoke    = "revoke"
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
)

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

// AuditService reads the audit log, newest first.
type AuditService interface {
	// AuditEvents returns one page. The account-wide log needs the Admin role; any reader may
	// read the history of one object or customer.
	AuditEvents(ctx context.Context, a *Actor, f AuditFilter) (*Page[AuditEvent], error)
	// EachAuditEvent calls fn for every event matching f (Limit and Cursor ignored), streaming,
	// for CSV export. fn's error stops the walk and is returned.
	EachAuditEvent(ctx context.Context, a *Actor, f AuditFilter, fn func(*AuditEvent) error) error
}
