package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

type account = steward.Account

// accounts describes the accounts table. An account's id names it in the whole installation.
var accounts = (&entity[account]{
	table: &table{name: "accounts", alias: "a", noun: "account", objectType: steward.ObjectAccount, versioned: true},
	id:    func(a *account) string { return a.ID },
	keys:  func(a *account) derived { return derived{nameKey: fold(a.Name)} },
	// path (migration 0008) is written once by setAccountPath, which needs the parent's, and read
	// by the account tree's own queries only; auto_share and administrative_id (migration 0010)
	// are the sharing settings', read and written by auto_share.go alone.
	cols: append([]column[account]{
		{name: "id", kind: colInsert, ptr: func(a *account) any { return &a.ID }, val: func(a *account) any { return a.ID }},
		{name: "parent_id", kind: colInsert, ptr: func(a *account) any { return nullable[string]{&a.ParentID} }, val: func(a *account) any { return nullText(a.ParentID) }},
		{name: "root_id", kind: colInsert, ptr: func(a *account) any { return &a.RootID }, val: func(a *account) any { return a.RootID }},
		{name: "name", ptr: func(a *account) any { return &a.Name }, val: func(a *account) any { return a.Name }},
		{name: "kind", ptr: func(a *account) any { return &a.Kind }, val: func(a *account) any { return string(a.Kind) }},
		{name: "email", ptr: func(a *account) any { return &a.Email }, val: func(a *account) any { return a.Email }},
		{name: "country", ptr: func(a *account) any { return &a.Country }, val: func(a *account) any { return a.Country }},
		{name: "external_ref", ptr: func(a *account) any { return &a.ExternalRef }, val: func(a *account) any { return a.ExternalRef }},
		{name: "phone", ptr: func(a *account) any { return &a.Phone }, val: func(a *account) any { return a.Phone }},
		{name: "street", ptr: func(a *account) any { return &a.Address.Street }, val: func(a *account) any { return a.Address.Street }},
		{name: "postal_code", ptr: func(a *account) any { return &a.Address.PostalCode }, val: func(a *account) any { return a.Address.PostalCode }},
		{name: "city", ptr: func(a *account) any { return &a.Address.City }, val: func(a *account) any { return a.Address.City }},
		{name: "region", ptr: func(a *account) any { return &a.Address.Region }, val: func(a *account) any { return a.Address.Region }},
		{name: "address_country", ptr: func(a *account) any { return &a.Address.Country }, val: func(a *account) any { return a.Address.Country }},
		{name: "language", ptr: func(a *account) any { return &a.Language }, val: func(a *account) any { return a.Language }},
		{name: "customers_externally_managed", ptr: func(a *account) any { return &a.CustomersExternallyManaged },
			val: func(a *account) any { return a.CustomersExternallyManaged }},
		{name: "two_factor_required", ptr: func(a *account) any { return &a.TwoFactorRequired },
			val: func(a *account) any { return a.TwoFactorRequired }},
		{name: "name_key", kind: colDerived, key: func(d derived) any { return d.nameKey }},
	}, metaCols(func(a *account) *steward.Meta { return &a.Meta })...),
}).build()

// CreateOrganization creates a root account and its first Admin. ECONFLICT (one field error
// each) when the email already has a user, or, with o.UniqueName, when an organization already
// has the same name (compared case- and accent-insensitively).
func (s *Store) CreateOrganization(ctx context.Context, o steward.Organization) (*steward.Account, *steward.User, error) {
	if err := o.Normalize(); err != nil {
		return nil, nil, err
	}
	hash := hashPassword(o.Password)
	acc := &steward.Account{ID: newID(), AccountFields: steward.AccountFields{Name: o.Name, Kind: steward.AccountInternal,
		Email: o.Email, Country: o.Country}}
	acc.RootID = acc.ID
	u := &steward.User{ID: newID(), AccountID: acc.ID, Name: o.AdminName, Email: o.Email, Role: steward.RoleAdmin,
		FleetVisibility: "all", Active: true}
	err := s.write(ctx, func(t *tx) error {
		var n int
		if err := t.row(ctx, "SELECT COUNT(*) FROM users WHERE email_key = ?", strings.ToLower(o.Email)).Scan(&n); err != nil {
			return err
		}
		conflict := &steward.Error{Code: steward.ECONFLICT}
		if o.UniqueName {
			id, existing, err := t.organizationNamed(ctx, o.Name)
			if err != nil {
				return err
			}
			if id != "" {
				conflict.Message = "an organization with this name already exists"
				conflict.Fields = append(conflict.Fields, steward.FieldError{Field: "org",
					Message: fmt.Sprintf("an organization named %q already exists (account %s)", existing, id)})
			}
		}
		if n > 0 && conflict.Message == "" {
			conflict.Message = "a user with this email already exists"
		} else if n > 0 {
			conflict.Message = "an organization with this name and a user with this email already exist"
		}
		if n > 0 {
			conflict.Fields = append(conflict.Fields, steward.FieldError{Field: "email", Message: "already has a user"})
		}
		if len(conflict.Fields) > 0 {
			return conflict
		}
		acc.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
		u.CreatedAt, u.UpdatedAt = t.now, t.now
		if err := accounts.insert(ctx, t, acc); err != nil {
			return err
		}
		if err := t.setAccountPath(ctx, acc.ID, "/"+acc.ID+"/"); err != nil {
			return err
		}
		if err := users.insert(ctx, t, &userRow{User: *u, passwordHash: hash}); err != nil {
			return err
		}
		sys := steward.SystemActor(acc.ID)
		if err := t.audit(ctx, sys, acc.ID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectAccount,
			objectID: acc.ID, objectName: acc.Name, changes: diff(nil, acc.AccountFields)}); err != nil {
			return err
		}
		return t.audit(ctx, sys, acc.ID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: diff(nil, map[string]any{"name": u.Name, "email": u.Email, "role": u.Role})})
	})
	if err != nil {
		return nil, nil, err
	}
	return acc, u, nil
}

// Account returns the caller's account.
func (s *Store) Account(ctx context.Context, a *steward.Actor) (*steward.Account, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	return accounts.get(ctx, s.reader(), "", a.AccountID, noLock)
}

// UpdateAccount edits the caller's account and its settings (see updateAccount).
func (s *Store) UpdateAccount(ctx context.Context, a *steward.Actor, ifMatch int64, change func(*steward.AccountFields) error) (*steward.Account, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.Account, error) {
		return t.updateAccount(ctx, a, a.AccountID, ifMatch, change)
	})
}

// Empty reports whether the database holds no organization yet.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.reader().row(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n)
	return n == 0, err
}
