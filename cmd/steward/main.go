// Command steward runs Steward: the fleet register of an equipment business. See docs/ and
// `steward help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "steward:", err)
		os.Exit(1)
	}
}

// errUsage marks an error whose message was already printed with the usage.
var errUsage = errors.New("usage")

const usage = `Steward keeps track of an equipment fleet: assets, customers, locations and every change.

Usage:
  steward serve  [--db DSN] [--addr :8080] [--demo]
  steward init   [--db DSN] --org NAME --email EMAIL --password PASSWORD [--country CC] [--admin-name NAME]
  steward apikey create [--db DSN] --email EMAIL --name NAME [--role ROLE] [--integration] [--expires DURATION]
  steward apikey revoke [--db DSN] --prefix PREFIX
  steward migrate [--db DSN]
  steward dev seed [--db DSN] --assets N [--history K] [--org NAME] [--email EMAIL] [--seed S]

--db defaults to the SQLite file steward.db in the working directory; postgres://… selects
PostgreSQL. Every flag also reads STEWARD_<FLAG> from the environment (STEWARD_DB, STEWARD_ADDR…).
Run "steward COMMAND -h" for a command's flags.
`

// env is how run reads the environment, so tests can pass their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program behind main, with its inputs passed in: arguments without the
// program name, the environment, and the output streams. It returns when the command is done, or
// when ctx ends (serve shuts down gracefully).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return e.serve(ctx, rest)
	case "init":
		return e.init(ctx, rest)
	case "migrate":
		return e.migrate(ctx, rest)
	case "apikey":
		if len(rest) > 0 && rest[0] == "create" {
			return e.apikeyCreate(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "revoke" {
			return e.apikeyRevoke(ctx, rest[1:])
		}
		fmt.Fprint(stderr, "usage: steward apikey create|revoke [flags]\n")
		return errUsage
	case "dev":
		if len(rest) > 0 && rest[0] == "seed" {
			return e.devSeed(ctx, rest[1:])
		}
		fmt.Fprint(stderr, "usage: steward dev seed [flags]\n")
		return errUsage
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "steward: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// flags returns a flag set for a command; parse it with e.parse.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("steward "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args, then fills every flag not given on the command line from
// STEWARD_<FLAG> (upper case, dashes as underscores), and checks the required ones.
func (e *env) parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := "STEWARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(name); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s: %v", name, serr)
				return
			}
			set[f.Name] = true
		}
	})
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range required {
		if !set[r] {
			missing = append(missing, "--"+r)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(e.stderr, "%s: missing %s\n", fs.Name(), strings.Join(missing, ", "))
		fs.Usage()
		return errUsage
	}
	return nil
}
