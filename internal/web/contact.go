package web

import (
	"net/http"
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// contacts is what the shared handlers (entity.go) need of contacts. A contact is created
// under its customer (POST /api/v1/customers/{id}/contacts) and then lives at
// /api/v1/contacts/{id}.
func (s *Server) contacts() entity[steward.Contact, steward.ContactFields, *steward.ContactFields] {
	return entity[steward.Contact, steward.ContactFields, *steward.ContactFields]{
		objectType:  steward.ObjectContact,
		ref:         func(o *steward.Contact) (string, int64) { return o.ID, o.Version },
		read:        s.svc.Contact,
		add:         s.svc.CreateContact,
		change:      s.svc.UpdateContact,
		setArchived: s.svc.SetContactArchived,
		remove:      s.svc.DeleteContact,
	}
}

// contactFilter reads the query of GET /api/v1/contacts.
func contactFilter(q url.Values, v *steward.Violations) steward.ContactFilter {
	return steward.ContactFilter{ListParams: parseListParams(q, v), CustomerID: q.Get("customer_id")}
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
