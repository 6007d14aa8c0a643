package store_test

import (
	"fmt"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// BenchmarkAccountTree measures the account tree's reads in one organization of 2,000
// accounts (40 sub-accounts of the root with 49 sub-accounts each): a page of the subtree list
// from the root (first, deep, searched), the same below one sub-account, reading the deepest
// account and checking a switch to it (what every switched web request asks). Figures in
// docs/PERFORMANCE.md.
func BenchmarkAccountTree(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			s, _ := storetest.Shared(b, engine)
			root, inFirst, leaf := buildAccountTree(b, s, 40, 49)
			var deepCursor string
			f := steward.AccountFilter{ListParams: steward.ListParams{Limit: 50}}
			for i := 0; i < 20; i++ {
				p, err := s.Accounts(ctx, root, f)
				if err != nil || p.NextCursor == nil {
					b.Fatalf("page %d: %v", i, err)
				}
				f.Cursor = *p.NextCursor
			}
			deepCursor = f.Cursor
			run := func(name string, fn func() error) {
				b.Run(name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if err := fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			run("list/root/first page", func() error {
				_, err := s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: 50}})
				return err
			})
			run("list/root/page 21", func() error {
				_, err := s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: 50, Cursor: deepCursor}})
				return err
			})
			run("list/root/q", func() error {
				_, err := s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: 50, Q: "branch 7"}})
				return err
			})
			run("list/root/children", func() error {
				_, err := s.Accounts(ctx, root, steward.AccountFilter{ListParams: steward.ListParams{Limit: 50}, ParentID: root.AccountID})
				return err
			})
			run("list/sub-account", func() error {
				_, err := s.Accounts(ctx, inFirst, steward.AccountFilter{ListParams: steward.ListParams{Limit: 50}})
				return err
			})
			run("get leaf", func() error { _, err := s.SubAccount(ctx, root, leaf); return err })
			run("work in leaf", func() error { _, err := s.WorkIn(ctx, root, leaf); return err })
		})
	}
}

// buildAccountTree creates an organization with n sub-accounts of its root, each with m of its
// own, and returns its Admin, the Admin working in the first sub-account, and a leaf's id.
func buildAccountTree(b *testing.B, s *store.Store, n, m int) (root, inFirst *steward.Actor, leaf string) {
	b.Helper()
	email := "tree-" + randHex(4) + "@example.com"
	acc, u, err := s.CreateOrganization(ctx, steward.Organization{Name: "Tree " + email, Email: email, Country: "DE", Password: "correct horse"})
	if err != nil {
		b.Fatal(err)
	}
	root = &steward.Actor{Type: steward.ActorUser, ID: u.ID, Name: u.Name, UserID: u.ID, AccountID: acc.ID, HomeAccount: acc.ID,
		Role: steward.RoleAdmin, Source: steward.SourceWeb}
	for i := 0; i < n; i++ {
		sub, err := s.CreateSubAccount(ctx, root, steward.SubAccountFields{Name: fmt.Sprintf("Region %02d", i), Email: "r@example.com", Country: "DE"})
		if err != nil {
			b.Fatal(err)
		}
		in, err := s.SwitchAccount(ctx, root, sub.ID)
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			inFirst = in
		}
		for j := 0; j < m; j++ {
			x, err := s.CreateSubAccount(ctx, in, steward.SubAccountFields{Name: fmt.Sprintf("Branch %d-%02d", j, i), Email: "b@example.com", Country: "FR"})
			if err != nil {
				b.Fatal(err)
			}
			leaf = x.ID
		}
	}
	return root, inFirst, leaf
}
