package store

import (
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// AgeImportHeartbeat makes a running job's worker look silent for longer than importStale, as
// a process that died leaves it.
func AgeImportHeartbeat(t *testing.T, s *Store, id string) {
	t.Helper()
	old := steward.TimestampOf(time.Now().Add(-2 * importStale))
	if _, err := s.writer().exec(t.Context(), "UPDATE import_jobs SET heartbeat = ? WHERE id = ? AND status = ?",
		old, id, string(steward.ImportRunning)); err != nil {
		t.Fatal(err)
	}
}
