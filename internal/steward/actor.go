package steward

import "context"

// Role is what a user (and so each API key acting as that user) may do.
type Role string

// The four roles of PRODUCT.md §5, from most to least powerful.
const (
	RoleAdmin      Role = "admin"
	RoleFleetAdmin Role = "fleet_admin"
	RoleUser       Role = "user"
	RoleTechnician Role = "technician"
)

// rank orders roles for "may only lower the role" checks; technician and user are both below
// fleet admin and neither includes the other, so a key may narrow to either.
func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleFleetAdmin:
		return 2
	case RoleUser, RoleTechnician:
		return 1
	}
	return 0
}

// AtMost reports whether r grants no more than other: an API key's role must satisfy
// key.AtMost(user).
func (r Role) AtMost(other Role) bool {
	if r == other {
		return true
	}
	return r.rank() < other.rank() || (r.rank() == 1 && other.rank() > 1)
}

// ActorType says what kind of caller made a change.
type ActorType string

// The kinds of callers the audit log names.
const (
	ActorUser   ActorType = "user"
	ActorAPIKey ActorType = "api_key"
	ActorImport ActorType = "import"
	ActorSystem ActorType = "system"
)

// Source says through which door a change came.
type Source string

// The sources the audit log names.
const (
	SourceWeb    Source = "web"
	SourceAPI    Source = "api"
	SourceImport Source = "import"
	SourceSystem Source = "system"
)

// Actor is the authenticated caller of a service method: who they are, the account they act in
// (the tenant every query is scoped to), their role, and where the request came from. Every
// service method takes it explicitly.
type Actor struct {
	Type        ActorType
	ID          string // the user's, API key's, import job's id; "" for the system
	Name        string // display name for the audit log
	UserID      string // the user the caller acts as ("" for the system)
	AccountID   string // the account the caller works in: the tenant
	HomeAccount string // the account the caller belongs to (differs after a switch)
	Role        Role
	Integration bool // an integration key: may write externally-managed customers
	// Fleet is which of the account's assets the caller sees: all of them (the zero value, as
	// for API keys of users who see the entire fleet and for the system), none, or those of
	// the listed groups.
	Fleet     FleetScope
	Source    Source
	RequestID string
	// SessionsAfter (Unix microseconds) voids the user's web sessions signed in before it: a
	// password change or reset, or a deactivation, ends them. Set by UserActor; 0: none void.
	SessionsAfter int64
}

// FleetScope is the part of the fleet a caller sees (PRODUCT.md §5, fleet visibility).
type FleetScope struct {
	Visibility FleetVisibility // "" or FleetVisibilityAll: every asset of the account
	GroupIDs   []string        // with FleetVisibilityGroups: the groups whose assets it sees
}

// All reports whether the scope is the entire fleet.
func (f FleetScope) All() bool { return f.Visibility == "" || f.Visibility == FleetVisibilityAll }

// SystemActor returns the actor for changes Steward makes itself (seeding, migrations) in an
// account.
func SystemActor(accountID string) *Actor {
	return &Actor{Type: ActorSystem, Name: "system", AccountID: accountID, HomeAccount: accountID,
		Role: RoleAdmin, Source: SourceSystem}
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying a.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor ctx carries, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
