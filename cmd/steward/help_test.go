package main

// Tests of the command line as a newcomer meets it: help for every command, the version,
// usage mistakes said clearly with exit status 2.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/store"
)

func TestEveryCommandAnswersHelp(t *testing.T) {
	for _, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			args := append(strings.Fields(c.name), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, err := runSteward(t, fakeEnv{}, args...)
				if err != nil {
					t.Fatalf("exit with %v, want success", err)
				}
				if errOut != "" {
					t.Errorf("help wrote to stderr: %q", errOut)
				}
				if !strings.HasPrefix(out, "Usage: steward "+c.name) || !strings.Contains(out, c.summary) {
					t.Errorf("help printed %q, want the usage line and %q", out, c.summary)
				}
				// Every flag the help explains is in the synopsis.
				for _, m := range regexp.MustCompile(`\n  (--[a-z-]+)`).FindAllStringSubmatch(out, -1) {
					if !regexp.MustCompile(regexp.QuoteMeta(m[1]) + `([ \]]|$)`).MatchString(c.synopsis) {
						t.Errorf("the synopsis of %s does not show %s", c.name, m[1])
					}
				}
				// Every flag in the synopsis is explained, with its environment variable.
				for _, f := range regexp.MustCompile(`--[a-z-]+`).FindAllString(c.synopsis, -1) {
					if !strings.Contains(out, "\n  "+f+" ") && !strings.Contains(out, "\n  "+f+"\n") {
						t.Errorf("help does not explain %s:\n%s", f, out)
					}
					if !strings.Contains(out, "env "+envName(strings.TrimPrefix(f, "--"))) {
						t.Errorf("help does not name the variable of %s:\n%s", f, out)
					}
				}
			})
		}
		// steward help COMMAND says the same.
		viaHelp := mustSteward(t, fakeEnv{}, append([]string{"help"}, strings.Fields(c.name)...)...)
		if direct := mustSteward(t, fakeEnv{}, append(strings.Fields(c.name), "--help")...); viaHelp != direct {
			t.Errorf("steward help %s printed %q, %s --help %q", c.name, viaHelp, c.name, direct)
		}
	}
	init := mustSteward(t, fakeEnv{}, "init", "--help")
	for _, want := range []string{"--org NAME", "(required; env STEWARD_ORG)", "--allow-duplicate-name", "(default steward.db; env STEWARD_DB)"} {
		if !strings.Contains(init, want) {
			t.Errorf("init --help does not say %q:\n%s", want, init)
		}
	}
	for group := range groups {
		for _, args := range [][]string{{group, "--help"}, {group, "-h"}, {"help", group}} {
			out := mustSteward(t, fakeEnv{}, args...)
			for _, sub := range subcommands(group) {
				if !strings.Contains(out, "steward "+group+" "+sub) {
					t.Errorf("%v does not list %s %s:\n%s", args, group, sub, out)
				}
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out := mustSteward(t, fakeEnv{}, args...)
		for _, c := range commands {
			if !strings.Contains(out, "  "+usageLine(c)+"\n") {
				t.Errorf("%v does not list %q", args, c.name)
			}
		}
	}
	if _, _, err := runSteward(t, fakeEnv{}, "help", "frobnicate"); !errors.Is(err, errUsage) {
		t.Errorf("help of an unknown command: %v, want a usage error", err)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out := mustSteward(t, fakeEnv{}, args...)
		if !strings.HasPrefix(out, "steward ") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%v printed %q, want the version and %s", args, out, runtime.Version())
		}
	}
	if _, _, err := runSteward(t, fakeEnv{}, "version", "--short"); !errors.Is(err, errUsage) {
		t.Errorf("version --short: %v, want a usage error", err)
	}
	got := versionText(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}})
	for _, want := range []string{"steward v1.4.0\n", "revision 0123abcd (2026-11-30T10:00:00Z) with uncommitted changes\n", "built with go1.26.8 for "} {
		if !strings.Contains(got, want) {
			t.Errorf("version text %q lacks %q", got, want)
		}
	}
	if got := versionText(nil); !strings.HasPrefix(got, "steward (devel)\nrevision unknown") {
		t.Errorf("version without build information: %q", got)
	}
}

// TestUsageErrors tries the mistakes people make on a command line. Each is a usage error
// (exit 2) whose message names the flag and what is wrong with it, plus where to find help.
func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Usage Org", "--email", "u@example.com", "--password", "long enough")
	for _, c := range []struct {
		name string
		env  fakeEnv
		args []string
		want string // what stderr must say
	}{
		{"unknown flag", nil, []string{"migrate", "--db", db, "--colour"}, "steward migrate: unknown flag --colour"},
		{"flag without a value", nil, []string{"apikey", "list", "--db", db, "--email"}, "--email needs a value"},
		{"empty required flag", nil, []string{"apikey", "create", "--db", db, "--email", "", "--name", "x"}, "--email must not be empty"},
		{"blank filter", nil, []string{"apikey", "list", "--db", db, "--email", " "}, "--email is blank; leave it out to list every key"},
		{"blank required flag", nil, []string{"apikey", "revoke", "--db", db, "--prefix", "  "}, "--prefix must not be empty"},
		{"missing flags", nil, []string{"init", "--db", db}, "missing --org, --email, --password"},
		{"not a number", nil, []string{"dev", "seed", "--db", db, "--assets", "lots"}, `--assets "lots": must be a whole number`},
		{"a number too big", nil, []string{"dev", "seed", "--db", db, "--assets", "99999999999999999999"}, `--assets "99999999999999999999": is out of range`},
		{"too few assets", nil, []string{"dev", "seed", "--db", db, "--assets", "5"}, "--assets 5: must be between 10 and"},
		{"too many assets", nil, []string{"dev", "seed", "--db", db, "--assets", "1000000000"}, "--assets 1000000000: must be between 10 and"},
		{"negative history", nil, []string{"dev", "seed", "--db", db, "--assets", "10", "--history", "-1"}, "--history -1: must be between 0 and 100"},
		{"negative orgs", nil, []string{"dev", "seed", "--db", db, "--assets", "10", "--orgs", "-3"}, "--orgs -3: must be between 1 and"},
		{"too many orgs", nil, []string{"dev", "seed", "--db", db, "--assets", "10", "--orgs", "100001"}, "--orgs 100001: must be between 1 and"},
		{"too many assets in all", nil, []string{"dev", "seed", "--db", db, "--assets", "5000000", "--orgs", "3"}, "--orgs 3 × --assets 5000000: at most"},
		{"one email for many orgs", nil, []string{"dev", "seed", "--db", db, "--assets", "10", "--orgs", "2", "--email", "a@example.com"}, "--email: not with --orgs"},
		{"not a boolean", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--integration=maybe"}, `--integration "maybe": must be true or false`},
		{"not a boolean in the environment", fakeEnv{"STEWARD_INTEGRATION": "maybe"}, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n"}, `STEWARD_INTEGRATION="maybe": must be true or false`},
		{"bad expiry", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "soon"}, `--expires "soon" is not a duration like 30d or 720h`},
		{"zero expiry", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "0d"}, `--expires "0d" must be more than zero`},
		{"negative expiry", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "-5h"}, `--expires "-5h" must be more than zero`},
		{"expiry past ten years", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "99999999999999d"}, `--expires "99999999999999d" is more than 10 years`},
		{"bad role", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--role", "root"}, "--role: must be one of"},
		{"bad email", nil, []string{"init", "--db", db, "--org", "X", "--email", "not-an-email", "--password", "long enough"}, "--email: "},
		{"short password", nil, []string{"init", "--db", db, "--org", "X", "--email", "x@example.com", "--password", "short"}, "--password: must be at least 8 characters"},
		{"bad country", nil, []string{"init", "--db", db, "--org", "X", "--email", "x@example.com", "--password", "long enough", "--country", "Germany"}, "--country: "},
		{"bad log format", nil, []string{"serve", "--db", db, "--log-format", "xml"}, `--log-format "xml": must be auto, text or json`},
		{"bad log format in the environment", fakeEnv{"STEWARD_LOG_FORMAT": "pretty"}, []string{"serve", "--db", db}, `STEWARD_LOG_FORMAT="pretty": must be auto, text or json`},
		{"stray argument", nil, []string{"apikey", "list", "--db", db, "everything"}, `unexpected argument "everything"`},
		{"a flag before the command", nil, []string{"--db", db, "migrate"}, "--db comes before a command; flags follow the command"},
		{"unknown subcommand", nil, []string{"apikey", "delete"}, `unknown command "apikey delete"; "apikey" has create, list, revoke`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runSteward(t, c.env, c.args...)
			if !errors.Is(err, errUsage) {
				t.Fatalf("error %v, want a usage error (exit 2)", err)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q, want it to say %q", stderr, c.want)
			}
			if !strings.Contains(stderr, "Run \"steward ") {
				t.Errorf("stderr %q does not say where to find help", stderr)
			}
		})
	}
	// Nothing the mistakes named was created.
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys, err := s.AllAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 0 {
		t.Errorf("after the mistakes the database holds keys %v (%v)", keys, err)
	}
}

// TestExitStatus runs the real main in a child process (this test binary, told to act as
// steward) and checks what a shell sees: 0 for help, 2 for a usage mistake, 1 for a failure.
func TestExitStatus(t *testing.T) {
	if args, ok := os.LookupEnv("STEWARD_TEST_MAIN_ARGS"); ok {
		os.Args = []string{"steward"}
		if args != "" {
			os.Args = append(os.Args, strings.Split(args, "\x1f")...)
		}
		main()
		os.Exit(0)
	}
	db := filepath.Join(t.TempDir(), "exit.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Exit Org", "--email", "exit@example.com", "--password", "long enough")
	for _, c := range []struct {
		args   []string
		status int
		stdout string
		stderr string
	}{
		{[]string{"init", "--help"}, 0, "Usage: steward init", ""},
		{[]string{"help"}, 0, "Usage:", ""},
		{[]string{"version"}, 0, "steward ", ""},
		{[]string{"apikey", "list", "--db", db}, 0, "PREFIX", "No API keys yet"},
		{nil, 2, "", "Usage:"},
		{[]string{"migrate", "--db", db, "--colour"}, 2, "", "unknown flag --colour"},
		{[]string{"init", "--db", db, "--org", "X", "--email", "bad", "--password", "long enough"}, 2, "", "--email: "},
		{[]string{"init", "--db", db, "--org", "EXIT ORG", "--email", "other@example.com", "--password", "long enough"}, 1, "",
			`steward: --org: an organization named "Exit Org" already exists`},
		{[]string{"apikey", "create", "--db", db, "--email", "nobody@example.com", "--name", "n"}, 1, "", "steward: no user has the email nobody@example.com"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExitStatus$")
		cmd.Env = append(os.Environ(), "STEWARD_TEST_MAIN_ARGS="+strings.Join(c.args, "\x1f"))
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		status := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			status = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("steward %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				strings.Join(c.args, " "), status, stdout.String(), stderr.String(), c.status, c.stdout, c.stderr)
		}
	}
}
