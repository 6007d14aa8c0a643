package web

import (
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// subAccounts is the account tree's entity (GET/PATCH/DELETE /api/v1/accounts/{id}, POST
// /api/v1/accounts): the shared handlers over the AccountTreeService. Accounts are never
// archived, so the kind has no archive handlers.
func (s *Server) subAccounts() entity[steward.Account, steward.SubAccountFields, *steward.SubAccountFields] {
	return entity[steward.Account, steward.SubAccountFields, *steward.SubAccountFields]{
		objectType: steward.ObjectAccount,
		ref:        func(a *steward.Account) (string, int64) { return a.ID, a.Version },
		read:       s.svc.SubAccount,
		add:        topLevel(s.svc.CreateSubAccount),
		change:     s.svc.UpdateSubAccount,
		remove:     s.svc.DeleteSubAccount,
	}
}

func accountFilter(q url.Values, v *steward.Violations) steward.AccountFilter {
	return steward.AccountFilter{ListParams: parseListParams(q, v), ParentID: q.Get("parent_id")}
}
