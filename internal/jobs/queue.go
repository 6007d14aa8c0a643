package jobs

import (
	"context"
	"time"
)

// drainLoop is the shape of each claim loop: it runs batch at once, then again and again while
// batch reports more work waiting (a full batch) and ctx lasts, then waits for wake or poll and
// starts over, until ctx ends.
func drainLoop(ctx context.Context, wake <-chan struct{}, poll time.Duration, batch func() (more bool)) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
		}
		for ctx.Err() == nil && batch() {
		}
		timer.Reset(poll)
	}
}
