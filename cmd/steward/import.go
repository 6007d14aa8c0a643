package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/jobs"
	"github.com/steward-fleet/steward/internal/steward"
)

// importCmd is `steward import KIND FILE`: the import runs here, at once, as the user with
// --email (the same job, checks and all-or-nothing apply as the API's, recorded as a job the API
// and the web interface show), with a progress bar when stdout is a terminal.
func (e *env) importCmd(ctx context.Context, args []string) error {
	fs := e.flags("import")
	db := e.dbFlag(fs)
	email := fs.String("email", "", "the `EMAIL` of the user the import runs as (their account, role and fleet)")
	dry := fs.Bool("dry-run", false, "check every row and report what would change; write nothing")
	maxMiB := fs.Int64("max-import-mib", steward.DefaultMaxImportBytes>>20, "the largest file taken, in `MIB`")
	pos, flags := splitPositional(fs, args)
	if err := e.parse(fs, flags, "email"); err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("import", "name the KIND (customers, contacts, locations or assets) and the FILE: steward import KIND FILE --email EMAIL")
	}
	kind := steward.ImportKind(strings.ToLower(pos[0]))
	if !kind.Valid() {
		return usagef("import", "KIND %q: %s", pos[0], steward.OneOf(kind.Values()))
	}
	if *maxMiB < 1 {
		return usagef("import", "--max-import-mib must be 1 or more")
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return fmt.Errorf("open the file: %w", err)
	}
	defer f.Close()
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	sys, err := s.SystemActorOfUser(ctx, *email)
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return fmt.Errorf("no user has the email %s", *email)
		}
		return err
	}
	uid, err := s.UserIDByEmail(ctx, sys, *email)
	if err != nil {
		return err
	}
	a, err := s.UserActor(ctx, uid)
	if err != nil {
		return fmt.Errorf("the user %s cannot import: they are deactivated", *email)
	}
	a.Source = steward.SourceSystem
	job, err := s.CreateImport(ctx, a, steward.NewImport{Kind: kind, DryRun: *dry, FileName: filepath.Base(pos[1]), File: f,
		MaxBytes: *maxMiB << 20})
	if err != nil {
		return describe("import", err, map[string]string{})
	}
	bar := e.progressBar()
	job, err = s.RunImport(ctx, job.ID, jobs.WorkerName("cli"), bar.update)
	bar.done()
	if err != nil {
		return err
	}
	return e.reportImport(ctx, s, sys, job)
}

// splitPositional separates the arguments that are not flags (nor a flag's value) from the
// flags, so that KIND and FILE may come before or after them.
func splitPositional(fs *flag.FlagSet, args []string) (pos, flags []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), flags
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && i+1 < len(args) {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			i++
			flags = append(flags, args[i])
		}
	}
	return pos, flags
}

// progress draws a bar on a terminal (stdout), at most ten times a second.
type progress struct {
	w       io.Writer
	last    time.Time
	on      bool
	prev    int64
	writing bool // the apply's pass, which counts the rows again from 0 after the check
}

func (e *env) progressBar() *progress { return &progress{w: e.stdout, on: isTerminal(e.stdout)} }

func (p *progress) update(j *steward.ImportJob) {
	if j.ProcessedRows < p.prev {
		p.writing = true
	}
	p.prev = j.ProcessedRows
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := 0
	if j.TotalRows > 0 {
		filled = int(min(j.ProcessedRows, j.TotalRows) * width / j.TotalRows)
	}
	phase := "checking"
	if p.writing {
		phase = "writing "
	}
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d rows", phase, strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		j.ProcessedRows, j.TotalRows)
}

func (p *progress) done() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// reportImport prints the job's outcome and its first errors; a failed job is an error.
func (e *env) reportImport(ctx context.Context, s interface {
	EachImportError(context.Context, *steward.Actor, string, func(steward.ImportRowError) error) error
}, a *steward.Actor, j *steward.ImportJob) error {
	what := "import"
	if j.DryRun {
		what = "dry run"
	}
	fmt.Fprintf(e.stdout, "%s %s %s: %d rows: %d created, %d updated, %d unchanged, %d with errors (job %s)\n",
		j.Kind, what, j.Status, j.TotalRows, j.Created, j.Updated, j.Unchanged, j.FailedRows, j.ID)
	if j.DryRun && j.Status == steward.ImportSucceeded {
		fmt.Fprintln(e.stdout, "Nothing was written (dry run); the counts are what the import would do.")
	}
	const shown = 20
	n := 0
	err := s.EachImportError(ctx, a, j.ID, func(re steward.ImportRowError) error {
		if n++; n <= shown {
			fmt.Fprintf(e.stdout, "  %s\n", re.Error())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n > shown {
		fmt.Fprintf(e.stdout, "  … and %d more errors (GET /api/v1/imports/%s/errors.csv lists them all)\n", n-shown, j.ID)
	}
	if j.Status == steward.ImportFailed {
		return errors.New("the import failed; nothing was written")
	}
	return nil
}
