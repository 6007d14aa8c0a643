package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestAuditContent(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		web := o.userActor()
		c, err := s.CreateCustomer(ctx, web, steward.CustomerFields{Name: "Audited", Type: steward.CustomerDealer,
			ExternalRef: "A-1", Email: "a@example.com", Website: "https://a.example",
			Address: steward.Address{Street: "Main 1", City: "Köln", Country: "DE"}, Notes: "n"})
		ok(t, err)
		ev := auditFor(t, s, o.admin, c.ID)
		if len(ev) != 1 {
			t.Fatalf("%d events after create", len(ev))
		}
		e := ev[0]
		if e.Action != steward.ActionCreate || e.ObjectType != steward.ObjectCustomer || e.ObjectID != c.ID || e.ObjectName != "Audited" ||
			e.CustomerID == nil || *e.CustomerID != c.ID || e.AccountID != o.acc.ID || e.ActorAccountID != o.acc.ID {
			t.Errorf("create event = %+v", e)
		}
		if e.Actor != (steward.AuditActor{Type: steward.ActorUser, ID: o.user.ID, Name: o.user.Name}) || e.Source != steward.SourceWeb ||
			e.RequestID != web.RequestID || e.RequestID == "" {
			t.Errorf("create event actor = %+v source %s request %q", e.Actor, e.Source, e.RequestID)
		}
		wantCreate := map[string]any{"name": "Audited", "type": "dealer", "external_ref": "A-1", "email": "a@example.com",
			"website": "https://a.example", "address.street": "Main 1", "address.city": "Köln", "address.country": "DE", "notes": "n"}
		if !sameSet(changeFields(e), keys(wantCreate)) {
			t.Errorf("create lists %v, want %v", changeFields(e), keys(wantCreate))
		}
		for f, v := range wantCreate {
			if ch := changeOf(e, f); ch == nil || ch.Old != nil || ch.New != v {
				t.Errorf("create change %s = %+v, want new %v", f, ch, v)
			}
		}

		// An update lists exactly what changed, nested fields dotted, each value as the object
		// showed it (an unset text is "", as in the object).
		api := o.admin
		api2 := *api
		api2.RequestID = "req-api-1"
		must(s.UpdateCustomer(ctx, &api2, c.ID, 0, func(f *steward.CustomerFields) error {
			f.Address.City = "Bonn"
			f.Email = ""
			f.Phone = "0228 123"
			return nil
		}))
		ev = auditFor(t, s, o.admin, c.ID)
		e = ev[0]
		if e.Action != steward.ActionUpdate || e.Actor.Type != steward.ActorAPIKey || e.Actor.ID != api.ID || e.Actor.Name != api.Name ||
			e.Source != steward.SourceAPI || e.RequestID != "req-api-1" {
			t.Errorf("update event = %+v", e)
		}
		if !sameSet(changeFields(e), []string{"address.city", "email", "phone"}) {
			t.Errorf("update lists %v", changeFields(e))
		}
		if ch := changeOf(e, "address.city"); ch == nil || ch.Old != "Köln" || ch.New != "Bonn" {
			t.Errorf("address.city = %+v", ch)
		}
		if ch := changeOf(e, "email"); ch == nil || ch.Old != "a@example.com" || ch.New != "" {
			t.Errorf("email = %+v", ch)
		}
		if ch := changeOf(e, "phone"); ch == nil || ch.Old != "" || ch.New != "0228 123" {
			t.Errorf("phone = %+v", ch)
		}

		// Reference fields carry ids and the names at the time.
		other := mkCustomer(t, s, api, "Other Customer")
		l := must(s.CreateLocation(ctx, api, steward.LocationFields{Name: "Yard", CustomerID: &c.ID, Latitude: ptr(1.5), Longitude: ptr(2.5)}))
		le := auditFor(t, s, api, l.ID)[0]
		if ch := changeOf(le, "customer_id"); ch == nil || ch.New != c.ID || label(ch.NewLabel) != "Audited" || ch.OldLabel != nil {
			t.Errorf("location create customer_id = %+v", ch)
		}
		if ch := changeOf(le, "latitude"); ch == nil || ch.New != 1.5 {
			t.Errorf("location create latitude = %+v", ch)
		}
		if le.CustomerID == nil || *le.CustomerID != c.ID {
			t.Errorf("location event customer_id = %v", le.CustomerID)
		}
		must(s.UpdateLocation(ctx, api, l.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &other.ID; return nil }))
		must(s.UpdateCustomer(ctx, api, c.ID, 0, func(f *steward.CustomerFields) error { f.Name = "Audited Renamed"; return nil }))
		le = auditFor(t, s, api, l.ID)[0]
		if !sameSet(changeFields(le), []string{"customer_id"}) {
			t.Errorf("location move lists %v", changeFields(le))
		}
		if ch := changeOf(le, "customer_id"); ch == nil || ch.Old != c.ID || ch.New != other.ID || label(ch.OldLabel) != "Audited" ||
			label(ch.NewLabel) != "Other Customer" {
			t.Errorf("location move = %+v (labels %s -> %s)", ch, label(ch.OldLabel), label(ch.NewLabel))
		}
		// The contact's create names its customer.
		k := mkContact(t, s, api, c.ID, "Kim")
		ke := auditFor(t, s, api, k.ID)[0]
		if ch := changeOf(ke, "customer_id"); ch == nil || ch.New != c.ID || label(ch.NewLabel) != "Audited Renamed" {
			t.Errorf("contact create customer_id = %+v", ch)
		}
		if ch := changeOf(ke, "kind"); ch == nil || ch.New != "person" {
			t.Errorf("contact create kind = %+v", ch)
		}
		// An asset's create lists owner and location with labels, and its year as a number.
		x := must(s.CreateAsset(ctx, api, steward.AssetFields{Name: "Crane", Year: ptr(2020), OwnerCustomerID: &c.ID, LocationID: &l.ID}))
		xe := auditFor(t, s, api, x.ID)[0]
		if !sameSet(changeFields(xe), []string{"name", "year", "owner_customer_id", "location_id"}) {
			t.Errorf("asset create lists %v", changeFields(xe))
		}
		if ch := changeOf(xe, "owner_customer_id"); ch == nil || label(ch.NewLabel) != "Audited Renamed" {
			t.Errorf("asset owner = %+v", ch)
		}
		if ch := changeOf(xe, "location_id"); ch == nil || ch.New != l.ID || label(ch.NewLabel) != "Yard" {
			t.Errorf("asset location = %+v", ch)
		}
		if ch := changeOf(xe, "year"); ch == nil || fmt.Sprint(ch.New) != "2020" {
			t.Errorf("asset year = %+v", ch)
		}

		// A delete lists every field with its last value; the history stays.
		ok(t, s.DeleteAsset(ctx, api, x.ID, 0))
		xe = auditFor(t, s, api, x.ID)[0]
		if xe.Action != steward.ActionDelete || !sameSet(changeFields(xe), []string{"name", "year", "owner_customer_id", "location_id"}) {
			t.Errorf("asset delete = %+v", xe)
		}
		if ch := changeOf(xe, "location_id"); ch == nil || ch.Old != l.ID || ch.New != nil || label(ch.OldLabel) != "Yard" {
			t.Errorf("asset delete location = %+v", ch)
		}
		ok(t, s.DeleteContact(ctx, api, k.ID, 0))
		ok(t, s.DeleteCustomer(ctx, api, c.ID, 0))
		ev = auditFor(t, s, api, c.ID)
		if len(ev) != 4 {
			t.Fatalf("customer history after delete: %d events", len(ev))
		}
		e = ev[0]
		if e.Action != steward.ActionDelete || e.ObjectName != "Audited Renamed" {
			t.Errorf("delete event = %+v", e)
		}
		wantDelete := map[string]any{"name": "Audited Renamed", "type": "dealer", "external_ref": "A-1", "phone": "0228 123",
			"website": "https://a.example", "address.street": "Main 1", "address.city": "Bonn", "address.country": "DE", "notes": "n"}
		if !sameSet(changeFields(e), keys(wantDelete)) {
			t.Errorf("delete lists %v, want %v", changeFields(e), keys(wantDelete))
		}
		for f, v := range wantDelete {
			if ch := changeOf(e, f); ch == nil || ch.Old != v || ch.New != nil {
				t.Errorf("delete change %s = %+v, want old %v", f, ch, v)
			}
		}
		// The customer's history still includes its deleted contact's events.
		byCustomer := allAudit(t, s, api, steward.AuditFilter{CustomerID: c.ID, ObjectType: steward.ObjectContact})
		if len(byCustomer) != 2 {
			t.Errorf("deleted contact's events under its customer: %d, want 2", len(byCustomer))
		}
	})
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestAuditFilters(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		api := o.admin
		web := o.userActor()
		c := mkCustomer(t, s, api, "C")
		d := mkCustomer(t, s, web, "D")
		k := mkContact(t, s, web, c.ID, "K of C")
		mkContact(t, s, api, d.ID, "K of D")
		l := mkLocation(t, s, api, c.ID, "L of C")
		mkLocation(t, s, api, d.ID, "L of D")
		own := mkLocation(t, s, web, "", "Own")
		x := mkAsset(t, s, api, "X", c.ID, l.ID)
		must(s.UpdateContact(ctx, api, k.ID, 0, func(f *steward.ContactFields) error { f.Title = "Boss"; return nil }))
		must(s.SetCustomerArchived(ctx, web, c.ID, 0, true))
		must(s.SetCustomerArchived(ctx, web, c.ID, 0, false))
		must(s.SetLocationArchived(ctx, api, own.ID, 0, true))
		must(s.UpdateAsset(ctx, web, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &own.ID; return nil }))

		all := allAudit(t, s, api, steward.AuditFilter{})
		check := func(name string, f steward.AuditFilter, keep func(e steward.AuditEvent) bool, min int) {
			t.Helper()
			var want []string
			for _, e := range all {
				if keep(e) {
					want = append(want, e.ID)
				}
			}
			var got []string
			for _, e := range allAudit(t, s, api, f) {
				got = append(got, e.ID)
			}
			if !equalStrings(got, want) {
				t.Errorf("%s: got %d events %v, want %d %v", name, len(got), got, len(want), want)
			}
			if len(want) < min {
				t.Errorf("%s: only %d events, want at least %d", name, len(want), min)
			}
		}
		check("object_type", steward.AuditFilter{ObjectType: steward.ObjectContact},
			func(e steward.AuditEvent) bool { return e.ObjectType == steward.ObjectContact }, 3)
		check("object_id", steward.AuditFilter{ObjectID: c.ID}, func(e steward.AuditEvent) bool { return e.ObjectID == c.ID }, 3)
		inC := map[string]bool{c.ID: true, k.ID: true, l.ID: true}
		check("customer_id", steward.AuditFilter{CustomerID: c.ID}, func(e steward.AuditEvent) bool { return inC[e.ObjectID] }, 6)
		check("actor_id", steward.AuditFilter{ActorID: o.user.ID}, func(e steward.AuditEvent) bool { return e.Actor.ID == o.user.ID }, 6)
		check("source", steward.AuditFilter{Source: steward.SourceWeb}, func(e steward.AuditEvent) bool { return e.Source == steward.SourceWeb }, 6)
		check("source api", steward.AuditFilter{Source: steward.SourceAPI}, func(e steward.AuditEvent) bool { return e.Source == steward.SourceAPI }, 6)
		check("action", steward.AuditFilter{Action: steward.ActionArchive}, func(e steward.AuditEvent) bool { return e.Action == steward.ActionArchive }, 2)
		check("combined", steward.AuditFilter{CustomerID: c.ID, Source: steward.SourceWeb, Action: steward.ActionCreate},
			func(e steward.AuditEvent) bool {
				return inC[e.ObjectID] && e.Source == steward.SourceWeb && e.Action == steward.ActionCreate
			}, 1)
		// From is inclusive, To exclusive.
		mid := all[len(all)/2].At
		check("from", steward.AuditFilter{From: &mid}, func(e steward.AuditEvent) bool { return !e.At.Before(mid.Time) }, 1)
		check("to", steward.AuditFilter{To: &mid}, func(e steward.AuditEvent) bool { return e.At.Before(mid.Time) }, 1)
		first, last := all[len(all)-2].At, all[1].At
		check("from-to", steward.AuditFilter{From: &first, To: &last},
			func(e steward.AuditEvent) bool { return !e.At.Before(first.Time) && e.At.Before(last.Time) }, 1)

		// Filters by customer see the customer's own events and those of its contacts and
		// locations; asset events stay out.
		for _, e := range allAudit(t, s, api, steward.AuditFilter{CustomerID: c.ID}) {
			if e.ObjectType == steward.ObjectAsset {
				t.Errorf("customer filter returns asset event %+v", e)
			}
		}

		// Ordering: newest first, ties by id.
		for i := 1; i < len(all); i++ {
			p, q := all[i-1], all[i]
			if p.At.Before(q.At.Time) || (p.At.Equal(q.At.Time) && p.ID < q.ID) {
				t.Errorf("event %d (%v %s) before %d (%v %s)", i-1, p.At, p.ID, i, q.At, q.ID)
			}
		}
		if all[0].ObjectID != x.ID || all[0].Action != steward.ActionUpdate {
			t.Errorf("newest event = %+v", all[0])
		}
		// Paging with small limits gives the same sequence.
		for _, limit := range []int{1, 3, 7} {
			paged := allAudit(t, s, api, steward.AuditFilter{Limit: limit})
			if len(paged) != len(all) {
				t.Fatalf("limit %d: %d events, want %d", limit, len(paged), len(all))
			}
			for i := range all {
				if paged[i].ID != all[i].ID {
					t.Fatalf("limit %d: event %d differs", limit, i)
				}
			}
		}
		// Cursor bound to its filters; limits checked.
		p := must(s.AuditEvents(ctx, api, steward.AuditFilter{Limit: 2}))
		_, err := s.AuditEvents(ctx, api, steward.AuditFilter{Limit: 2, Cursor: *p.NextCursor, Source: steward.SourceWeb})
		wantField(t, err, steward.EINVALID, "cursor")
		_, err = s.AuditEvents(ctx, api, steward.AuditFilter{Cursor: "bm9wZQ"})
		wantField(t, err, steward.EINVALID, "cursor")
		_, err = s.AuditEvents(ctx, api, steward.AuditFilter{Limit: 501})
		wantField(t, err, steward.EINVALID, "limit")
		_, err = s.AuditEvents(ctx, api, steward.AuditFilter{Limit: -1})
		wantField(t, err, steward.EINVALID, "limit")

		// EachAuditEvent streams the same events and stops on the callback's error.
		var each []string
		ok(t, s.EachAuditEvent(ctx, api, steward.AuditFilter{Limit: 1, Cursor: "ignored"}, func(e *steward.AuditEvent) error {
			each = append(each, e.ID)
			return nil
		}))
		if len(each) != len(all) || each[0] != all[0].ID || each[len(each)-1] != all[len(all)-1].ID {
			t.Errorf("EachAuditEvent gave %d events, want %d", len(each), len(all))
		}
		var some []string
		ok(t, s.EachAuditEvent(ctx, api, steward.AuditFilter{CustomerID: c.ID}, func(e *steward.AuditEvent) error {
			some = append(some, e.ID)
			return nil
		}))
		if len(some) != len(allAudit(t, s, api, steward.AuditFilter{CustomerID: c.ID})) {
			t.Errorf("EachAuditEvent with a filter gave %d", len(some))
		}
		stop := errors.New("stop")
		n := 0
		err = s.EachAuditEvent(ctx, api, steward.AuditFilter{}, func(*steward.AuditEvent) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 3 {
			t.Errorf("EachAuditEvent after a callback error: err %v, %d calls", err, n)
		}
	})
}

func TestAuditPagingManyEvents(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Busy")
		for i := 0; i < 40; i++ {
			must(s.UpdateCustomer(ctx, o.admin, c.ID, 0, func(f *steward.CustomerFields) error { f.Notes = fmt.Sprint("note ", i); return nil }))
		}
		all := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: c.ID})
		if len(all) != 41 {
			t.Fatalf("%d events, want 41", len(all))
		}
		for i, e := range all[:40] {
			if ch := changeOf(e, "notes"); ch == nil || ch.New != fmt.Sprint("note ", 39-i) {
				t.Fatalf("event %d = %+v, want note %d (newest first)", i, e.Changes, 39-i)
			}
		}
		paged := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: c.ID, Limit: 6})
		for i := range all {
			if paged[i].ID != all[i].ID {
				t.Fatalf("paged event %d differs", i)
			}
		}
	})
}
