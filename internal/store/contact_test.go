package store_test

import (
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestContactCRUD(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Customer")
		c2 := mkCustomer(t, s, a, "Second")
		k, err := s.CreateContact(ctx, a, c.ID, steward.ContactFields{Name: " Service Desk ", Kind: steward.ContactCallCentre,
			Email: "desk@example.com", Phone: "+1 555 0100", Title: "24/7", ExternalRef: "K-1"})
		ok(t, err)
		if k.Name != "Service Desk" || k.CustomerID != c.ID || k.Kind != steward.ContactCallCentre || k.Version != 1 || k.AccountID != o.acc.ID {
			t.Errorf("created = %+v", k)
		}
		if d := mkContact(t, s, a, c.ID, "Default"); d.Kind != steward.ContactPerson {
			t.Errorf("default kind = %q", d.Kind)
		}
		mkContact(t, s, a, c2.ID, "Of second")
		got := must(s.Contact(ctx, a, k.ID))
		if got.ContactFields != k.ContactFields || got.CustomerID != c.ID {
			t.Errorf("stored = %+v", got)
		}
		// Filter by customer.
		if names := contactNames(allContacts(t, s, a, steward.ContactFilter{CustomerID: c.ID})); !equalStrings(names, []string{"Default", "Service Desk"}) {
			t.Errorf("contacts of customer = %v", names)
		}
		if names := contactNames(allContacts(t, s, a, steward.ContactFilter{})); len(names) != 3 {
			t.Errorf("all contacts = %v", names)
		}
		// A contact's customer must exist: ENOTFOUND (it is the URL's subject).
		_, err = s.CreateContact(ctx, a, "no-such-customer", steward.ContactFields{Name: "X"})
		wantCode(t, err, steward.ENOTFOUND)

		up := must(s.UpdateContact(ctx, a, k.ID, 1, func(f *steward.ContactFields) error {
			f.Title = "Mon-Fri"
			f.Kind = steward.ContactDepartment
			return nil
		}))
		if up.Title != "Mon-Fri" || up.Kind != steward.ContactDepartment || up.Version != 2 || up.CustomerID != c.ID {
			t.Errorf("updated = %+v", up)
		}
		_, err = s.UpdateContact(ctx, a, k.ID, 1, func(f *steward.ContactFields) error { f.Title = "x"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		_, err = s.SetContactArchived(ctx, a, k.ID, 1, true)
		wantCode(t, err, steward.EPRECONDITION)
		wantCode(t, s.DeleteContact(ctx, a, k.ID, 1), steward.EPRECONDITION)

		// Archive semantics.
		ar := must(s.SetContactArchived(ctx, a, k.ID, 2, true))
		if ar.ArchivedAt == nil || ar.Version != 3 {
			t.Errorf("archived = %+v", ar)
		}
		if names := contactNames(allContacts(t, s, a, steward.ContactFilter{CustomerID: c.ID})); !equalStrings(names, []string{"Default"}) {
			t.Errorf("default list = %v", names)
		}
		if names := contactNames(allContacts(t, s, a, steward.ContactFilter{ListParams: steward.ListParams{Status: steward.StatusArchived}})); !equalStrings(names, []string{"Service Desk"}) {
			t.Errorf("archived list = %v", names)
		}
		if names := contactNames(allContacts(t, s, a, steward.ContactFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Q: "desk"}})); !equalStrings(names, []string{"Service Desk"}) {
			t.Errorf("search all = %v", names)
		}
		un := must(s.SetContactArchived(ctx, a, k.ID, 0, false))
		if un.ArchivedAt != nil || un.Version != 4 {
			t.Errorf("unarchived = %+v", un)
		}
		ev := auditFor(t, s, a, k.ID)
		if len(ev) != 4 || ev[0].Action != steward.ActionUnarchive || ev[1].Action != steward.ActionArchive ||
			ev[2].Action != steward.ActionUpdate || ev[3].Action != steward.ActionCreate {
			t.Errorf("audit = %+v", ev)
		}

		// Delete: gone, history kept.
		ok(t, s.DeleteContact(ctx, a, k.ID, 4))
		_, err = s.Contact(ctx, a, k.ID)
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, s.DeleteContact(ctx, a, k.ID, 0), steward.ENOTFOUND)
		_, err = s.UpdateContact(ctx, a, k.ID, 0, func(*steward.ContactFields) error { return nil })
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.SetContactArchived(ctx, a, k.ID, 0, true)
		wantCode(t, err, steward.ENOTFOUND)
		ev = auditFor(t, s, a, k.ID)
		if len(ev) != 5 || ev[0].Action != steward.ActionDelete {
			t.Errorf("audit after delete = %d events", len(ev))
		}
		if ch := changeOf(ev[0], "customer_id"); ch == nil || ch.Old != c.ID || label(ch.OldLabel) != "Customer" {
			t.Errorf("delete event customer_id change = %+v", ch)
		}
	})
}

func TestContactValidation(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "C")
		k := mkContact(t, s, o.admin, c.ID, "K")
		for _, tc := range []struct {
			field  string
			change func(*steward.ContactFields)
		}{
			{"name", func(f *steward.ContactFields) { f.Name = " " }},
			{"name", func(f *steward.ContactFields) { f.Name = strings.Repeat("n", 201) }},
			{"kind", func(f *steward.ContactFields) { f.Kind = "robot" }},
			{"email", func(f *steward.ContactFields) { f.Email = "a@b" }},
			{"phone", func(f *steward.ContactFields) { f.Phone = "phone me" }},
			{"title", func(f *steward.ContactFields) { f.Title = strings.Repeat("t", 201) }},
			{"external_ref", func(f *steward.ContactFields) { f.ExternalRef = "a\nb" }},
		} {
			f := steward.ContactFields{Name: "Valid"}
			tc.change(&f)
			_, err := s.CreateContact(ctx, o.admin, c.ID, f)
			wantField(t, err, steward.EINVALID, tc.field)
			_, err = s.UpdateContact(ctx, o.admin, k.ID, 0, func(f *steward.ContactFields) error { tc.change(f); return nil })
			wantField(t, err, steward.EINVALID, tc.field)
		}
		// external_ref: unique per account (across customers), trimmed, case-sensitive.
		c2 := mkCustomer(t, s, o.admin, "C2")
		must(s.CreateContact(ctx, o.admin, c.ID, steward.ContactFields{Name: "A", ExternalRef: "REF"}))
		_, err := s.CreateContact(ctx, o.admin, c2.ID, steward.ContactFields{Name: "B", ExternalRef: " REF "})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		must(s.CreateContact(ctx, o.admin, c2.ID, steward.ContactFields{Name: "B", ExternalRef: "ref"}))
		_, err = s.UpdateContact(ctx, o.admin, k.ID, 0, func(f *steward.ContactFields) error { f.ExternalRef = "REF"; return nil })
		wantField(t, err, steward.ECONFLICT, "external_ref")
	})
}
