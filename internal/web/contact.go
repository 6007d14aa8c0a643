package web

import (
	"context"
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v steward.Violations
	f := steward.ContactFilter{ListParams: parseListParams(q, &v), CustomerID: q.Get("customer_id")}
	f.Check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.svc.Contacts(r.Context(), actorOf(r), f)
	return writeList(w, page, err)
}

// listCustomerContacts lists one customer's contacts. A customer the caller cannot see is 404
// here, where it is the path, not the 422 the customer_id filter of /contacts answers; so the
// customer is read first.
func (s *Server) listCustomerContacts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v steward.Violations
	f := steward.ContactFilter{ListParams: parseListParams(q, &v)}
	f.Check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	a := actorOf(r)
	c, err := s.svc.Customer(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	f.CustomerID = c.ID
	page, err := s.svc.Contacts(r.Context(), a, f)
	return writeList(w, page, err)
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.Contact(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, o, o.Version)
}

// createContact adds a contact to the customer of the path; the contact then lives at
// /api/v1/contacts/{id}.
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.ContactFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a, customerID := actorOf(r), r.PathValue("id")
	return s.create(w, r, body, creator{
		objectType: steward.ObjectContact,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			return contactCreation(s.svc.CreateContact(ctx, a, customerID, f))
		},
	})
}

func contactCreation(o *steward.Contact, err error) (creation, error) {
	if err != nil {
		return creation{}, err
	}
	return creation{obj: o, id: o.ID, version: o.Version}, nil
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	o, err := s.svc.UpdateContact(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r),
		patcher[steward.ContactFields](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, o, o.Version)
}

func (s *Server) setContactArchived(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := s.svc.SetContactArchived(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), archived)
		if err != nil {
			return err
		}
		return writeObject(w, http.StatusOK, o, o.Version)
	}
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.DeleteContact(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r)))
}
