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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, errUsage) {
			os.Exit(2) // run already said what was wrong and how to get help
		}
		fmt.Fprintln(os.Stderr, "steward:", err)
		os.Exit(1)
	}
}

// errUsage marks a mistake in the command line (an unknown command or flag, a missing or bad
// value): run prints it with a hint, and the process exits 2, as Go's own tools do.
var errUsage = errors.New("usage")

// errHelp is returned by a command that printed its help; run turns it into success.
var errHelp = errors.New("help shown")

// usageError is a command line mistake, said in words that name the flag and what is wrong.
type usageError struct {
	cmd string // "init", "apikey create"; "" for the program itself
	msg string
}

func (u *usageError) Error() string        { return u.msg }
func (u *usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usage error of the command.
func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// command is one command or subcommand: the synopsis and sentence its help prints, and what
// runs it. The overview, each command's help and the dispatch all read this one table.
type command struct {
	name     string // "init", "apikey create"
	synopsis string // the flags, as the usage line shows them
	summary  string // what it does, one sentence
	run      func(e *env, ctx context.Context, args []string) error
}

// commands is filled by init: the commands' help reads the table, so it cannot be a plain
// initializer.
var commands []*command

func init() {
	commands = []*command{
		{"serve", "[--db DSN] [--addr :8080] [--demo [--seed S] [--admin-name NAME]] [--log-format auto|text|json] [--rate-limit N] [--rate-limit-failed N] [--trusted-proxies CIDRS] [--session-lifetime DURATION] [--session-idle-timeout DURATION] [--secure-cookies] [--public-url URL] [--webhook-allow-private] [--max-import-mib MIB] [--smtp-url URL] [--mail-from ADDRESS]",
			"Serves the JSON API and the web interface; with --demo it first fills an empty database with a demo fleet, listens on 127.0.0.1 only, and prints how to sign in.",
			(*env).serve},
		{"init", "[--db DSN] --org NAME --email EMAIL --password PASSWORD [--country CC] [--admin-name NAME] [--allow-duplicate-name]",
			"Creates an organization and its first Admin; run again with another name to add another, fully isolated organization.",
			(*env).init},
		{"apikey create", "[--db DSN] --email EMAIL --name NAME [--role ROLE] [--integration] [--expires DURATION]",
			"Creates an API key that acts as the user with that email, and prints only the key (it is shown once).",
			(*env).apikeyCreate},
		{"apikey list", "[--db DSN] [--email EMAIL]",
			"Lists the API keys of the installation, or of one user, as a table with the prefix that apikey revoke takes.",
			(*env).apikeyList},
		{"apikey revoke", "[--db DSN] --prefix PREFIX",
			"Revokes an API key at once, named by the prefix apikey list shows.",
			(*env).apikeyRevoke},
		{"user invite", "[--db DSN] --account-email EMAIL --email EMAIL --name NAME --role ROLE [--fleet-visibility all|none|groups] [--public-url URL]",
			"Invites a user into the account of the user with --account-email, and prints the one-time link (valid 7 days) that lets them set a password.",
			(*env).userInvite},
		{"user list", "[--db DSN] --account-email EMAIL [--q TEXT] [--active true|false]",
			"Lists the users of the account of the user with --account-email, as a table.",
			(*env).userList},
		{"user deactivate", "[--db DSN] --email EMAIL",
			"Deactivates the user with that email: their web sessions and API keys stop at once. The last active Admin of an account cannot be deactivated.",
			(*env).userDeactivate},
		{"user reactivate", "[--db DSN] --email EMAIL",
			"Reactivates the user with that email; they sign in again.",
			(*env).userReactivate},
		{"user reset-two-factor", "[--db DSN] --email EMAIL",
			"Switches two-factor sign-in off for the user with that email (one who lost their authenticator and recovery codes): they sign in with their password alone, or enrol again where their account requires it.",
			(*env).userResetTwoFactor},
		{"import", "KIND FILE [--db DSN] --email EMAIL [--dry-run] [--max-import-mib MIB]",
			"Imports a CSV file of customers, contacts, locations or assets as the user with that email: every row is checked first, then the file is applied all or nothing (a dry run only reports).",
			(*env).importCmd},
		{"migrate", "[--db DSN]",
			"Brings the database to the current schema and prints its version (every command also does this first).",
			(*env).migrate},
		{"dev seed", "[--db DSN] --assets N [--orgs M] [--history K] [--org NAME] [--email EMAIL] [--admin-name NAME] [--seed S] [--cpuprofile FILE]",
			"Adds a new organization (or --orgs M of them, for the many-tenants benchmark) filled with a generated rental fleet, the same for the same seed, and prints its Admin's email (each one's).",
			(*env).devSeed},
		{"version", "",
			"Prints Steward's version, the source revision it was built from and the Go version.",
			(*env).version},
		{"help", "[COMMAND]",
			"Prints the overview of all commands, or one command's help.",
			(*env).help},
	}
}

// groups are the commands that only hold subcommands, with what they are about.
var groups = map[string]string{
	"apikey": "Creates, lists and revokes API keys from the command line.",
	"dev":    "Tools for development and benchmarks.",
	"user":   "Invites, lists, deactivates and reactivates users from the command line.",
}

// lookup returns the command named by words ("apikey", "create").
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageLine is a command's usage: "steward NAME FLAGS".
func usageLine(c *command) string {
	return strings.TrimSpace("steward " + c.name + " " + c.synopsis)
}

// overview is what `steward help` prints.
func overview() string {
	var b strings.Builder
	b.WriteString("Steward keeps track of an equipment fleet: assets, customers, locations and every change.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %s\n", usageLine(c))
	}
	b.WriteString(`
--db defaults to the SQLite file steward.db in the working directory; postgres://user:password@host:5432/db
selects PostgreSQL. Every flag also reads STEWARD_<FLAG> from the environment (STEWARD_DB,
STEWARD_ADDR…); a flag on the command line wins.
Run "steward COMMAND --help" for what a command does and its flags.
`)
	return b.String()
}

// env is how run reads the environment, so tests can pass their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	// now is the clock of what the commands print (expiry, last use); tests may pin it.
	now func() time.Time
}

// run is the whole program behind main, with its inputs passed in: arguments without the
// program name, the environment, and the output streams. It returns when the command is done, or
// when ctx ends (serve shuts down gracefully). A usage mistake is printed to stderr here and
// returned as an error that matches errUsage.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr, now: time.Now}
	err := e.dispatch(ctx, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	var u *usageError
	if errors.As(err, &u) {
		if u.cmd == "" {
			fmt.Fprintf(stderr, "steward: %s\nRun \"steward help\" for the commands.\n", u.msg)
		} else {
			fmt.Fprintf(stderr, "steward %s: %s\n", u.cmd, u.msg)
			if c := lookup(u.cmd); c != nil {
				fmt.Fprintf(stderr, "Usage: %s\n", usageLine(c))
			}
			fmt.Fprintf(stderr, "Run \"steward %s --help\" for its flags.\n", u.cmd)
		}
	}
	return err
}

func (e *env) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, overview())
		return &usageError{msg: "no command given"}
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(e.stdout, overview())
		return nil
	case "-version", "--version":
		return e.version(ctx, args[1:])
	}
	if sub, ok := groups[args[0]]; ok {
		group, rest := args[0], args[1:]
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			if len(rest) > 0 && isHelpFlag(rest[0]) {
				fmt.Fprint(e.stdout, groupHelp(group, sub))
				return nil
			}
			return usagef("", "%q needs a subcommand: %s", group, strings.Join(subcommands(group), ", "))
		}
		c := lookup(group + " " + rest[0])
		if c == nil {
			return usagef("", "unknown command %q; %q has %s", group+" "+rest[0], group, strings.Join(subcommands(group), ", "))
		}
		return c.run(e, ctx, rest[1:])
	}
	c := lookup(args[0])
	if c == nil && strings.HasPrefix(args[0], "-") {
		return usagef("", "%s comes before a command; flags follow the command (steward serve --db FILE)", args[0])
	}
	if c == nil || strings.Contains(c.name, " ") {
		return usagef("", "unknown command %q", args[0])
	}
	return c.run(e, ctx, args[1:])
}

func isHelpFlag(s string) bool {
	switch s {
	case "-h", "--h", "-help", "--help":
		return true
	}
	return false
}

// subcommands lists the subcommands of a group.
func subcommands(group string) []string {
	var out []string
	for _, c := range commands {
		if sub, ok := strings.CutPrefix(c.name, group+" "); ok {
			out = append(out, sub)
		}
	}
	return out
}

// groupHelp is the help of a command that only holds subcommands.
func groupHelp(group, summary string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n", summary)
	for _, c := range commands {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(&b, "  %s\n      %s\n", usageLine(c), c.summary)
		}
	}
	fmt.Fprintf(&b, "\nRun \"steward %s SUBCOMMAND --help\" for its flags.\n", group)
	return b.String()
}

// help prints the overview, or the help of the command named by its arguments.
func (e *env) help(_ context.Context, args []string) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(e.stdout, overview())
		return nil
	case isHelpFlag(args[0]):
		return e.printHelp(e.flags("help"), nil)
	}
	name := strings.Join(args, " ")
	if sub, ok := groups[name]; ok {
		fmt.Fprint(e.stdout, groupHelp(name, sub))
		return nil
	}
	c := lookup(name)
	if c == nil {
		return usagef("help", "unknown command %q", name)
	}
	return c.run(e, context.Background(), []string{"--help"})
}

// flags returns the flag set of a command; parse it with e.parse, which also prints its help.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// parse says what went wrong in its own words, and help goes to stdout.
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args, then fills every flag not given on the command line from
// STEWARD_<FLAG> (upper case, dashes as underscores), and checks the required ones. It returns
// errHelp after printing the help for -h/--help, and a usage error naming the flag for any
// mistake.
func (e *env) parse(fs *flag.FlagSet, args []string, required ...string) error {
	cmd := fs.Name()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.printHelp(fs, required)
		}
		return flagError(fs, err)
	}
	if fs.NArg() > 0 {
		if isHelpFlag(fs.Arg(0)) {
			return e.printHelp(fs, required)
		}
		return usagef(cmd, "unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v := e.getenv(name); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = usagef(cmd, "%s=%q: %s", name, v, valueProblem(f, serr.Error()))
				return
			}
			set[f.Name] = true
		}
	})
	if err != nil {
		return err
	}
	var missing, empty []string
	for _, r := range required {
		switch {
		case !set[r]:
			missing = append(missing, "--"+r)
		case strings.TrimSpace(fs.Lookup(r).Value.String()) == "":
			empty = append(empty, "--"+r)
		}
	}
	if len(missing) > 0 {
		return usagef(cmd, "missing %s", strings.Join(missing, ", "))
	}
	if len(empty) > 0 {
		return usagef(cmd, "%s must not be empty", strings.Join(empty, ", "))
	}
	return nil
}

// envName is the environment variable a flag also reads.
func envName(flagName string) string {
	return "STEWARD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagError rewrites the flag package's errors so they name the flag as it is typed (--name)
// and say what kind of value it wants.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	cmd := fs.Name()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return usagef(cmd, "unknown flag --%s", strings.TrimLeft(name, "-"))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		name = strings.TrimLeft(name, "-")
		return usagef(cmd, "--%s needs a value (--%s VALUE or --%s=VALUE)", name, name, name)
	}
	if rest, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return usagef(cmd, "bad flag syntax %q", rest)
	}
	// invalid value "x" for flag -name: reason / invalid boolean value "x" for -name: reason
	for _, lead := range []string{"invalid value ", "invalid boolean value "} {
		rest, ok := strings.CutPrefix(msg, lead)
		if !ok {
			continue
		}
		quoted, qerr := strconv.QuotedPrefix(rest)
		if qerr != nil {
			break
		}
		val, _ := strconv.Unquote(quoted)
		rest = strings.TrimPrefix(rest[len(quoted):], " for flag -")
		rest = strings.TrimPrefix(rest, " for -")
		name, reason, _ := strings.Cut(rest, ": ")
		if fl := fs.Lookup(name); fl != nil {
			return usagef(cmd, "--%s %q: %s", name, val, valueProblem(fl, reason))
		}
	}
	return usagef(cmd, "%s", msg)
}

// valueProblem says what a flag wants when a value did not parse; reason is what its Set said.
func valueProblem(f *flag.Flag, reason string) string {
	switch reason {
	case "value out of range":
		return "is out of range"
	case "parse error", "":
	default:
		return reason // a flag of our own type says it in its words
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return "must be true or false"
		case int, int64, uint, uint64:
			return "must be a whole number"
		case float64:
			return "must be a number"
		case time.Duration:
			return "must be a duration like 90s or 5m"
		}
	}
	return "is not a valid value"
}

// printHelp prints a command's help to stdout: usage line, what it does, and each flag with its
// default and environment variable.
func (e *env) printHelp(fs *flag.FlagSet, required []string) error {
	c := lookup(fs.Name())
	if c != nil {
		fmt.Fprintf(e.stdout, "Usage: %s\n\n%s\n", usageLine(c), c.summary)
	}
	req := map[string]bool{}
	for _, r := range required {
		req[r] = true
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprint(e.stdout, "\nFlags:\n")
			first = false
		}
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(e.stdout, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(e.stdout, " %s", kind)
		}
		fmt.Fprintf(e.stdout, "\n        %s", usage)
		var notes []string
		if req[f.Name] {
			notes = append(notes, "required")
		} else if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			notes = append(notes, fmt.Sprintf("default %s", f.DefValue))
		}
		notes = append(notes, "env "+envName(f.Name))
		fmt.Fprintf(e.stdout, " (%s)\n", strings.Join(notes, "; "))
	})
	return errHelp
}

// choiceFlag is a flag that takes one of a few words; a value from the command line or the
// environment is checked as it is set, so the error names where it came from.
type choiceFlag struct {
	value   *string
	choices []string
}

// choiceVar adds a flag that sets *p to one of choices, the first being its default.
func choiceVar(fs *flag.FlagSet, p *string, name, usage string, choices ...string) {
	*p = choices[0]
	fs.Var(&choiceFlag{value: p, choices: choices}, name, usage)
}

func (c *choiceFlag) String() string {
	if c == nil || c.value == nil {
		return ""
	}
	return *c.value
}

func (c *choiceFlag) Set(v string) error {
	if !slices.Contains(c.choices, v) {
		return fmt.Errorf("must be %s or %s", strings.Join(c.choices[:len(c.choices)-1], ", "), c.choices[len(c.choices)-1])
	}
	*c.value = v
	return nil
}
