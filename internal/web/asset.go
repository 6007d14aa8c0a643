package web

import (
	"context"
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v steward.Violations
	f := steward.AssetFilter{
		ListParams:         parseListParams(q, &v),
		OwnerCustomerID:    q.Get("owner_customer_id"),
		LocationID:         q.Get("location_id"),
		LocationCustomerID: q.Get("location_customer_id"),
		GroupID:            q.Get("group_id"),
	}
	f.Check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.svc.Assets(r.Context(), actorOf(r), f)
	return writeList(w, page, err)
}

func (s *Server) getAsset(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.Asset(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, o, o.Version)
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.AssetFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a := actorOf(r)
	return s.create(w, r, body, creator{
		objectType: steward.ObjectAsset,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			return assetCreation(s.svc.CreateAsset(ctx, a, f))
		},
	})
}

func assetCreation(o *steward.Asset, err error) (creation, error) {
	if err != nil {
		return creation{}, err
	}
	return creation{obj: o, id: o.ID, version: o.Version}, nil
}

func (s *Server) updateAsset(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	o, err := s.svc.UpdateAsset(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r),
		patcher[steward.AssetFields](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, o, o.Version)
}

func (s *Server) setAssetArchived(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := s.svc.SetAssetArchived(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), archived)
		if err != nil {
			return err
		}
		return writeObject(w, http.StatusOK, o, o.Version)
	}
}

func (s *Server) deleteAsset(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.DeleteAsset(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r)))
}

func (s *Server) listAssetMovements(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v steward.Violations
	p := steward.ListParams{Limit: parseLimit(q, &v), Cursor: q.Get("cursor")}
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.svc.AssetMovements(r.Context(), actorOf(r), r.PathValue("id"), p)
	return writeList(w, page, err)
}
