package steward

import "context"

// Ref names one customer or location: what a list shows for an id it refers to.
type Ref struct {
	ID       string
	Name     string
	Archived bool
}

// MaxNames is the most ids of one kind Names resolves in one call: a page's worth.
const MaxNames = MaxLimit

// NameService resolves the customers and locations a page refers to, in one call.
type NameService interface {
	// Names returns the customers and locations of the caller's account among the given ids
	// (archived ones included, with Archived set), keyed by id. Ids that are not well-formed, or
	// not in the caller's account, are absent from the maps. At most MaxNames ids of each kind
	// (duplicates and empty ones not counted): more is a field error.
	Names(ctx context.Context, a *Actor, customerIDs, locationIDs []string) (customers, locations map[string]Ref, err error)
}
