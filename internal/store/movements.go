package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// AssetMovements returns the asset's changes of owning customer and location, newest first,
// read from its audit history. Pages hold exactly limit movements; the cursor names the event and
// how many of its movements were already returned, so an event that changed both is never split
// wrongly or repeated.
func (s *Store) AssetMovements(ctx context.Context, a *steward.Actor, id string, p steward.ListParams) (*steward.Page[steward.Movement], error) {
	if _, err := s.Asset(ctx, a, id); err != nil {
		return nil, err
	}
	limit, err := pageLimit(p.Limit)
	if err != nil {
		return nil, err
	}
	sig := signature("movements", id)
	bound, args := "", []any{a.AccountID, id}
	resumeID, skip := "", 0
	if p.Cursor != "" {
		c, err := decodeCursor(p.Cursor, sig)
		if err != nil {
			return nil, err
		}
		at, n, ok := strings.Cut(c.Key, "/")
		atUS, err1 := strconv.ParseInt(at, 10, 64)
		k, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || k < 0 {
			return nil, notIssued()
		}
		bound, args, resumeID, skip = " AND (at, id) <= (?, ?)", append(args, atUS, c.ID), c.ID, k
	}
	out := &steward.Page[steward.Movement]{Data: []steward.Movement{}}
	const batch = 200
	for {
		rows, err := s.reader().query(ctx, "SELECT "+auditCols+" FROM audit_events WHERE account_id = ? AND object_id = ?"+
			bound+" ORDER BY at DESC, id DESC LIMIT ?", append(args, batch)...)
		if err != nil {
			return nil, err
		}
		var events []*steward.AuditEvent
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			events = append(events, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, e := range events {
			k := 0
			for _, c := range e.Changes {
				if c.Field != "owner_customer_id" && c.Field != "location_id" {
					continue
				}
				k++
				if e.ID == resumeID && k <= skip {
					continue
				}
				if len(out.Data) == limit {
					next := encodeCursor(sig, fmt.Sprintf("%d/%d", e.At.Micros(), k-1), e.ID)
					out.NextCursor = &next
					return out, nil
				}
				out.Data = append(out.Data, steward.Movement{At: e.At, Actor: e.Actor, Field: c.Field,
					Old: c.Old, New: c.New, OldLabel: c.OldLabel, NewLabel: c.NewLabel})
			}
		}
		if len(events) < batch {
			return out, nil
		}
		last := events[len(events)-1]
		bound, args = " AND (at, id) < (?, ?)", []any{a.AccountID, id, last.At.Micros(), last.ID}
	}
}
