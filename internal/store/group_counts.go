package store

import "context"

// GroupMismatches returns how many groups of an account have stored member counts that differ
// from their memberships, and how many memberships carry another asset state than their asset's
// (location, location customer, owner, archived: what scoped counts read). Tests assert both
// stay 0, as CountMismatches does for the customer and location counts.
func (s *Store) GroupMismatches(ctx context.Context, accountID string) (groups, members int64, err error) {
	r := s.reader()
	if err = r.row(ctx, `SELECT COUNT(*) FROM groups g WHERE g.account_id = ? AND (
			g.asset_count <> (SELECT COUNT(*) FROM group_assets ga WHERE ga.account_id = g.account_id AND ga.group_id = g.id)
			OR g.user_count <> (SELECT COUNT(*) FROM group_users gu WHERE gu.account_id = g.account_id AND gu.group_id = g.id))`,
		accountID).Scan(&groups); err != nil {
		return 0, 0, err
	}
	err = r.row(ctx, `SELECT COUNT(*) FROM group_assets ga JOIN assets x ON x.account_id = ga.account_id AND x.id = ga.asset_id
		WHERE ga.account_id = ? AND (ga.archived <> (x.archived_at IS NOT NULL)
			OR COALESCE(ga.location_id, '') <> COALESCE(x.location_id, '')
			OR COALESCE(ga.location_customer_id, '') <> COALESCE(x.location_customer_id, '')
			OR COALESCE(ga.owner_customer_id, '') <> COALESCE(x.owner_customer_id, ''))`, accountID).Scan(&members)
	return groups, members, err
}
