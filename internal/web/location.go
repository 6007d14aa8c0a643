package web

import (
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// locations is what the shared handlers (entity.go) need of locations.
func (s *Server) locations() entity[steward.Location, steward.LocationFields, *steward.LocationFields] {
	return entity[steward.Location, steward.LocationFields, *steward.LocationFields]{
		objectType:  steward.ObjectLocation,
		ref:         func(o *steward.Location) (string, int64) { return o.ID, o.Version },
		read:        s.svc.Location,
		add:         topLevel(s.svc.CreateLocation),
		change:      s.svc.UpdateLocation,
		setArchived: s.svc.SetLocationArchived,
		remove:      s.svc.DeleteLocation,
	}
}

// locationFilter reads the query of GET /api/v1/locations.
func locationFilter(q url.Values, v *steward.Violations) steward.LocationFilter {
	return steward.LocationFilter{
		ListParams: parseListParams(q, v),
		CustomerID: q.Get("customer_id"),
		Own:        parseBool(q, "own", v),
	}
}
