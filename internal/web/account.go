package web

import (
	"context"
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	me, err := s.svc.Me(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, me)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	acc, err := s.svc.Account(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, acc, acc.Version)
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	acc, err := s.svc.UpdateAccount(r.Context(), actorOf(r), ifMatchOf(r), patcher[steward.AccountFields](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, acc, acc.Version)
}

// listAPIKeys answers in the shape of every other list, on a single page.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.svc.APIKeys(r.Context(), actorOf(r))
	return writeList(w, &steward.Page[steward.APIKey]{Data: keys}, err)
}

func (s *Server) getAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.apiKey(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}

// apiKey finds one key among the caller's keys; the service has no single-key read.
func (s *Server) apiKey(ctx context.Context, a *steward.Actor, id string) (*steward.APIKey, error) {
	keys, err := s.svc.APIKeys(ctx, a)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i].ID == id {
			k := keys[i]
			k.Key = "" // a listing never holds the secret; be sure of it
			return &k, nil
		}
	}
	return nil, steward.NotFound("API key")
}

// createAPIKey creates a key acting as the caller's own user. The secret appears in this
// response only: the idempotency record keeps the response without it, so a replay answers
// without the secret rather than store it in the clear.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.APIKeyFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a := actorOf(r)
	return s.create(w, r, body, creator{
		objectType: steward.ObjectAPIKey,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			k, err := s.svc.CreateAPIKey(ctx, a, a.UserID, f)
			if err != nil {
				return creation{}, err
			}
			return creation{obj: k, id: k.ID}, nil
		},
		redact: func(obj any) any {
			k, ok := obj.(*steward.APIKey)
			if !ok {
				return obj
			}
			withoutSecret := *k
			withoutSecret.Key = ""
			return &withoutSecret
		},
	})
}

func (s *Server) deleteAPIKey(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.RevokeAPIKey(r.Context(), actorOf(r), r.PathValue("id")))
}
