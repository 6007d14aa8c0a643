package web

import (
	"context"
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v steward.Violations
	f := steward.LocationFilter{
		ListParams: parseListParams(q, &v),
		CustomerID: q.Get("customer_id"),
		Own:        parseBool(q, "own", &v),
	}
	f.Check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.svc.Locations(r.Context(), actorOf(r), f)
	return writeList(w, page, err)
}

func (s *Server) getLocation(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.Location(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, o, o.Version)
}

func (s *Server) createLocation(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.LocationFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a := actorOf(r)
	return s.create(w, r, body, creator{
		objectType: steward.ObjectLocation,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			return locationCreation(s.svc.CreateLocation(ctx, a, f))
		},
	})
}

func locationCreation(o *steward.Location, err error) (creation, error) {
	if err != nil {
		return creation{}, err
	}
	return creation{obj: o, id: o.ID, version: o.Version}, nil
}

func (s *Server) updateLocation(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	o, err := s.svc.UpdateLocation(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r),
		patcher[steward.LocationFields](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, o, o.Version)
}

func (s *Server) setLocationArchived(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := s.svc.SetLocationArchived(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), archived)
		if err != nil {
			return err
		}
		return writeObject(w, http.StatusOK, o, o.Version)
	}
}

func (s *Server) deleteLocation(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.DeleteLocation(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r)))
}
