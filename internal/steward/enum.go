package steward

import "strings"

// Each enumerated type owns its values through a Values method: validation, its error message
// (OneOf) and the OpenAPI document's enum all read it, so a value is never listed twice.

// OneOf is the violation message for a value outside vals: "must be one of a, b, c".
func OneOf[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return "must be one of " + strings.Join(s, ", ")
}

// isOneOf reports whether v is among vals.
func isOneOf[T ~string](v T, vals []T) bool {
	for _, x := range vals {
		if v == x {
			return true
		}
	}
	return false
}

// Values lists every customer type, in the order the UI offers them.
func (CustomerType) Values() []CustomerType {
	return []CustomerType{CustomerContractor, CustomerDealer, CustomerDistributor, CustomerOEM,
		CustomerRental, CustomerServiceProvider, CustomerEndUser, CustomerOther}
}

// Valid reports whether t is a known customer type.
func (t CustomerType) Valid() bool { return isOneOf(t, t.Values()) }

// Values lists every contact kind.
func (ContactKind) Values() []ContactKind {
	return []ContactKind{ContactPerson, ContactDepartment, ContactCallCentre}
}

// Valid reports whether k is a known contact kind.
func (k ContactKind) Valid() bool { return isOneOf(k, k.Values()) }

// Values lists the roles, from most to least powerful.
func (Role) Values() []Role { return []Role{RoleAdmin, RoleFleetAdmin, RoleUser, RoleTechnician} }

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return isOneOf(r, r.Values()) }

// Values lists the kinds of callers the audit log names.
func (ActorType) Values() []ActorType {
	return []ActorType{ActorUser, ActorAPIKey, ActorImport, ActorSystem}
}

// Valid reports whether t is a known kind of caller.
func (t ActorType) Valid() bool { return isOneOf(t, t.Values()) }

// Values lists the sources the audit log names.
func (Source) Values() []Source { return []Source{SourceWeb, SourceAPI, SourceImport, SourceSystem} }

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return isOneOf(s, s.Values()) }

// Values lists the account kinds.
func (AccountKind) Values() []AccountKind { return []AccountKind{AccountInternal, AccountExternal} }

// Valid reports whether k is a known account kind.
func (k AccountKind) Valid() bool { return isOneOf(k, k.Values()) }

// Values lists the list statuses; Active is the default.
func (Status) Values() []Status { return []Status{StatusActive, StatusArchived, StatusAll} }

// Valid reports whether s is a known list status.
func (s Status) Valid() bool { return isOneOf(s, s.Values()) }

// Values lists the fleet visibilities of a user.
func (FleetVisibility) Values() []FleetVisibility {
	return []FleetVisibility{FleetVisibilityAll, FleetVisibilityNone, FleetVisibilityGroups}
}

// Valid reports whether f is a known fleet visibility.
func (f FleetVisibility) Valid() bool { return isOneOf(f, f.Values()) }
