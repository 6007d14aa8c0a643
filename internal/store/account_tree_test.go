package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// subFields are valid fields of a sub-account named name.
func subFields(name string) steward.SubAccountFields {
	return steward.SubAccountFields{Name: name, Email: "office@example.com", Country: "de"}
}

// mkSub creates a sub-account named name under the account a works in.
func mkSub(t *testing.T, s *store.Store, a *steward.Actor, name string) *steward.Account {
	t.Helper()
	return must(s.CreateSubAccount(ctx, a, subFields(name)))
}

// switchTo is a's Admin working in account id (through SwitchAccount, audited).
func switchTo(t *testing.T, s *store.Store, a *steward.Actor, id string) *steward.Actor {
	t.Helper()
	return must(s.SwitchAccount(ctx, a, id))
}

func allAccounts(t *testing.T, s *store.Store, a *steward.Actor, f steward.AccountFilter) []steward.Account {
	t.Helper()
	return pageAll(t, f.Limit, func(x steward.Account) string { return x.ID }, func(c string) (*steward.Page[steward.Account], error) {
		f.Cursor = c
		return s.Accounts(ctx, a, f)
	})
}

func accountNames(xs []steward.Account) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.Name
	}
	return out
}

func TestSubAccountTreeAndVisibility(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		root := o.admin
		// Names whose folded order differs from their creation order and their byte order.
		north := mkSub(t, s, root, "north")
		emile := mkSub(t, s, root, "Émile Depot")
		zulu := mkSub(t, s, root, "Zulu")
		inNorth := switchTo(t, s, root, north.ID)
		n1 := mkSub(t, s, inNorth, "Alpha (north)")
		inN1 := switchTo(t, s, root, n1.ID)
		n11 := mkSub(t, s, inN1, "beta (north 1)")

		if *north.ParentID != o.acc.ID || north.RootID != o.acc.ID || *n1.ParentID != north.ID || n1.RootID != o.acc.ID ||
			*n11.ParentID != n1.ID || n11.RootID != o.acc.ID || north.Kind != steward.AccountInternal || north.Country != "DE" || north.Version != 1 {
			t.Fatalf("tree: north %+v, n1 %+v, n11 %+v", north, n1, n11)
		}

		// The whole subtree below the account one works in, not the account itself, by folded name.
		want := []string{"Alpha (north)", "beta (north 1)", "Émile Depot", "north", "Zulu"}
		for _, limit := range []int{0, 1, 2} {
			if got := accountNames(allAccounts(t, s, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: limit}})); !equalStrings(got, want) {
				t.Errorf("limit %d: accounts = %v, want %v", limit, got, want)
			}
		}
		desc := accountNames(allAccounts(t, s, root, steward.AccountFilter{ListParams: steward.ListParams{Sort: "-name", Limit: 2}}))
		if !equalStrings(desc, []string{"Zulu", "north", "Émile Depot", "beta (north 1)", "Alpha (north)"}) {
			t.Errorf("-name: %v", desc)
		}
		if got := accountNames(allAccounts(t, s, inNorth, steward.AccountFilter{})); !equalStrings(got, []string{"Alpha (north)", "beta (north 1)"}) {
			t.Errorf("below north: %v", got)
		}
		if got := accountNames(allAccounts(t, s, root, steward.AccountFilter{ParentID: o.acc.ID})); !equalStrings(got, []string{"Émile Depot", "north", "Zulu"}) {
			t.Errorf("direct children of the root: %v", got)
		}
		if got := accountNames(allAccounts(t, s, root, steward.AccountFilter{ListParams: steward.ListParams{Q: "NORTH"}})); !equalStrings(got, []string{"Alpha (north)", "beta (north 1)", "north"}) {
			t.Errorf("q=NORTH: %v", got)
		}
		if got := accountNames(allAccounts(t, s, root, steward.AccountFilter{ListParams: steward.ListParams{Q: "emile"}})); !equalStrings(got, []string{"Émile Depot"}) {
			t.Errorf("q=emile (accents folded): %v", got)
		}
		// A cursor belongs to its filters.
		p := must(s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: 1}}))
		_, err := s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: 1, Q: "north", Cursor: *p.NextCursor}})
		wantField(t, err, steward.EINVALID, "cursor")
		_, err = s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Sort: "email"}})
		wantField(t, err, steward.EINVALID, "sort")

		// Visible: the account one works in and everything below it. Invisible (404): a parent,
		// a sibling, another organization's account, an id that is not one.
		must(s.SubAccount(ctx, root, n11.ID))
		must(s.SubAccount(ctx, inNorth, north.ID))
		must(s.SubAccount(ctx, inNorth, n11.ID))
		other := newOrg(t, s)
		otherSub := mkSub(t, s, other.admin, "north")
		for name, tc := range map[string]struct {
			a  *steward.Actor
			id string
		}{
			"the parent":           {inNorth, o.acc.ID},
			"a sibling":            {inNorth, emile.ID},
			"a sibling's child":    {inN1, zulu.ID},
			"another org's root":   {root, other.acc.ID},
			"another org's sub":    {root, otherSub.ID},
			"not an id":            {root, "'; DROP TABLE accounts; --"},
			"an id of nothing":     {root, "0190a5c4-1b2c-7d3e-8f40-123456789abc"},
			"the other way around": {other.admin, north.ID},
		} {
			_, err := s.SubAccount(ctx, tc.a, tc.id)
			if steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", name, err)
			}
			_, err = s.UpdateSubAccount(ctx, tc.a, tc.id, 0, func(f *steward.SubAccountFields) error { f.Name = "taken"; return nil })
			if steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("%s: update: %v, want ENOTFOUND", name, err)
			}
			if err := s.DeleteSubAccount(ctx, tc.a, tc.id, 0); steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("%s: delete: %v, want ENOTFOUND", name, err)
			}
		}
		if got := accountNames(allAccounts(t, s, other.admin, steward.AccountFilter{})); !equalStrings(got, []string{"north"}) {
			t.Errorf("the other organization lists %v", got)
		}
		// A parent filter outside the subtree is a 422 on the parameter, never an empty answer.
		_, err = s.Accounts(ctx, inNorth, steward.AccountFilter{ParentID: emile.ID})
		wantField(t, err, steward.EINVALID, "parent_id")
		_, err = s.Accounts(ctx, root, steward.AccountFilter{ParentID: otherSub.ID})
		wantField(t, err, steward.EINVALID, "parent_id")

		// Each create is in its parent's log, made by the Admin of the root.
		for _, c := range []struct {
			in  *steward.Actor
			acc *steward.Account
		}{{root, north}, {inNorth, n1}, {inN1, n11}} {
			ev := allAudit(t, s, c.in, steward.AuditFilter{ObjectID: c.acc.ID, Action: steward.ActionCreate})
			if len(ev) != 1 || ev[0].ObjectType != steward.ObjectAccount || ev[0].AccountID != *c.acc.ParentID ||
				ev[0].ActorAccountID != o.acc.ID || changeOf(ev[0], "country") == nil {
				t.Errorf("create of %s: audit %+v", c.acc.Name, ev)
			}
		}
	})
}

func TestSubAccountRolesAndInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		b := mkSub(t, s, o.admin, "B")
		for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician} {
			a := o.keyActor(t, s, role, false)
			_, err := s.CreateSubAccount(ctx, a, subFields("no"))
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.UpdateSubAccount(ctx, a, b.ID, 0, func(f *steward.SubAccountFields) error { f.Name = "no"; return nil })
			wantCode(t, err, steward.EFORBIDDEN)
			wantCode(t, s.DeleteSubAccount(ctx, a, b.ID, 0), steward.EFORBIDDEN)
			_, err = s.Accounts(ctx, a, steward.AccountFilter{})
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.SubAccount(ctx, a, b.ID)
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.SwitchAccount(ctx, a, b.ID)
			wantCode(t, err, steward.EFORBIDDEN)
		}
		if got := accountNames(allAccounts(t, s, o.admin, steward.AccountFilter{})); !equalStrings(got, []string{"B"}) {
			t.Errorf("after refused writes: %v", got)
		}

		for _, tc := range []struct {
			name   string
			f      steward.SubAccountFields
			fields []string
		}{
			{"nothing", steward.SubAccountFields{}, []string{"name", "email", "country"}},
			{"no email or country", steward.SubAccountFields{Name: "X"}, []string{"email", "country"}},
			{"upper-case kind", steward.SubAccountFields{Name: "X", Email: "a@example.com", Country: "DE", Kind: "INTERNAL"}, []string{"kind"}},
			{"unknown country", steward.SubAccountFields{Name: "X", Email: "a@example.com", Country: "xx"}, []string{"country"}},
			{"zero-width name", steward.SubAccountFields{Name: "\u200b\u200b", Email: "a@example.com", Country: "DE"}, []string{"name"}},
			{"zero-width inside", steward.SubAccountFields{Name: "Ac\u200bme", Email: "a@example.com", Country: "DE"}, []string{"name"}},
			{"bidi control", steward.SubAccountFields{Name: "Acme\u202e", Email: "a@example.com", Country: "DE"}, []string{"name"}},
			{"huge name", steward.SubAccountFields{Name: strings.Repeat("n", 100_000), Email: "a@example.com", Country: "DE"}, []string{"name"}},
			{"bad email", steward.SubAccountFields{Name: "X", Email: "not an email", Country: "DE"}, []string{"email"}},
		} {
			_, err := s.CreateSubAccount(ctx, o.admin, tc.f)
			for _, f := range tc.fields {
				wantField(t, err, steward.EINVALID, f)
			}
		}
		ext := mkSub(t, s, o.admin, "External")
		ext = must(s.UpdateSubAccount(ctx, o.admin, ext.ID, ext.Version, func(f *steward.SubAccountFields) error {
			f.Kind, f.ExternalRef = steward.AccountExternal, "CRM-1"
			return nil
		}))
		if ext.Kind != steward.AccountExternal || ext.ExternalRef != "CRM-1" || ext.Version != 2 {
			t.Errorf("updated: %+v", ext)
		}
		// An external reference is unique in the organization, not across organizations.
		f := subFields("Dup")
		f.ExternalRef = "CRM-1"
		_, err := s.CreateSubAccount(ctx, o.admin, f)
		wantField(t, err, steward.ECONFLICT, "external_ref")
		other := newOrg(t, s)
		must(s.CreateSubAccount(ctx, other.admin, f))

		// A sub-account keeps its email and country; stale versions are refused.
		_, err = s.UpdateSubAccount(ctx, o.admin, b.ID, 0, func(f *steward.SubAccountFields) error { f.Email, f.Country = "", ""; return nil })
		wantField(t, err, steward.EINVALID, "country")
		_, err = s.UpdateSubAccount(ctx, o.admin, ext.ID, 1, func(f *steward.SubAccountFields) error { f.Name = "late"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		// The update is in the parent's log.
		ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: ext.ID, Action: steward.ActionUpdate})
		if len(ev) != 1 || ev[0].AccountID != o.acc.ID || changeOf(ev[0], "external_ref") == nil || changeOf(ev[0], "kind") == nil {
			t.Errorf("update audit: %+v", ev)
		}
	})
}

func TestSubAccountMaxDepth(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		in := o.admin
		var last *steward.Account
		for level := 1; level <= steward.MaxAccountDepth; level++ {
			last = mkSub(t, s, in, fmt.Sprintf("level %d", level))
			in = switchTo(t, s, o.admin, last.ID)
		}
		_, err := s.CreateSubAccount(ctx, in, subFields("too deep"))
		e := wantField(t, err, steward.ECONFLICT, "parent")
		if !strings.Contains(e.Fields[0].Message, fmt.Sprint(steward.MaxAccountDepth)) {
			t.Errorf("message: %q", e.Fields[0].Message)
		}
		if got := len(allAccounts(t, s, o.admin, steward.AccountFilter{})); got != steward.MaxAccountDepth {
			t.Errorf("%d accounts below the root, want %d", got, steward.MaxAccountDepth)
		}
		// The deepest account is still found from the root, and visible to its own admin.
		must(s.SubAccount(ctx, o.admin, last.ID))
		must(s.SubAccount(ctx, in, last.ID))
	})
}

func TestDeleteSubAccountConditions(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		root := o.admin
		b := mkSub(t, s, root, "B")
		inB := switchTo(t, s, root, b.ID)
		b1 := mkSub(t, s, inB, "B1")
		b2 := mkSub(t, s, inB, "B2")
		x := mkAsset(t, s, inB, "owned by B", "", "")
		y := mkAsset(t, s, inB, "also owned by B", "", "")

		// Every unmet condition is named at once, with its count.
		err := s.DeleteSubAccount(ctx, root, b.ID, 0)
		e := wantField(t, err, steward.ECONFLICT, "accounts")
		wantField(t, err, steward.ECONFLICT, "assets")
		msgs := map[string]string{}
		for _, f := range e.Fields {
			msgs[f.Field] = f.Message
		}
		if msgs["accounts"] != "2 sub-accounts are under it" || msgs["assets"] != "2 assets are owned by it" || len(e.Fields) != 2 {
			t.Errorf("409 fields: %+v", e.Fields)
		}
		// Not a direct child; the account one works in; each refused with "parent".
		e = wantField(t, s.DeleteSubAccount(ctx, root, b1.ID, 0), steward.ECONFLICT, "parent")
		if len(e.Fields) != 1 {
			t.Errorf("grandchild: %+v", e.Fields)
		}
		wantField(t, s.DeleteSubAccount(ctx, root, o.acc.ID, 0), steward.ECONFLICT, "parent")
		wantField(t, s.DeleteSubAccount(ctx, inB, b.ID, 0), steward.ECONFLICT, "parent")
		// Nothing was deleted by the refusals.
		must(s.SubAccount(ctx, root, b.ID))
		must(s.SubAccount(ctx, root, b1.ID))
		must(s.Asset(ctx, inB, x.ID))

		// One asset left, one sub-account: both named in the singular.
		ok(t, s.DeleteAsset(ctx, inB, x.ID, 0))
		ok(t, s.DeleteSubAccount(ctx, inB, b2.ID, 0))
		e = wantCode(t, s.DeleteSubAccount(ctx, root, b.ID, 0), steward.ECONFLICT)
		msgs = map[string]string{}
		for _, f := range e.Fields {
			msgs[f.Field] = f.Message
		}
		if msgs["accounts"] != "1 sub-account is under it" || msgs["assets"] != "1 asset is owned by it" {
			t.Errorf("409 fields: %+v", e.Fields)
		}
		// An archived asset is still owned.
		must(s.SetAssetArchived(ctx, inB, y.ID, 0, true))
		wantField(t, s.DeleteSubAccount(ctx, root, b.ID, 0), steward.ECONFLICT, "assets")
		ok(t, s.DeleteAsset(ctx, inB, y.ID, 0))
		ok(t, s.DeleteSubAccount(ctx, inB, b1.ID, 0))

		// What lives only in B goes with it; its log stays.
		c := mkCustomer(t, s, inB, "B's customer")
		mkContact(t, s, inB, c.ID, "B's contact")
		mkLocation(t, s, inB, c.ID, "B's site")
		mkLocation(t, s, inB, "", "B's depot")
		// A user invited there, the invitation not yet accepted.
		if _, _, err := s.InviteUser(ctx, inB, steward.UserFields{Name: "B's person", Email: "person-" + b.ID + "@example.com",
			Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityAll}); err != nil {
			t.Fatal(err)
		}
		cur := must(s.SubAccount(ctx, root, b.ID))
		wantCode(t, s.DeleteSubAccount(ctx, root, b.ID, cur.Version+1), steward.EPRECONDITION)
		ok(t, s.DeleteSubAccount(ctx, root, b.ID, cur.Version))
		_, err = s.SubAccount(ctx, root, b.ID)
		wantCode(t, err, steward.ENOTFOUND)
		for _, table := range []string{"customers", "contacts", "locations", "assets", "users", "user_tokens", "api_keys"} {
			if n := raw.int(t, "SELECT COUNT(*) FROM "+table+" WHERE account_id = ?", b.ID); n != 0 {
				t.Errorf("%d %s of the deleted account remain", n, table)
			}
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM audit_events WHERE account_id = ?", b.ID); n == 0 {
			t.Error("the deleted account's own log is gone")
		}
		ev := allAudit(t, s, root, steward.AuditFilter{ObjectID: b.ID, Action: steward.ActionDelete})
		if len(ev) != 1 || ev[0].AccountID != o.acc.ID || changeOf(ev[0], "name") == nil {
			t.Errorf("delete audit: %+v", ev)
		}
		// Deleted, it is not found, and a session working in it finds nothing.
		wantCode(t, s.DeleteSubAccount(ctx, root, b.ID, 0), steward.ENOTFOUND)
		_, err = s.WorkIn(ctx, root, b.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestDeleteSubAccountConcurrently(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		// The same account deleted twice at once: one succeeds, the other finds nothing.
		for round := 0; round < 5; round++ {
			b := mkSub(t, s, o.admin, fmt.Sprintf("twice %d", round))
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.DeleteSubAccount(ctx, o.admin, b.ID, 0)
				}()
			}
			wg.Wait()
			okCount, notFound := 0, 0
			for _, err := range errs {
				switch steward.ErrorCode(err) {
				case "":
					okCount++
				case steward.ENOTFOUND:
					notFound++
				default:
					t.Errorf("round %d: %v", round, err)
				}
			}
			if okCount != 1 || notFound != 1 {
				t.Errorf("round %d: %d deleted, %d not found: %v", round, okCount, notFound, errs)
			}
		}
		// A delete racing a child's create: never an orphan.
		for round := 0; round < 5; round++ {
			b := mkSub(t, s, o.admin, fmt.Sprintf("racing %d", round))
			inB := switchTo(t, s, o.admin, b.ID)
			var delErr, createErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); delErr = s.DeleteSubAccount(ctx, o.admin, b.ID, 0) }()
			go func() { defer wg.Done(); _, createErr = s.CreateSubAccount(ctx, inB, subFields("child")) }()
			wg.Wait()
			if (delErr == nil) == (createErr == nil) {
				t.Errorf("round %d: delete %v, create %v: exactly one must win", round, delErr, createErr)
			}
			if n := raw.int(t, "SELECT COUNT(*) FROM accounts c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts p WHERE p.id = c.parent_id)"); n != 0 {
				t.Fatalf("round %d: %d orphaned accounts", round, n)
			}
		}
	})
}

func TestSwitchAccount(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		root := o.userActor()
		b := mkSub(t, s, o.admin, "B")
		inB := switchTo(t, s, o.admin, b.ID)
		b1 := mkSub(t, s, inB, "B1")
		c := mkSub(t, s, o.admin, "C")

		// Into a grandchild: the same person, role and home, working there.
		in := must(s.SwitchAccount(ctx, root, b1.ID))
		if in.AccountID != b1.ID || in.HomeAccount != o.acc.ID || in.Role != steward.RoleAdmin || in.UserID != root.UserID || in.ID != root.ID {
			t.Errorf("switched actor = %+v", in)
		}
		if root.AccountID != o.acc.ID {
			t.Error("SwitchAccount changed the actor it was given")
		}
		ev := allAudit(t, s, in, steward.AuditFilter{Action: steward.ActionSwitchAccount})
		if len(ev) != 1 || ev[0].AccountID != b1.ID || ev[0].ActorAccountID != o.acc.ID || ev[0].ObjectID != b1.ID ||
			ev[0].Actor.ID != root.ID || ev[0].Source != steward.SourceWeb {
			t.Fatalf("switch audit in B1: %+v", ev)
		}
		if ch := changeOf(ev[0], "account_id"); ch == nil || ch.Old != o.acc.ID || ch.New != b1.ID || label(ch.NewLabel) != "B1" {
			t.Errorf("switch change: %+v", ev[0].Changes)
		}
		// What it creates there belongs there, and the root does not see it.
		x := mkCustomer(t, s, in, "B1's customer")
		if x.AccountID != b1.ID {
			t.Errorf("customer created in %s", x.AccountID)
		}
		_, err := s.Customer(ctx, o.admin, x.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// From there to a sibling subtree of the home account, and back home: both audited.
		inC := must(s.SwitchAccount(ctx, in, c.ID))
		if inC.AccountID != c.ID || inC.HomeAccount != o.acc.ID {
			t.Errorf("to C: %+v", inC)
		}
		home := must(s.SwitchAccount(ctx, inC, o.acc.ID))
		if home.AccountID != o.acc.ID {
			t.Errorf("back home: %+v", home)
		}
		ev = allAudit(t, s, home, steward.AuditFilter{ObjectID: o.acc.ID, Action: steward.ActionSwitchAccount})
		if len(ev) != 1 || ev[0].AccountID != o.acc.ID {
			t.Errorf("switch home audit: %+v", ev)
		}

		// Nowhere else: another organization, an account above one's home, nonsense.
		other := newOrg(t, s)
		otherSub := mkSub(t, s, other.admin, "other")
		bAdmin := &steward.Actor{Type: steward.ActorUser, ID: "u-b", Name: "B's admin", UserID: "u-b", AccountID: b.ID, HomeAccount: b.ID,
			Role: steward.RoleAdmin, Source: steward.SourceWeb}
		for name, tc := range map[string]struct {
			a  *steward.Actor
			id string
		}{
			"another org":         {root, other.acc.ID},
			"another org's sub":   {root, otherSub.ID},
			"above one's home":    {bAdmin, o.acc.ID},
			"a sibling of home":   {bAdmin, c.ID},
			"from a switch, out":  {in, other.acc.ID},
			"not an id":           {root, "../../"},
			"an id of nothing":    {root, "0190a5c4-1b2c-7d3e-8f40-123456789abc"},
			"the other way round": {other.admin, b.ID},
		} {
			if _, err := s.SwitchAccount(ctx, tc.a, tc.id); steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", name, err)
			}
			if _, err := s.WorkIn(ctx, tc.a, tc.id); steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("%s: WorkIn: %v, want ENOTFOUND", name, err)
			}
		}
		// B's own Admin switches below B.
		must(s.SwitchAccount(ctx, bAdmin, b1.ID))

		// WorkIn checks the same and records nothing.
		before := len(allAudit(t, s, in, steward.AuditFilter{Action: steward.ActionSwitchAccount}))
		w := must(s.WorkIn(ctx, root, b1.ID))
		if w.AccountID != b1.ID || w.HomeAccount != o.acc.ID {
			t.Errorf("WorkIn: %+v", w)
		}
		if after := len(allAudit(t, s, in, steward.AuditFilter{Action: steward.ActionSwitchAccount})); after != before {
			t.Errorf("WorkIn wrote %d audit rows", after-before)
		}
	})
}

// Upgrading a database gives the accounts made before 0008 their paths (a tree too, though only
// roots could exist), so the tree's rules hold for them at once.
func TestMigrationGivesAccountsPaths(t *testing.T) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, dsn)
		if _, err := s.MigrateTo(ctx, 5); err != nil { // the schema before 0008_account_tree
			t.Fatal(err)
		}
		raw := openRaw(t, engine, dsn)
		insert := func(id string, parent any, root, name string) {
			raw.exec(t, `INSERT INTO accounts (id, root_id, parent_id, name, kind, email, country, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'internal', 'a@example.com', 'DE', 1, 1)`, id, root, parent, name)
		}
		insert("r1", nil, "r1", "Root")
		insert("c1", "r1", "r1", "Child")
		insert("g1", "c1", "r1", "Grandchild")
		insert("r2", nil, "r2", "Other")
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{"r1": "/r1/", "c1": "/r1/c1/", "g1": "/r1/c1/g1/", "r2": "/r2/"} {
			var got string
			if err := raw.db.QueryRow(raw.rebind("SELECT path FROM accounts WHERE id = ?"), id).Scan(&got); err != nil || got != want {
				t.Errorf("path of %s = %q (%v), want %q", id, got, err, want)
			}
		}
		admin := &steward.Actor{Type: steward.ActorSystem, Name: "system", AccountID: "r1", HomeAccount: "r1", Role: steward.RoleAdmin}
		if got := accountNames(allAccounts(t, s, admin, steward.AccountFilter{})); !equalStrings(got, []string{"Child", "Grandchild"}) {
			t.Errorf("below the old root: %v", got)
		}
		wantField(t, s.DeleteSubAccount(ctx, admin, "c1", 0), steward.ECONFLICT, "accounts")
	})
}

// TestAccountsByRootUseTheTreeIndex: migration 0011 dropped accounts_root (root_id), a prefix of
// accounts_tree_name (root_id, name_key, id). Every query that reads an organization's accounts
// by root_id is still answered from that index, on both engines.
func TestAccountsByRootUseTheTreeIndex(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		indexes := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
		if raw.engine == "postgres" {
			indexes = "SELECT COUNT(*) FROM pg_indexes WHERE indexname = ?"
		}
		if raw.int(t, indexes, "accounts_root") != 0 || raw.int(t, indexes, "accounts_tree_name") != 1 {
			t.Fatal("accounts_root is still there, or accounts_tree_name is not")
		}
		root := o.acc.ID
		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"the organization's accounts by name", "SELECT id, name_key FROM accounts a WHERE a.root_id = ? AND a.id <> ? ORDER BY a.name_key, a.id LIMIT 51",
				[]any{root, root}},
			{"external_ref unique in the organization", "SELECT id FROM accounts WHERE root_id = ? AND external_ref = ? AND id <> ?",
				[]any{root, "R-1", root}},
			{"the administrative account's reach", "SELECT x.account_id FROM assets x WHERE x.id = ? AND x.account_id IN (SELECT id FROM accounts WHERE root_id = ?)",
				[]any{root, root}},
		} {
			plan := explain(t, raw, q.sql, q.args)
			if !strings.Contains(plan, "accounts_tree_name") && !strings.Contains(plan, "accounts_pkey") &&
				!strings.Contains(plan, "sqlite_autoindex_accounts") {
				t.Errorf("%s: the plan uses no index of accounts:\n%s", q.name, plan)
			}
			if strings.Contains(plan, "SCAN accounts") || strings.Contains(plan, "Seq Scan on accounts") {
				t.Errorf("%s: the plan scans accounts:\n%s", q.name, plan)
			}
		}
	})
}
