package store

import (
	"cmp"
	"context"
	"errors"
	"hash/maphash"
	"io"
	"slices"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// importBatch is how many rows one lookup of existing objects covers.
const importBatch = 500

// importRefCache bounds the references a run remembers (value → id).
const importRefCache = 200_000

// importRun is one pass over a job's file: the check (t nil: reads on the read pool, writes
// nothing) or the apply (inside t, writing through the transaction-level methods).
type importRun struct {
	s      *Store
	a      *steward.Actor // the import's actor: type import, the job's id, its user's role
	job    *steward.ImportJob
	worker string
	t      *tx // nil in the check pass
	r      q
	h      *steward.ImportHeader
	in     *steward.ImportReader
	seen   map[uint64]int64
	seed   maphash.Seed
	refs   map[string]refHit
	// errs waits to be stored (the check pass stores them as it goes).
	errs     []steward.ImportRowError
	stored   int64
	progress steward.ImportProgress
	lastBeat time.Time
	// fatal is an error about the whole file (it could not be read): the job fails.
	fatal bool
	// warmUp stops the pass after its first batch (see RunImport).
	warmUp bool
}

type refHit struct {
	id  string
	msg string // why the value names nothing ("" when id is set)
}

// errWarmUp ends the warm-up's transaction (rolled back).
var errWarmUp = errors.New("import: warm-up done")

// errImportRow stops an apply at its first bad row (the transaction rolls back).
var errImportRow = errors.New("import: a row failed")

// pass reads the file from its start and runs every row through the kind's importer.
func (r *importRun) pass(ctx context.Context) error {
	in, err := steward.NewImportReader(&chunkReader{ctx: ctx, s: r.s, acc: r.job.AccountID, id: r.job.ID})
	if err != nil {
		r.fatal = true
		r.errs = append(r.errs, steward.ImportRowError{Row: 0, Message: err.Error()})
		return nil
	}
	r.in = in
	_, rec, err := in.Read()
	if err == io.EOF {
		r.fatal = true
		r.errs = append(r.errs, steward.ImportRowError{Row: 1, Message: "the file has no header row"})
		return nil
	}
	if err != nil {
		var re *steward.ImportRowError
		var fe *steward.ImportFileError
		switch {
		case errors.As(err, &re):
			r.errs = append(r.errs, *re)
		case errors.As(err, &fe):
			r.errs = append(r.errs, fe.ImportRowError)
		default:
			return err
		}
		r.fatal = true
		return nil
	}
	h, herrs := steward.ParseImportHeader(r.job.Kind, rec)
	if len(herrs) > 0 {
		r.fatal = true
		r.errs = append(r.errs, herrs...)
		return nil
	}
	r.h = h
	imp := importers[r.job.Kind]
	batch := make([]*steward.ImportRecord, 0, importBatch)
	for {
		row, rec, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *steward.ImportRowError
			var fe *steward.ImportFileError
			if errors.As(err, &fe) {
				// The file cannot be read on: it fails as a whole, dry run or not.
				r.fatal = true
				r.errs = append(r.errs, fe.ImportRowError)
				if r.t != nil {
					return errImportRow
				}
				break
			}
			if !errors.As(err, &re) {
				return err
			}
			r.job.ProcessedRows++
			r.job.FailedRows++
			r.errs = append(r.errs, *re)
			if r.t != nil {
				return errImportRow
			}
			continue
		}
		ir, errs := h.Record(row, rec)
		if len(errs) > 0 {
			r.job.ProcessedRows++
			r.job.FailedRows++
			r.errs = append(r.errs, errs...)
			if r.t != nil {
				return errImportRow
			}
			continue
		}
		if ir.Blank() {
			continue
		}
		batch = append(batch, ir)
		if len(batch) == importBatch {
			if err := imp.batch(ctx, r, batch); err != nil {
				return err
			}
			batch = batch[:0]
			if r.warmUp {
				return errWarmUp
			}
			if err := r.beat(ctx, false); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := imp.batch(ctx, r, batch); err != nil {
			return err
		}
	}
	return r.beat(ctx, true)
}

// beat tells the world how far the run is: the live counts, the command line's progress, and
// (at most every second) the job's row with its heartbeat, where the database can take it.
func (r *importRun) beat(ctx context.Context, force bool) error {
	r.job.UpdatedAt = steward.Now()
	live.set(r.job)
	if r.progress != nil {
		r.progress(r.job)
	}
	if !force && time.Since(r.lastBeat) < time.Second {
		return nil
	}
	r.lastBeat = time.Now()
	if r.t != nil && r.s.d != postgres {
		return nil // SQLite: the one write connection is the apply's transaction
	}
	if r.t == nil {
		if err := r.flushErrors(ctx); err != nil {
			return err
		}
	}
	_, err := r.s.writer().exec(ctx, `UPDATE import_jobs SET total_rows = ?, processed_rows = ?, created = ?, updated = ?, unchanged = ?,
		failed_rows = ?, error_count = ?, heartbeat = ?, updated_at = ? WHERE account_id = ? AND id = ? AND claimed_by = ?`,
		r.job.TotalRows, r.job.ProcessedRows, r.job.Created, r.job.Updated, r.job.Unchanged, r.job.FailedRows, r.stored,
		r.job.UpdatedAt, r.job.UpdatedAt, r.job.AccountID, r.job.ID, r.worker)
	return err
}

// flushErrors stores the errors found so far (outside any transaction).
func (r *importRun) flushErrors(ctx context.Context) error {
	if len(r.errs) == 0 {
		return nil
	}
	// In row order: a row the reader refused is found before the rows of its batch before it.
	slices.SortStableFunc(r.errs, func(a, b steward.ImportRowError) int { return cmp.Compare(a.Row, b.Row) })
	errs := r.errs
	err := r.s.write(ctx, func(t *tx) error { return t.storeImportErrors(ctx, r.job, r.stored, errs) })
	if err != nil {
		return err
	}
	r.stored += int64(len(errs))
	r.errs = r.errs[:0]
	return nil
}

func (t *tx) storeImportErrors(ctx context.Context, j *steward.ImportJob, from int64, errs []steward.ImportRowError) error {
	for i, e := range errs {
		if _, err := t.exec(ctx, "INSERT INTO import_errors (account_id, job_id, seq, row_no, col, message) VALUES (?, ?, ?, ?, ?, ?)",
			j.AccountID, j.ID, from+int64(i), e.Row, e.Column, e.Message); err != nil {
			return err
		}
	}
	return nil
}

// RunImport runs one job to its end in this goroutine: a queued job is claimed for worker first;
// a job another worker holds is ECONFLICT; an ended job is returned as it is.
func (s *Store) RunImport(ctx context.Context, id, worker string, progress steward.ImportProgress) (*steward.ImportJob, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("import")
	}
	var acc, status, claimedBy, role string
	err := s.reader().row(ctx, "SELECT account_id, status, claimed_by, role FROM import_jobs WHERE id = ?", id).
		Scan(&acc, &status, &claimedBy, &role)
	if isNoRows(err) {
		return nil, steward.NotFound("import")
	}
	if err != nil {
		return nil, err
	}
	switch steward.ImportStatus(status) {
	case steward.ImportQueued:
		won, err := s.claimImport(ctx, acc, id, worker)
		if err != nil {
			return nil, err
		}
		if !won {
			return nil, steward.Errorf(steward.ECONFLICT, "another worker took the import")
		}
	case steward.ImportRunning:
		if claimedBy != worker {
			return nil, steward.Errorf(steward.ECONFLICT, "another worker runs the import")
		}
	}
	sys := steward.SystemActor(acc)
	job, err := s.importJob(ctx, s.reader(), sys, id)
	if err != nil {
		return nil, err
	}
	if job.Status.Done() {
		return job, nil
	}
	defer live.drop(id)
	// A job run again (its worker stopped) starts from nothing: what it stored is gone.
	if err := s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM import_errors WHERE account_id = ? AND job_id = ?", acc, id)
		return err
	}); err != nil {
		return nil, err
	}
	a, msg, err := s.importActor(ctx, job, steward.Role(role))
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return s.endImport(ctx, job, worker, msg)
	}
	job.Status = steward.ImportRunning
	if job.TotalRows, err = s.countImportRows(ctx, job); err != nil {
		return nil, err
	}
	check := &importRun{s: s, a: a, job: job, worker: worker, r: s.reader(), seen: map[uint64]int64{}, seed: maphash.MakeSeed(),
		refs: map[string]refHit{}, progress: progress}
	job.ProcessedRows, job.Created, job.Updated, job.Unchanged, job.FailedRows = 0, 0, 0, 0, 0
	if err := check.pass(ctx); err != nil {
		return nil, err
	}
	check.seen = nil
	if err := check.flushErrors(ctx); err != nil {
		return nil, err
	}
	switch {
	case check.fatal:
		job.Status = steward.ImportFailed
	case job.DryRun:
		job.Status = steward.ImportSucceeded
	case job.FailedRows > 0:
		// Applying a file with a bad row writes nothing: the counts say so.
		job.Status = steward.ImportFailed
		job.Created, job.Updated, job.Unchanged = 0, 0, 0
	}
	if job.Status.Done() {
		return s.finishImport(ctx, job, worker, check.stored)
	}
	// Apply: from the start again, in one transaction, which ends by marking the job done.
	plan := *job
	if s.d == sqlite {
		// SQLite prepares a statement a transaction meets for the first time only after the
		// transaction (stmtcache.go): a first batch applied and rolled back has the apply's
		// statements prepared for the transaction that counts, which would otherwise parse and
		// plan every statement of every row again.
		warm := plan
		_ = s.write(ctx, func(t *tx) error {
			w := &importRun{s: s, a: a, job: &warm, worker: worker, t: t, r: t.q, seen: map[uint64]int64{},
				seed: maphash.MakeSeed(), refs: map[string]refHit{}, warmUp: true}
			if err := w.pass(ctx); err != nil {
				return err
			}
			return errWarmUp
		})
	}
	var apply *importRun
	err = s.write(ctx, func(t *tx) error {
		*job = plan
		job.ProcessedRows, job.Created, job.Updated, job.Unchanged, job.FailedRows = 0, 0, 0, 0, 0
		apply = &importRun{s: s, a: a, job: job, worker: worker, t: t, r: t.q, seen: map[uint64]int64{}, seed: maphash.MakeSeed(),
			refs: map[string]refHit{}, progress: progress}
		if err := apply.pass(ctx); err != nil {
			return err
		}
		job.Status = steward.ImportSucceeded
		return t.markImport(ctx, job, worker, 0)
	})
	if errors.Is(err, errImportRow) || (err == nil && apply.fatal) {
		// Something changed between the check and the apply: nothing was written.
		job.Status = steward.ImportFailed
		job.Created, job.Updated, job.Unchanged = 0, 0, 0
		if err := apply.flushErrors(ctx); err != nil {
			return nil, err
		}
		return s.finishImport(ctx, job, worker, apply.stored)
	}
	if err != nil {
		return nil, err
	}
	return job, nil
}

// countImportRows counts the file's records for total_rows (the header left out).
func (s *Store) countImportRows(ctx context.Context, j *steward.ImportJob) (int64, error) {
	in, err := steward.NewImportReader(&chunkReader{ctx: ctx, s: s, acc: j.AccountID, id: j.ID})
	if err != nil {
		return 0, nil
	}
	var n int64
	for {
		_, _, err := in.Read()
		if err == io.EOF {
			break
		}
		var re *steward.ImportRowError
		var fe *steward.ImportFileError
		if errors.As(err, &fe) {
			break
		}
		if err != nil && !errors.As(err, &re) {
			return 0, err
		}
		n++
	}
	return max(n-1, 0), nil
}

// importActor is the actor a job writes as: type import, the job's id, named after its user,
// with the user's fleet and the role the job was started with (no more than the user's now).
// A message instead when the user may no longer import.
func (s *Store) importActor(ctx context.Context, j *steward.ImportJob, role steward.Role) (*steward.Actor, string, error) {
	ua, err := s.UserActor(ctx, j.UserID)
	if steward.ErrorCode(err) == steward.EUNAUTHORIZED {
		return nil, "the user who started the import is no longer active; nothing was written", nil
	}
	if err != nil {
		return nil, "", err
	}
	if !role.AtMost(ua.Role) {
		role = ua.Role
	}
	a := &steward.Actor{Type: steward.ActorImport, ID: j.ID, Name: "Import by " + ua.Name, UserID: ua.UserID,
		AccountID: j.AccountID, HomeAccount: ua.HomeAccount, Role: role, Fleet: ua.Fleet, Source: steward.SourceImport}
	check := *a
	check.Type = steward.ActorUser
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, "the user who started the import may no longer write the fleet; nothing was written", nil
	}
	if j.Kind == steward.ImportAssets && scoped(&check) {
		return nil, "the user who started the import no longer sees the entire fleet; nothing was written", nil
	}
	return a, "", nil
}

// endImport fails a job with one message about the whole file.
func (s *Store) endImport(ctx context.Context, j *steward.ImportJob, worker, msg string) (*steward.ImportJob, error) {
	j.Status = steward.ImportFailed
	j.Errors = []steward.ImportRowError{{Row: 0, Message: msg}}
	if err := s.write(ctx, func(t *tx) error {
		if err := t.storeImportErrors(ctx, j, 0, j.Errors); err != nil {
			return err
		}
		return t.markImport(ctx, j, worker, 1)
	}); err != nil {
		return nil, err
	}
	return s.Import(ctx, steward.SystemActor(j.AccountID), j.ID)
}

// finishImport records a job's end outside the apply's transaction (a dry run, a failure).
func (s *Store) finishImport(ctx context.Context, j *steward.ImportJob, worker string, stored int64) (*steward.ImportJob, error) {
	if err := s.write(ctx, func(t *tx) error { return t.markImport(ctx, j, worker, stored) }); err != nil {
		return nil, err
	}
	return s.Import(ctx, steward.SystemActor(j.AccountID), j.ID)
}

// markImport stores the job's end (or, stored < 0 leaving error_count, its counts) and deletes
// its file; a job no longer held by worker is not ours to end (another took it back): ECONFLICT,
// which rolls the apply back.
func (t *tx) markImport(ctx context.Context, j *steward.ImportJob, worker string, stored int64) error {
	j.UpdatedAt = t.now
	res, err := t.exec(ctx, `UPDATE import_jobs SET status = ?, total_rows = ?, processed_rows = ?, created = ?, updated = ?,
		unchanged = ?, failed_rows = ?, error_count = ?, claimed_by = '', updated_at = ?
		WHERE account_id = ? AND id = ? AND claimed_by = ? AND status = ?`,
		string(j.Status), j.TotalRows, j.ProcessedRows, j.Created, j.Updated, j.Unchanged, j.FailedRows, stored, t.now,
		j.AccountID, j.ID, worker, string(steward.ImportRunning))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = steward.Errorf(steward.ECONFLICT, "the import was taken back from this worker")
		}
		return err
	}
	_, err = t.exec(ctx, "DELETE FROM import_chunks WHERE account_id = ? AND job_id = ?", j.AccountID, j.ID)
	return err
}
