package web

import (
	"context"
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v steward.Violations
	f := steward.CustomerFilter{ListParams: parseListParams(q, &v), Type: steward.CustomerType(q.Get("type"))}
	f.Check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.svc.Customers(r.Context(), actorOf(r), f)
	return writeList(w, page, err)
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.Customer(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, c, c.Version)
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.CustomerFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a := actorOf(r)
	return s.create(w, r, body, creator{
		objectType: steward.ObjectCustomer,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			return customerCreation(s.svc.CreateCustomer(ctx, a, f))
		},
	})
}

func customerCreation(c *steward.Customer, err error) (creation, error) {
	if err != nil {
		return creation{}, err
	}
	return creation{obj: c, id: c.ID, version: c.Version}, nil
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	c, err := s.svc.UpdateCustomer(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r),
		patcher[steward.CustomerFields](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, c, c.Version)
}

func (s *Server) setCustomerArchived(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.svc.SetCustomerArchived(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), archived)
		if err != nil {
			return err
		}
		return writeObject(w, http.StatusOK, c, c.Version)
	}
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.DeleteCustomer(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r)))
}
