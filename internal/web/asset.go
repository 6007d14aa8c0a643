package web

import (
	"net/http"
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// assets is what the shared handlers (entity.go) need of assets.
func (s *Server) assets() entity[steward.Asset, steward.AssetFields, *steward.AssetFields] {
	return entity[steward.Asset, steward.AssetFields, *steward.AssetFields]{
		objectType:  steward.ObjectAsset,
		ref:         func(o *steward.Asset) (string, int64) { return o.ID, o.Version },
		read:        s.svc.Asset,
		add:         topLevel(s.svc.CreateAsset),
		change:      s.svc.UpdateAsset,
		setArchived: s.svc.SetAssetArchived,
		remove:      s.svc.DeleteAsset,
	}
}

// assetFilter reads the query of GET /api/v1/assets.
func assetFilter(q url.Values, v *steward.Violations) steward.AssetFilter {
	return steward.AssetFilter{
		ListParams:         parseListParams(q, v),
		OwnerCustomerID:    q.Get("owner_customer_id"),
		LocationID:         q.Get("location_id"),
		LocationCustomerID: q.Get("location_customer_id"),
		GroupID:            q.Get("group_id"),
		Ownership:          steward.Ownership(q.Get("ownership")),
	}
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
