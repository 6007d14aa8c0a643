package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// openStore opens the database and brings it to the current schema, as every command does.
func (e *env) openStore(ctx context.Context, dsn string) (*store.Store, error) {
	s, err := store.Open(ctx, dsn, e.storeOptions())
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// storeOptions reads the store's tuning from the environment.
func (e *env) storeOptions() store.Options {
	return store.Options{SQLiteSynchronous: e.getenv("STEWARD_SQLITE_SYNCHRONOUS")}
}

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", store.DefaultSQLitePath, "database: a SQLite file path, or postgres://…")
}

func (e *env) migrate(ctx context.Context, args []string) error {
	fs := e.flags("migrate")
	db := dbFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	s, err := store.Open(ctx, *db, e.storeOptions())
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: schema at version %d (%d migrations applied)\n", s, store.SchemaVersion(), n)
	return nil
}

func (e *env) init(ctx context.Context, args []string) error {
	fs := e.flags("init")
	db := dbFlag(fs)
	org := fs.String("org", "", "organization name")
	email := fs.String("email", "", "the first Admin's email")
	password := fs.String("password", "", "the first Admin's password (at least 8 characters)")
	country := fs.String("country", "", "the organization's country (ISO 3166-1 alpha-2)")
	adminName := fs.String("admin-name", "", "the first Admin's name (default: the email)")
	if err := e.parse(fs, args, "org", "email", "password"); err != nil {
		return err
	}
	s, err := e.openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	acc, u, err := s.CreateOrganization(ctx, steward.Organization{Name: *org, Email: *email, Password: *password,
		Country: *country, AdminName: *adminName})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "Created organization %q (account %s) with Admin %s.\n", acc.Name, acc.ID, u.Email)
	fmt.Fprintf(e.stdout, "Next: steward apikey create --email %s --name NAME\n", u.Email)
	return nil
}

// describe turns a domain error into a message that names each bad field.
func describe(err error) error {
	var fields []string
	if e, ok := err.(*steward.Error); ok {
		for _, f := range e.Fields {
			fields = append(fields, "--"+strings.ReplaceAll(f.Field, "_", "-")+" "+f.Message)
		}
		if len(fields) > 0 {
			return fmt.Errorf("%s", strings.Join(fields, "; "))
		}
		return fmt.Errorf("%s", e.Message)
	}
	return err
}

// parseDuration reads Go durations plus days ("30d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--expires: %q is not a duration like 30d or 720h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("--expires: %q is not a duration like 30d or 720h", s)
	}
	return v, nil
}

func (e *env) apikeyCreate(ctx context.Context, args []string) error {
	fs := e.flags("apikey create")
	db := dbFlag(fs)
	email := fs.String("email", "", "the user the key acts as")
	name := fs.String("name", "", "a name for the key, to recognise it later")
	role := fs.String("role", "", "admin, fleet_admin, user or technician (default: the user's role; may only lower it)")
	integration := fs.Bool("integration", false, "an integration key: may write externally managed customers")
	expires := fs.String("expires", "", "lifetime, like 90d or 720h (default: never expires)")
	if err := e.parse(fs, args, "email", "name"); err != nil {
		return err
	}
	f := steward.APIKeyFields{Name: *name, Role: steward.Role(*role), Integration: *integration}
	if *expires != "" {
		d, err := parseDuration(*expires)
		if err != nil {
			return err
		}
		t := steward.TimestampOf(time.Now().Add(d))
		f.ExpiresAt = &t
	}
	s, err := e.openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	k, err := s.CreateAPIKeyForEmail(ctx, *email, f)
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return fmt.Errorf("no user has the email %s", *email)
		}
		return describe(err)
	}
	fmt.Fprintln(e.stdout, k.Key)
	return nil
}

func (e *env) apikeyRevoke(ctx context.Context, args []string) error {
	fs := e.flags("apikey revoke")
	db := dbFlag(fs)
	prefix := fs.String("prefix", "", "the key's prefix, as the API lists it (stw_…)")
	if err := e.parse(fs, args, "prefix"); err != nil {
		return err
	}
	s, err := e.openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.RevokeAPIKeyByPrefix(ctx, *prefix); err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return fmt.Errorf("no API key has the prefix %s", *prefix)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Revoked API key %s.\n", *prefix)
	return nil
}

func (e *env) devSeed(ctx context.Context, args []string) error {
	fs := e.flags("dev seed")
	db := dbFlag(fs)
	assets := fs.Int("assets", 0, "number of assets (customers N/10, locations 3N/10, contacts N/4)")
	history := fs.Int("history", 0, "past movements per asset, each with its audit row")
	org := fs.String("org", "", "organization name (default: Rental Fleet N)")
	email := fs.String("email", "", "the Admin's email (default: derived from the organization)")
	seedN := fs.Int64("seed", 1, "random seed: the same seed builds the same data")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the seeding to this file (for tuning the loader)")
	if err := e.parse(fs, args, "assets"); err != nil {
		return err
	}
	if *assets < 10 {
		return fmt.Errorf("--assets must be at least 10")
	}
	if *history < 0 || *history > 100 {
		return fmt.Errorf("--history must be between 0 and 100")
	}
	if *org == "" {
		*org = fmt.Sprintf("Rental Fleet %d", *assets)
	}
	if *cpuProfile != "" {
		// Before the database is touched, so a bad path changes nothing.
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	s, err := e.openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := seed.Build(ctx, s, seed.Options{Org: *org, Email: *email, Assets: *assets, History: *history, Seed: *seedN,
		Progress: func(format string, args ...any) { fmt.Fprintf(e.stderr, "seed: "+format+"\n", args...) }})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stderr, "seed: %q: %d customers, %d locations, %d contacts, %d assets, %d audit events in %s\n",
		res.Account.Name, res.Customers, res.Locations, res.Contacts, res.Assets, res.Audit, res.Took.Round(time.Millisecond))
	fmt.Fprintln(e.stdout, res.Admin.Email)
	return nil
}
