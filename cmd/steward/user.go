package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/web"
)

// The user commands work as the system of an account, which is named by the email of one of
// its users (--account-email): the command line has no signed-in user, and an email names one
// user in the whole installation.

// accountOf returns the system actor of the account of the user with email, in words of cmd's
// flag when there is none.
func accountOf(ctx context.Context, s *store.Store, cmd, flagName, email string) (*steward.Actor, error) {
	a, err := s.SystemActorOfUser(ctx, email)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, fmt.Errorf("--%s: no user has the email %s", flagName, email)
	}
	return a, err
}

func (e *env) userInvite(ctx context.Context, args []string) error {
	const cmd = "user invite"
	fs := e.flags(cmd)
	db := e.dbFlag(fs)
	accountEmail := fs.String("account-email", "", "the `EMAIL` of a user of the account to invite into (its Admin, say)")
	email := fs.String("email", "", "the new user's `EMAIL`, unique in the installation")
	name := fs.String("name", "", "the new user's `NAME`")
	role := fs.String("role", "", "the new user's `ROLE`: admin, fleet_admin, user or technician")
	visibility := fs.String("fleet-visibility", string(steward.FleetVisibilityAll),
		"which assets the user sees, `all`, none or groups (groups: only those of the user's groups, none until added to one)")
	publicURL := fs.String("public-url", "", "the `URL` browsers reach Steward at, the start of the printed link (default: print only the path)")
	if err := e.parse(fs, args, "account-email", "email", "name", "role"); err != nil {
		return err
	}
	base := ""
	if *publicURL != "" {
		u, err := web.ParsePublicURL(*publicURL)
		if err != nil {
			return usagef(cmd, "--public-url %v", err)
		}
		base = u
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := accountOf(ctx, s, cmd, "account-email", *accountEmail)
	if err != nil {
		return err
	}
	_, tok, err := s.InviteUser(ctx, a, steward.UserFields{Name: *name, Email: *email, Role: steward.Role(*role),
		FleetVisibility: steward.FleetVisibility(*visibility)})
	if err != nil {
		return describe(cmd, err, flagsOf(fs, nil))
	}
	fmt.Fprintln(e.stdout, base+web.InvitePath+tok.Token)
	fmt.Fprintf(e.stderr, "The link works once, until %s.\n", tableTime(&tok.ExpiresAt))
	return nil
}

func (e *env) userList(ctx context.Context, args []string) error {
	const cmd = "user list"
	fs := e.flags(cmd)
	db := e.dbFlag(fs)
	accountEmail := fs.String("account-email", "", "the `EMAIL` of a user of the account whose users to list")
	q := fs.String("q", "", "only users whose name or email contains `TEXT` (case and accents aside)")
	active := fs.String("active", "", "`true`: only active users; false: only deactivated ones (default: both)")
	if err := e.parse(fs, args, "account-email"); err != nil {
		return err
	}
	f := steward.UserFilter{Q: *q, Limit: steward.MaxLimit}
	if *active != "" {
		b, err := strconv.ParseBool(*active)
		if err != nil || (*active != "true" && *active != "false") {
			return usagef(cmd, "--active must be true or false")
		}
		f.Active = &b
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := accountOf(ctx, s, cmd, "account-email", *accountEmail)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tFLEET\tSTATUS\tCREATED")
	for {
		page, err := s.Users(ctx, a, f)
		if err != nil {
			return describe(cmd, err, flagsOf(fs, nil))
		}
		for _, u := range page.Data {
			status := "active"
			switch {
			case !u.Active:
				status = "deactivated"
			case u.InvitePending:
				status = "invited"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(u.Email), cell(u.Name), u.Role, u.FleetVisibility, status,
				tableTime(&u.CreatedAt))
		}
		if page.NextCursor == nil {
			break
		}
		f.Cursor = *page.NextCursor
	}
	return tw.Flush()
}

func (e *env) userDeactivate(ctx context.Context, args []string) error {
	return e.userSetActive(ctx, "user deactivate", args, false)
}

func (e *env) userReactivate(ctx context.Context, args []string) error {
	return e.userSetActive(ctx, "user reactivate", args, true)
}

func (e *env) userSetActive(ctx context.Context, cmd string, args []string, active bool) error {
	return e.onUser(ctx, cmd, args, func(s *store.Store, a *steward.Actor, id, email string) error {
		u, err := s.SetUserActive(ctx, a, id, 0, active)
		if err != nil {
			// The service names the user's state (active); here the user is --email.
			return describe(cmd, err, map[string]string{"active": "email", "id": "email"})
		}
		state := "deactivated: their web sessions and API keys no longer work"
		if active {
			state = "active again"
		}
		fmt.Fprintf(e.stdout, "%s is %s.\n", u.Email, state)
		return nil
	})
}

// userResetTwoFactor switches a user's two-factor sign-in off, as the system of their account.
func (e *env) userResetTwoFactor(ctx context.Context, args []string) error {
	const cmd = "user reset-two-factor"
	return e.onUser(ctx, cmd, args, func(s *store.Store, a *steward.Actor, id, email string) error {
		if err := s.ResetTwoFactor(ctx, a, id); err != nil {
			return describe(cmd, err, map[string]string{"id": "email"})
		}
		fmt.Fprintf(e.stdout, "Two-factor sign-in is off for %s: they sign in with their password alone.\n", email)
		return nil
	})
}

// onUser runs a command on the user --email names (flags --db and --email), as the system of
// the user's account.
func (e *env) onUser(ctx context.Context, cmd string, args []string, do func(s *store.Store, a *steward.Actor, id, email string) error) error {
	fs := e.flags(cmd)
	db := e.dbFlag(fs)
	email := fs.String("email", "", "the user's `EMAIL`")
	if err := e.parse(fs, args, "email"); err != nil {
		return err
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := accountOf(ctx, s, cmd, "email", *email)
	if err != nil {
		return err
	}
	id, err := s.UserIDByEmail(ctx, a, *email)
	if err != nil {
		return err
	}
	return do(s, a, id, *email)
}
