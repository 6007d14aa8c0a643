package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// groups is what the shared handlers (entity.go) need of groups.
func (s *Server) groups() entity[steward.Group, steward.GroupFields, *steward.GroupFields] {
	return entity[steward.Group, steward.GroupFields, *steward.GroupFields]{
		objectType:  steward.ObjectGroup,
		ref:         func(g *steward.Group) (string, int64) { return g.ID, g.Version },
		read:        s.svc.Group,
		add:         topLevel(s.svc.CreateGroup),
		change:      s.svc.UpdateGroup,
		setArchived: s.svc.SetGroupArchived,
		remove:      s.svc.DeleteGroup,
	}
}

// groupFilter reads the query of GET /api/v1/groups.
func groupFilter(q url.Values, v *steward.Violations) steward.GroupFilter {
	return steward.GroupFilter{ListParams: parseListParams(q, v)}
}

// members answers POST and DELETE /api/v1/groups/{id}/assets and …/users: the body's id list
// (B is steward.AssetIDs or steward.UserIDs) goes to change, which checks the group first and
// then the list, and the answer is 204.
func members[B any, PB interface {
	*B
	normalizer
}](ids func(*B) []string, change func(ctx context.Context, a *steward.Actor, id string, ids []string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, order, err := decodedBody[B, PB](r)
		if err != nil {
			return err
		}
		return writeNoContent(w, order.sort(change(r.Context(), actorOf(r), r.PathValue("id"), ids(b))))
	}
}

func assetIDsOf(b *steward.AssetIDs) []string { return b.AssetIDs }
func userIDsOf(b *steward.UserIDs) []string   { return b.UserIDs }
