package web

import (
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// customers is what the shared handlers (entity.go) need of customers.
func (s *Server) customers() entity[steward.Customer, steward.CustomerFields, *steward.CustomerFields] {
	return entity[steward.Customer, steward.CustomerFields, *steward.CustomerFields]{
		objectType:  steward.ObjectCustomer,
		ref:         func(c *steward.Customer) (string, int64) { return c.ID, c.Version },
		read:        s.svc.Customer,
		add:         topLevel(s.svc.CreateCustomer),
		change:      s.svc.UpdateCustomer,
		setArchived: s.svc.SetCustomerArchived,
		remove:      s.svc.DeleteCustomer,
	}
}

// customerFilter reads the query of GET /api/v1/customers.
func customerFilter(q url.Values, v *steward.Violations) steward.CustomerFilter {
	return steward.CustomerFilter{ListParams: parseListParams(q, v), Type: steward.CustomerType(q.Get("type"))}
}
