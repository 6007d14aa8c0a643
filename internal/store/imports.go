package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/steward-fleet/steward/internal/steward"
)

// Import jobs (docs/ARCHITECTURE.md "Imports"): the file is stored in import_chunks as the
// job's input, so any process can claim the job and a restart finds it; a worker claims a
// queued job (claimed_by, heartbeat), checks every row on the read pool (a dry run ends there)
// and, when no row is bad, applies the file in one write transaction whose last statement marks
// the job succeeded, so a job is either wholly applied and succeeded, or applied not at all.

// importChunkSize is the size of the file's stored pieces.
const importChunkSize = 1 << 20

// importStale is how long a running job's worker may stay silent before another takes the job
// back: workers beat every few seconds (see importRun.beat).
const importStale = 2 * time.Minute

// importMaxAttempts bounds how often a job is started: one that keeps losing its worker fails.
const importMaxAttempts = 3

const importJobCols = "account_id, id, user_id, kind, dry_run, file_name, file_size, status, total_rows, processed_rows, " +
	"created, updated, unchanged, failed_rows, error_count, created_at, updated_at"

func scanImportJob(row interface{ Scan(...any) error }) (*steward.ImportJob, error) {
	j := &steward.ImportJob{}
	err := row.Scan(&j.AccountID, &j.ID, &j.UserID, &j.Kind, &j.DryRun, &j.FileName, &j.FileSize, &j.Status, &j.TotalRows,
		&j.ProcessedRows, &j.Created, &j.Updated, &j.Unchanged, &j.FailedRows, &j.ErrorCount, &j.CreatedAt, &j.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return j, nil
}

// importLive holds the counts of jobs this process runs, for the moments the database cannot
// take them (SQLite's one write connection is the apply's transaction).
type importLive struct {
	mu   sync.Mutex
	jobs map[string]steward.ImportJob
}

var live = &importLive{jobs: map[string]steward.ImportJob{}}

func (l *importLive) set(j *steward.ImportJob) {
	l.mu.Lock()
	l.jobs[j.ID] = *j
	l.mu.Unlock()
}

func (l *importLive) drop(id string) {
	l.mu.Lock()
	delete(l.jobs, id)
	l.mu.Unlock()
}

func (l *importLive) get(id string) (steward.ImportJob, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	j, ok := l.jobs[id]
	return j, ok
}

// MayImport says whether a may import files of kind (before the file is read).
func (s *Store) MayImport(ctx context.Context, a *steward.Actor, kind steward.ImportKind) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	if !kind.Valid() {
		return steward.Invalid("kind", "%s", steward.OneOf(kind.Values()))
	}
	if kind == steward.ImportAssets && scoped(a) {
		return steward.Errorf(steward.EFORBIDDEN,
			"importing assets needs the entire fleet in view; a user who sees some groups only cannot import assets")
	}
	if kind == steward.ImportAssets {
		return nil
	}
	t := &tx{q: s.reader(), s: s, now: steward.Now()}
	return t.requireCustomersWritable(ctx, a)
}

// CreateImport stores the file in chunks and queues the job.
func (s *Store) CreateImport(ctx context.Context, a *steward.Actor, in steward.NewImport) (*steward.ImportJob, error) {
	if err := s.MayImport(ctx, a, in.Kind); err != nil {
		return nil, err
	}
	if a.UserID == "" {
		return nil, steward.Errorf(steward.EFORBIDDEN, "an import runs as a user; name one")
	}
	name := strings.TrimSpace(in.FileName)
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		name = "upload.csv"
	}
	name = truncateUTF8(name, steward.MaxImportFileName)
	if name == "" {
		name = "upload.csv"
	}
	limit := in.MaxBytes
	if limit <= 0 {
		limit = steward.DefaultMaxImportBytes
	}
	id := newID()
	var size int64
	buf := make([]byte, importChunkSize)
	cleanup := func() {
		_ = s.write(context.WithoutCancel(ctx), func(t *tx) error {
			_, err := t.exec(ctx, "DELETE FROM import_chunks WHERE account_id = ? AND job_id = ?", a.AccountID, id)
			return err
		})
	}
	for seq := int64(0); ; seq++ {
		n, err := io.ReadFull(in.File, buf)
		if n > 0 {
			size += int64(n)
			if size > limit {
				cleanup()
				return nil, &steward.Error{Code: steward.ETOOLARGE,
					Message: fmt.Sprintf("the file is larger than the import limit of %d MiB", limit>>20),
					Fields:  []steward.FieldError{{Field: "file", Message: fmt.Sprintf("must be at most %d bytes", limit)}}}
			}
			chunk := buf[:n]
			if werr := s.write(ctx, func(t *tx) error {
				_, err := t.exec(ctx, "INSERT INTO import_chunks (account_id, job_id, seq, data) VALUES (?, ?, ?, ?)",
					a.AccountID, id, seq, chunk)
				return err
			}); werr != nil {
				cleanup()
				return nil, werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			cleanup()
			var tooLarge interface{ Limit() int64 }
			if errors.As(err, &tooLarge) || strings.Contains(err.Error(), "request body too large") {
				return nil, &steward.Error{Code: steward.ETOOLARGE, Message: "the file is larger than the import limit",
					Fields: []steward.FieldError{{Field: "file", Message: "is too large"}}}
			}
			return nil, fmt.Errorf("read the import file: %w", err)
		}
	}
	if size == 0 {
		cleanup()
		return nil, steward.Invalid("file", "is empty")
	}
	now := steward.Now()
	j := &steward.ImportJob{ID: id, Kind: in.Kind, Status: steward.ImportQueued, DryRun: in.DryRun, AccountID: a.AccountID,
		UserID: a.UserID, FileName: name, FileSize: size, CreatedAt: now, UpdatedAt: now, Errors: []steward.ImportRowError{}}
	err := s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO import_jobs (account_id, id, user_id, role, kind, dry_run, file_name, file_size, status,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.AccountID, id, a.UserID, string(a.Role), string(in.Kind), in.DryRun, name, size, string(steward.ImportQueued), now, now)
		return err
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	return j, nil
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Import returns a job of a's account with its first errors.
func (s *Store) Import(ctx context.Context, a *steward.Actor, id string) (*steward.ImportJob, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	j, err := s.importJob(ctx, s.reader(), a, id)
	if err != nil {
		return nil, err
	}
	j.Errors = []steward.ImportRowError{}
	err = s.eachImportError(ctx, j, steward.MaxImportErrorsShown, func(e steward.ImportRowError) error {
		j.Errors = append(j.Errors, e)
		return nil
	})
	return j, err
}

// importJob reads a job of a's account; who may read it is the policy's: every role that may
// read the account's fleet reads its imports, except that an asset import is the fleet's, so a
// group-scoped caller does not see it.
func (s *Store) importJob(ctx context.Context, r q, a *steward.Actor, id string) (*steward.ImportJob, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("import")
	}
	j, err := scanImportJob(r.row(ctx, "SELECT "+importJobCols+" FROM import_jobs WHERE account_id = ? AND id = ?", a.AccountID, id))
	if isNoRows(err) || (err == nil && j.Kind == steward.ImportAssets && scoped(a)) {
		return nil, steward.NotFound("import")
	}
	if err != nil {
		return nil, err
	}
	if l, ok := live.get(id); ok && !j.Status.Done() && !l.UpdatedAt.Before(j.UpdatedAt.Time) {
		l.Errors = nil
		j.TotalRows, j.ProcessedRows, j.Created, j.Updated, j.Unchanged, j.FailedRows =
			l.TotalRows, l.ProcessedRows, l.Created, l.Updated, l.Unchanged, l.FailedRows
		j.Status = l.Status
	}
	return j, nil
}

func (s *Store) eachImportError(ctx context.Context, j *steward.ImportJob, limit int, fn func(steward.ImportRowError) error) error {
	q := "SELECT row_no, col, message FROM import_errors WHERE account_id = ? AND job_id = ? ORDER BY seq"
	args := []any{j.AccountID, j.ID}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.reader().query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e steward.ImportRowError
		if err := rows.Scan(&e.Row, &e.Column, &e.Message); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RecentImports returns the account's newest jobs (at most MaxRecentImports), newest first;
// a group-scoped caller does not see asset imports.
func (s *Store) RecentImports(ctx context.Context, a *steward.Actor) ([]steward.ImportJob, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.reader().query(ctx, "SELECT "+importJobCols+" FROM import_jobs WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
		a.AccountID, steward.MaxRecentImports)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []steward.ImportJob{}
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, err
		}
		if j.Kind == steward.ImportAssets && scoped(a) {
			continue
		}
		out = append(out, *j)
	}
	return out, rows.Err()
}

// EachImportError calls fn with each error of the job, in the order found (row order).
func (s *Store) EachImportError(ctx context.Context, a *steward.Actor, id string, fn func(steward.ImportRowError) error) error {
	if err := a.Require(steward.PermRead); err != nil {
		return err
	}
	j, err := s.importJob(ctx, s.reader(), a, id)
	if err != nil {
		return err
	}
	return s.eachImportError(ctx, j, 0, fn)
}

// ClaimImport puts back the jobs whose worker went silent (failing those started too often)
// and takes the oldest queued job for worker.
func (s *Store) ClaimImport(ctx context.Context, worker string) (string, error) {
	now := steward.Now()
	stale := steward.TimestampOf(now.Add(-importStale))
	// A read first: the write transaction (SQLite's one write lock) only when a job is stale.
	var one int
	err := s.reader().row(ctx, "SELECT 1 FROM import_jobs WHERE status = ? AND heartbeat < ? LIMIT 1",
		string(steward.ImportRunning), stale).Scan(&one)
	if err != nil && !isNoRows(err) {
		return "", err
	}
	var requeued []string
	if found := err == nil; found {
		err = s.write(ctx, func(t *tx) error {
			requeued = requeued[:0]
			rows, err := t.query(ctx, "SELECT account_id, id, attempts FROM import_jobs WHERE status = ? AND heartbeat < ?",
				string(steward.ImportRunning), stale)
			if err != nil {
				return err
			}
			type job struct {
				acc, id  string
				attempts int
			}
			var jobs []job
			for rows.Next() {
				var j job
				if err := rows.Scan(&j.acc, &j.id, &j.attempts); err != nil {
					rows.Close()
					return err
				}
				jobs = append(jobs, j)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, j := range jobs {
				if j.attempts >= importMaxAttempts {
					if err := t.failImport(ctx, j.acc, j.id, "the import was interrupted too often (its process stopped); nothing was written"); err != nil {
						return err
					}
					continue
				}
				if _, err := t.exec(ctx, "UPDATE import_jobs SET status = ?, claimed_by = '', updated_at = ? WHERE account_id = ? AND id = ? AND status = ?",
					string(steward.ImportQueued), now, j.acc, j.id, string(steward.ImportRunning)); err != nil {
					return err
				}
				requeued = append(requeued, j.id)
			}
			return nil
		})
	} else {
		err = nil
	}
	if err != nil {
		return "", err
	}
	for range 5 {
		var acc, id string
		err := s.reader().row(ctx, "SELECT account_id, id FROM import_jobs WHERE status = ? ORDER BY created_at, id LIMIT 1",
			string(steward.ImportQueued)).Scan(&acc, &id)
		if isNoRows(err) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		won, err := s.claimImport(ctx, acc, id, worker)
		if err != nil || won {
			return id, err
		}
	}
	return "", nil
}

// claimImport marks a queued job running under worker; false when another took it first.
func (s *Store) claimImport(ctx context.Context, acc, id, worker string) (bool, error) {
	var won bool
	err := s.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE import_jobs SET status = ?, claimed_by = ?, heartbeat = ?, attempts = attempts + 1, updated_at = ?
			WHERE account_id = ? AND id = ? AND status = ?`,
			string(steward.ImportRunning), worker, t.now, t.now, acc, id, string(steward.ImportQueued))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}

// failImport ends a job as failed with one error about the whole file; its chunks go.
func (t *tx) failImport(ctx context.Context, acc, id, message string) error {
	if _, err := t.exec(ctx, "DELETE FROM import_errors WHERE account_id = ? AND job_id = ?", acc, id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "INSERT INTO import_errors (account_id, job_id, seq, row_no, col, message) VALUES (?, ?, 0, 0, '', ?)",
		acc, id, message); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM import_chunks WHERE account_id = ? AND job_id = ?", acc, id); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE import_jobs SET status = ?, claimed_by = '', error_count = 1, created = 0, updated = 0,
		unchanged = 0, updated_at = ? WHERE account_id = ? AND id = ?`, string(steward.ImportFailed), t.now, acc, id)
	return err
}

// chunkReader reads a job's stored file, one chunk at a time.
type chunkReader struct {
	ctx     context.Context
	s       *Store
	acc, id string
	seq     int64
	buf     []byte
	done    bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		var data []byte
		err := c.s.reader().row(c.ctx, "SELECT data FROM import_chunks WHERE account_id = ? AND job_id = ? AND seq = ?",
			c.acc, c.id, c.seq).Scan(&data)
		if isNoRows(err) {
			c.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		c.seq++
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}
