package web

import (
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

// decodedBody reads and decodes a request body of type B, returning it with the order of its
// members for sorting field errors. Its values are left to the service to check, after the
// object in the path: a route whose path names something the caller does not see answers 404
// whatever the body holds.
func decodedBody[B any, PB interface {
	*B
	normalizer
}](r *http.Request) (*B, fieldOrder, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	var b B
	order, err := decodeFields(body, PB(&b))
	if err != nil {
		return nil, nil, err
	}
	return &b, order, nil
}

// bodyOf is decodedBody checked (B checks itself), for a route without an object in its path.
func bodyOf[B any, PB interface {
	*B
	normalizer
}](r *http.Request) (*B, fieldOrder, error) {
	b, order, err := decodedBody[B, PB](r)
	if err != nil {
		return nil, nil, err
	}
	if err := PB(b).Normalize(); err != nil {
		return nil, nil, order.sort(err)
	}
	return b, order, nil
}

// Sharing and transfer of assets (PRODUCT.md §4; docs/API.md "Sharing and transfer").

func (s *Server) listAssetShares(w http.ResponseWriter, r *http.Request) error {
	page, err := s.svc.AssetShares(r.Context(), actorOf(r), r.PathValue("id"))
	return writeList(w, page, err)
}

func (s *Server) shareAsset(w http.ResponseWriter, r *http.Request) error {
	b, order, err := decodedBody[steward.ShareTarget](r)
	if err != nil {
		return err
	}
	page, err := s.svc.ShareAsset(r.Context(), actorOf(r), r.PathValue("id"), b.AccountID)
	return writeList(w, page, order.sort(err))
}

func (s *Server) unshareAsset(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.UnshareAsset(r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("account_id")))
}

func (s *Server) transferAsset(w http.ResponseWriter, r *http.Request) error {
	b, order, err := decodedBody[steward.TransferTarget](r)
	if err != nil {
		return err
	}
	x, err := s.svc.TransferAsset(r.Context(), actorOf(r), r.PathValue("id"), b.AccountID, b.KeepVisibility)
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, x, x.Version)
}

func (s *Server) bulkShare(w http.ResponseWriter, r *http.Request) error {
	b, order, err := bodyOf[steward.BulkShare](r)
	if err != nil {
		return err
	}
	return writeNoContent(w, order.sort(s.svc.ShareAssets(r.Context(), actorOf(r), b.AssetIDs, b.AccountID)))
}

func (s *Server) bulkUnshare(w http.ResponseWriter, r *http.Request) error {
	b, order, err := bodyOf[steward.BulkShare](r)
	if err != nil {
		return err
	}
	return writeNoContent(w, order.sort(s.svc.UnshareAssets(r.Context(), actorOf(r), b.AssetIDs, b.AccountID)))
}

func (s *Server) bulkTransfer(w http.ResponseWriter, r *http.Request) error {
	b, order, err := bodyOf[steward.BulkTransfer](r)
	if err != nil {
		return err
	}
	return writeNoContent(w, order.sort(s.svc.TransferAssets(r.Context(), actorOf(r), b.AssetIDs, b.AccountID, b.KeepVisibility)))
}

func (s *Server) getSharing(w http.ResponseWriter, r *http.Request) error {
	set, err := s.svc.SharingSettings(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, set)
}

func (s *Server) putSharing(w http.ResponseWriter, r *http.Request) error {
	b, order, err := bodyOf[steward.SharingSettings](r)
	if err != nil {
		return err
	}
	set, err := s.svc.UpdateSharingSettings(r.Context(), actorOf(r), *b)
	if err != nil {
		return order.sort(err)
	}
	return writeJSON(w, http.StatusOK, set)
}
