// Package jobs runs Steward's background work: for now the CSV import jobs. It talks to the
// domain's services only; what a job does is the store's, when it runs is this package's.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// DefaultImportPoll is how often an idle runner looks for queued imports (another process may
// have queued one; this process's own API wakes it at once).
const DefaultImportPoll = 5 * time.Second

// ImportRunner claims queued import jobs, one at a time, and runs them. Several runners (in
// several processes on one PostgreSQL database) share the queue: a claim is one conditional
// UPDATE, and a job whose runner stopped beating is put back by the next claim.
type ImportRunner struct {
	svc    steward.ImportService
	log    *slog.Logger
	worker string
	wake   chan struct{}
	poll   time.Duration
}

// NewImportRunner returns a runner with a worker name of its own (host, process, random).
func NewImportRunner(svc steward.ImportService, log *slog.Logger) *ImportRunner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ImportRunner{svc: svc, log: log, worker: WorkerName("serve"), wake: make(chan struct{}, 1), poll: DefaultImportPoll}
}

// WorkerName is a name no other worker has: what, the host, the process id and random bits.
func WorkerName(what string) string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return what + "@" + host + "/" + itoa(os.Getpid()) + "/" + hex.EncodeToString(b)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Wake tells the runner a job was queued (it never blocks).
func (r *ImportRunner) Wake(string) {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx ends; a job cut short by the end stays running under this
// worker and is put back in the queue (to be run again from its start) by the next claim after
// it went stale, in this process after a restart or in another.
func (r *ImportRunner) Run(ctx context.Context) {
	for {
		id, err := r.svc.ClaimImport(ctx, r.worker)
		if err != nil && ctx.Err() == nil {
			r.log.Error("import queue", "err", err)
		}
		if id != "" {
			start := time.Now()
			j, err := r.svc.RunImport(ctx, id, r.worker, nil)
			switch {
			case err != nil && ctx.Err() != nil:
				r.log.Info("import interrupted by shutdown; it runs again after a restart", "import", id)
			case err != nil:
				r.log.Error("import", "import", id, "err", err)
			default:
				r.log.Info("import done", "import", id, "kind", j.Kind, "status", j.Status, "dry_run", j.DryRun,
					"rows", j.TotalRows, "created", j.Created, "updated", j.Updated, "unchanged", j.Unchanged,
					"failed_rows", j.FailedRows, "took", time.Since(start).Round(time.Millisecond))
			}
			if ctx.Err() == nil {
				continue // there may be more
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-time.After(r.poll):
		}
	}
}
